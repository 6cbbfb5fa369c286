"""The Sources tab: browse documents and their sections, with authority and provenance."""
from __future__ import annotations

from typing import Any

import gradio as gr

from ..errors import AssistantError
from . import render
from .text import esc, t

COLUMNS = ("doc_title", "authority", "publisher", "date", "lang_col", "provenance")


def sources_tab(holder: Any, lang: gr.State, demo: gr.Blocks) -> None:
    """Loaded when the page opens (not at build time), so the UI starts before the index."""
    intro = gr.Markdown("", elem_id="sources-status")
    table = gr.Dataframe(headers=[t(c) for c in COLUMNS], interactive=False, wrap=True, elem_id="documents-table")
    pick = gr.Dropdown(label=t("document"), choices=[], elem_id="document-pick")
    view = gr.HTML("", elem_id="document-view")

    def load(code: str):
        try:
            docs = holder.get().documents()
        except AssistantError as err:
            return render.md_escape(str(err)), gr.update(), gr.update(choices=[])
        except Exception:  # noqa: BLE001 - e.g. no index yet; the chat shows the details
            return t("not_ready", code), gr.update(), gr.update(choices=[])
        rows = render.documents_table(docs)
        headers = [t(c, code) for c in COLUMNS]
        return (
            f"{len(docs)} {t('documents', code).lower()}",
            gr.update(value={"data": rows, "headers": headers}),
            gr.update(choices=[(d.title, d.id) for d in docs], value=None, label=t("document", code)),
        )

    def show(doc_id: str | None, code: str) -> str:
        if not doc_id:
            return ""
        try:
            a = holder.get()
            doc = next((d for d in a.documents() if d.id == doc_id), None)
            if doc is None:
                return ""
            return render.document_view(doc, a.passages(doc_id), code)
        except AssistantError as err:
            return f"<p>{esc(err)}</p>"

    demo.load(load, inputs=[lang], outputs=[intro, table, pick], api_visibility="private")
    lang.change(load, inputs=[lang], outputs=[intro, table, pick], api_visibility="private")
    pick.change(show, inputs=[pick, lang], outputs=[view], api_visibility="private")
