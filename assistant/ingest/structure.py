"""Section structure of a cleaned document: headings, paragraphs and list items.

The PDF extractions carry no font information, so headings are recognised by their shape: short,
unpunctuated lines followed by a sentence or a list; numbered element titles ("2. ANALYSE"); and
markdown `#` titles or the first line of a slide in slide decks. Short lines repeated on many
slides (logos, running titles) are dropped.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from ..text import STOPWORDS
from .clean import WORD_END_RE, Line, bare_end, join_hyphenated

NUMBERED_RE = re.compile(r"^(\d)\.\s+([A-ZÆØÅÄÖ][A-ZÆØÅÄÖ ,\-–]{3,})$")
ITEM_RE = re.compile(r"^\d{1,2}\.\s+(?![A-ZÆØÅÄÖ ,\-–]+$)\S")
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
END_PUNCT = (".", ",", ";", ":", "!", "-", "–", "…", "»", ")", "/")


@dataclass
class Block:
    kind: Literal["heading", "para", "item"]
    text: str
    level: int = 0
    page: int | None = None
    page_end: int | None = None
    section: tuple[str, ...] = field(default_factory=tuple)
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page that starts there)
    from_markdown: bool = False  # a "#" title
    flagged: bool = False  # addresses the assistant (`chunk.separate_instructions`)


MAX_HEADING = 200  # a longer "# …" line is a paragraph written as a heading


def line_breaks(lines: list[Line], sep: int = 1) -> list[tuple[int, int]]:
    """Where, in the lines joined by `sep` characters, a new known page starts."""
    out: list[tuple[int, int]] = []
    offset, current = 0, None
    for k, ln in enumerate(lines):
        offset += sep if k else 0
        if ln.exact and ln.page is not None:
            if current is not None and ln.page != current:
                out.append((offset, ln.page))
            current = ln.page_end if ln.page_end is not None else ln.page
        offset += len(ln.text)
    return out


def shift(breaks: list[tuple[int, int]], by: int) -> list[tuple[int, int]]:
    return [(max(0, o + by), page) for o, page in breaks]


def _pages(lines: list[Line]) -> tuple[int | None, int | None]:
    if not lines or any(ln.page is None for ln in lines):
        return None, None
    ends = [ln.page_end for ln in lines]
    return min(ln.page for ln in lines), (None if any(e is None for e in ends) else max(ends))


def _split(lines: list[Line], slide_gap: int | None) -> list[list[list[Line]]]:
    """Slides (separated by ≥ slide_gap blank lines; one slide when None) of blank-line blocks."""
    slides: list[list[list[Line]]] = [[]]
    block: list[Line] = []
    blanks = 0
    for ln in [*lines, Line("")]:
        if not ln.text:
            blanks += 1
            if block:
                slides[-1].append(block)
                block = []
            continue
        if slide_gap and blanks >= slide_gap and slides[-1]:
            slides.append([])
        blanks = 0
        block.append(ln)
    return [s for s in slides if s]


PARTICLES = {"opp", "ut", "inn", "ned", "upp"}  # "… å følge opp" may end a heading; "… som det er" may not


SENTENCE_INSIDE_RE = re.compile(r"(?:\S+\s+){3}\S*[a-zæøåäöé»][.!?]\s+[A-ZÆØÅÄÖ]")


def _heading_like(text: str) -> bool:
    """Short, unpunctuated, not a list item; and no finished sentence inside it ("… i Telemark.
    Kontakt: Sørensen" is a sentence with a tail, not a title)."""
    last = text.rsplit(" ", 1)[-1].lower()
    return (
        0 < len(text) <= 85
        and not SENTENCE_INSIDE_RE.search(text)
        and not text.startswith("- ")
        and (text[0].isupper() or text[0].isdigit())
        and not bare_end(text).endswith(END_PUNCT)
        and not ITEM_RE.match(text)
        and last not in STOPWORDS
        and not re.match(r"^[\d\s,.%]+$", text)
    )


def _subblocks(block: list[Line]) -> list[list[Line]]:
    """Split a blank-line block where a new page or column starts after a finished sentence,
    and before numbered element titles: PDF extraction glues those to the text above."""
    out: list[list[Line]] = [[]]
    for k, ln in enumerate(block):
        prev = block[k - 1].text if k else ""
        starts_heading = ln.lead and (bare_end(prev).endswith((".", "?", "!", ":")) or (_heading_like(prev) and _heading_like(ln.text)))
        if out[-1] and (starts_heading or NUMBERED_RE.match(ln.text)):
            out.append([])
        out[-1].append(ln)
    return [b for b in out if b]


def _repeated(slides: list[list[list[Line]]]) -> set[str]:
    """Short lines that stand on three or more slides: logos and running titles."""
    counts: Counter[str] = Counter()
    for slide in slides:
        for text in {ln.text.lstrip("# ").strip() for block in slide for ln in block}:
            if len(text) <= 80 and not text.startswith("- ") and not text.endswith("?"):
                counts[text] += 1
    return {t for t, c in counts.items() if c >= 3 and t}


def _heading_prefix(block: list[Line]) -> int:
    """How many leading lines of a prose block form a heading (0 if none)."""
    for h in (1, 2):
        if h > len(block):
            break
        first = block[0].text if h == 1 else block[0].text.rsplit(" ", 1)[0] + " x"
        if not _heading_like(first):
            continue
        if h == 2 and not (block[1].text[:1].islower() and len(block[1].text) < 60
                           and not bare_end(block[1].text).endswith(END_PUNCT)
                           and block[1].text.rsplit(" ", 1)[-1].lower() not in STOPWORDS - PARTICLES):
            break
        if len(" ".join(ln.text for ln in block[:h])) > 100:
            break
        if h == len(block):
            return h
        nxt = block[h].text
        if h == 1 and nxt[:1].islower():
            continue
        if nxt.startswith("- ") or nxt[:1].isupper():
            return h
    text = " ".join(ln.text for ln in block)
    if len(block) <= 2 and len(text) <= 90 and text.endswith("?") and text[0].isupper():
        return len(block)
    return 0


def _body(block: list[Line], i: int) -> int:
    """End (exclusive) of the paragraph or list item that starts at line i."""
    j = i + 1
    while j < len(block) and not block[j].text.startswith("- ") and not MD_HEADING_RE.match(block[j].text) \
            and not ITEM_RE.match(block[j].text):
        j += 1
    return j


def parse_blocks(lines: list[Line], slides: bool = False, markdown: bool = False) -> list[Block]:
    """Turn cleaned lines into headings, paragraphs and items, with heading levels.

    Prose documents: a numbered element title is level 2; outside the numbered elements a heading
    at the top of a page or column is a chapter (1), others level 2; inside them level 3; a heading
    directly followed by a list names that list's group, one level deeper.
    """
    groups = _split(lines, 3 if slides else None)
    md_titles = markdown or any(MD_HEADING_RE.match(ln.text) for s in groups for b in s for ln in b)
    drop = _repeated(groups) if slides else set()
    blocks: list[Block] = []
    in_numbered = False
    for slide in groups:
        first = True
        for raw_block in (sb for rb in slide for sb in _subblocks(rb)):
            block = [ln for ln in raw_block if ln.text.lstrip("# ").strip() not in drop]
            i = 0
            while i < len(block):
                ln = block[i]
                if md_titles and re.fullmatch(r"#{1,6}", ln.text):
                    i += 1  # an empty heading
                    continue
                md = MD_HEADING_RE.match(ln.text) if md_titles else None
                if md and (len(md.group(2)) > MAX_HEADING or not md.group(2).strip()):
                    ln.text = md.group(2).strip()  # a page of text behind "#", or an empty heading
                    md = None
                if md:
                    blocks.append(Block("heading", md.group(2).strip(), len(md.group(1)), ln.page, ln.page_end,
                                        from_markdown=True))
                    first = False
                    i += 1
                    continue
                num = NUMBERED_RE.match(ln.text) if not slides else None
                if num:
                    in_numbered = True
                    blocks.append(Block("heading", f"{num.group(1)}. {num.group(2).strip()}", 2, ln.page, ln.page_end))
                    i += 1
                    continue
                if slides and not md_titles and first and i == 0 and len(block) <= 3 \
                        and not any(x.text.startswith("- ") for x in block) and len(" ".join(x.text for x in block)) <= 90:
                    blocks.append(Block("heading", " ".join(x.text for x in block), 1, ln.page, ln.page_end))
                    first = False
                    i = len(block)
                    continue
                first = False
                if not slides and i == 0:
                    h = _heading_prefix(block)
                    if h:
                        list_next = h < len(block) and block[h].text.startswith("- ")
                        if list_next:
                            level = 4 if in_numbered else 3
                        elif in_numbered:
                            level = 3
                        else:
                            level = 1 if ln.lead else 2
                        blocks.append(Block("heading", " ".join(x.text for x in block[:h]), level, ln.page, ln.page_end))
                        i = h
                        continue
                j = _body(block, i)
                part = block[i:j]
                body = " ".join(x.text for x in part)
                kind = "item" if body.startswith("- ") or ITEM_RE.match(body) else "para"
                page, page_end = _pages(part)
                breaks = line_breaks(part)
                if body.startswith("- "):
                    body, breaks = body[2:], shift(breaks, -2)
                if body:
                    blocks.append(Block(kind, body, 0, page, page_end, breaks=breaks))
                i = j
    return _untitled_tail(_merge_continuations(blocks), markdown_titles=md_titles)


def _untitled_tail(blocks: list[Block], markdown_titles: bool) -> list[Block]:
    """A heading-shaped line at the end of a document heads nothing ("Kontakt: Per Hansen",
    "Takk for oppmerksomheten"): it is text, or it would be lost. Markdown "#" titles stay
    headings, and so does a file's only line (a title with no text is no document)."""
    if len(blocks) > 1 and blocks[-1].kind == "heading":
        last = blocks[-1]
        if not (markdown_titles and last.from_markdown):
            blocks[-1] = Block("para", last.text, 0, last.page, last.page_end)
    return blocks


def _merge_continuations(blocks: list[Block]) -> list[Block]:
    """Rejoin paragraphs and items split by a blank line in the middle of a sentence."""
    out: list[Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (prev and b.kind == "para" and prev.kind == "heading" and b.text[:1].islower() and not prev.from_markdown
                and not NUMBERED_RE.match(prev.text) and prev.page is not None and b.page is not None
                and b.page != (prev.page_end if prev.page_end is not None else prev.page)):
            # a page that ends mid-sentence ("… som skal gjelde" | "fra 2020 til 2030."): its last
            # line has a heading's shape, but the next page goes on with the sentence
            prev.kind, prev.level = "para", 0
        if (prev and b.kind == "para" and prev.kind in ("para", "item") and b.text[:1].islower()
                and not bare_end(prev.text).endswith((".", "!", "?", ":"))):
            split_word = WORD_END_RE.search(prev.text) and not prev.text.endswith(" -")
            last_page = prev.breaks[-1][1] if prev.breaks else (prev.page_end if prev.page_end is not None else prev.page)
            prev.text = join_hyphenated(prev.text, b.text) if split_word else f"{prev.text} {b.text}"
            base = len(prev.text) - len(b.text)
            if b.breaks or (b.page is not None and last_page is not None and b.page != last_page):
                prev.breaks += ([(base, b.page)] if b.page != last_page and b.page is not None else []) + shift(b.breaks, base)
            if prev.page is not None and b.page is not None:
                ends = (prev.page_end, b.page_end)
                prev.page_end = None if None in ends else max(ends)
            continue
        out.append(b)
    return out


def assign_sections(blocks: list[Block]) -> list[Block]:
    """Give every block the path of the headings above it."""
    stack: list[tuple[int, str]] = []
    for b in blocks:
        if b.kind == "heading":
            while stack and stack[-1][0] >= b.level:
                stack.pop()
            stack.append((b.level, b.text))
        b.section = tuple(t for _, t in stack)
    return blocks
