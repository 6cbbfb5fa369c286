"""Conversations in the web chat: stored after each answer (per user), listed, resumed,
renamed, deleted. The storage is `assistant.conversations` (the checklist sessions' database)."""
from __future__ import annotations

from typing import Any

import gradio as gr

from ..config import Config
from ..conversations import Conversations, when
from . import render
from .auth import resolver
from .text import t


class ConversationUI:
    """What the chat's handlers call; each method takes the Gradio request to know the user."""

    def __init__(self, config: Config):
        self.store = Conversations(config)
        self.user = resolver(config)

    def owner(self, request: gr.Request | None) -> str | None:
        ident = self.user(request)
        return ident.owner if ident is not None else None

    def name(self, request: gr.Request | None) -> str:
        ident = self.user(request)
        return ident.name if ident is not None else ""

    def choices(self, request: gr.Request | None, lang: str = "nb") -> list[tuple[str, str]]:
        """Newest first; an admin, who sees everyone's, also sees whose each one is."""
        ident = self.user(request)
        admin = ident is not None and ident.admin
        return [(f"{c.title} ({when(c.updated_at)}{owner_note(c.owner, lang) if admin else ''})", c.id)
                for c in self.store.list(self.owner(request))]

    def persist(self, convo: list[dict], conv_id: str | None, request: gr.Request | None) -> str | None:
        """Save the finished turns; a first answer creates the conversation. Returns its id."""
        items = [{"question": i["question"], "answer": i["answer"]} for i in convo if i.get("answer") is not None]
        if not items:
            return conv_id
        if conv_id:
            self.store.save(conv_id, items, self.owner(request))
            return conv_id
        return self.store.create(self.name(request), items).id

    def load(self, conv_id: str, lang: str, request: gr.Request | None) -> tuple[str, list[dict]]:
        conv = self.store.get(conv_id, self.owner(request))
        convo = []
        for turn, item in enumerate(conv.items):
            answer = item.get("answer") or {}
            convo.append({"question": item["question"], "answer": answer,
                          "display": display_of(answer, turn, lang, item["question"])})
        return conv.title, convo

    def rename(self, conv_id: str, title: str, request: gr.Request | None) -> None:
        self.store.rename(conv_id, title, self.owner(request))

    def delete(self, conv_id: str, request: gr.Request | None) -> None:
        self.store.delete(conv_id, self.owner(request))


def owner_note(name: str, lang: str) -> str:
    """«, bruker: ola» after an entry in an admin's list (nothing for a record without a user)."""
    return f", {t('entry_user', lang).format(name=name)}" if name else ""


def display_of(answer: dict[str, Any], turn: int, lang: str, question: str) -> str:
    """An answer as the chat shows it: search line, body, sources, and «copy with sources»."""
    return (render.render_answer(answer, turn, lang, question=question)
            + f"\n\n[{t('copy_sources', lang)}](#kopier-{turn})")
