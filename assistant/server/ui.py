"""The Gradio web chat mounted at `/`: chat with clickable citations, feedback, sources tab
and (when available) the checklist tab.

The UI talks to the Assistant in-process; it never goes through /api, so it needs no key.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from ..config import Config  # noqa: E402
from ..errors import AssistantError  # noqa: E402
from ..feedback import FeedbackStore  # noqa: E402
from . import render  # noqa: E402
from .text import DEFAULT_LANGUAGE, EXAMPLES, LANGUAGES, check_question, esc, localise_error, md_unescape, t  # noqa: E402
from .ui_conversations import ConversationUI, display_of  # noqa: E402

CSS = """
#source-panel .source-panel { padding: 4px 8px; }
#source-panel .source-title { margin: 0 0 4px 0; font-size: 1.05em; }
#source-panel .source-meta { color: var(--body-text-color-subdued); font-size: .9em; margin-bottom: 8px; }
#source-panel .source-text { margin: 0; padding-left: 10px; border-left: 3px solid var(--border-color-accent); white-space: pre-wrap; }
#source-panel mark, .doc-view mark { background: #fde68a; color: #111827; border-radius: 2px; }
#copy-store { display: none !important; }
#chat a[href*="#kopier-"] { font-size: .85em; }
#chat a[href*="#kilde-"] { text-decoration: none; font-weight: 600; }
.doc-view details { margin: 4px 0; }
.doc-view summary { cursor: pointer; font-weight: 600; }
.doc-view .focus { background: #fef3c7; color: #111827; outline: 2px solid #b45309; padding: 4px; }
#source-results mark { background: #fde68a; color: #111827; }
#source-results li { margin-bottom: 8px; }
.doc-meta th { text-align: left; padding-right: 12px; }
footer { display: none !important; }
#title h2 { overflow-wrap: normal; word-break: normal; hyphens: auto; -webkit-hyphens: auto; }
@media (max-width: 640px) {
  /* A phone (360-430 px): the title takes the whole width and breaks between words only; the
     language picker goes below it. Side-by-side fields stack, so a dropdown is wide enough
     for its text and the text never runs under its arrow. */
  #title-row, #checklist-start-row, #report-row, #session-row, .stack-narrow .form { flex-wrap: wrap; }
  #title-row > *, #checklist-start-row > *, #report-row > *, #session-row > *, .stack-narrow .form > *,
  #lang-pick { flex: 1 1 100% !important; min-width: 100% !important; }
  #title h2 { font-size: 1.25rem; }
  #chat { height: auto !important; min-height: 360px; max-height: 70vh; }
}
/* A dropdown's text stops before its arrow (Gradio lays the arrow over the input's right end)
   and ends with "…" when longer than the box, at any width. */
.wrap-inner .secondary-wrap input { text-overflow: ellipsis; min-width: 0; padding-right: 32px !important;
  box-sizing: border-box; }
.cl-bar { height: 12px; background: var(--neutral-200); border-radius: 6px; overflow: hidden; }
.cl-fill { height: 100%; background: var(--color-accent); transition: width .3s; }
.cl-label, .cl-pos, .cl-source, .cl-group { color: var(--body-text-color); font-size: .9em; margin-top: 4px; }
.cl-group { font-weight: 600; }
.cl-text { font-size: 1.15em; margin: 8px 0; }
.cl-help { font-style: italic; }
#item-explanation .cite-btn { border: 1px solid var(--border-color-accent); border-radius: 4px; padding: 0 4px;
  background: none; color: var(--link-text-color); font-weight: 600; cursor: pointer; }
