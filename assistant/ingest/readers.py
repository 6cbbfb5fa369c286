"""Reading source files into raw text. PDFs keep their page numbers as page-mark lines.

Text files are decoded as what they are: UTF-8 (a stray byte from another encoding, or a
paragraph pasted in from one, is read as the Windows-1252 characters it most likely is, not as a
reason to read the whole file as Windows-1252), UTF-16/32 with or without a byte-order mark, or else a legacy single-byte
encoding: Windows-1252/Latin-1, Mac Roman or DOS (cp850), whichever reads as text.
Mojibake already in the text ("Ã˜rland") is repaired (ftfy). Everything is returned in Unicode
normal form NFC, without zero-width characters, so "Gävleborg" typed on macOS (decomposed) and
on Windows (composed) is one word. Markdown loses what a reader never sees: HTML comments and
hidden elements.
"""
from __future__ import annotations

import codecs
import logging
import re
from contextlib import contextmanager
import unicodedata
from pathlib import Path

from ..errors import DocumentError
from ..validation import strip_format
from .clean import SLIDE_LABEL_RE, page_marker

from ..corpus import SUPPORTED

MAX_TEXT_BYTES = 5_000_000  # about 1,500 pages; embedding more would take hours on two cores
MAX_PDF_BYTES = 100_000_000
MAX_PDF_PAGES = 2000
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ufffe\uffff]|[\ud800-\udfff]")
HTML_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
HIDDEN_HTML_RE = re.compile(
    r"<(\w+)\b[^>]*(?:\bhidden\b|display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0)[^>]*>.*?</\1\s*>", re.S | re.I)
HTML_TAG_RE = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
BLOCK_TAG_RE = re.compile(  # a block-level tag ends a line: "<summary>Mer</summary>Lindesnes" is two words
    r"</?(?:address|article|aside|blockquote|br|dd|details|dialog|div|dl|dt|fieldset|figcaption|figure|footer|"
    r"form|h[1-6]|header|hr|li|main|nav|ol|p|pre|section|summary|table|tbody|td|tfoot|th|thead|tr|ul)\b[^<>]*/?>",
    re.I)
FRONT_MATTER_RE = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
LINK_DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


def _cp1252_byte(err: UnicodeDecodeError) -> tuple[str, int]:
    """Decoding error handler: a byte that is not UTF-8 is read as Windows-1252 (Latin-1 where
    that has no character), one byte at a time."""
    bad = err.object[err.start:err.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), err.end


codecs.register_error("ss-cp1252", _cp1252_byte)


def decode_text(data: bytes) -> str:
    """Bytes of a text file → str, whatever the common encoding; raises ValueError for binary data."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    head = data[:4096]
    if head and b"\x00" in head:
        zeros_even, zeros_odd = head[0::2].count(0), head[1::2].count(0)
        half = len(head) / 2
        if zeros_odd > 0.3 * half and zeros_even < 0.05 * half:
            return data.decode("utf-16-le", errors="replace")
        if zeros_even > 0.3 * half and zeros_odd < 0.05 * half:
            return data.decode("utf-16-be", errors="replace")
        raise ValueError("binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    non_ascii = sum(1 for b in data if b >= 0x80)
    valid, bad = _utf8_census(data)
    if bad * 4 <= non_ascii and bad <= 50 + non_ascii // 20:
        return data.decode("utf-8", errors="ss-cp1252")  # mostly UTF-8: repair the odd bytes
    if valid * 10 >= bad:
        # pieces pasted together from two editors: valid multi-byte UTF-8 sequences almost never
        # arise by chance in a single-byte encoding's Nordic text (a letter is followed by ASCII),
        # so where they are, they are UTF-8, and only the bytes between are another encoding's
        return data.decode("utf-8", errors="ss-cp1252")
    return data.decode(legacy_encoding(data), errors="ss-cp1252")


LEGACY_ENCODINGS = ("cp1252", "mac_roman", "cp850")  # Windows, classic Mac, DOS: the Nordic letters' homes


def legacy_encoding(data: bytes) -> str:
    """Which single-byte encoding a non-UTF-8 text is in. charset-normalizer judges by how
    messy and how much like a language each decoding reads; it is asked only among the
    encodings Nordic text is saved in, since among all of them a short Swedish text in
    Windows-1252 reads as well in Windows-1250. Windows-1252 (Latin-1's superset) when unsure."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS)).best()
    encoding = best.encoding if best else "cp1252"
    return encoding if encoding in LEGACY_ENCODINGS else "cp1252"


def _utf8_census(data: bytes) -> tuple[int, int]:
    """(characters beyond ASCII that are valid multi-byte UTF-8 sequences, about how many bytes
    are not UTF-8: each invalid sequence becomes one U+FFFD), from one decoding."""
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    return sum(1 for ch in text if ord(ch) >= 0x80) - text.count("\ufffd"), replaced


def normalize_unicode(text: str) -> str:
    """NFC, no format characters (bidi marks, zero-width characters, soft hyphens) or typographic ligatures, no control characters except
    tab and line ends (a vertical tab or form feed becomes a line end)."""
    text = strip_format(text)  # the same rule as for what users type, so both sides search alike
    text = CONTROL_RE.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))
    return unicodedata.normalize("NFC", text.translate(LIGATURES))


