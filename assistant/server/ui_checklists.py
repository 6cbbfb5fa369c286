"""The Checklists tab: pick a checklist, start or resume a session, walk it item by item
(status, note, "Forklar"), watch the progress bar, download the report."""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from ..checklists.models import STATUSES
from ..checklists.service import ChecklistService
from ..config import Config
from ..errors import AssistantError
from . import render
from .text import DEFAULT_LANGUAGE, STATUS_LABELS, esc, t


def _status_choices(lang: str) -> list[tuple[str, str]]:
    labels = STATUS_LABELS.get(lang, STATUS_LABELS[DEFAULT_LANGUAGE])
    return [(labels[s], s) for s in STATUSES]


def progress_html(answered: int, total: int, lang: str) -> str:
    pct = round(100 * answered / total) if total else 0
    label = t("answered", lang).format(a=answered, n=total)
    return (f'<div class="cl-progress" role="progressbar" aria-valuemin="0" aria-valuemax="{total}" '
            f'aria-valuenow="{answered}" aria-label="{esc(label)}">'
            f'<div class="cl-bar"><div class="cl-fill" style="width:{pct}%"></div></div>'
            f'<div class="cl-label">{esc(label)} ({pct} %)</div></div>')


def item_html(checklist: Any, index: int, lang: str) -> str:
    item = checklist.items[index]
    group = f'<div class="cl-group">{esc(item.group)}</div>' if item.group else ""
    help_text = f'<div class="cl-help">{esc(item.help)}</div>' if item.help else ""
    position = t("item_of", lang).format(i=index + 1, n=len(checklist.items))
    return (f'<div class="cl-item" data-item="{esc(item.id)}">{group}'
            f'<div class="cl-pos">{esc(position)}</div>{help_text}'
            f'<div class="cl-text">{esc(item.label)}</div>'
            f'<div class="cl-source">{esc(t("source_ref", lang))}: {esc(checklist.document or item.source.doc_id)}, '
            f'{esc(item.source.label)}</div></div>')


