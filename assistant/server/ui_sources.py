"""The Sources tab: browse documents and their sections, with authority and provenance."""
from __future__ import annotations

from typing import Any

import gradio as gr

from ..errors import AssistantError
from . import render
from .text import esc, t

SCROLL_TO_FOCUS = ("() => { setTimeout(() => { const el = document.querySelector('#document-view .focus'); "
                   "if (el) { el.scrollIntoView({block: 'center'}); el.focus(); } }, 300); }")
COLUMNS = ("doc_title", "authority", "publisher", "date", "lang_col", "provenance")


def sources_tab(holder: Any, lang: gr.State, demo: gr.Blocks) -> tuple[gr.Dropdown, gr.State, gr.HTML, Any]:
    """Loaded when the page opens (not at build time), so the UI starts before the index.
    Returns the document picker, the focus state ({doc, passage}) a cited place opens with, the
    document view and `show(doc_id, lang, focus)` that renders it."""
    intro = gr.Markdown("", elem_id="sources-status")
    focus = gr.State({})
    with gr.Row():
        query = gr.Textbox(label=t("search_sources"), elem_id="source-search", scale=5, max_lines=1)
        go = gr.Button(t("search_sources"), elem_id="source-search-go", scale=1, min_width=120)
    results = gr.HTML("", elem_id="source-results")
    table = gr.Dataframe(headers=[t(c) for c in COLUMNS], interactive=False, wrap=True, elem_id="documents-table")
    pick = gr.Dropdown(label=t("document"), choices=[], elem_id="document-pick")
    view = gr.HTML("", elem_id="document-view")

    def load(code: str):
        labels = (gr.update(label=t("search_sources", code)), gr.update(value=t("search_sources", code)))
        try:
            docs = holder.get().documents()
        except AssistantError as err:
            return render.md_escape(str(err)), gr.update(), gr.update(choices=[]), *labels
        except Exception:  # noqa: BLE001 - e.g. no index yet; the chat shows the details
            return t("not_ready", code), gr.update(), gr.update(choices=[]), *labels
        rows = render.documents_table(docs)
        headers = [t(c, code) for c in COLUMNS]
        return (
            f"{len(docs)} {t('documents', code).lower()}",
            gr.update(value={"data": rows, "headers": headers}),
            gr.update(choices=[(d.title, d.id) for d in docs], value=None, label=t("document", code)),
            *labels,
        )

    def show(doc_id: str | None, code: str, where: dict) -> str:
        if not doc_id:
            return ""
        try:
            a = holder.get()
            doc = next((d for d in a.documents() if d.id == doc_id), None)
            if doc is None:
                return ""
            target = where.get("passage", "") if (where or {}).get("doc") == doc_id else ""
            return render.document_view(doc, a.passages(doc_id), code, focus=target)
        except AssistantError as err:
            return f"<p>{esc(err)}</p>"

    def search(text: str, code: str) -> str:
        try:
            a = holder.get()
            docs = {d.id: d for d in a.documents()}
            return render.search_results(a.passages(), docs, text or "", code)
        except AssistantError as err:
            return f"<p>{esc(err)}</p>"

    demo.load(load, inputs=[lang], outputs=[intro, table, pick, query, go], api_visibility="private")
    lang.change(load, inputs=[lang], outputs=[intro, table, pick, query, go], api_visibility="private")
    pick.change(show, inputs=[pick, lang, focus], outputs=[view], api_visibility="private").then(
        None, js=SCROLL_TO_FOCUS, api_visibility="private")
    query.submit(search, inputs=[query, lang], outputs=[results], api_visibility="private")
    go.click(search, inputs=[query, lang], outputs=[results], api_visibility="private")
    return pick, focus, view, show
