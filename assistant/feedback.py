"""Thumbs up/down on answers, kept in the storage layer (SQLite, or PostgreSQL with
ASSISTANT_DATABASE_URL) so they can feed the evaluation sets.

The interfaces (web chat, widget, HTTP API) only call `FeedbackStore.record`; the
`assistant feedback export` command writes the rows as JSONL for curating new eval items.

    >>> config = Config.from_env()
    >>> store = FeedbackStore(config.feedback_db, url=config.database_url)
    >>> fid = store.record("Hva er RIS3?", {"answer": "..."}, [], rating=1)
    >>> store.update(fid, comment="Bra svar")
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, insert, select, update

from .database import FEEDBACK, feedback as table, open_database
from .validation import clean_json, clean_text
from .errors import InputError

MAX_COMMENT_CHARS = 4000


def _jsonable(value: Any) -> Any:
    """Accept pydantic models as well as plain dicts/lists."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class FeedbackStore:
    """The SQLite file `path` (one connection per call, safe across server threads), or the table in
    the database `url` names (ASSISTANT_DATABASE_URL), through the storage layer (database.py)."""

    def __init__(self, path: Path | str, url: str = ""):
        self.path = Path(path)
        self.url = url
        self.database = open_database(self.path, url, ("feedback",), FEEDBACK)

    def record(
        self,
        question: str,
        answer: Any,
        citations: Any = (),
        rating: int = 1,
        comment: str = "",
        source: str = "",
    ) -> int:
        """Store one rating; `answer` is an Answer (or its dict). Returns the row id."""
        if rating not in (-1, 1):
            raise InputError("Vurderingen må være 1 (tommel opp) eller -1 (tommel ned).")
        question, comment = clean_text(question), clean_text(comment)  # stored text is printable XML text
        if len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"Kommentaren er for lang (maks {MAX_COMMENT_CHARS} tegn).")
        answer_json = json.dumps(clean_json(_jsonable(answer)), ensure_ascii=False)
        citations_json = json.dumps(clean_json(_jsonable(list(citations))), ensure_ascii=False)
        with self.database.transaction(write=True) as db:
            cur = db.execute(insert(table).values(
                created=_now(), question=question, answer_json=answer_json, citations_json=citations_json,
                rating=rating, comment=comment.strip(), source=source))
            return int(cur.inserted_primary_key[0])

    def update(self, feedback_id: int, rating: int | None = None, comment: str | None = None) -> None:
        """Change a rating (the user flipped the thumb) or attach the optional comment."""
        if rating is not None and rating not in (-1, 1):
            raise InputError("Vurderingen må være 1 (tommel opp) eller -1 (tommel ned).")
        comment = clean_text(comment) if comment is not None else None
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"Kommentaren er for lang (maks {MAX_COMMENT_CHARS} tegn).")
        with self.database.transaction(write=True) as db:
            cur = db.execute(update(table).where(table.c.id == feedback_id).values(
                rating=func.coalesce(rating, table.c.rating),
                comment=func.coalesce(comment.strip() if comment is not None else None, table.c.comment)))
        if cur.rowcount == 0:
            raise InputError(f"Fant ingen tilbakemelding med id {feedback_id}.")

    def rows(self) -> Iterator[dict]:
        if not self.url and not self.path.exists():
            return
        with self.database.transaction() as db:
            rows = db.execute(select(table).order_by(table.c.id)).all()
        for r in rows:
            yield {"id": r.id, "created": r.created, "question": r.question, "answer": json.loads(r.answer_json),
                   "citations": json.loads(r.citations_json), "rating": r.rating, "comment": r.comment,
                   "source": r.source}

    def export_jsonl(self, out: Path | str | IO[str] | None = None) -> int:
        """Write one JSON object per line to a file path or stream (stdout by default)."""
        if out is None or isinstance(out, str | Path):
            stream: IO[str] = open(out, "w", encoding="utf-8") if out is not None else sys.stdout
        else:
            stream = out
        n = 0
        try:
            for row in self.rows():
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
        finally:
            if isinstance(out, str | Path):
                stream.close()
        return n


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
