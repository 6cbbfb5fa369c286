"""`live.LiveIndex` with stand-in views: the old view serves until the new one is fully loaded,
a view that fails to load never replaces a working one, and a request keeps the view it pinned.
tests/server/test_live_reindex.py does this for real, with `assistant index` under a server."""
from __future__ import annotations

import threading
import time

import pytest

from assistant import live
from assistant.config import Config
from assistant.core import Assistant
from assistant.live import LiveIndex


class View:
    def __init__(self, build_id: str, ready: threading.Event | None = None, fail: bool = False):
        self.build_id, self.ready, self.fail, self.closed = build_id, ready, fail, False

    def warm(self) -> None:
        if self.ready is not None:
            assert self.ready.wait(10)
        if self.fail:
            raise OSError("half a build")

    def close(self) -> None:
        self.closed = True


def _wait(check, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_the_old_view_serves_until_the_new_one_is_loaded(monkeypatch):
    monkeypatch.setattr(live, "CLOSE_AFTER_SECONDS", 0.0)
    pointer = ["a"]
    loaded = threading.Event()
    views = {"a": View("a"), "b": View("b", ready=loaded)}
    index = LiveIndex(lambda: views[pointer[0]], lambda: pointer[0], check_seconds=0.0)
    assert index.current().build_id == "a" and index.version == "a"
    pointer[0] = "b"
    for _ in range(5):  # loading in the background; every call meanwhile gets the old view
        assert index.current().build_id == "a"
    loaded.set()
    _wait(lambda: index.current().build_id == "b")
    assert index.version == "b"
    _wait(lambda: views["a"].closed)


def test_a_build_that_fails_to_load_leaves_the_working_view():
    pointer = ["a"]
    views = {"a": View("a"), "broken": View("broken", fail=True)}
    index = LiveIndex(lambda: views[pointer[0]], lambda: pointer[0], check_seconds=0.0)
    index.current()
    pointer[0] = "broken"
    index.current()
    _wait(lambda: not index._loading)
    assert index.current().build_id == "a" and not views["a"].closed


def test_a_request_keeps_the_view_it_pinned(tmp_path):
    assistant = Assistant(Config(home=tmp_path))
    pointer = ["a"]
    views = {"a": View("a"), "b": View("b")}
    assistant._live = LiveIndex(lambda: views[pointer[0]], lambda: pointer[0], check_seconds=0.0)
    with assistant._pin() as view:
        assert view.build_id == "a"
        pointer[0] = "b"
        _wait(lambda: assistant._live.current().build_id == "b")
        assert assistant._view() is view, "the same view to the end of the request"
    assert assistant._view().build_id == "b"


def test_no_view_until_an_index_exists():
    def load():
        raise FileNotFoundError("no index")

    index = LiveIndex(load, lambda: None)
    with pytest.raises(FileNotFoundError):
        index.current()
    assert index.version is None