def repair_text(text: str) -> str:
    """Repair mojibake ("pÃ¥" → "på") and bring the text to NFC."""
    if re.search("[ÂÃ][\u0080-\u00bf\u0152-\u2122]", text):
        import ftfy

        text = ftfy.fix_encoding(text)
    return normalize_unicode(text)


def strip_invisible_markup(text: str) -> str:
    """Markdown as a reader sees it: no HTML comments, hidden elements, tags or link definitions.
    A removed span keeps its line breaks, so line-based structure is unchanged."""
    def blank(m: re.Match) -> str:
        return "\n" * m.group(0).count("\n")

    text = HTML_COMMENT_RE.sub(blank, text)
    text = HIDDEN_HTML_RE.sub(blank, text)
    text = LINK_DEFINITION_RE.sub("", text)
    text = BLOCK_TAG_RE.sub("\n", text)
    return HTML_TAG_RE.sub("", text)


TABLE_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$")  # GFM: one hyphen or more, colons for alignment


def _cells(line: str) -> list[str]:
    line = line.strip()
    line = line[1:] if line.startswith("|") else line
    line = line[:-1] if line.endswith("|") and not line.endswith("\\|") else line
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]


def markdown_tables(text: str, rows: list[str] | None = None) -> str:
    """A Markdown table as a reader reads it: one list item per row, each cell after its column's
    header ("- Region: Hallingdal; Satsing: Reiseliv"); no pipes, no "---" row. The rows' texts
    are appended to `rows` (a table row is never a document's title)."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and "|" in lines[i] and TABLE_SEPARATOR_RE.match(lines[i + 1]) \
                and len(_cells(lines[i])) == len(_cells(lines[i + 1])):
            header = _cells(lines[i])
            out += ["", ""]  # the header and the separator: the table stands apart from the text above
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                cells = _cells(lines[i])
                pairs = [f"{h}: {c}" if h else c for h, c in zip(header, cells) if c]
                row = "; ".join(pairs + [c for c in cells[len(header):] if c])
                if row:
                    out.append(f"- {row}")
                    if rows is not None:
                        rows.append(row)
                else:
                    out.append("")
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def split_front_matter(text: str) -> tuple[dict, str]:
    """YAML front matter ("---\\ntitle: …\\n---") is metadata, not text: its fields, and the text
    without it (its lines left blank, so line numbers hold). Text that merely starts with a "---"
    rule is not front matter unless the block between the rules is a YAML mapping."""
    m = FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        fields = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(fields, dict):
        return {}, text
    return fields, "\n" * m.group(0).count("\n") + text[m.end():]


# What a file is, by its first bytes, whatever its name says. A PDF is read as a PDF; other
# binary formats are never read as text.
MAGIC = ((b"PK\x03\x04", "en zip-fil (for eksempel et Word-dokument .docx)"),
         (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "et gammelt Office-dokument (.doc/.xls)"),
         (b"\x89PNG\r\n\x1a\n", "et PNG-bilde"), (b"\xff\xd8\xff", "et JPEG-bilde"),
         (b"GIF87a", "et GIF-bilde"), (b"GIF89a", "et GIF-bilde"), (b"\x1f\x8b", "en gzip-fil"),
         (b"7z\xbc\xaf\x27\x1c", "en 7z-fil"), (b"Rar!\x1a\x07", "en rar-fil"))


def content_kind(head: bytes) -> str | None:
    """"pdf", a description of another binary format, or None (text, as far as its first bytes say).
    A PDF may have a few bytes of junk before its "%PDF-" header (readers accept up to 1 KB)."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return next((name for magic, name in MAGIC if head.startswith(magic)), None)


