"""The readiness report for one session, as Markdown, a Word document (python-docx) or a PDF
(fpdf2, with the DejaVu font matplotlib ships).

All formats carry the same content, built once in `summarise`: counts and readiness per part,
the chart, an action list of "nei"/"delvis" items with owner and due date, and every item with
its status, note and source reference. Word and PDF are A4 with the chart inside the margins,
the session's name in the title and file name, the organisation and date in the page header.
Labels are in Norwegian bokmål.
"""
from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime
from pathlib import Path

from ..errors import ChecklistError
from ..validation import clean_text
from .chart import readiness_chart
from .models import STATUS_LABELS, Checklist, ChecklistItem, ItemState, Session

COUNT_KEYS = ["ja", "delvis", "nei", "ikke relevant", None]
COUNT_LABELS = ["Ja", "Delvis", "Nei", "Ikke relevant", "Ubesvart"]
FORMATS = ("md", "docx", "pdf")
PRODUCER = "Smart spesialisering – rådgivningsassistent"
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u", "é": "e", "Æ": "Ae", "Ø": "O",
                       "Å": "A", "Ä": "A", "Ö": "O"})


def file_stem(session: Session) -> str:
    """`naeringsplan-2026-oppstart`: the session's name in ASCII letters, digits and dashes, then
    its checklist, so reports of different sessions get different names."""
    import unicodedata

    name = re.sub(r"</?[A-Za-z][^<>]*>", " ", session.name)  # "<b>2026</b>" names 2026, not "b-2026-b"
    name = unicodedata.normalize("NFKD", name.translate(_FOLD)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return f"{slug}-{session.checklist_id}" if slug else f"sjekkliste-{session.checklist_id}-{session.id}"


def report_title(checklist: Checklist, session: Session) -> str:
    return f"Statusrapport: {session.name} ({checklist.title})"


def readiness(counts: dict) -> float | None:
    """Share ready: "ja" counts 1, "delvis" 0.5, unanswered 0; "ikke relevant" is left out."""
    relevant = sum(n for k, n in counts.items() if k != "ikke relevant")
    return None if not relevant else (counts.get("ja", 0) + 0.5 * counts.get("delvis", 0)) / relevant


def summarise(checklist: Checklist, session: Session) -> dict:
    parts, rows, actions = [], [], []
    for group in checklist.groups:
        counts = dict.fromkeys(COUNT_KEYS, 0)
        for item_id in group.item_ids:
            number = checklist.index_of(item_id) + 1
            item, state = checklist.item(item_id), session.state(item_id)
            counts[state.status] += 1
            rows.append((number, item, state))
            if state.status in ("nei", "delvis"):
                actions.append((number, item, state))
        parts.append({"name": group.name, "intro": group.intro, "counts": counts, "readiness": readiness(counts)})
    total = dict.fromkeys(COUNT_KEYS, 0)
    for p in parts:
        for k, n in p["counts"].items():
            total[k] += n
    actions.sort(key=lambda a: (a[2].due or date.max, a[0]))
    return {"parts": parts, "total": total, "readiness": readiness(total), "rows": rows, "actions": actions,
            "answered": len(checklist.items) - total[None], "size": len(checklist.items)}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)} %"


def _when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def _status(state: ItemState) -> str:
    return STATUS_LABELS.get(state.status, "Ubesvart") if state.status else "Ubesvart"


