"""Thumbs up/down on answers, kept in SQLite so they can feed the evaluation sets.

The interfaces (web chat, widget, HTTP API) only call `FeedbackStore.record`; the
`assistant feedback export` command writes the rows as JSONL for curating new eval items.

    >>> store = FeedbackStore(Config.from_env().feedback_db)
    >>> fid = store.record("Hva er RIS3?", {"answer": "..."}, [], rating=1)
    >>> store.update(fid, comment="Bra svar")
"""
from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from .validation import clean_text
from .errors import InputError

Migration = Callable[[sqlite3.Connection], None]
_MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    """Register a schema step; steps run once each, in definition order."""
    _MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_feedback(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created TEXT NOT NULL,
            question TEXT NOT NULL,
            answer_json TEXT NOT NULL,
            citations_json TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
            comment TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT ''
        )"""
    )


MAX_COMMENT_CHARS = 4000


def _jsonable(value: Any) -> Any:
    """Accept pydantic models as well as plain dicts/lists."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class FeedbackStore:
    """One SQLite file; a connection per call keeps it safe across server threads."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._migrated = False

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        if not self._migrated:
            with self._lock:
                self._migrate(db)
                self._migrated = True
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)")
        done = {r[0] for r in db.execute("SELECT name FROM _migrations")}
        for name, fn in _MIGRATIONS:
            if name in done:
                continue
            with db:
                fn(db)
                db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, _now()))

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
        answer_json = json.dumps(_jsonable(answer), ensure_ascii=False)
        citations_json = json.dumps(_jsonable(list(citations)), ensure_ascii=False)
        db = self._connect()
        try:
            with db:
                cur = db.execute(
                    "INSERT INTO feedback (created, question, answer_json, citations_json, rating, comment, source)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (_now(), question, answer_json, citations_json, rating, comment.strip(), source),
                )
            return int(cur.lastrowid)
        finally:
            db.close()

    def update(self, feedback_id: int, rating: int | None = None, comment: str | None = None) -> None:
        """Change a rating (the user flipped the thumb) or attach the optional comment."""
        if rating is not None and rating not in (-1, 1):
            raise InputError("Vurderingen må være 1 (tommel opp) eller -1 (tommel ned).")
        comment = clean_text(comment) if comment is not None else None
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise InputError(f"Kommentaren er for lang (maks {MAX_COMMENT_CHARS} tegn).")
        db = self._connect()
        try:
            with db:
                cur = db.execute(
                    "UPDATE feedback SET rating = COALESCE(?, rating), comment = COALESCE(?, comment) WHERE id = ?",
                    (rating, comment.strip() if comment is not None else None, feedback_id),
                )
            if cur.rowcount == 0:
                raise InputError(f"Fant ingen tilbakemelding med id {feedback_id}.")
        finally:
            db.close()

    def rows(self) -> Iterator[dict]:
        if not self.path.exists():
            return
        db = self._connect()
        try:
            for r in db.execute("SELECT * FROM feedback ORDER BY id"):
                yield {
                    "id": r["id"],
                    "created": r["created"],
                    "question": r["question"],
                    "answer": json.loads(r["answer_json"]),
                    "citations": json.loads(r["citations_json"]),
                    "rating": r["rating"],
                    "comment": r["comment"],
                    "source": r["source"],
                }
        finally:
            db.close()

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
