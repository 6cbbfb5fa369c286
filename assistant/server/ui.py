"""The Gradio web chat mounted at `/`: chat with clickable citations, feedback, sources tab
and (when available) the checklist tab.

The UI talks to the Assistant in-process; it never goes through /api, so it needs no key.
"""
from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI  # noqa: E402

from ..config import Config  # noqa: E402
from ..errors import AssistantError  # noqa: E402
from ..feedback import FeedbackStore  # noqa: E402
from . import render  # noqa: E402
from .text import DEFAULT_LANGUAGE, EXAMPLES, LANGUAGES, check_question, t  # noqa: E402

CSS = """
#source-panel .source-panel { padding: 4px 8px; }
#source-panel .source-title { margin: 0 0 4px 0; font-size: 1.05em; }
#source-panel .source-meta { color: var(--body-text-color-subdued); font-size: .9em; margin-bottom: 8px; }
#source-panel .source-text { margin: 0; padding-left: 10px; border-left: 3px solid var(--border-color-accent); white-space: pre-wrap; }
#source-panel mark, .doc-view mark { background: #fde68a; color: inherit; }
#chat a[href*="#kilde-"] { text-decoration: none; font-weight: 600; }
.doc-view details { margin: 4px 0; }
.doc-view summary { cursor: pointer; font-weight: 600; }
.doc-meta th { text-align: left; padding-right: 12px; }
footer { display: none !important; }
.cl-bar { height: 12px; background: var(--neutral-200); border-radius: 6px; overflow: hidden; }
.cl-fill { height: 100%; background: var(--color-accent); transition: width .3s; }
.cl-label, .cl-pos, .cl-source, .cl-group { color: var(--body-text-color-subdued); font-size: .9em; margin-top: 4px; }
.cl-group { font-weight: 600; }
.cl-text { font-size: 1.15em; margin: 8px 0; }
.cl-help { font-style: italic; }
"""

# A click on any `[n]` link in the chat becomes a `click` event on the source panel, with the
# link's "turn-n" reference; the Python handler then renders that citation.
CITE_JS = """
window.__assistantCite = trigger;
if (!window.__assistantCiteBound) {
  window.__assistantCiteBound = true;
  document.addEventListener('click', function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest('a[href*="#kilde-"]') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    window.__assistantCite('click', {ref: a.getAttribute('href').split('#kilde-')[1]});
  }, true);
}
"""


def _theme() -> gr.themes.Base:
    """System fonts only: the default theme would fetch Google Fonts from the internet."""
    system = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Consolas", "monospace"]
    return gr.themes.Default(primary_hue="blue", font=system, font_mono=mono)


