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
from ..rendering import citation_label, to_html
from . import render
from .text import DEFAULT_LANGUAGE, STATUS_LABELS, esc, localise_error, t
from .ui_conversations import owner_note


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
    out = [f'<div class="cl-explanation" lang="{esc(a.get("language") or "nb")}">',
           to_html(a, marker=lambda n: f' <button type="button" class="cite-btn" data-cite="{n}" '
                                       f'aria-controls="forklar-kilde-{n}">[{n}]</button>')]
    citations = a.get("citations") or []
    if citations:
        out.append(f'<div class="cl-sources"><h4>{esc(t("sources", lang))}</h4>')
        for c in citations:
            label = citation_label(c, lang)
            out.append(f'<details id="forklar-kilde-{int(c["n"])}"><summary>[{int(c["n"])}] {esc(label)}</summary>'
                       f'{render.source_panel(c, lang)}</details>')
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def _due_text(value: Any) -> str:
    return value.isoformat() if value else ""


class StaleItem(AssistantError):
    """The item was changed elsewhere (another tab, another user) after this form was filled."""

    def __init__(self, number: int):
        super().__init__(f"stale item {number}")
        self.number = number


FORM_FIELDS = ("status", "note", "owner", "due")


def form_values(state: Any) -> dict[str, Any]:
    """A stored item state as the form shows it: what a save compares."""
    return {"status": state.status, "note": (state.note or "").strip(), "owner": (state.owner or "").strip(),
            "due": _due_text(state.due)}


