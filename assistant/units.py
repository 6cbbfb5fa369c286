"""Answer units: the sentences and list items of a passage, the smallest things an answer quotes."""
from __future__ import annotations

from dataclasses import dataclass, field

from .models import Passage
from .text import split_sentences


@dataclass
class Unit:
    text: str
    kind: str  # "sentence" | "item"
    hit_rank: int
    position: int
    group: int | None = None  # list group within the passage
    intro_of: int | None = None  # this sentence introduces list group n
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


def units_of(p: Passage, hit_rank: int = 0) -> list[Unit]:
    """Split a passage into units; a sentence directly before a list introduces it."""
    units: list[Unit] = []
    group = -1
    prev_item = False
    lines = p.text.split("\n")
    if p.section and lines and lines[0] == p.section[-1]:
        lines = lines[1:]  # the section heading is context, not a claim to quote
    for line in lines:
        if not any(ch.isalnum() for ch in line):
            continue  # "¿ ?", a bullet glyph alone: nothing a reader could be quoted
        if line.startswith("- "):
            if not prev_item:
                group += 1
                if units and units[-1].kind == "sentence":
                    units[-1].intro_of = group
            units.append(Unit(line[2:], "item", hit_rank, len(units), group))
            prev_item = True
        else:
            for s in split_sentences(line):
                if any(ch.isalnum() for ch in s):
                    units.append(Unit(s, "sentence", hit_rank, len(units)))
            prev_item = False
    return units