def _history(convo: list[dict]) -> list[dict]:
    turns: list[dict] = []
    for item in convo:
        if item.get("answer") is None:
            continue
        turns.append({"role": "user", "content": item["question"]})
        turns.append({"role": "assistant", "content": item["answer"].get("answer", "")})
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

    def respond(message: str, convo: list[dict], lang: str):
        try:
            question = check_question(message, config.max_question_chars)
        except AssistantError as err:
            gr.Warning(str(err))
            yield message, _messages(convo), convo
            return
        history = _history(convo)
        turn = len(convo)
        item = {"question": question, "answer": None, "display": "…"}
        convo = convo + [item]
        yield "", _messages(convo), convo
        segments: list[dict] = []
        try:
            for ev in holder.get().ask_stream(question, history):
                kind = ev.get("type")
                if kind == "segment":
                    segments.append(ev)
                    item["display"] = render.render_segments(segments, turn)
                    yield "", _messages(convo), convo
                elif kind == "done":
                    item["answer"] = ev["answer"]
                    item["display"] = render.render_answer(ev["answer"], turn, lang, question=question)
        except AssistantError as err:
            item["display"] = render.render_error(str(err))
        except Exception:  # noqa: BLE001 - the user sees a friendly message, never a traceback
            item["display"] = render.render_error(t("error_generic", lang))
        yield "", _messages(convo), convo

    def pick_example(evt: gr.SelectData, convo: list[dict], lang: str):
        value = evt.value
        text = value.get("text", "") if isinstance(value, dict) else str(value)
        yield from respond(text, convo, lang)

    def open_source(evt: gr.EventData, convo: list[dict], lang: str) -> str:
        data = evt._data if isinstance(evt._data, dict) else {}
        ref = str(data.get("ref", ""))
        try:
            turn, n = (int(x) for x in ref.split("-", 1))
            answer = convo[turn]["answer"] or {}
        except (ValueError, IndexError, KeyError, TypeError):
            return render.source_panel(None, lang)
        cite = next((c for c in answer.get("citations", []) if c.get("n") == n), None)
        return render.source_panel(cite, lang)

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

    def clear():
        return [], [], {}, render.source_panel(None, DEFAULT_LANGUAGE), gr.update(visible=False), ""

    with gr.Blocks(title=t("title"), analytics_enabled=False) as demo:
        lang = gr.State(DEFAULT_LANGUAGE)
        convo = gr.State([])
        rated = gr.State({})
        with gr.Row(equal_height=True):
            title = gr.Markdown(f"## {t('title')}", elem_id="title")
            lang_pick = gr.Dropdown([(v, k) for k, v in LANGUAGES.items()], value=DEFAULT_LANGUAGE, label=t("language"),
                                    elem_id="lang-pick", scale=0, min_width=180, interactive=True)
        intro = gr.Markdown(t("intro"))
        with gr.Tabs() as tabs:
            with gr.Tab(t("tab_chat"), id="chat-tab") as chat_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            elem_id="chat", height=520, show_label=False, latex_delimiters=[],
                            sanitize_html=True, examples=[{"text": q} for q in EXAMPLES[DEFAULT_LANGUAGE]],
                            placeholder=f"**{t('examples')}**", feedback_options=("Like", "Dislike"),
                            buttons=["copy"],
                        )
                        with gr.Row():
                            box = gr.Textbox(show_label=False, placeholder=t("placeholder"), elem_id="question",
                                             scale=5, max_lines=6, autofocus=True)
                            send = gr.Button(t("send"), variant="primary", elem_id="send", scale=1, min_width=90)
                        clear_btn = gr.Button(t("clear"), elem_id="clear", size="sm")
                        with gr.Row(visible=False, elem_id="comment-row") as comment_row:
                            comment = gr.Textbox(label=t("comment"), elem_id="comment", scale=5)
                            comment_send = gr.Button(t("comment_send"), elem_id="comment-send", scale=1, min_width=120)
                        status = gr.Markdown("", elem_id="feedback-status")
                    with gr.Column(scale=2):
                        panel_title = gr.Markdown(f"### {t('source_panel')}")
                        panel = gr.HTML(render.source_panel(None, DEFAULT_LANGUAGE), elem_id="source-panel",
                                        js_on_load=CITE_JS, max_height=600)
            with gr.Tab(t("tab_checklists"), id="checklists-tab") as checklists_tab:
                checklist_pick = _checklist_tab(holder, config, lang)
            with gr.Tab(t("tab_sources"), id="sources-tab") as sources_tab:
                from .ui_sources import sources_tab as build_sources

                build_sources(holder, lang, demo)

        def follow_action(convo_now: list[dict]):
            """A request to walk a checklist opens the Checklists tab with that checklist chosen."""
            answer = (convo_now[-1].get("answer") or {}) if convo_now else {}
            action = answer.get("action") or {}
            if action.get("type") == "checklist" and checklist_pick is not None:
                return gr.Tabs(selected="checklists-tab"), gr.update(value=action.get("checklist_id"))
            return gr.update(), gr.update()

        chat_io = dict(inputs=[box, convo, lang], outputs=[box, chatbot, convo], api_visibility="private")
        action_io = dict(fn=follow_action, inputs=[convo], outputs=[tabs, checklist_pick or panel_title],
                         api_visibility="private")
        box.submit(respond, **chat_io).then(**action_io)
        send.click(respond, **chat_io).then(**action_io)
        chatbot.example_select(pick_example, inputs=[convo, lang], outputs=[box, chatbot, convo],
                               api_visibility="private").then(**action_io)
        panel.click(open_source, inputs=[convo, lang], outputs=[panel], api_visibility="private", queue=False)
        chatbot.like(rate, inputs=[convo, rated], outputs=[rated, comment_row, status], api_visibility="private")
        comment_send.click(send_comment, inputs=[comment, rated, lang], outputs=[comment, status], api_visibility="private")
        clear_io = dict(outputs=[chatbot, convo, rated, panel, comment_row, status], api_visibility="private")
        clear_btn.click(clear, **clear_io)
        chatbot.clear(clear, **clear_io)

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
                gr.update(placeholder=t("placeholder", code)),
                gr.update(value=t("send", code)),
                gr.update(value=t("clear", code)),
                gr.update(label=t("comment", code)),
                gr.update(value=t("comment_send", code)),
                f"### {t('source_panel', code)}",
                render.source_panel(None, code),
                gr.update(examples=[{"text": q} for q in EXAMPLES[code]], placeholder=f"**{t('examples', code)}**"),
            )

        lang_outputs = [lang, title, intro, chat_tab, checklists_tab, sources_tab, lang_pick, box, send, clear_btn,
                        comment, comment_send, panel_title, panel, chatbot]
        lang_pick.change(set_language, inputs=[lang_pick, convo], outputs=lang_outputs, api_visibility="private")

        def from_url(request: gr.Request):
            code = (request.query_params.get("lang") or DEFAULT_LANGUAGE) if request else DEFAULT_LANGUAGE
            return gr.update(value=code if code in LANGUAGES else DEFAULT_LANGUAGE)

        demo.load(from_url, outputs=[lang_pick], api_visibility="private")
    return demo


def _checklist_tab(holder: Any, config: Config, lang: gr.State) -> gr.Dropdown | None:
    """The tab's checklist picker, so a chat answer can open a checklist; None if unavailable."""
    try:
        from .ui_checklists import checklist_tab
    except ImportError:
        gr.Markdown("Sjekklister er ikke tilgjengelige i denne versjonen.")
        return None
    return checklist_tab(holder, config, lang)


def mount_ui(app: FastAPI, holder: Any, config: Config, feedback: FeedbackStore) -> FastAPI:
    """Mount the chat at `/` (after the API routes, which therefore take precedence)."""
    demo = build_ui(holder, config, feedback)
    demo.queue(default_concurrency_limit=4)
    return gr.mount_gradio_app(
        app, demo, path="/", footer_links=[], ssr_mode=False, show_error=False, theme=_theme(), css=CSS,
        enable_monitoring=False, mcp_server=False, pwa=False,
    )