def source_ref(checklist: Checklist, item: ChecklistItem) -> str:
    return f"{checklist.document or item.source.doc_id}, {item.source.label}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md_text(text: str) -> str:
    """A user's text (a session name, note, owner) as Markdown that shows it as typed in any
    viewer: `<`, `>` and `&` as entities (no HTML runs), emphasis, links, code and table marks
    escaped with a backslash."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _cell(text: str) -> str:
    """User text inside a Markdown table cell or list line: escaped (`md_text`), lines joined with <br>."""
    return md_text(str(text).replace("\r", "")).replace("\n", "<br>")


def _details(state: ItemState, text=str) -> list[str]:
    """An item's status line: status, owner, due date, who changed it last. `text` draws a user's
    text in the format (`_cell` for Markdown); Word and PDF show it as typed."""
    return [f"Status: {_status(state)}"] + [f"{k}: {v}" for k, v in (
        ("Ansvarlig", text(state.owner) if state.owner else ""), ("Frist", _when(state.due)),
        ("Oppdatert av", text(state.updated_by) if state.updated_by else "")) if v]


def printable(session: Session) -> Session:
    """The session with every stored text as printable XML text, and names on one line: rows
    written before input was cleaned (a NUL or vertical tab in a note) must not break a report."""
    def line(text: str) -> str:
        return " ".join(clean_text(text).split())

    states = {k: st.model_copy(update={"note": clean_text(st.note), "owner": line(st.owner),
                                       "updated_by": line(st.updated_by)}) for k, st in session.states.items()}
    return session.model_copy(update={"name": line(session.name), "created_by": line(session.created_by),
                                      "states": states})


def render_markdown(checklist: Checklist, session: Session, chart_ref: str | None = None,
                    organisation: str = "") -> str:
    """Markdown; the chart is inlined as a data URI unless `chart_ref` names a file beside it."""
    session = printable(session)
    s = summarise(checklist, session)
    if chart_ref is None:
        png = readiness_chart(s["parts"])
        chart_ref = "data:image/png;base64," + base64.b64encode(png).decode()
    name = md_text(session.name)
    out = [f"# Statusrapport: {name} ({md_text(checklist.title)})", ""]
    meta = [("Organisasjon", md_text(organisation)), ("Økt", f"{name} (`{session.id}`)"),
            ("Sjekkliste", md_text(f"{checklist.title} – {checklist.description}")),
            ("Kilde", md_text(checklist.document)), ("Opprettet", _when(session.created_at)),
            ("Sist oppdatert", _when(session.updated_at)),
            ("Fremdrift", f"{s['answered']} av {s['size']} punkter besvart"),
            ("Andel på plass", _pct(s["readiness"]))]
    out += [f"- **{k}:** {v}" for k, v in meta if v] + ["", "## Status per del", "",
                                                        f"![Status per del]({chart_ref})", ""]
    out += ["| Del | " + " | ".join(COUNT_LABELS) + " | På plass |", "|---" * (len(COUNT_LABELS) + 2) + "|"]
    for p in [{**p, "name": _cell(p["name"])} for p in s["parts"]] + [
            {"name": "**Totalt**", "counts": s["total"], "readiness": s["readiness"]}]:
        counts = " | ".join(str(p["counts"][k]) for k in COUNT_KEYS)
        out.append(f"| {p['name']} | {counts} | {_pct(p['readiness'])} |")
    out += ["", "## Handlingsliste (nei og delvis)", ""]
    if s["actions"]:
        out += ["| Nr. | Del | Punkt | Status | Ansvarlig | Frist | Notat |", "|---" * 7 + "|"]
        for n, item, st in s["actions"]:
            out.append(f"| {n} | {_cell(item.group)} | {_cell(item.label)} | {_status(st)} | {_cell(st.owner)} "
                       f"| {_when(st.due)} | {_cell(st.note)} |")
    else:
        out.append("Ingen punkter er markert med «nei» eller «delvis».")
    open_items = [str(n) for n, _, st in s["rows"] if not st.status]
    if open_items:
        out += ["", f"Ubesvarte punkter: {', '.join(open_items)}."]
    out += ["", "## Alle punkter", ""]
    for p in s["parts"]:
        out += [f"### {md_text(p['name'])}", ""] + ([f"> {_cell(p['intro'])}", ""] if p["intro"] else [])
        for n, item, st in (r for r in s["rows"] if r[1].group == p["name"]):
            out.append(f"{n}. **{md_text(item.label)}**")
            details = _details(st, _cell)
            out.append(f"   - {' · '.join(details)}")
            if st.note:
                out.append(f"   - Notat: {_cell(st.note)}")
            out.append(f"   - Kilde: {md_text(source_ref(checklist, item))}")
        out.append("")
    return "\n".join(out)


def _meta(checklist: Checklist, session: Session, s: dict, organisation: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in (
        ("Organisasjon", organisation), ("Økt", f"{session.name} ({session.id})"),
        ("Sjekkliste", f"{checklist.title} – {checklist.description}"), ("Kilde", checklist.document),
        ("Opprettet", _when(session.created_at)), ("Sist oppdatert", _when(session.updated_at)),
        ("Fremdrift", f"{s['answered']} av {s['size']} punkter besvart"), ("Andel på plass", _pct(s["readiness"])),
    ) if v]


def _header_line(organisation: str) -> str:
    return " · ".join(x for x in (organisation, f"Utskrevet {date.today():%d.%m.%Y}") if x)


def render_docx(checklist: Checklist, session: Session, organisation: str = "") -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt

    session = printable(session)
    s = summarise(checklist, session)
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, not python-docx's US Letter
    section.left_margin = section.right_margin = Cm(2.2)
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.header.paragraphs[0].text = _header_line(organisation)
    title = report_title(checklist, session)
    doc.core_properties.title = title
    doc.core_properties.author = organisation or PRODUCER
    doc.core_properties.last_modified_by = organisation or PRODUCER
    doc.core_properties.comments = f"Laget av {PRODUCER}"
    doc.core_properties.language = "nb-NO"
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(title, level=0)
    for label, value in _meta(checklist, session, s, organisation):
        para = doc.add_paragraph()
        para.add_run(f"{label}: ").bold = True
        para.add_run(value)
    doc.add_heading("Status per del", level=1)
    usable = section.page_width - section.left_margin - section.right_margin
    doc.add_picture(io.BytesIO(readiness_chart(s["parts"])), width=usable)
    _table(doc, ["Del"] + COUNT_LABELS + ["På plass"],
           [[p["name"]] + [str(p["counts"][k]) for k in COUNT_KEYS] + [_pct(p["readiness"])] for p in s["parts"]]
           + [["Totalt"] + [str(s["total"][k]) for k in COUNT_KEYS] + [_pct(s["readiness"])]])
    doc.add_heading("Handlingsliste (nei og delvis)", level=1)
    if s["actions"]:
        _table(doc, ["Nr.", "Del", "Punkt", "Status", "Ansvarlig", "Frist", "Notat"],
               [[str(n), it.group, it.label, _status(st), st.owner, _when(st.due), st.note]
                for n, it, st in s["actions"]])
    else:
        doc.add_paragraph("Ingen punkter er markert med «nei» eller «delvis».")
    doc.add_heading("Alle punkter", level=1)
    for p in s["parts"]:
        doc.add_heading(p["name"], level=2)
        if p["intro"]:
            doc.add_paragraph(p["intro"], style="Quote")
        for n, item, st in (r for r in s["rows"] if r[1].group == p["name"]):
            para = doc.add_paragraph()
            para.add_run(f"{n}. {item.label}").bold = True
            details = _details(st)
            doc.add_paragraph(" · ".join(details), style="List Bullet")
            if st.note:
                doc.add_paragraph(f"Notat: {st.note}", style="List Bullet")
            doc.add_paragraph(f"Kilde: {source_ref(checklist, item)}", style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _font_files() -> tuple[str, str]:
    """DejaVu Sans from matplotlib's own data (a dependency already): Unicode text, no system fonts."""
    from pathlib import Path as _Path

    import matplotlib

    folder = _Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return str(folder / "DejaVuSans.ttf"), str(folder / "DejaVuSans-Bold.ttf")