def changes_to_save(form: dict[str, Any], base: dict[str, Any] | None, stored: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(fields to write, fields in conflict), from the form, what it was filled from (`base`) and
    what is stored now. A field the user left as filled is not written, so a change made
    elsewhere meanwhile is kept; a field both changed, to different values, is a conflict.

    >>> changes_to_save({"note": "B"}, {"note": ""}, {"note": "A"})
    (set(), {'note'})
    >>> changes_to_save({"note": "B", "owner": ""}, {"note": "", "owner": ""}, {"note": "", "owner": "Kari"})
    ({'note'}, set())
    """
    base = stored if base is None else base
    write, conflict = set(), set()
    for k, value in form.items():
        if (k == "status" and not value) or value == stored.get(k) or value == base.get(k):
            continue  # a radio cannot be unset; already stored; or not changed in this form
        (conflict if stored.get(k) != base.get(k) else write).add(k)
    return write, conflict


def status_mark(status: str | None, lang: str) -> str:
    labels = STATUS_LABELS.get(lang, STATUS_LABELS[DEFAULT_LANGUAGE])
    return labels[status] if status else t("unanswered", lang)


def jump_choices(checklist: Any, session: Any, lang: str) -> list[tuple[str, int]]:
    """Every item with its number and status, for the "go to item" list; unanswered ones marked."""
    out = []
    for i, item in enumerate(checklist.items):
        st = session.state(item.id).status
        mark = "○" if not st else "✓"
        text = item.label if len(item.label) <= 70 else item.label[:69].rsplit(" ", 1)[0] + "…"
        out.append((f"{i + 1}. {mark} {status_mark(st, lang)} – {text}", i))
    return out


def overview_html(checklist: Any, session: Any, index: int, lang: str) -> str:
    """All items by part with their status; the current one marked, unanswered ones stand out."""
    rows, group = [], None
    for i, item in enumerate(checklist.items):
        if item.group != group:
            if group is not None:
                rows.append("</ol>")
            group = item.group
            rows.append(f'<h4 class="cl-ov-group">{esc(group or checklist.title)}</h4><ol start="{i + 1}">')
        st = session.state(item.id).status
        cls = "cl-ov-open" if not st else "cl-ov-done"
        current = ' aria-current="step" class="cl-ov-current"' if i == index else ""
        rows.append(f'<li{current}><span class="{cls}">{esc(status_mark(st, lang))}</span> {esc(item.label)}</li>')
    rows.append("</ol>")
    return f'<div class="cl-overview">{"".join(rows)}</div>'


def checklist_tab(holder: Any, config: Config, lang: gr.State, demo: gr.Blocks, user: Any = None) -> gr.Dropdown:
    """`user(request)` gives the signed-in `Identity` (sessions are then theirs; an admin sees
    all) or None when sign-in is not configured. The earlier sessions are listed when the page
    opens, so one can resume at once; picking a checklist narrows the list to it."""
    svc = ChecklistService(config)
    checklists = svc.list_checklists()
    titles = {c.id: c.title for c in checklists}
    walk = gr.State({"sid": None, "index": 0})

    def identity(request: gr.Request | None):
        return user(request) if user is not None else None

    def who(request: gr.Request | None) -> str:
        ident = identity(request)
        return ident.name if ident is not None else ""

    def scope(request: gr.Request | None) -> str | None:
        """Whose sessions this request may see: None for all (no sign-in, or an admin)."""
        ident = identity(request)
        return None if ident is None or ident.admin else ident.name

    intro = gr.Markdown(t("pick_checklist"))
    with gr.Row(elem_id="checklist-start-row", elem_classes="stack-narrow"):
        pick = gr.Dropdown([(c.title, c.id) for c in checklists], value=None, label=t("checklist"),
                           elem_id="checklist-pick", scale=3)
        name = gr.Textbox(label=t("session_name"), elem_id="session-name", scale=2)
        start = gr.Button(t("start_session"), variant="primary", elem_id="session-start", scale=1)
    with gr.Row(elem_id="session-row", elem_classes="stack-narrow"):
        sessions = gr.Dropdown([], label=t("sessions"), elem_id="session-pick", scale=5)
        resume = gr.Button(t("resume"), elem_id="session-resume", scale=1)
    with gr.Column(visible=False, elem_id="checklist-walk") as panel:
        progress = gr.HTML("", elem_id="checklist-progress")
        jump = gr.Dropdown([], label=t("jump"), elem_id="item-jump", interactive=True)
        item = gr.HTML("", elem_id="checklist-item")
        status = gr.Radio(_status_choices(DEFAULT_LANGUAGE), label=t("status"), elem_id="item-status")
        note = gr.Textbox(label=t("note"), lines=2, elem_id="item-note")
        with gr.Row(elem_classes="stack-narrow"):
            owner = gr.Textbox(label=t("owner"), elem_id="item-owner", max_lines=1)
            due = gr.Textbox(label=t("due"), elem_id="item-due", max_lines=1, placeholder="2026-03-31")
        saved = gr.Markdown("", elem_id="item-saved")
        reload_item = gr.Button(t("reload_item"), visible=False, elem_id="item-reload", size="sm")
        # The item's values as this form was filled with them: a save writes only what the user
        # changed and refuses when the same field was changed elsewhere meanwhile (another tab).
        base = gr.State({})
        # Which item the form shows, set by the same response that fills the form, so a save
        # always pairs the values with their item (the walk state may have moved on by then).
        shown = gr.Textbox("", visible=False, elem_id="item-id")
        with gr.Row():
            prev = gr.Button(t("prev"), elem_id="item-prev")
            save = gr.Button(t("save_next"), variant="primary", elem_id="item-save")
            explain = gr.Button(t("explain"), elem_id="item-explain")
        explanation = gr.HTML("", elem_id="item-explanation")
        with gr.Accordion(t("overview"), open=False, elem_id="item-overview-box") as overview_box:
            overview = gr.HTML("", elem_id="item-overview")
        with gr.Row(elem_id="report-row", elem_classes="stack-narrow"):
            report_format = gr.Radio(_format_choices(), value="docx", label=t("report_format"), elem_id="report-format",
                                     scale=2)
            report = gr.Button(t("report"), elem_id="report-make", scale=1)
            download = gr.DownloadButton(visible=False, elem_id="report-download", scale=1)

    view_outputs = [walk, panel, progress, item, status, note, owner, due, explanation, saved, jump, overview, shown,
                    base, reload_item]
    fields = [walk, shown, status, note, owner, due, base, lang]

    def view(state: dict, code: str, message: str = ""):
        session = svc.get_session(state["sid"])
        checklist = svc.get_checklist(session.checklist_id)
        index = min(max(state["index"], 0), len(checklist.items) - 1)
        current = session.state(checklist.items[index].id)
        p = svc.progress(session.id)
        return ({"sid": session.id, "index": index}, gr.update(visible=True), progress_html(p.answered, p.total, code),
                item_html(checklist, index, code), gr.update(value=current.status), current.note, current.owner,
                _due_text(current.due), "", message,
                gr.update(choices=jump_choices(checklist, session, code), value=index),
                overview_html(checklist, session, index, code), checklist.items[index].id,
                {"item": checklist.items[index].id, **form_values(current)}, gr.update(visible=False))

    def store_current(state: dict, item_id: str, status_value: str | None, note_value: str, owner_value: str,
                      due_value: str, filled: dict | None, by: str) -> set[str]:
        """Write what the user changed in the form for its item (see `changes_to_save`); a field
        changed elsewhere since the form was filled raises StaleItem and nothing is written.
        Returns the fields written."""
        if not state.get("sid") or not item_id:
            return set()
        session = svc.get_session(state["sid"])
        checklist = svc.get_checklist(session.checklist_id)
        current = checklist.item(item_id)
        form = {"status": status_value or None, "note": (note_value or "").strip(),
                "owner": (owner_value or "").strip(), "due": (due_value or "").strip()}
        filled = filled if filled and filled.get("item") == item_id else None
        write, conflict = changes_to_save(form, filled, form_values(session.state(current.id)))
        if conflict:
            raise StaleItem(checklist.index_of(item_id) + 1)
        if write:
            raw = {"status": status_value, "note": note_value or "", "owner": owner_value or "", "due": form["due"]}
            svc.update_item(session.id, current.id, updated_by=by, **{k: raw[k] for k in write})
        return write

    def shown_index(state: dict, item_id: str) -> int:
        """The index of the item the form showed (the walk state's when none)."""
        if not item_id:
            return state["index"]
        return svc.get_checklist(svc.get_session(state["sid"]).checklist_id).index_of(item_id)

    def session_choices(checklist_id: str | None, request: gr.Request | None, code: str) -> list[tuple[str, str]]:
        """The sessions this user may resume (all checklists', or the picked one's), newest first;
        an admin, who sees everyone's, also sees whose each one is."""
        ident = identity(request)
        admin, owner = ident is not None and ident.admin, scope(request)

        def name(s: Any) -> str:  # the checklist named, unless the session's name starts with it
            title = titles.get(s.checklist_id, s.checklist_id)
            return s.name if s.name.startswith(title) else f"{s.name} · {title}"

        return [(f"{name(s)} – {t('answered', code).format(a=s.answered, n=s.total)} ({s.updated_at:%d.%m.%Y %H:%M}"
                 f"{owner_note(s.created_by, code) if admin else ''})",
                 s.id) for s in svc.list_sessions(checklist_id or None, owner=owner)]

    def guarded(fn):
        @functools.wraps(fn)
        def run(*args):
            code = next((a for a in reversed(args) if isinstance(a, str) and a in STATUS_LABELS), DEFAULT_LANGUAGE)
            try:
                return fn(*args)
            except StaleItem as stale:
                message = t("stale_item", code).format(n=stale.number)
                gr.Warning(esc(message), title=t("warning", code))
                out = {saved: message, reload_item: gr.update(visible=True)}
                return tuple(out.get(c, gr.update()) for c in view_outputs)
            except AssistantError as err:
                gr.Warning(esc(localise_error(str(err), code)), title=t("warning", code))
                return tuple(gr.update() for _ in view_outputs)
        return run

    def on_pick(checklist_id: str | None, code: str, request: gr.Request):
        return gr.update(choices=session_choices(checklist_id, request, code), value=None)

    @guarded
    def on_start(checklist_id: str | None, session_name: str, code: str, request: gr.Request):
        if not checklist_id:
            raise AssistantError(t("pick_checklist", code))
        session = svc.start_session(checklist_id, session_name.strip() or None, created_by=who(request))
        return view({"sid": session.id, "index": 0}, code)

    @guarded
    def on_resume(session_id: str | None, code: str, request: gr.Request):
        if not session_id:
            raise AssistantError(t("pick_checklist", code))
        svc.check_access(session_id, scope(request))
        return view({"sid": session_id, "index": svc.resume_index(session_id)}, code)

    @guarded
    def on_save(state: dict, item_id: str, status_value: str | None, note_value: str, owner_value: str,
                due_value: str, filled: dict, code: str, request: gr.Request):
        store_current(state, item_id, status_value, note_value, owner_value, due_value, filled, who(request))
        state = {**state, "index": shown_index(state, item_id)}
        nxt = svc.next_index(state["sid"], state["index"])
        if nxt is None:
            done = svc.progress(state["sid"]).done
            return view(state, code, t("all_done", code) if done else t("saved", code))
        return view({**state, "index": nxt}, code)

    @guarded
    def on_prev(state: dict, item_id: str, status_value: str | None, note_value: str, owner_value: str,
                due_value: str, filled: dict, code: str, request: gr.Request):
        kept = store_current(state, item_id, status_value, note_value, owner_value, due_value, filled, who(request))
        state = {**state, "index": shown_index(state, item_id)}
        return view({**state, "index": svc.prev_index(state["sid"], state["index"])}, code,
                    t("saved_item", code).format(n=state["index"] + 1) if kept else "")

    @guarded
    def on_jump(target: Any, state: dict, item_id: str, status_value: str | None, note_value: str,
                owner_value: str, due_value: str, filled: dict, code: str, request: gr.Request):
        if target is None or not state.get("sid"):
            return tuple(gr.update() for _ in view_outputs)
        kept = store_current(state, item_id, status_value, note_value, owner_value, due_value, filled, who(request))
        return view({**state, "index": int(target)}, code,
                    t("saved_item", code).format(n=state["index"] + 1) if kept else "")

    def on_field(state: dict, item_id: str, status_value: str | None, note_value: str, owner_value: str,
                 due_value: str, filled: dict, code: str, request: gr.Request):
        """A status picked or a field left: saved at once, so nothing is lost by leaving."""
        unchanged = (gr.update(),) * len(field_outputs)
        try:
            written = store_current(state, item_id, status_value, note_value, owner_value, due_value, filled,
                                    who(request))
            if not written:
                return unchanged
        except StaleItem as stale:
            message = t("stale_item", code).format(n=stale.number)
            gr.Warning(esc(message), title=t("warning", code))
            return gr.update(), message, gr.update(), gr.update(), gr.update(visible=True)
        except AssistantError as err:
            gr.Warning(esc(localise_error(str(err), code)), title=t("warning", code))
            return unchanged
        session = svc.get_session(state["sid"])
        checklist = svc.get_checklist(session.checklist_id)
        p = svc.progress(session.id)
        return (progress_html(p.answered, p.total, code), t("autosaved", code),
                overview_html(checklist, session, state["index"], code),
                # only the fields written move the base: one this form still shows as filled
                # (changed elsewhere meanwhile) must not count as the user's change on its next save
                {**(filled if filled and filled.get("item") == item_id else {"item": item_id}),
                 **{k: v for k, v in form_values(session.state(item_id)).items() if k in written}}, gr.update())

    @guarded
    def on_reload(state: dict, item_id: str, code: str):
        """The item as stored now (after a refused save): the form and its base filled anew."""
        return view({**state, "index": shown_index(state, item_id)}, code)

    def on_explain(state: dict, code: str):
        try:
            session = svc.get_session(state["sid"])
            checklist = svc.get_checklist(session.checklist_id)
            answer = svc.explain(checklist.items[state["index"]], holder.get(), lang=code)
        except AssistantError as err:
            return f'<p class="cl-error">{esc(localise_error(str(err), code))}</p>'
        return render_explanation(answer, code)

    def on_report(state: dict, fmt: str, code: str):
        """The report in the one format chosen, named after the session, behind a download
        button (Markdown with its chart inside, so the one file is the whole report)."""
        try:
            session = svc.get_session(state["sid"])
            fmt = fmt if fmt in REPORT_FORMATS else REPORT_FORMATS[0]
            path = Path(tempfile.mkdtemp(prefix="rapport-")) / f"{report_stem(session)}.{fmt}"
            data = svc.report(session.id, fmt)
            path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        except AssistantError as err:
            gr.Warning(esc(localise_error(str(err), code)), title=t("warning", code))
            return gr.update(visible=False)
        return gr.update(value=str(path), visible=True, label=t("report_download", code).format(name=path.name))

    def relabel(code: str, state: dict, picked: str | None, request: gr.Request):
        labels = (
            t("pick_checklist", code),
            gr.update(label=t("checklist", code)), gr.update(label=t("session_name", code)),
            gr.update(value=t("start_session", code)),
            gr.update(label=t("sessions", code), choices=session_choices(picked, request, code)),
            gr.update(value=t("resume", code)), gr.update(label=t("status", code), choices=_status_choices(code)),
            gr.update(label=t("note", code)), gr.update(value=t("prev", code)), gr.update(value=t("save_next", code)),
            gr.update(value=t("explain", code)), gr.update(value=t("report", code)),
            gr.update(label=t("report_format", code)),
            gr.update(label=t("owner", code)), gr.update(label=t("due", code)), gr.update(label=t("overview", code)),
            gr.update(value=t("reload_item", code)),
        )
        if state.get("sid"):
            v = view(state, code)
            return (*labels, v[2], v[3], gr.update(label=t("jump", code), choices=v[10]["choices"]), v[11])
        return (*labels, gr.update(), gr.update(), gr.update(label=t("jump", code)), gr.update())

    private = {"api_visibility": "private"}
    # Saves and moves run one at a time, in the order they were made.
    form = {**private, "concurrency_id": "checklist-form", "concurrency_limit": 1}
    demo.load(on_pick, inputs=[pick, lang], outputs=[sessions], **private)
    pick.change(on_pick, inputs=[pick, lang], outputs=[sessions], **private)
    start.click(on_start, inputs=[pick, name, lang], outputs=view_outputs, **form).then(
        on_pick, inputs=[pick, lang], outputs=[sessions], **private)
    resume.click(on_resume, inputs=[sessions, lang], outputs=view_outputs, **form)
    save.click(on_save, inputs=fields, outputs=view_outputs, **form)
    prev.click(on_prev, inputs=fields, outputs=view_outputs, **form)
    jump.input(on_jump, inputs=[jump, *fields], outputs=view_outputs, **form)
    field_outputs = [progress, saved, overview, base, reload_item]
    status.input(on_field, inputs=fields, outputs=field_outputs, **form)
    for box in (note, owner, due):
        box.blur(on_field, inputs=fields, outputs=field_outputs, **form)
        # Typing makes the last "saved" notice untrue until the field is left: clear it in the
        # page, without a server call per key.
        box.input(None, outputs=[saved], js="() => ''", **private)
    reload_item.click(on_reload, inputs=[walk, shown, lang], outputs=view_outputs, **form)
    explain.click(on_explain, inputs=[walk, lang], outputs=[explanation], **private)
    report.click(on_report, inputs=[walk, report_format, lang], outputs=[download], **private)
    lang.change(relabel, inputs=[lang, walk, pick], outputs=[intro, pick, name, start, sessions, resume, status, note,
                                                             prev, save, explain, report, report_format, owner, due,
                                                             overview_box, reload_item, progress, item, jump, overview],
                **private)
    return pick


REPORT_FORMATS = ("docx", "pdf", "md")


def _format_choices() -> list[tuple[str, str]]:
    return [("Word (.docx)", "docx"), ("PDF (.pdf)", "pdf"), ("Markdown (.md)", "md")]


def report_stem(session: Any) -> str:
    """The report's file name: the session's name (letters, digits and dashes), then its checklist."""
    from ..checklists.report import file_stem

    return file_stem(session)