#item-explanation details { margin: 4px 0; }
#item-explanation summary { cursor: pointer; }
#item-explanation mark { background: #fde68a; color: #111827; }
"""

# A click on any `[n]` link in the chat becomes a `click` event on the source panel, with the
# link's "turn-n" reference; the Python handler then renders that citation.
CITE_JS = """
window.__assistantCite = trigger;
if (!window.__assistantCiteBound) {
  window.__assistantCiteBound = true;
  document.addEventListener('click', function (ev) {
    var open = ev.target && ev.target.closest ? ev.target.closest('a.open-doc') : null;
    if (open) {
      ev.preventDefault();
      ev.stopPropagation();
      window.__assistantCite('click', {doc: open.getAttribute('data-doc'), passage: open.getAttribute('data-passage')});
      return;
    }
    var a = ev.target && ev.target.closest ? ev.target.closest('a[href*="#kilde-"]') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__assistantCite('click', {ref: a.getAttribute('href').split('#kilde-')[1]});
    // On a narrow screen the panel is below the chat: bring it into view once it is filled.
    if (window.innerWidth < 768) {
      setTimeout(function () {
        var panel = document.querySelector('#source-panel');
        if (panel) panel.scrollIntoView({block: 'start'});
      }, 400);
    }
  }, true);
}
"""


# Runs in the page head: the document's `lang` and Gradio's own button and region labels follow
# the UI language (Gradio labels them after the browser's locale, some only in English), and
# the copy buttons copy clean text (the answer with [n] and a plain source list) from the
# hidden #copy-store instead of the message's escaped Markdown.
PAGE_JS_FILE = Path(__file__).parent / "static" / "page.js"

# Gradio's labels for the chat's own buttons and regions, in any locale, and ours.
GRADIO_LABELS = {
    "copy": ["Copy message", "Kopier melding", "Kopiera meddelande", "Copy"],
    "like": ["Like", "Liker", "Gilla", "Lik"],
    "dislike": ["Dislike", "Liker ikke", "Ogilla", "Mislik"],
    "clear": ["Clear", "Tøm samtalen", "Rensa chatten", "Tøm", "Rensa"],
    "conversation": ["chatbot conversation"],
    "empty": ["Empty value"],
    "edit": ["Edit", "Rediger", "Redigera"],
    "edit_send": ["Submit", "Send inn", "Skicka in", "Send", "Skicka"],
    "edit_cancel": ["Cancel", "Avbryt"],
}


# Labels Gradio writes in English in every locale, anywhere on the page (the tables of the Sources
# tab, the tab bar): page.js puts ours in their place, in aria-label, title and visible text.
GRADIO_ENGLISH = {
    "fullscreen": ["Fullscreen"],
    "copy_table": ["Copy table data"],
    "table": ["Dataframe"],
    "table_actions": ["Table actions"],
    "cell_menu": ["Open cell menu"],
    "more_tabs": ["More tabs"],
    "file_upload": ["File upload"],
    "done": ["common.complete"],  # the status announcement, where Gradio's locale lacks the word
    "error_title": ["common.error"],
}


def page_script(lang: str = DEFAULT_LANGUAGE) -> str:
    import json

    labels: dict[str, dict] = {}
    variants = {**GRADIO_LABELS, **GRADIO_ENGLISH}
    for key in (*variants, "user_said", "bot_said", "question", "warning", "error_title", "close", "select_example",
                "title", "copy_question"):
        ours = {code: t(key, code) for code in LANGUAGES}
        labels[key] = {**ours, "variants": variants.get(key, []) + list(ours.values())}
    script = (PAGE_JS_FILE.read_text(encoding="utf-8")
              .replace("__LABELS__", json.dumps(labels, ensure_ascii=False))
              .replace("__ANYWHERE__", json.dumps(list(GRADIO_ENGLISH)))
              .replace("__LANG__", json.dumps(lang))
              .replace("__NAMES__", json.dumps({v: k for k, v in LANGUAGES.items()}, ensure_ascii=False)))
    return f"<script>{script}</script>"


def copy_store(convo: list[dict], lang: str) -> str:
    """The clean text behind each message's copy button, in message order (hidden)."""
    from ..rendering import to_text
    from .text import esc

    items = []
    for i, item in enumerate(convo):
        items.append(f'<pre data-index="{2 * i}">{esc(item["question"])}</pre>')
        answer = item.get("answer")
        if answer is not None:
            items.append(f'<pre data-index="{2 * i + 1}">{esc(to_text(answer, lang))}</pre>')
    return "".join(items)


def _theme() -> gr.themes.Base:
    """System fonts only: the default theme would fetch Google Fonts from the internet."""
    system = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Consolas", "monospace"]
    theme = gr.themes.Default(primary_hue="blue", font=system, font_mono=mono)
    # Primary buttons: white on blue-700/800 (≥ 4.5:1), not Gradio's blue-500 (3.7:1).
    return theme.set(button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
                     button_primary_background_fill_dark="*primary_700",
                     button_primary_background_fill_hover_dark="*primary_800",
                     button_primary_text_color="white", button_primary_text_color_dark="white")


def _history(convo: list[dict]) -> list[dict]:
    turns: list[dict] = []
    for item in convo:
        if item.get("answer") is None:
            continue
        turns.append({"role": "user", "content": item["question"]})
        answer = item["answer"]  # structured state: what the answer cited and searched for
        turns.append({"role": "assistant", "content": answer.get("answer", ""), "citations": answer.get("citations") or [],
                      "segments": answer.get("segments") or [], "query": answer.get("query") or ""})
    return turns


