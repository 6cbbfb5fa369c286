"""Reading source files into raw text. PDFs keep their page numbers as page-mark lines."""
from __future__ import annotations

from pathlib import Path

from ..errors import DocumentError
from .clean import page_marker

from ..corpus import SUPPORTED


def read_raw(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(str(path), f"filtypen {suffix or '(ingen)'} støttes ikke (bruk .txt, .md eller .pdf)")
    if suffix == ".pdf":
        return _read_pdf(path)
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise DocumentError(str(path), "filen ser ut til å være binær, ikke tekst")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(str(path), "teksten er ikke gyldig UTF-8")


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
    except (PdfReadError, ValueError, OSError, KeyError, TypeError) as err:
        raise DocumentError(str(path), f"PDF-filen kan ikke leses ({err.__class__.__name__})") from err
    if not any(text.strip() for _, text in pages):
        raise DocumentError(str(path), "PDF-filen inneholder ingen tekst som kan hentes ut (skannet bilde?)")
    return "\n".join(f"{page_marker(n)}\n{text}\n" for n, text in pages)
