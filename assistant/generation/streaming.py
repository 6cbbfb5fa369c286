"""Cutting a stream of tokens into sentences as they complete, so each can be guarded before it is shown.

A sentence is complete when the splitter (`text.split_sentences`, which keeps the three languages'
abbreviations whole) sees the next one begin, or at a line break, or at the end of the stream. A
marker the model puts after the full stop («… strategien. [2] Neste») is moved before it, so it
stays with its sentence. A line that starts with a bullet is a list item.
"""
from __future__ import annotations

import re

from ..text import split_sentences

TRAILING_MARKERS_RE = re.compile(r"([.!?…])[ \t]*((?:\[[^\[\]\n]{1,30}\][ \t]*)+)")
BULLET_RE = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s+")
DECORATION_RE = re.compile(r"\*\*|__|^#+\s*")


def markers_first(text: str) -> str:
    """«Setning. [1] Neste» → «Setning [1]. Neste»."""
    return TRAILING_MARKERS_RE.sub(lambda m: f" {' '.join(m.group(2).split())}{m.group(1)} ", text)


def _pieces(line: str) -> list[tuple[str, str]]:
    kind = "item" if BULLET_RE.match(line) else "sentence"
    line = DECORATION_RE.sub("", BULLET_RE.sub("", line)).strip()
    if not line:
        return []
    if kind == "item":
        return [(line, "item")]
    return [(s, "sentence") for s in split_sentences(markers_first(line))]


class SentenceBuffer:
    """Feed tokens; get back the sentences (text with its markers, kind) that are complete."""

    def __init__(self) -> None:
        self.line = ""

    def feed(self, token: str) -> list[tuple[str, str]]:
        self.line += token
        out: list[tuple[str, str]] = []
        while "\n" in self.line:
            done, self.line = self.line.split("\n", 1)
            out += _pieces(done)
        if BULLET_RE.match(self.line):
            return out  # a list item ends at its line break
        normal = markers_first(self.line)
        parts = split_sentences(normal)
        if len(parts) >= 2:
            for part in parts[:-1]:
                out += _pieces(part)
            self.line = parts[-1] + (" " if normal[-1:].isspace() else "")  # «… [1]. The » + «Sami»
        return out

    def flush(self) -> list[tuple[str, str]]:
        rest, self.line = self.line, ""
        return _pieces(rest)
