"""The index a long-running process answers from, switched to a new build without a restart.

`assistant index` writes each build aside and renames `current` when it is complete (index.py);
with a Chroma server it also names the build there, last (published.py), and that pointer is the
one read, so workers with homes of their own switch too (the build's files are fetched from the
server on load). A `LiveIndex` reads the pointer at most every `CHECK_SECONDS`, on the request that comes by; when it
names another build, a background thread loads that build fully (passages, Chroma collections,
BM25 lists, the answerer, one search) while requests go on with the old one, and then swaps it in
under a lock. A request keeps the `IndexView` it started with (`Assistant.ask` pins it), so none
mixes two builds or fails during the switch, in embedded mode and against a Chroma server alike.
The view left behind is closed `CLOSE_AFTER_SECONDS` later; its build's files stay at least that
long (`index.RETIRED_GRACE_SECONDS`).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property

from .answering import ExtractiveAnswerer
from .config import Config
from .embedders import Embedder
from .glossary import Glossary
from .index import Index
from .retrieval import HybridRetriever
from .scope import Vocabulary
from .spelling import Speller

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0  # how stale `current` may be read; one small file read per check
CLOSE_AFTER_SECONDS = 60.0  # a replaced view is closed when no request can still be using it


class IndexView:
    """One loaded build and everything derived from it, each part built on first use."""

    def __init__(self, index: Index, embedder: Embedder, config: Config):
        self.index = index
        self.embedder = embedder
        self.config = config

    @property
    def build_id(self) -> str:
        return self.index.build_id

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.index.passages)

    @cached_property
    def retriever(self) -> HybridRetriever:
        return HybridRetriever(self.index, self.embedder, self.config.retrieval, vocabulary=self.vocabulary,
                               glossary=Glossary.in_cache(self.config.cache))

    @cached_property
    def answerer(self) -> ExtractiveAnswerer:
        return ExtractiveAnswerer(self.index.passages, self.embedder, unit_vectors=self.index.unit_vectors,
                                  vocabulary=self.vocabulary,
                                  titles={d.id: d.title for d in self.index.documents.values()})

    @cached_property
    def speller(self) -> Speller:
        return Speller(self.vocabulary.words, knows=self.vocabulary.knows)

    @cached_property
    def titles(self) -> list[str]:
        return sorted({d.title for d in self.index.documents.values()})

    def warm(self) -> None:
        """Build every part and search once, so the first request on this view is not the slow one
        and a broken build fails here, before it is swapped in."""
        _ = self.answerer, self.speller, self.titles
        if self.index.passages:
            self.retriever.retrieve("smart spesialisering", k=1)

    def close(self) -> None:
        self.index.close()


class LiveIndex:
    """The current `IndexView`, reloaded in the background when `pointer()` names another build.

    `load()` loads whatever build is current (raising IndexMissingError or BackendError);
    `pointer()` reads the id of the current build cheaply (None when there is none)."""

    def __init__(self, load: Callable[[], IndexView], pointer: Callable[[], str | None],
                 check_seconds: float = CHECK_SECONDS):
        self._load = load
        self._pointer = pointer
        self.check_seconds = check_seconds
        self._view: IndexView | None = None
        self._lock = threading.Lock()  # guards _view and _loading
        self._first = threading.Lock()  # one synchronous first load at a time
        self._checked = 0.0
        self._loading = False
        self._last_error = ""

    @property
    def version(self) -> str | None:
        """The build id of the view in use, or None before one is loaded."""
        view = self._view
        return view.build_id if view is not None else None

    def current(self) -> IndexView:
        view = self._view
        if view is None:
            with self._first:
                if self._view is None:
                    loaded = self._load()  # errors reach the caller; the next call tries again
                    with self._lock:
                        self._view, self._checked = loaded, time.monotonic()
                return self._view
        now = time.monotonic()
        if now - self._checked >= self.check_seconds:
            self._checked = now
            self._maybe_reload(view)
        return view

    def _maybe_reload(self, view: IndexView) -> None:
        pointed = self._pointer()
        if not pointed or pointed == view.build_id:
            return
        with self._lock:
            if self._loading:
                return
            self._loading = True
        threading.Thread(target=self._reload, name=f"index-reload-{pointed}", daemon=True).start()

    def _reload(self) -> None:
        try:
            view = self._load()
            view.warm()
        except Exception as err:  # noqa: BLE001 - the old view keeps serving; tried again at the next check
            message = f"{err.__class__.__name__}: {err}"
            if message != self._last_error:
                log.warning("Could not switch to the new index build; still serving %s (%s)", self.version, message)
                self._last_error = message
            with self._lock:
                self._loading = False
            return
        with self._lock:
            old, self._view, self._loading = self._view, view, False
        self._last_error = ""
        log.info("Switched to index build %s (was %s)", view.build_id, old.build_id if old else None)
        self._retire(old, view)

    def reset(self) -> None:
        """Forget the loaded view (after building in this process); the next use loads `current`."""
        with self._lock:
            old, self._view = self._view, None
        self._retire(old, None)

    def _retire(self, old: IndexView | None, new: IndexView | None) -> None:
        if old is None or old is new:
            return
        timer = threading.Timer(CLOSE_AFTER_SECONDS, old.close)
        timer.daemon = True
        timer.start()
