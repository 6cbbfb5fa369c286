"""Reads the guide's raw text the way the grounding tests need it.

Comparison is on a normal form: lower case, line-end hyphens joined ("nærings-\\nlivet"), bullet
glyphs dropped, and *all* whitespace removed. Removing whitespace (not only collapsing it) is
needed because the PDF extraction also lost soft hyphens ("nærings\\nområder" for
"næringsområder"), so the guide's own words can be split where the printed text is not.

Pages: the text has only a few footers ("\\t | 19Title" on right-hand pages, "28 |" on left-hand
ones), and each footer opens the page it numbers. Other pages start with a line that begins
with a space. A page number counts as known only for a footer page, and for the pages after it
when counting page starts reaches the next footer's number exactly (pages 23-28).
"""
from __future__ import annotations

import bisect
import re
from pathlib import Path

_JOIN = re.compile(r"(?<=[a-zæøå])-[ \t]*\n\s*(?=[a-zæøå])(?!(?:og|eller)\b)")
_FOOTER = re.compile(r"^\t? ?\| ?(\d+)\S|^(\d+) \|\s*$")
_CHAPTER = re.compile(r"^\s*(\d)\.\s+([A-ZÆØÅ][A-ZÆØÅ ]+?)\s*$", re.M)


def normalise(text: str) -> str:
    text = _JOIN.sub("", text).replace("•", "")
    return re.sub(r"\s+", "", text).lower()


def clean(text: str) -> str:
    """Readable form of a raw span: joins hyphenated words, drops bullets, collapses spaces."""
    return " ".join(_JOIN.sub("", text).replace("•", " ").split())


class GuideText:
    def __init__(self, raw: str):
        self.raw = raw
        chars, self.offsets = [], []
        joined = {m.start(): m.end() for m in _JOIN.finditer(raw)}
        i = 0
        while i < len(raw):
            if i in joined:
                i = joined[i]
                continue
            ch = raw[i]
            if not ch.isspace() and ch != "•":
                chars.append(ch.lower())
                self.offsets.append(i)
            i += 1
        self.norm = "".join(chars)
        self._pages = self._page_starts()
        self.chapters = [(m.start(), int(m.group(1))) for m in _CHAPTER.finditer(raw)]

    @classmethod
    def from_file(cls, path: Path) -> "GuideText":
        return cls(path.read_text(encoding="utf-8"))

    # -- finding text -------------------------------------------------------------------------
    def find_all(self, text: str) -> list[int]:
        """Raw offsets where `text` (in normal form) starts."""
        needle, found, start = normalise(text), [], 0
        while needle and (i := self.norm.find(needle, start)) >= 0:
            found.append(self.offsets[i])
            start = i + 1
        return found

    def headings(self, heading: str) -> list[int]:
        """Occurrences of `heading` at the start of a line (where headings are)."""
        return [o for o in self.find_all(heading) if self.raw[:o].rstrip(" \t").endswith("\n") or o == 0
                or not self.raw[:o].strip()]

    def chapter_between(self, start: int, end: int) -> bool:
        return any(start < pos < end for pos, _ in self.chapters)

    def within_section(self, offset: int, section: str) -> bool:
        """The nearest heading of each section part precedes `offset`, in order, in one chapter."""
        limit = offset
        for part in reversed(section.split(" › ")):
            before = [h for h in self.headings(part) if h < limit]
            if not before or self.chapter_between(before[-1], limit):
                return False
            limit = before[-1]
        return True

    # -- pages --------------------------------------------------------------------------------
    def _page_starts(self) -> list[tuple[int, int | None]]:
        starts: list[tuple[int, int | None, bool]] = [(0, None, False)]
        pos = 0
        for line in self.raw.split("\n"):
            if pos and (m := _FOOTER.match(line)):
                starts.append((pos, int(m.group(1) or m.group(2)), True))
            elif pos and re.match(r"[ \t]+\S", line):
                starts.append((pos, None, False))
            pos += len(line) + 1
        pages: list[tuple[int, int | None]] = []
        footers = [k for k, s in enumerate(starts) if s[2]]
        for k, (offset, number, _) in enumerate(starts):
            pages.append((offset, number))
        for a, b in zip(footers, footers[1:]):
            if starts[b][1] - starts[a][1] == b - a:  # page starts between agree with footers
                for k in range(a + 1, b):
                    pages[k] = (starts[k][0], starts[a][1] + (k - a))
        return pages

    def page_of(self, offset: int) -> int | None:
        k = bisect.bisect_right([p for p, _ in self._pages], offset) - 1
        return self._pages[k][1]

    # -- bullet lists -------------------------------------------------------------------------
    def bullets(self, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
        """(start, end, text) of each bullet beginning in [start, end). A bullet ends at the next
        bullet, a page start, or a blank line followed by a line opening with a capital or digit."""
        end = len(self.raw) if end is None else end
        lines, out, pos, cur = self.raw.split("\n"), [], 0, None
        for idx, line in enumerate(lines):
            nxt = lines[idx + 1] if idx + 1 < len(lines) else ""
            page_start = re.match(r"[ \t]+\S", line) or _FOOTER.match(line)
            new_para = not line.strip() and (nxt[:1].isupper() or nxt[:1].isdigit())
            if line.lstrip().startswith("•") or page_start or new_para:
                if cur:
                    out.append(cur)
                cur = [pos, pos + len(line), [line]] if line.lstrip().startswith("•") else None
            elif cur is not None:
                cur[1] = pos + len(line)
                cur[2].append(line)
            pos += len(line) + 1
        if cur:
            out.append(cur)
        return [(a, b, clean("\n".join(ls))) for a, b, ls in out if start <= a < end]

    def bullets_after(self, marker: str) -> list[str]:
        """The bullet list that directly follows the first occurrence of `marker`."""
        needle = normalise(marker)
        i = self.norm.find(needle)
        assert i >= 0, f"marker not in the guide: {marker}"
        last_end, result = self.offsets[i + len(needle) - 1] + 1, []
        for a, b, text in self.bullets(last_end):
            if self.raw[last_end:a].strip():
                break
            result.append(text)
            last_end = b
        return result

    def chapter_span(self, number: int) -> tuple[int, int]:
        positions = dict((n, p) for p, n in reversed(self.chapters))
        start = positions[number]
        later = [p for p, n in self.chapters if p > start]
        return start, (later[0] if later else len(self.raw))

    def chapter_questions(self, number: int) -> list[str]:
        start, end = self.chapter_span(number)
        return [t for _, _, t in self.bullets(start, end) if t.endswith("?")]
