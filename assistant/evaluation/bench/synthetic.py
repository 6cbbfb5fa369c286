"""Synthetic corpora n times the size of the real one, for `assistant bench`.

A synthetic corpus is the real corpus (every file and its manifest entry, unchanged) plus n - 1
varied copies of each real document. A copy keeps its document's layout exactly (headings,
paragraphs, list markers, numbers, page markers and punctuation, so it is cut into passages and
sentences of the same number and length), but every word is replaced by a word drawn at random
from all the words of all the documents in its language (bokmål or Swedish), each copy with its
own draw, keeping the capitalisation of the word it replaces. So the copies have the corpus's
vocabulary at its own frequencies (BM25's term statistics and the dictionary look-ups scale as they would)
and the real documents' shape, but no copy says anything: the words of a real passage are spread
over every copy of every document. A question's evidence is therefore still only in the real
passages, which must still win among n times as many candidates; `assistant bench` checks that
hit@5 on the evaluation items stays about the same.

Copies are named `syn-NNN-<file>` with the manifest id `syn-NNN-<id>` and the language of the
document they copy, so the evidence is looked for in real passages only.
"""
from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import yaml

from ...corpus import discover

WORD_RE = re.compile(r"[^\W\d_]+")
MANIFEST = "manifest.yaml"
PREFIX = "syn-"


def _shaped(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word.lower()


def make_corpus(source: Path, target: Path, factor: int, seed: int = 20) -> Path:
    """Write the real corpus plus (factor - 1) varied copies of each document into `target`."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    sources = discover(source)
    for src in sources:
        shutil.copy2(src.path, target / src.path.name)
    manifest_path = source / MANIFEST
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else None
    entries = list((manifest or {}).get("documents") or [])
    texts = {src.path.name: src.path.read_text(encoding="utf-8", errors="replace") for src in sources
             if src.path.suffix.lower() in (".txt", ".md")}
    language = {src.path.name: src.info.language or "nb" for src in sources}
    pools: dict[str, list[str]] = {}
    for name, text in texts.items():
        pools.setdefault(language[name], []).extend(w.lower() for w in WORD_RE.findall(text))
    rng = random.Random(seed)
    for copy in range(1, factor):
        for src in sources:
            if src.path.name not in texts:
                continue  # PDFs are copied as they are, not varied
            name = f"{PREFIX}{copy:03d}-{src.path.stem}.txt"
            pool = pools[language[src.path.name]]
            varied = WORD_RE.sub(lambda m: _shaped(rng.choice(pool), m.group(0)), texts[src.path.name])
            (target / name).write_text(varied, encoding="utf-8")
            entries.append({"file": name, "id": f"{PREFIX}{copy:03d}-{src.info.id}",
                            "language": language[src.path.name], "kind": "document"})
    (target / MANIFEST).write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
    return target


def is_synthetic(doc_id: str) -> bool:
    return doc_id.startswith(PREFIX)