def _messages(convo: list[dict]) -> list[dict]:
    msgs: list[dict] = []
    for item in convo:
        msgs.append({"role": "user", "content": render.md_escape(item["question"])})
        msgs.append({"role": "assistant", "content": item["display"]})
    return msgs


def _turn_of(index: Any) -> int:
    """Chatbot message index → conversation turn (user and assistant message per turn)."""
    if isinstance(index, list | tuple):
        index = index[0]
    return int(index) // 2


def build_ui(holder: Any, config: Config, feedback: FeedbackStore) -> gr.Blocks:
    """`holder.get()` returns the Assistant; called lazily so the page loads before the index."""

    convs = ConversationUI(config)

    def respond(message: str, convo: list[dict], lang: str, conv_id: str | None, request: gr.Request):
        keep = (gr.update(), gr.update())
        try:
            question = check_question(message, config.max_question_chars)
        except AssistantError as err:
            gr.Warning(esc(localise_error(str(err), lang)), title=t("warning", lang))
            yield message, _messages(convo), convo, copy_store(convo, lang), *keep
            return
        history = _history(convo)
        turn = len(convo)
        item = {"question": question, "answer": None, "display": "…"}
        convo = convo + [item]
        yield "", _messages(convo), convo, copy_store(convo, lang), *keep
        segments: list[dict] = []
        try:
            for ev in holder.get().ask_stream(question, history):
                kind = ev.get("type")
                if kind == "segment":
                    segments.append(ev)
                    item["display"] = render.render_segments(segments, turn)
                    yield "", _messages(convo), convo, gr.update(), *keep
                elif kind == "reset":  # a written answer fell back to the quotes: they replace it
                    segments.clear()
                elif kind == "done":
                    item["answer"] = ev["answer"]
                    item["display"] = display_of(ev["answer"], turn, lang, question)
        except AssistantError as err:
            item["display"] = render.render_error(localise_error(str(err), lang))
        except Exception:  # noqa: BLE001 - the user sees a friendly message, never a traceback
            item["display"] = render.render_error(t("error_generic", lang))
        saved = (conv_id, gr.update())
        try:
            new_id = convs.persist(convo, conv_id, request)
            saved = (new_id, gr.update(choices=convs.choices(request, lang), value=new_id))
        except AssistantError as err:
            gr.Warning(esc(localise_error(str(err), lang)), title=t("warning", lang))
        yield "", _messages(convo), convo, copy_store(convo, lang), *saved

    def pick_example(evt: gr.SelectData, convo: list[dict], lang: str, conv_id: str | None, request: gr.Request):
        value = evt.value
        text = value.get("text", "") if isinstance(value, dict) else str(value)
        yield from respond(text, convo, lang, conv_id, request)

    def edit_question(evt: gr.EditData, convo: list[dict], lang: str, conv_id: str | None, request: gr.Request):
        """An edited question is asked again; the turns after it are dropped."""
        turn = _turn_of(evt.index)
        value = evt.value if isinstance(evt.value, str) else str((evt.value or {}).get("text", ""))
        yield from respond(md_unescape(value), convo[:turn], lang, conv_id, request)

    def open_conversation(conv_id: str | None, lang: str, request: gr.Request):
        if not conv_id:
            return (gr.update(),) * 7
        try:
            title, convo = convs.load(conv_id, lang, request)
        except AssistantError as err:
            gr.Warning(esc(localise_error(str(err), lang)), title=t("warning", lang))
            return (gr.update(),) * 7
        return (_messages(convo), convo, copy_store(convo, lang), conv_id, title, {},
                render.source_panel(None, lang))

    def rename_conversation(conv_id: str | None, title: str, lang: str, request: gr.Request):
        if not conv_id:
            return gr.update()
        try:
            convs.rename(conv_id, title, request)
        except AssistantError as err:
            gr.Warning(esc(localise_error(str(err), lang)), title=t("warning", lang))
            return gr.update()
        return gr.update(choices=convs.choices(request, lang), value=conv_id)

    def delete_conversation(conv_id: str | None, lang: str, request: gr.Request):
        if conv_id:
            try:
                convs.delete(conv_id, request)
            except AssistantError as err:
                gr.Warning(esc(localise_error(str(err), lang)), title=t("warning", lang))
        return (*clear(lang), None, gr.update(choices=convs.choices(request, lang), value=None), "")

    def open_source(evt: gr.EventData, convo: list[dict], lang: str):
        """A click on [n] shows the citation in the panel; on «open in the document» (or a search
        result) the Sources tab opens that document at the passage."""
        data = evt._data if isinstance(evt._data, dict) else {}
        if data.get("doc"):
            where = {"doc": str(data["doc"]), "passage": str(data.get("passage", ""))}
            return (gr.update(), gr.Tabs(selected="sources-tab"), where, gr.update(value=where["doc"]),
                    show_document(where["doc"], lang, where))
        ref = str(data.get("ref", ""))
        try:
            turn, n = (int(x) for x in ref.split("-", 1))
            answer = convo[turn]["answer"] or {}
        except (ValueError, IndexError, KeyError, TypeError):
            return render.source_panel(None, lang), gr.update(), gr.update(), gr.update(), gr.update()
        cite = next((c for c in answer.get("citations", []) if c.get("n") == n), None)
        return render.source_panel(cite, lang), gr.update(), gr.update(), gr.update(), gr.update()

    def rate(evt: gr.LikeData, convo: list[dict], rated: dict):
        turn = _turn_of(evt.index)
        if turn >= len(convo) or convo[turn].get("answer") is None:
            return rated, gr.update(), ""
        liked = evt.liked
        if liked is None or liked == "":
            return rated, gr.update(), ""
        rating = 1 if liked is True or (isinstance(liked, str) and liked.lower() in ("like", "true")) else -1
        item = convo[turn]
        answer = item["answer"]
        key = str(turn)
        if key in rated:
            feedback.update(rated[key], rating=rating)
        else:
            rated = {**rated, key: feedback.record(item["question"], answer, answer.get("citations", []), rating=rating, source="ui")}
        rated = {**rated, "_last": rated[key]}
        return rated, gr.update(visible=True), ""

    def send_comment(comment: str, rated: dict, lang: str):
        fid = rated.get("_last")
        if fid is None:
            return gr.update(), t("rate_first", lang)
        try:
            feedback.update(fid, comment=comment)
        except AssistantError as err:
            return gr.update(), render.md_escape(str(err))
        return "", t("thanks_comment", lang)

    def clear(code: str):
        return [], [], {}, render.source_panel(None, code), gr.update(visible=False), "", ""

    def new_conversation(code: str):
        return (*clear(code), None, gr.update(value=None), "")

    with gr.Blocks(title=t("title"), analytics_enabled=False) as demo:
        lang = gr.State(DEFAULT_LANGUAGE)
        convo = gr.State([])
        rated = gr.State({})
        conv_state = gr.State(None)
        with gr.Row(equal_height=True, elem_id="title-row"):
            title = gr.Markdown(f"## {t('title')}", elem_id="title")
            lang_pick = gr.Dropdown([(v, k) for k, v in LANGUAGES.items()], value=DEFAULT_LANGUAGE, label=t("language"),
                                    elem_id="lang-pick", scale=0, min_width=210, interactive=True)
        intro = gr.Markdown(t("intro"))
        with gr.Tabs() as tabs:
            with gr.Tab(t("tab_chat"), id="chat-tab") as chat_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        with gr.Accordion(t("conv_box"), open=False, elem_id="conv-box") as conv_box:
                            with gr.Row():
                                conv_pick = gr.Dropdown([], label=t("conversations"), elem_id="conv-pick", scale=4)
                                conv_open = gr.Button(t("conv_open"), elem_id="conv-open", scale=1, min_width=90)
                            with gr.Row():
                                conv_name = gr.Textbox(label=t("conv_name"), elem_id="conv-name", scale=4, max_lines=1)
                                conv_rename = gr.Button(t("conv_rename"), elem_id="conv-rename", scale=1, min_width=90)
                            with gr.Row():
                                conv_new = gr.Button(t("conv_new"), elem_id="conv-new", size="sm")
                                conv_delete = gr.Button(t("conv_delete"), elem_id="conv-delete", size="sm")
                            # Deleting asks first: one misclick must not lose a conversation.
                            with gr.Group(visible=False, elem_id="conv-delete-confirm") as confirm_box:
                                confirm_text = gr.Markdown("", elem_id="conv-delete-question")
                                with gr.Row():
                                    confirm_yes = gr.Button(t("conv_delete_yes"), variant="stop", elem_id="conv-delete-yes",
                                                            size="sm")
                                    confirm_no = gr.Button(t("conv_delete_no"), elem_id="conv-delete-no", size="sm")
                        chatbot = gr.Chatbot(
                            elem_id="chat", height=520, show_label=False, latex_delimiters=[],
                            sanitize_html=True, examples=[{"text": q} for q in EXAMPLES[DEFAULT_LANGUAGE]],
                            placeholder=f"**{t('examples')}**", feedback_options=("Like", "Dislike"),
                            buttons=["copy"], editable="user",
                        )
                        with gr.Row():
                            box = gr.Textbox(label=t("question"), show_label=False, placeholder=t("placeholder"), elem_id="question",
                                             scale=5, max_lines=6, autofocus=True)
                            send = gr.Button(t("send"), variant="primary", elem_id="send", scale=1, min_width=90)
                        clear_btn = gr.Button(t("clear"), elem_id="clear", size="sm")
                        with gr.Row(visible=False, elem_id="comment-row") as comment_row:
                            comment = gr.Textbox(label=t("comment"), elem_id="comment", scale=5)
                            comment_send = gr.Button(t("comment_send"), elem_id="comment-send", scale=1, min_width=120)
                        status = gr.Markdown("", elem_id="feedback-status")
                        store = gr.HTML("", elem_id="copy-store")
                    with gr.Column(scale=2):
                        panel_title = gr.Markdown(f"### {t('source_panel')}")
                        panel = gr.HTML(render.source_panel(None, DEFAULT_LANGUAGE), elem_id="source-panel",
                                        js_on_load=CITE_JS, max_height=600)
            with gr.Tab(t("tab_checklists"), id="checklists-tab") as checklists_tab:
                checklist_pick = _checklist_tab(holder, config, lang, demo)
            with gr.Tab(t("tab_sources"), id="sources-tab") as sources_tab:
                from .ui_sources import sources_tab as build_sources

                doc_pick, doc_focus, doc_view, show_document = build_sources(holder, lang, demo)

        def follow_action(convo_now: list[dict]):
            """A request to walk a checklist opens the Checklists tab with that checklist chosen."""
            answer = (convo_now[-1].get("answer") or {}) if convo_now else {}
            action = answer.get("action") or {}
            if action.get("type") == "checklist" and checklist_pick is not None:
                return gr.Tabs(selected="checklists-tab"), gr.update(value=action.get("checklist_id"))
            return gr.update(), gr.update()

        chat_io = dict(inputs=[box, convo, lang, conv_state], outputs=[box, chatbot, convo, store, conv_state, conv_pick],
                       api_visibility="private")
        action_io = dict(fn=follow_action, inputs=[convo], outputs=[tabs, checklist_pick or panel_title],
                         api_visibility="private")
        answering = [box.submit(respond, **chat_io), send.click(respond, **chat_io),
                     chatbot.example_select(pick_example, inputs=[convo, lang, conv_state],
                                            outputs=[box, chatbot, convo, store, conv_state, conv_pick],
                                            api_visibility="private"),
                     chatbot.edit(edit_question, inputs=[convo, lang, conv_state],
                                  outputs=[box, chatbot, convo, store, conv_state, conv_pick], api_visibility="private")]
        for event in answering[:3]:
            event.then(**action_io)
        conv_open.click(open_conversation, inputs=[conv_pick, lang],
                        outputs=[chatbot, convo, store, conv_state, conv_name, rated, panel], api_visibility="private")
        conv_rename.click(rename_conversation, inputs=[conv_state, conv_name, lang], outputs=[conv_pick],
                          api_visibility="private")
        conv_outputs = [chatbot, convo, rated, panel, comment_row, status, store, conv_state, conv_pick, conv_name]
        # a new or deleted conversation stops an answer still on its way, which would otherwise
        # land in (and be saved to) the conversation the user has just left
        conv_new.click(new_conversation, inputs=[lang], outputs=conv_outputs, api_visibility="private",
                       cancels=answering)
        def ask_delete(conv_id: str | None, title: str, lang: str):
            if not conv_id:
                return gr.update(), gr.update(), gr.update()
            question = t("conv_delete_confirm", lang).format(title=render.md_escape(title or ""))
            return gr.update(visible=True), question, gr.update(visible=False)

        conv_delete.click(ask_delete, inputs=[conv_state, conv_name, lang], outputs=[confirm_box, confirm_text, conv_delete],
                          api_visibility="private", queue=False)
        def end_confirm():
            return gr.update(visible=False), gr.update(visible=True)

        confirm_io = dict(fn=end_confirm, outputs=[confirm_box, conv_delete], api_visibility="private", queue=False)
        confirm_no.click(**confirm_io)
        confirm_yes.click(delete_conversation, inputs=[conv_state, lang], outputs=conv_outputs, api_visibility="private",
                          cancels=answering).then(**confirm_io)
        conv_open.click(**confirm_io)  # the question was about the conversation shown before
        conv_new.click(**confirm_io)
        from .ui_sources import SCROLL_TO_FOCUS

        panel.click(open_source, inputs=[convo, lang], outputs=[panel, tabs, doc_focus, doc_pick, doc_view],
                    api_visibility="private", queue=False).then(None, js=SCROLL_TO_FOCUS, api_visibility="private")
        chatbot.like(rate, inputs=[convo, rated], outputs=[rated, comment_row, status], api_visibility="private")
        comment_send.click(send_comment, inputs=[comment, rated, lang], outputs=[comment, status], api_visibility="private")
        clear_btn.click(new_conversation, inputs=[lang], outputs=conv_outputs, api_visibility="private")
        chatbot.clear(new_conversation, inputs=[lang], outputs=conv_outputs, api_visibility="private")

        def set_language(code: str, convo_now: list[dict]):
            code = code if code in LANGUAGES else DEFAULT_LANGUAGE
            return (
                code,
                f"## {t('title', code)}",
                t("intro", code),
                gr.update(label=t("tab_chat", code)),
                gr.update(label=t("tab_checklists", code)),
                gr.update(label=t("tab_sources", code)),
                gr.update(label=t("language", code)),
                gr.update(placeholder=t("placeholder", code), label=t("question", code)),
                gr.update(value=t("send", code)),
                gr.update(value=t("clear", code)),
                gr.update(label=t("comment", code)),
                gr.update(value=t("comment_send", code)),
                f"### {t('source_panel', code)}",
                render.source_panel(None, code),
                gr.update(examples=[{"text": q} for q in EXAMPLES[code]], placeholder=f"**{t('examples', code)}**"),
                gr.update(label=t("conv_box", code)), gr.update(label=t("conversations", code)),
                gr.update(value=t("conv_open", code)), gr.update(label=t("conv_name", code)),
                gr.update(value=t("conv_rename", code)), gr.update(value=t("conv_new", code)),
                gr.update(value=t("conv_delete", code), visible=True),
                gr.update(value=t("conv_delete_yes", code)), gr.update(value=t("conv_delete_no", code)),
                gr.update(visible=False),
            )

        lang_outputs = [lang, title, intro, chat_tab, checklists_tab, sources_tab, lang_pick, box, send, clear_btn,
                        comment, comment_send, panel_title, panel, chatbot, conv_box, conv_pick, conv_open, conv_name,
                        conv_rename, conv_new, conv_delete, confirm_yes, confirm_no, confirm_box]
        lang_pick.change(set_language, inputs=[lang_pick, convo], outputs=lang_outputs, api_visibility="private").then(
            None, inputs=[lang_pick], js="(code) => { window.__assistantSetLang && window.__assistantSetLang(code); }",
            api_visibility="private")

        def from_url(request: gr.Request):
            code = (request.query_params.get("lang") or DEFAULT_LANGUAGE) if request else DEFAULT_LANGUAGE
            try:
                choices = gr.update(choices=convs.choices(request, code), value=None)
            except AssistantError:
                choices = gr.update()
            return gr.update(value=code if code in LANGUAGES else DEFAULT_LANGUAGE), choices

        demo.load(from_url, outputs=[lang_pick, conv_pick], api_visibility="private")
    return demo


def _checklist_tab(holder: Any, config: Config, lang: gr.State, demo: gr.Blocks) -> gr.Dropdown | None:
    """The tab's checklist picker, so a chat answer can open a checklist; None if unavailable."""
    try:
        from .ui_checklists import checklist_tab
    except ImportError:
        gr.Markdown(t("checklists_missing"))
        return None
    from .auth import resolver

    return checklist_tab(holder, config, lang, demo, user=resolver(config))


def mount_ui(app: FastAPI, holder: Any, config: Config, feedback: FeedbackStore) -> FastAPI:
    """Mount the chat at `/` (after the API routes, which therefore take precedence)."""
    demo = build_ui(holder, config, feedback)
    demo.queue(default_concurrency_limit=4)
    return gr.mount_gradio_app(
        app, demo, path="/", footer_links=[], ssr_mode=False, show_error=False, theme=_theme(), css=CSS,
        enable_monitoring=False, mcp_server=False, pwa=False, head=page_script(),
    )