def render_explanation(answer: Any, lang: str) -> str:
    """The "Forklar" answer as HTML: quoted sentences, each with a clickable [n] that opens the
    cited passage (title, section, page, the sentence marked) below, as in the chat."""
    a = answer.model_dump() if hasattr(answer, "model_dump") else answer
    segments = a.get("segments") or []
    lead = " ".join(s["text"] for s in segments if s.get("cite") is None) or ("" if segments else a.get("answer", ""))
    body = " ".join(
        f'{esc(s["text"])} <button type="button" class="cite-btn" data-cite="{int(s["cite"])}" '
        f'aria-controls="forklar-kilde-{int(s["cite"])}">[{int(s["cite"])}]</button>'
        for s in segments if s.get("cite") is not None)
    out = [f'<div class="cl-explanation" lang="{esc(a.get("language") or "nb")}">']
    if lead:
        out.append(f"<p>{esc(lead)}</p>")
    if body:
        out.append(f"<p>{body}</p>")
    citations = a.get("citations") or []
    if citations:
        out.append(f'<div class="cl-sources"><h4>{esc(t("sources", lang))}</h4>')
        for c in citations:
            label = ", ".join(x for x in (c.get("title"), c.get("section"),
                                          f"{t('page', lang)} {c['page']}" if c.get("page") else None) if x)
            out.append(f'<details id="forklar-kilde-{int(c["n"])}"><summary>[{int(c["n"])}] {esc(label)}</summary>'
                       f'{render.source_panel(c, lang)}</details>')
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def checklist_tab(holder: Any, config: Config, lang: gr.State) -> gr.Dropdown:
    svc = ChecklistService(config)
    checklists = svc.list_checklists()
    walk = gr.State({"sid": None, "index": 0})

    intro = gr.Markdown(t("pick_checklist"))
    with gr.Row():
        pick = gr.Dropdown([(c.title, c.id) for c in checklists], value=None, label=t("checklist"),
                           elem_id="checklist-pick", scale=3)
        name = gr.Textbox(label=t("session_name"), elem_id="session-name", scale=2)
        start = gr.Button(t("start_session"), variant="primary", elem_id="session-start", scale=1)
    with gr.Row():
        sessions = gr.Dropdown([], label=t("sessions"), elem_id="session-pick", scale=5)
        resume = gr.Button(t("resume"), elem_id="session-resume", scale=1)
    with gr.Column(visible=False, elem_id="checklist-walk") as panel:
        progress = gr.HTML("", elem_id="checklist-progress")
        item = gr.HTML("", elem_id="checklist-item")
        status = gr.Radio(_status_choices(DEFAULT_LANGUAGE), label=t("status"), elem_id="item-status")
        note = gr.Textbox(label=t("note"), lines=2, elem_id="item-note")
        with gr.Row():
            prev = gr.Button(t("prev"), elem_id="item-prev")
            save = gr.Button(t("save_next"), variant="primary", elem_id="item-save")
            explain = gr.Button(t("explain"), elem_id="item-explain")
        explanation = gr.HTML("", elem_id="item-explanation")
        with gr.Row():
            report = gr.Button(t("report"), elem_id="report-make")
            files = gr.File(label=t("report"), file_count="multiple", interactive=False, elem_id="report-files")

    view_outputs = [walk, panel, progress, item, status, note, explanation]

    def view(state: dict, code: str, message: str = ""):
        session = svc.get_session(state["sid"])
        checklist = svc.get_checklist(session.checklist_id)
        index = min(max(state["index"], 0), len(checklist.items) - 1)
        current = session.state(checklist.items[index].id)
        p = svc.progress(session.id)
        return ({"sid": session.id, "index": index}, gr.update(visible=True), progress_html(p.answered, p.total, code),
                item_html(checklist, index, code), gr.update(value=current.status), current.note, message)

    def session_choices(checklist_id: str | None) -> list[tuple[str, str]]:
        if not checklist_id:
            return []
        return [(f"{s.name} – {s.progress} ({s.updated_at:%d.%m.%Y %H:%M})", s.id) for s in svc.list_sessions(checklist_id)]

    def guarded(fn):
        @functools.wraps(fn)
        def run(*args):
            try:
                return fn(*args)
            except AssistantError as err:
                gr.Warning(str(err))
                return tuple(gr.update() for _ in view_outputs)
        return run

    def on_pick(checklist_id: str | None):
        return gr.update(choices=session_choices(checklist_id), value=None)

    @guarded
    def on_start(checklist_id: str | None, session_name: str, code: str):
        if not checklist_id:
            raise AssistantError(t("pick_checklist", code))
        session = svc.start_session(checklist_id, session_name.strip() or None, created_by="")
        return view({"sid": session.id, "index": 0}, code)

    @guarded
    def on_resume(session_id: str | None, code: str):
        if not session_id:
            raise AssistantError(t("pick_checklist", code))
        return view({"sid": session_id, "index": svc.resume_index(session_id)}, code)

    @guarded
    def on_save(state: dict, status_value: str | None, note_value: str, code: str):
        session = svc.get_session(state["sid"])
        checklist = svc.get_checklist(session.checklist_id)
        current = checklist.items[state["index"]]
        before = session.state(current.id)
        if status_value or note_value.strip() or before.note:
            svc.update_item(session.id, current.id, status=status_value or None, note=note_value, updated_by="")
        nxt = svc.next_index(session.id, state["index"])
        if nxt is None:
            done = svc.progress(session.id).done
            return view(state, code, t("all_done", code) if done else t("saved", code))
        return view({**state, "index": nxt}, code)

    @guarded
    def on_prev(state: dict, code: str):
        return view({**state, "index": svc.prev_index(state["sid"], state["index"])}, code)

    def on_explain(state: dict, code: str):
        try:
            session = svc.get_session(state["sid"])
            checklist = svc.get_checklist(session.checklist_id)
            answer = svc.explain(checklist.items[state["index"]], holder.get(), lang=code)
        except AssistantError as err:
            return f'<p class="cl-error">{esc(str(err))}</p>'
        return render_explanation(answer, code)

    def on_report(state: dict):
        try:
            session = svc.get_session(state["sid"])
            out = Path(tempfile.mkdtemp(prefix="rapport-"))
            stem = f"sjekkliste-{session.checklist_id}"
            md = svc.write_report(session.id, out / f"{stem}.md")
            docx = svc.write_report(session.id, out / f"{stem}.docx")
        except AssistantError as err:
            gr.Warning(str(err))
            return None
        return [str(docx), str(md), str(out / f"{stem}-beredskap.png")]

    def relabel(code: str, state: dict):
        labels = (
            t("pick_checklist", code),
            gr.update(label=t("checklist", code)), gr.update(label=t("session_name", code)),
            gr.update(value=t("start_session", code)), gr.update(label=t("sessions", code)),
            gr.update(value=t("resume", code)), gr.update(label=t("status", code), choices=_status_choices(code)),
            gr.update(label=t("note", code)), gr.update(value=t("prev", code)), gr.update(value=t("save_next", code)),
            gr.update(value=t("explain", code)), gr.update(value=t("report", code)), gr.update(label=t("report", code)),
        )
        if state.get("sid"):
            v = view(state, code)
            return (*labels, v[2], v[3])
        return (*labels, gr.update(), gr.update())

    private = {"api_visibility": "private"}
    pick.change(on_pick, inputs=[pick], outputs=[sessions], **private)
    start.click(on_start, inputs=[pick, name, lang], outputs=view_outputs, **private).then(
        on_pick, inputs=[pick], outputs=[sessions], **private)
    resume.click(on_resume, inputs=[sessions, lang], outputs=view_outputs, **private)
    save.click(on_save, inputs=[walk, status, note, lang], outputs=view_outputs, **private)
    prev.click(on_prev, inputs=[walk, lang], outputs=view_outputs, **private)
    explain.click(on_explain, inputs=[walk, lang], outputs=[explanation], **private)
    report.click(on_report, inputs=[walk], outputs=[files], **private)
    lang.change(relabel, inputs=[lang, walk], outputs=[intro, pick, name, start, sessions, resume, status, note, prev,
                                                       save, explain, report, files, progress, item], **private)
    return pick