@contextmanager
def _pypdf_messages():
    """pypdf's own log messages ("EOF marker not found"), collected instead of printed to stderr."""
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("pypdf")
    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def read_raw(path: Path, notes: list[str] | None = None, meta: dict | None = None) -> str:
    """The raw text of a file. What the reader has to say about a file it could still read (a
    PDF named .txt, a damaged PDF) is appended to `notes` as a message for the user; a text
    file's YAML front matter goes into `meta`, not into the text."""
    notes = notes if notes is not None else []
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(str(path), f"filtypen {suffix or '(ingen)'} støttes ikke (bruk .txt, .md eller .pdf)")
    try:
        size = path.stat().st_size
    except OSError as err:
        raise DocumentError(str(path), f"filen kan ikke leses ({err.strerror})") from err
    limit = MAX_PDF_BYTES if suffix == ".pdf" else MAX_TEXT_BYTES
    if size > limit:
        raise DocumentError(str(path), f"filen er for stor ({size / 1e6:.0f} MB; grensen er {limit / 1e6:.0f} MB "
                                       "for denne filtypen). Del den opp i mindre filer.")
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as err:
        raise DocumentError(str(path), f"filen kan ikke leses ({err.strerror})") from err
    kind = content_kind(head)
    if suffix == ".pdf" or kind == "pdf":
        if kind != "pdf":
            what = f"ser ut til å være {kind}" if kind else "ser ut til å være tekst"
            raise DocumentError(str(path), f"filen heter .pdf, men er ikke en PDF (den {what}); "
                                           "gi den riktig endelse eller lagre den som PDF på nytt")
        if suffix != ".pdf":
            if size > MAX_PDF_BYTES:
                raise DocumentError(str(path), f"filen er en PDF på {size / 1e6:.0f} MB; grensen er "
                                               f"{MAX_PDF_BYTES / 1e6:.0f} MB")
            try:
                text = _read_pdf(path, notes)
            except DocumentError as err:
                raise DocumentError(str(path), f"filen heter {suffix}, men er en PDF; {err.reason}") from err
            notes.append(f"Filen {path.name} heter {suffix}, men er en PDF; den er lest som PDF. "
                         "Gi den endelsen .pdf.")
            return text
        return _read_pdf(path, notes)
    if kind:
        raise DocumentError(str(path), f"filen heter {suffix}, men er {kind}, ikke tekst; den indekseres ikke")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise DocumentError(str(path), f"filen kan ikke leses ({err.strerror})") from err
    try:
        text = decode_text(data)
    except ValueError:
        raise DocumentError(str(path), "filen ser ut til å være binær, ikke tekst") from None
    fields, text = split_front_matter(text)
    if meta is not None:
        meta.update(fields)
    if suffix == ".md":
        rows: list[str] = []
        text = markdown_tables(strip_invisible_markup(text), rows)
        if meta is not None and rows:
            meta["table rows"] = rows
    return repair_text(text)


LABEL_NUMBER_RE = re.compile(r"^\D{0,12}?(\d{1,5})$")  # "8", "Sida 8", "s. 8", "A-8": the number printed


def _rising_or_none(numbers: list[int | None], physical: list[int]) -> list[int] | None:
    """The printed numbers, a page without one taking its place in the file, when the result
    rises (so no two pages are cited alike); else None."""
    out = [n if n is not None else k for n, k in zip(numbers, physical)]
    return out if any(n is not None for n in numbers) and all(a < b for a, b in zip(out, out[1:])) else None


def printed_page_numbers(reader) -> list[int]:
    """The page number to cite for each page: the number its page label prints ("8", "Sida 8")
    where the PDF has page labels, else the page's place in the file. A page whose label has
    no number (roman front matter: "i") keeps its place in the file. Labels are used only when
    the result rises, so a citation never names two pages alike."""
    physical = list(range(1, len(reader.pages) + 1))
    try:
        labels = list(reader.page_labels)
    except Exception:  # noqa: BLE001 - a broken /PageLabels tree: cite the file's own places
        return physical
    if len(labels) != len(physical):
        return physical
    numbers = [int(m.group(1)) if (m := LABEL_NUMBER_RE.match(label.strip())) else None for label in labels]
    return _rising_or_none(numbers, physical) or physical


PRINTED_LABEL_RE = re.compile(SLIDE_LABEL_RE.pattern, re.I | re.M)


def printed_labels(pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Pages that print their own number on a line of its own ("Sida 13" on a slide, "Side 12"
    in a footer) are cited by it, and the line is dropped like any page footer. Used only when
    every page with text prints one and they rise."""
    found = [PRINTED_LABEL_RE.findall(text) for _, text in pages]
    texted = [k for k, (_, text) in enumerate(pages) if text.strip()]
    if not texted or any(len(found[k]) != 1 for k in texted):
        return pages
    numbers = [int(found[k][0]) if len(found[k]) == 1 else None for k in range(len(pages))]
    rising = _rising_or_none(numbers, [n for n, _ in pages])
    if rising is None:
        return pages
    return [(n, PRINTED_LABEL_RE.sub("", text)) for n, (_, text) in zip(rising, pages)]


def _read_pdf(path: Path, notes: list[str]) -> str:
    from pypdf import PdfReader

    with _pypdf_messages() as messages:
        try:
            reader = PdfReader(str(path))
            if len(reader.pages) > MAX_PDF_PAGES:
                raise DocumentError(str(path), f"PDF-filen har {len(reader.pages)} sider; grensen er {MAX_PDF_PAGES}")
            numbers = printed_page_numbers(reader)
            pages = printed_labels([(numbers[i], page.extract_text() or "") for i, page in enumerate(reader.pages)])
        except DocumentError:
            raise
        except Exception as err:  # noqa: BLE001 - pypdf raises many kinds on broken files
            said = f": {'; '.join(dict.fromkeys(messages))[:200]}" if messages else ""
            raise DocumentError(str(path), f"PDF-filen kan ikke leses ({err.__class__.__name__}{said})") from err
    if messages:
        notes.append(f"Filen {path.name} er en skadet PDF, men er lest (pypdf: {'; '.join(dict.fromkeys(messages))[:200]}).")
    if not any(text.strip() for _, text in pages):
        raise DocumentError(str(path), "PDF-filen inneholder ingen tekst som kan hentes ut (skannet bilde?)")
    return "\n".join(f"{page_marker(n)}\n{repair_text(text)}\n" for n, text in pages)
