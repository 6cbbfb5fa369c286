"""The readiness report for one session, as Markdown or as a Word document (python-docx).

Both formats carry the same content, built once in `summarise`: counts and readiness per part,
the chart, an action list of "nei"/"delvis" items with owner and due date, and every item with
its status, note and source reference. Labels are in Norwegian bokmål.
"""
from __future__ import annotations

import base64
import io
from datetime import date, datetime
from pathlib import Path

from ..errors import ChecklistError
from ..validation import clean_text
from .chart import readiness_chart
from .models import STATUS_LABELS, Checklist, ChecklistItem, ItemState, Session

COUNT_KEYS = ["ja", "delvis", "nei", "ikke relevant", None]
COUNT_LABELS = ["Ja", "Delvis", "Nei", "Ikke relevant", "Ubesvart"]
FORMATS = ("md", "docx")


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


def _cell(text: str) -> str:
    """Text inside a Markdown table cell or list line: "|" escaped, lines joined with <br>."""
    return str(text).replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def printable(session: Session) -> Session:
    """The session with every stored text as printable XML text, and names on one line: rows
    written before input was cleaned (a NUL or vertical tab in a note) must not break a report."""
    def line(text: str) -> str:
        return " ".join(clean_text(text).split())

    states = {k: st.model_copy(update={"note": clean_text(st.note), "owner": line(st.owner),
                                       "updated_by": line(st.updated_by)}) for k, st in session.states.items()}
    return session.model_copy(update={"name": line(session.name), "created_by": line(session.created_by),
                                      "states": states})


def render_markdown(checklist: Checklist, session: Session, chart_ref: str | None = None) -> str:
    """Markdown; the chart is inlined as a data URI unless `chart_ref` names a file beside it."""
    session = printable(session)
    s = summarise(checklist, session)
    if chart_ref is None:
        png = readiness_chart(s["parts"])
        chart_ref = "data:image/png;base64," + base64.b64encode(png).decode()
    out = [f"# Beredskapsrapport: {checklist.title}", ""]
    meta = [("Økt", f"{session.name} (`{session.id}`)"), ("Sjekkliste", f"{checklist.title} – {checklist.description}"),
            ("Kilde", checklist.document), ("Opprettet", _when(session.created_at)),
            ("Sist oppdatert", _when(session.updated_at)),
            ("Fremdrift", f"{s['answered']} av {s['size']} punkter besvart"),
            ("Samlet beredskap", _pct(s["readiness"]))]
    out += [f"- **{k}:** {v}" for k, v in meta if v] + ["", "## Beredskap per del", "",
                                                        f"![Beredskap per del]({chart_ref})", ""]
    out += ["| Del | " + " | ".join(COUNT_LABELS) + " | Beredskap |", "|---" * (len(COUNT_LABELS) + 2) + "|"]
    for p in s["parts"] + [{"name": "**Totalt**", "counts": s["total"], "readiness": s["readiness"]}]:
        counts = " | ".join(str(p["counts"][k]) for k in COUNT_KEYS)
        out.append(f"| {_cell(p['name'])} | {counts} | {_pct(p['readiness'])} |")
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
        out += [f"### {p['name']}", ""] + ([f"> {p['intro']}", ""] if p["intro"] else [])
        for n, item, st in (r for r in s["rows"] if r[1].group == p["name"]):
            out.append(f"{n}. **{item.label}**")
            details = [f"Status: {_status(st)}"] + [f"{k}: {v}" for k, v in (
                ("Ansvarlig", st.owner), ("Frist", _when(st.due)), ("Oppdatert av", st.updated_by)) if v]
            out.append(f"   - {' · '.join(details)}")
            if st.note:
                out.append(f"   - Notat: {_cell(st.note)}")
            out.append(f"   - Kilde: {source_ref(checklist, item)}")
        out.append("")
    return "\n".join(out)


def render_docx(checklist: Checklist, session: Session) -> bytes:
    from docx import Document
    from docx.shared import Cm, Pt

    session = printable(session)
    s = summarise(checklist, session)
    doc = Document()
    doc.core_properties.title = f"Beredskapsrapport: {checklist.title}"
    doc.core_properties.language = "nb-NO"
    doc.styles["Normal"].font.size = Pt(10)
    doc.add_heading(f"Beredskapsrapport: {checklist.title}", level=0)
    for label, value in (("Økt", f"{session.name} ({session.id})"), ("Sjekkliste", checklist.description),
                         ("Kilde", checklist.document), ("Opprettet", _when(session.created_at)),
                         ("Sist oppdatert", _when(session.updated_at)),
                         ("Fremdrift", f"{s['answered']} av {s['size']} punkter besvart"),
                         ("Samlet beredskap", _pct(s["readiness"]))):
        para = doc.add_paragraph()
        para.add_run(f"{label}: ").bold = True
        para.add_run(value)
    doc.add_heading("Beredskap per del", level=1)
    doc.add_picture(io.BytesIO(readiness_chart(s["parts"])), width=Cm(16))
    _table(doc, ["Del"] + COUNT_LABELS + ["Beredskap"],
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
            details = [f"Status: {_status(st)}"] + [f"{k}: {v}" for k, v in (
                ("Ansvarlig", st.owner), ("Frist", _when(st.due)), ("Oppdatert av", st.updated_by)) if v]
            doc.add_paragraph(" · ".join(details), style="List Bullet")
            if st.note:
                doc.add_paragraph(f"Notat: {st.note}", style="List Bullet")
            doc.add_paragraph(f"Kilde: {source_ref(checklist, item)}", style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _table(doc, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text


def render(checklist: Checklist, session: Session, format: str = "md") -> str | bytes:
    fmt = (format or "md").lower().lstrip(".")
    if fmt in ("md", "markdown"):
        return render_markdown(checklist, session)
    if fmt in ("docx", "word"):
        return render_docx(checklist, session)
    raise ChecklistError(f"Ukjent rapportformat «{format}». Velg «md» eller «docx».")


def write(checklist: Checklist, session: Session, path: Path, format: str | None = None) -> Path:
    """Write to `path` (format from the suffix unless given); Markdown gets `<stem>-beredskap.png`."""
    fmt = (format or path.suffix or "md").lower().lstrip(".")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt in ("md", "markdown"):
            chart = path.with_name(f"{path.stem}-beredskap.png")
            chart.write_bytes(readiness_chart(summarise(checklist, session)["parts"]))
            path.write_text(render_markdown(checklist, session, chart_ref=chart.name), encoding="utf-8")
        else:
            data = render(checklist, session, fmt)
            path.write_bytes(data if isinstance(data, bytes) else data.encode())
    except OSError as err:
        raise ChecklistError(f"Kunne ikke skrive rapporten til {path}: {err}") from err
    return path
