"""The one core object every interface (CLI, web UI, HTTP API, evaluation) is thin over."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from .config import Config
from .models import Answer, DocumentInfo, Hit, Passage, Turn


class Assistant:
    """Answers questions from the indexed corpus with citations.

    >>> a = Assistant(Config.from_env())
    >>> a.ask("Hva er en regional planstrategi?").citations[0].title
    """

    def __init__(self, config: Config | None = None):
        self.config = config or Config.from_env()

    # -- indexing -----------------------------------------------------------------------
    def build_index(self, progress: bool = True) -> Any:
        """(Re)build the index from the corpus folder; returns an IndexReport."""
        raise NotImplementedError

    def is_ready(self) -> bool:
        """True when an index is built and loadable."""
        raise NotImplementedError

    # -- reading the corpus --------------------------------------------------------------
    def documents(self) -> list[DocumentInfo]:
        raise NotImplementedError

    def passages(self, doc_id: str | None = None) -> list[Passage]:
        raise NotImplementedError

    # -- answering -----------------------------------------------------------------------
    def retrieve(self, query: str, k: int | None = None) -> list[Hit]:
        raise NotImplementedError

    def ask(self, question: str, history: Sequence[Turn | dict] = ()) -> Answer:
        raise NotImplementedError

    def ask_stream(self, question: str, history: Sequence[Turn | dict] = ()) -> Iterator[dict]:
        """Yields {"type": "segment", "text", "cite"} events, then {"type": "citations", "citations"},
        then {"type": "done", "answer": Answer-as-dict}."""
        raise NotImplementedError


_default: Assistant | None = None


def default_assistant() -> Assistant:
    """The lazily built process-wide assistant (the only global state)."""
    global _default
    if _default is None:
        _default = Assistant(Config.from_env())
    return _default
