"""Web-chat conversations, kept beside the checklist sessions (`Config.sessions_db`, or the database
ASSISTANT_DATABASE_URL names).

A conversation is a list of turns, each the question and the answer as the core returned it
(text, segments, citations, query), so a resumed conversation shows the same clickable sources
and sends the same structured history back. Each belongs to a user (its `owner`, "" without
sign-in); `owner=None` in a call means "any" (no sign-in, or an admin).

>>> convs = Conversations(Config.from_env())
>>> c = convs.create("kari", [{"question": "Hva er en regional planstrategi?", "answer": {...}}])
>>> convs.list("kari")[0].title
'Hva er en regional planstrategi?'
"""
from __future__ import annotations

import json
import secrets
from datetime import datetime, timezone
from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select, update

from .checklists.store import SessionStore, _now
from .config import Config
from .database import conversations as table
from .errors import ChecklistError, NotFoundError
from .validation import clean_json, clean_text

MAX_TITLE_CHARS = 120
ANSWER_FIELDS = ("answer", "citations", "segments", "query", "refused", "language", "suggestions", "action", "intent")


class ConversationSummary(BaseModel):
    id: str
    owner: str = ""
    title: str
    created_at: datetime
    updated_at: datetime
    turns: int = 0


class Conversation(ConversationSummary):
    items: list[dict] = Field(default_factory=list, description="[{question, answer}] in order")


def title_of(question: str) -> str:
    text = " ".join(clean_text(question).split())
    return text if len(text) <= 60 else text[:59].rsplit(" ", 1)[0] + "…"


def _kept(item: dict) -> dict:
    """What a turn keeps: the question and the answer's fields the UI and history use (no trace),
    every text cleaned as a note is (no control or format characters), so what is stored is text."""
    answer = item.get("answer") or None
    if isinstance(answer, dict):
        answer = clean_json({k: answer[k] for k in ANSWER_FIELDS if k in answer})
    return {"question": clean_text(item.get("question", "")), "answer": answer}


class Conversations:
    """Create, list, get, save, rename and delete conversations, each checked against its owner."""

    def __init__(self, config: Config | None = None, store: SessionStore | None = None):
        self.config = config or Config.from_env()
        self.store = store or SessionStore(self.config.sessions_db, url=self.config.database_url)

    def create(self, owner: str, items: list[dict], title: str | None = None) -> Conversation:
        cid = secrets.token_hex(6)
        now = _now()
        first = next((i.get("question", "") for i in items), "")
        name = self._title(title or title_of(first) or "Samtale")
        with self.store._db(write=True) as db:
            db.execute(insert(table).values(id=cid, owner=owner or "", title=name, created_at=now, updated_at=now,
                                            turns=json.dumps([_kept(i) for i in items], ensure_ascii=False)))
        return self.get(cid, owner)

    def get(self, conversation_id: str, owner: str | None = None) -> Conversation:
        with self.store._db() as db:
            row = db.execute(select(table).where(table.c.id == conversation_id)).first()
        if row is None or (owner is not None and row.owner != owner):
            raise NotFoundError(f"Fant ingen samtale med id «{conversation_id}».")
        items = json.loads(row.turns)
        return Conversation(id=row.id, owner=row.owner, title=row.title, created_at=row.created_at,
                            updated_at=row.updated_at, turns=len(items), items=items)

    def list(self, owner: str | None = None) -> list[ConversationSummary]:
        query = select(table)
        if owner is not None:
            query = query.where(table.c.owner == owner)
        with self.store._db() as db:
            rows = db.execute(query.order_by(table.c.updated_at.desc())).all()
        return [ConversationSummary(id=r.id, owner=r.owner, title=r.title, created_at=r.created_at,
                                    updated_at=r.updated_at, turns=len(json.loads(r.turns))) for r in rows]

    def save(self, conversation_id: str, items: list[dict], owner: str | None = None) -> Conversation:
        self.get(conversation_id, owner)
        self._update(conversation_id, turns=json.dumps([_kept(i) for i in items], ensure_ascii=False))
        return self.get(conversation_id, owner)

    def rename(self, conversation_id: str, title: str, owner: str | None = None) -> Conversation:
        self.get(conversation_id, owner)
        self._update(conversation_id, title=self._title(title))
        return self.get(conversation_id, owner)

    def delete(self, conversation_id: str, owner: str | None = None) -> None:
        self.get(conversation_id, owner)
        with self.store._db(write=True) as db:
            db.execute(delete(table).where(table.c.id == conversation_id))

    def _update(self, conversation_id: str, **values: str) -> None:
        with self.store._db(write=True) as db:
            db.execute(update(table).where(table.c.id == conversation_id).values(updated_at=_now(), **values))

    @staticmethod
    def _title(title: str) -> str:
        title = " ".join(clean_text(title or "").split())
        if not title:
            raise ChecklistError("Samtalen må ha et navn.")
        if len(title) > MAX_TITLE_CHARS:
            raise ChecklistError(f"Navnet kan være høyst {MAX_TITLE_CHARS} tegn.")
        return title


def when(value: datetime) -> str:
    return value.astimezone(timezone.utc).astimezone().strftime("%d.%m.%Y %H:%M")


__all__ = ["Conversation", "ConversationSummary", "Conversations", "title_of"]