def render_pdf(checklist: Checklist, session: Session, organisation: str = "") -> bytes:
    """The same content as the Word report, as an A4 PDF."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    session = printable(session)
    s = summarise(checklist, session)
    title = report_title(checklist, session)
    header = _header_line(organisation)

    class Report(FPDF):
        def header(self):
            self.set_font("DejaVu", size=8)
            self.set_text_color(70, 70, 70)
            self.cell(0, 5, header, align="L")
            self.cell(0, 5, f"Side {self.page_no()}", align="R", new_x="LMARGIN", new_y="NEXT")
            self.ln(3)
            self.set_text_color(0, 0, 0)

    pdf = Report(format="A4", unit="mm")
    regular, bold = _font_files()
    pdf.add_font("DejaVu", "", regular)
    pdf.add_font("DejaVu", "B", bold)
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(title)
    pdf.set_author(organisation or PRODUCER)
    pdf.set_creator(PRODUCER)
    pdf.set_lang("nb-NO")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str, size: int) -> None:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text: str, size: int = 10, style: str = "") -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")

    def table(head: list[str], rows: list[list[str]], widths: tuple[float, ...]) -> None:
        pdf.set_font("DejaVu", size=8)
        with pdf.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD"), line_height=4.5,
                       text_align="LEFT", width=width) as t:
            for row in [head] + rows:
                r = t.row()
                for cell in row:
                    r.cell(str(cell))
        pdf.ln(2)

    heading(title, 16)
    for label, value in _meta(checklist, session, s, organisation):
        pdf.set_font("DejaVu", "B", 10)
        pdf.write(5, f"{label}: ")
        pdf.set_font("DejaVu", "", 10)
        pdf.write(5, value)
        pdf.ln(5)
    heading("Status per del", 13)
    pdf.image(io.BytesIO(readiness_chart(s["parts"])), w=width)
    pdf.ln(2)
    table(["Del"] + COUNT_LABELS + ["På plass"],
          [[p["name"]] + [str(p["counts"][k]) for k in COUNT_KEYS] + [_pct(p["readiness"])] for p in s["parts"]]
          + [["Totalt"] + [str(s["total"][k]) for k in COUNT_KEYS] + [_pct(s["readiness"])]],
          (44, 12, 14, 12, 20, 18, 20))
    heading("Handlingsliste (nei og delvis)", 13)
    if s["actions"]:
        table(["Nr.", "Del", "Punkt", "Status", "Ansvarlig", "Frist", "Notat"],
              [[str(n), it.group, it.label, _status(st), st.owner, _when(st.due), st.note] for n, it, st in s["actions"]],
              (9, 24, 48, 15, 20, 19, 35))
    else:
        para("Ingen punkter er markert med «nei» eller «delvis».")
    heading("Alle punkter", 13)
    for p in s["parts"]:
        heading(p["name"], 11)
        if p["intro"]:
            para(p["intro"], 9)
        for n, item, st in (r for r in s["rows"] if r[1].group == p["name"]):
            para(f"{n}. {item.label}", 10, "B")
            details = _details(st)
            para("   " + " · ".join(details), 9)
            if st.note:
                para(f"   Notat: {st.note}", 9)
            para(f"   Kilde: {source_ref(checklist, item)}", 8)
            pdf.ln(1)
    return bytes(pdf.output())


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text


def render(checklist: Checklist, session: Session, format: str = "md", organisation: str = "") -> str | bytes:
    fmt = (format or "md").lower().lstrip(".")
    if fmt in ("md", "markdown"):
        return render_markdown(checklist, session, organisation=organisation)
    if fmt in ("docx", "word"):
        return render_docx(checklist, session, organisation)
    if fmt == "pdf":
        return render_pdf(checklist, session, organisation)
    raise ChecklistError(f"Ukjent rapportformat «{format}». Velg «md», «docx» eller «pdf».")


def write(checklist: Checklist, session: Session, path: Path, format: str | None = None,
          organisation: str = "") -> Path:
    """Write to `path` (format from the suffix unless given); Markdown gets `<stem>-status.png`."""
    fmt = (format or path.suffix or "md").lower().lstrip(".")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt in ("md", "markdown"):
            chart = path.with_name(f"{path.stem}-status.png")
            chart.write_bytes(readiness_chart(summarise(checklist, session)["parts"]))
            path.write_text(render_markdown(checklist, session, chart_ref=chart.name, organisation=organisation),
                            encoding="utf-8")
        else:
            data = render(checklist, session, fmt, organisation)
            path.write_bytes(data if isinstance(data, bytes) else data.encode())
    except OSError as err:
        raise ChecklistError(f"Kunne ikke skrive rapporten til {path}: {err}") from err
    return path
