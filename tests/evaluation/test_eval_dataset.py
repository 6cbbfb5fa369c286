"""The evaluation items load strictly, and every expected phrase lies in the document it names."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from assistant.config import Config
from assistant.evaluation import KINDS, DatasetError, load_items
from assistant.evaluation.dataset import grounding_problems


def test_all_sets_load(eval_items):
    assert len(eval_items) >= 420
    assert set(Counter(i.kind for i in eval_items)) == set(KINDS)
    assert len({i.id for i in eval_items}) == len(eval_items)
    assert all(i.history for i in eval_items if i.kind == "followup")


def test_expected_phrases_are_in_the_named_documents(eval_items):
    assert grounding_problems(eval_items, Config.from_env(env={}).corpus_dir) == []


def test_kinds_filter(eval_items):
    assert {i.kind for i in load_items(kinds=["injection", "swedish"])} == {"injection", "swedish"}
    with pytest.raises(DatasetError, match="unknown kinds"):
        load_items(kinds=["nope"])


GOOD = {"id": "x-1", "kind": "factual", "lang": "nb", "question": "Hva?", "evidence": ["a b"], "facts": [],
        "refuse": False, "doc": "d"}


@pytest.mark.parametrize("change, message", [
    ({"refuse": True}, "does not match kind"),
    ({"lang": "de"}, "unknown lang"),
    ({"evidence": []}, "needs evidence"),
    ({"extra": 1}, "do not match the schema"),
    ({"history": [{"role": "user", "content": "x"}]}, "do not match the schema"),  # only follow-ups
    ({"question": " "}, "empty question"),
])
def test_schema_violations_name_file_and_line(tmp_path, change, message):
    (tmp_path / "factual.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "id": "x-2", **change}) + "\n")
    with pytest.raises(DatasetError, match=message) as err:
        load_items(tmp_path)
    assert "factual.jsonl:2" in str(err.value)


def test_duplicate_ids_and_misfiled_kinds_are_rejected(tmp_path):
    (tmp_path / "factual.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    with pytest.raises(DatasetError, match="duplicate id"):
        load_items(tmp_path)
    (tmp_path / "factual.jsonl").unlink()
    (tmp_path / "process.jsonl").write_text(json.dumps(GOOD) + "\n")
    with pytest.raises(DatasetError, match="kind factual in file process.jsonl"):
        load_items(tmp_path)


def test_the_test_split_is_frozen(eval_items):
    """`test` is the held-out split: the gate and the README report it, and nothing is tuned on it.
    Its items are fingerprinted in evals/splits.lock; changing, adding or removing one fails here."""
    from assistant.config import PROJECT_ROOT
    from assistant.evaluation.dataset import split_fingerprint

    lock = json.loads((PROJECT_ROOT / "evals" / "splits.lock").read_text())["test"]
    assert sum(i.split == "test" for i in eval_items) == lock["items"]
    assert split_fingerprint(eval_items) == lock["sha256"]


def test_every_item_has_a_split_and_every_kind_is_in_each_split(eval_items):
    assert {i.split for i in eval_items} == {"train", "dev", "test"}
    for kind in {i.kind for i in eval_items}:
        assert {i.split for i in eval_items if i.kind == kind} == {"train", "dev", "test"}, kind


def test_the_fingerprint_sees_a_changed_test_item(eval_items):
    from dataclasses import replace

    from assistant.evaluation.dataset import split_fingerprint

    test = [i for i in eval_items if i.split == "test"]
    changed = [replace(test[0], question=test[0].question + "!")] + test[1:]
    assert split_fingerprint(changed) != split_fingerprint(test)
