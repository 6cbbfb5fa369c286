"""Loading and checking the hand-written evaluation items (`evals/sets/*.jsonl`).

The schema is documented in `evals/README.md`. Loading is strict, because a silently skipped or
misread item would make every metric wrong without anyone noticing.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import PROJECT_ROOT

KINDS = ("factual", "process", "swedish", "english", "cross_language", "paraphrase", "followup",
         "short", "keyword", "typo", "conversation", "smalltalk", "out_of_scope", "injection")
REFUSAL_KINDS = ("out_of_scope", "injection")
SMALLTALK_KINDS = ("smalltalk",)  # greetings, thanks, "what is this for?": neither answered from the material nor refused
HISTORY_KINDS = ("followup", "conversation")
SPLITS = ("train", "dev", "test")
LANGS = ("nb", "sv", "en")
FIELDS = {"id", "kind", "lang", "question", "evidence", "facts", "refuse", "doc"}
DEFAULT_SETS = PROJECT_ROOT / "evals" / "sets"


class DatasetError(ValueError):
    """An item file that does not match the schema; the message names file and line."""


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    lang: str
    question: str
    evidence: tuple[str, ...]
    facts: tuple[str, ...]
    refuse: bool
    doc: str
    history: tuple[dict, ...] = field(default=())
    split: str = ""  # train (tune freely), dev (calibrate), test (frozen; read only its aggregate)

    @property
    def answerable(self) -> bool:
        return not self.refuse and self.kind not in SMALLTALK_KINDS

    @property
    def smalltalk(self) -> bool:
        return self.kind in SMALLTALK_KINDS


def _item(obj: object, where: str) -> Item:
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: expected a JSON object")
    keys = set(obj)
    allowed = FIELDS | {"split"} | ({"history"} if obj.get("kind") in HISTORY_KINDS else set())
    if not FIELDS <= keys or not keys <= allowed:
        raise DatasetError(f"{where}: fields {sorted(keys)} do not match the schema (missing "
                           f"{sorted(FIELDS - keys)}, unexpected {sorted(keys - allowed)})")
    if obj["kind"] not in KINDS:
        raise DatasetError(f"{where}: unknown kind {obj['kind']!r}")
    if obj["lang"] not in LANGS:
        raise DatasetError(f"{where}: unknown lang {obj['lang']!r}")
    if not isinstance(obj["question"], str) or not obj["question"].strip():
        raise DatasetError(f"{where}: empty question")
    for name in ("evidence", "facts"):
        if not isinstance(obj[name], list) or not all(isinstance(s, str) and s.strip() for s in obj[name]):
            raise DatasetError(f"{where}: {name} must be a list of non-empty strings")
    if obj["refuse"] is not (obj["kind"] in REFUSAL_KINDS):
        raise DatasetError(f"{where}: refuse={obj['refuse']} does not match kind {obj['kind']}")
    if obj["refuse"] and (obj["evidence"] or obj["facts"] or obj["doc"]):
        raise DatasetError(f"{where}: a refusal item has no evidence, facts or doc")
    if obj["kind"] in SMALLTALK_KINDS and (obj["evidence"] or obj["facts"] or obj["doc"]):
        raise DatasetError(f"{where}: a smalltalk item has no evidence, facts or doc")
    if not obj["refuse"] and obj["kind"] not in SMALLTALK_KINDS and not (obj["evidence"] and obj["doc"]):
        raise DatasetError(f"{where}: an answerable item needs evidence and doc")
    if "split" in obj and obj["split"] not in SPLITS:
        raise DatasetError(f"{where}: unknown split {obj['split']!r}; known: {', '.join(SPLITS)}")
    history = obj.get("history") or []
    if not isinstance(history, list) or not all(
            isinstance(t, dict) and t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)
            for t in history):
        raise DatasetError(f"{where}: history must be a list of {{role, content}} turns")
    return Item(id=obj["id"], kind=obj["kind"], lang=obj["lang"], question=obj["question"],
                evidence=tuple(obj["evidence"]), facts=tuple(obj["facts"]), refuse=obj["refuse"],
                doc=obj["doc"], history=tuple(history), split=obj.get("split", ""))


def load_items(sets_dir: Path = DEFAULT_SETS, kinds: Iterable[str] | None = None) -> list[Item]:
    """Every item of every `*.jsonl` file, in file order; optionally only some kinds."""
    files = sorted(Path(sets_dir).glob("*.jsonl"))
    if not files:
        raise DatasetError(f"no *.jsonl files in {sets_dir}")
    wanted = set(kinds) if kinds else None
    if wanted and not wanted <= set(KINDS):
        raise DatasetError(f"unknown kinds {sorted(wanted - set(KINDS))}; known: {', '.join(KINDS)}")
    items: list[Item] = []
    seen: set[str] = set()
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{n}"
            try:
                obj = json.loads(line)
            except ValueError as err:
                raise DatasetError(f"{where}: not JSON ({err})") from err
            item = _item(obj, where)
            if item.kind != path.stem:
                raise DatasetError(f"{where}: kind {item.kind} in file {path.name}")
            if item.id in seen:
                raise DatasetError(f"{where}: duplicate id {item.id}")
            seen.add(item.id)
            if wanted is None or item.kind in wanted:
                items.append(item)
    return items


def split_fingerprint(items: Iterable[Item], split: str = "test") -> str:
    """sha256 over one split's items (every field, in id order): `evals/splits.lock` records
    `test`'s, so that a frozen split cannot change without the change showing."""
    import hashlib

    chosen = sorted((i for i in items if i.split == split), key=lambda i: i.id)
    canonical = [json.dumps([i.id, i.kind, i.lang, i.question, list(i.history), list(i.evidence), list(i.facts),
                             i.refuse, i.doc], ensure_ascii=False, sort_keys=True) for i in chosen]
    return hashlib.sha256("\n".join(canonical).encode("utf-8")).hexdigest()


def grounding_problems(items: Iterable[Item], corpus_dir: Path) -> list[str]:
    """Evidence and facts that do not occur in the document an item names (after normalising)."""
    from ..corpus import discover
    from ..ingest import normalize
    from ..ingest.readers import read_raw

    sources = {sf.path.stem: sf.path for sf in discover(corpus_dir)}
    texts: dict[str, str] = {}
    problems = []
    for item in items:
        if not item.answerable:
            continue
        if item.doc not in sources:
            problems.append(f"{item.id}: document {item.doc} is not in the corpus")
            continue
        if item.doc not in texts:
            texts[item.doc] = normalize(read_raw(sources[item.doc]))
        for phrase in (*item.evidence, *item.facts):
            if normalize(phrase) not in texts[item.doc]:
                problems.append(f"{item.id}: {phrase!r} not found in {item.doc}")
    return problems


def doc_ids(corpus_dir: Path) -> dict[str, str]:
    """File stem (as items name documents) → document id (as the index names them)."""
    from ..corpus import discover

    return {sf.path.stem: sf.info.id for sf in discover(corpus_dir)}
