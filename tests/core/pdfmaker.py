"""Tiny text PDFs for tests, written with pypdf (no other PDF library needed)."""
from __future__ import annotations

from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(path: Path, pages: list[list[str]], first_printed: int | None = None,
             labels: list[tuple[int, int, str, str, int]] = ()) -> Path:
    """One PDF page per entry, each line of text on its own line (Helvetica, WinAnsi). With
    `first_printed`, the PDF's page labels number the pages from that number; `labels` gives
    label ranges of its own: (first page, last page (0-based), style "/D" or "/r", prefix, start)."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    for lines in pages:
        page = writer.add_blank_page(595, 842)
        ops = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(f"({_escape(line)}) Tj T*" for line in lines) + " ET"
        stream = DecodedStreamObject()
        stream.set_data(ops.encode("cp1252"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    if first_printed is not None:
        writer.set_page_label(0, len(pages) - 1, style="/D", start=first_printed)
    for first, last, style, prefix, start in labels:
        writer.set_page_label(first, last, style=style or None, prefix=prefix or None, start=start)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path
