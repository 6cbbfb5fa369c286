"""Clean-up of text extracted from PDFs and slide decks.

The sources carry extraction artefacts (words hyphenated across line breaks, page footers glued
to headings, bullet glyphs, tabs). We clean at ingestion and never edit the sources by hand, so
that the faithfulness check compares answers with exactly this cleaned text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import STOPWORDS

BULLET_RE = re.compile(r"^\s*(?:[•▪●◦■□➢►\ue000-\uf8ff]|[-*–](?=\s))\s*")
FOOTER_LEFT_RE = re.compile(r"^\s*\|\s*(\d{1,3})(?:\s*[A-ZÆØÅÄÖ].*)?\s*$")
FOOTER_RIGHT_RE = re.compile(r"^\s*(\d{1,3})\s*\|\s*$")
PAGE_MARK_RE = re.compile(r"^\x0cpage (\d+)\x0c$")
WORD_END_RE = re.compile(r"([A-Za-zÆØÅæøåÄÖäöÉé]+)-$")
LETTER_END_RE = re.compile(r"([A-Za-zÆØÅæøåÄÖäöÉé]+)$")
LOWER_START_RE = re.compile(r"^([a-zæøåäöé]+)")
MD_EMPH_RE = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)")
MD_IMAGE_RE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
MD_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)")
SLIDE_LABEL_RE = re.compile(r"^\s*(?:sida|side|sid\.|slide|bild|page|p\.|s\.)\s*(\d{1,4})\s*$", re.I)
# A reference mark: numbers ("[4]", "[ 6 ]", "[4, 5]", "[8-10]", "[^7]") or a small roman
# numeral right after the text it marks ("ni medlemmer [iv]"); never words ("[sic]", "[red.]").
ROMAN = r"(?:x{0,3}(?:ix|iv|v?i{1,3}|v)|x{1,3})"
FOOTNOTE_RE = re.compile(
    r"\[\s*\^?\s*(\d{1,4}(?:\s*[,;–-]\s*\d{1,4})*)\s*\]"
    rf"|(?:(?<=[\w.,;:!?)»”’\]])|(?<=[\w.,;:!?)»”’] ))\[\s*\^?({ROMAN}(?:\s*[,;–-]\s*{ROMAN})*)\s*\](?![(:])")
# No word of a language written with spaces is longer than this ("Menneskerettighetsforkjemperorganisasjonene"
# is 42): a longer run is data (base64, a hash, padding, a file's bytes as text), unless it is a link.
LONGEST_WORD = 100
LONG_RUN_RE = re.compile(rf"[^\s\u0e00-\u0e7f\u3000-\u9fff\uac00-\ud7af\uff00-\uffef]{{{LONGEST_WORD + 1},}}")
URL_RE = re.compile(r"^(?:[(<\[«\"']*)(?:https?://|ftp://|www\.|doi:|mailto:)", re.I)
SUPERSCRIPT = str.maketrans("0123456789–-ivx", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻ⁱᵛˣ")
FOOTNOTE_TAIL_RE = re.compile(r"(?:⁽[⁰¹²³⁴⁵⁶⁷⁸⁹⁻ⁱᵛˣ]+⁾)+$")


def bare_end(text: str) -> str:
    """The text without footnote numbers at its end: "satsinger.⁽⁴⁾" ends a sentence as "satsinger." does."""
    return FOOTNOTE_TAIL_RE.sub("", text.rstrip())


@dataclass
class Line:
    """A cleaned line and the pages it may lie on (both None when the source has no pages)."""

    text: str
    page: int | None = None
    page_end: int | None = None
    lead: bool = False  # the raw line began with whitespace: in these PDFs, the top of a page or column
    exact: bool = False  # the page is known (a PDF page or a slide's own label), not guessed from footers


def page_marker(page: int) -> str:
    """The line a reader puts before each PDF page's text."""
    return f"\x0cpage {page}\x0c"


def _vocabulary(raw: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-zÆØÅæøåÄÖäöÉé]{3,}", raw)}


def _block_above(lines: list[Line]) -> list[Line]:
    """The lines since the last blank one."""
    k = len(lines)
    while k and lines[k - 1].text.strip():
        k -= 1
    return lines[k:]


def _assign_pages(raw_lines: list[str], slides: bool = False) -> list[Line]:
    """Drop page footers and reader page marks; give every line the page range it may lie on.

    A footer "| 23…" or "28 |" only says that nearby text is on that page, so text between two
    footers gets the inclusive range between them, text before the first the range from page 1
    (a text extraction whose other footers were lost: the guide keeps only 19, 23 and 28), and
    text after the last that page and those after it ("28 ff."). A slide
    that labels itself ("Sida 9") under its title gives that page to its own block and what
    follows, up to the next slide break (three blank lines); a label under a finished sentence
    closes its slide and gives its page to that block only. The label line stays in the text.
    """
    lines: list[Line] = []
    exact = any(PAGE_MARK_RE.match(r) for r in raw_lines)
    labelled = slides and not exact and any(SLIDE_LABEL_RE.match(r) for r in raw_lines)
    current: int | None = None
    pending: list[Line] = []
    blanks = 0
    for raw in raw_lines:
        m = PAGE_MARK_RE.match(raw)
        if m and exact:
            current = int(m.group(1))
            continue
        if labelled:
            blanks = blanks + 1 if not raw.strip() else 0
            if blanks >= 3:
                current = None
            label = SLIDE_LABEL_RE.match(raw)
            if label:
                number = int(label.group(1))
                above = [ln for ln in _block_above(lines)]
                # a label under a finished sentence closes its slide ("… ringmur.\n Sida 3"): the
                # block above is that slide, and what follows is the next one's
                footer = bool(above) and above[-1].text.rstrip().endswith((".", "!", "?", ":", "»", ")"))
                indented = raw[:1] in (" ", "\t")  # extracted slide titles and labels share an indent
                for ln in reversed(above):  # the rest of the label's block (its title) is on that slide
                    if not footer and indented and ln.text[:1] not in (" ", "\t"):
                        break
                    ln.page = ln.page_end = number
                    ln.exact = True
                lines.append(Line(raw, number, number, exact=True))
                current = None if footer else number
                continue
            lines.append(Line(raw, current, current, exact=current is not None))
            continue
        if not exact:
            f = FOOTER_LEFT_RE.match(raw) or FOOTER_RIGHT_RE.match(raw)
            if f:
                page = int(f.group(1))
                for ln in pending:
                    if ln.page is None:
                        ln.page = 1  # before the first footer
                    ln.page_end = page
                pending = []
                current = page
                continue
        ln = Line(raw, current, current if exact else None, exact=exact and current is not None)
        lines.append(ln)
        if not exact:
            pending.append(ln)
    return lines


def _join_hyphenated(lines: list[Line], vocab: set[str]) -> list[Line]:
    """Join words split across line ends ("nærings-\\nlivet" → "næringslivet")."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        cur = Line(lines[i].text.rstrip("\n"), lines[i].page, lines[i].page_end, exact=lines[i].exact)
        while i + 1 < len(lines):
            nxt = lines[i + 1].text
            start = LOWER_START_RE.match(nxt.lstrip(" \t"))
            if not start:
                break
            head = cur.text
            hy = WORD_END_RE.search(head)
            if hy and not head.endswith(" -"):
                if start.group(1) in CONJUNCTIONS:
                    break  # "reiselivs-\nog opplevelses…": a shared word part, not a split word
                cur.text = join_hyphenated(head, nxt.lstrip())
            else:
                le = LETTER_END_RE.search(head)
                joined = (le.group(1) + start.group(1)).lower() if le else ""
                if not le or head != head.rstrip():
                    break
                if joined in vocab or (le.group(1).lower() not in STOPWORDS and len(le.group(1)) > 2
                                       and start.group(1) not in STOPWORDS and _soft_break_likely(le.group(1))):
                    cur.text = head + nxt.lstrip()
                else:
                    break
            if cur.page_end is not None or lines[i + 1].page_end is not None:
                cur.page_end = max(p for p in (cur.page_end, lines[i + 1].page_end) if p is not None)
            i += 1
        out.append(cur)
        i += 1
    return out


CONJUNCTIONS = {"og", "eller", "samt", "and", "or", "och", "till", "to", "enn", "än"}


def join_hyphenated(head: str, tail: str) -> str:
    """Join "…nærings-" and "livet…": drop the hyphen, except after an acronym ("FoU-institusjoner")
    and before a conjunction ("reiselivs- og …", where the hyphen stands for a shared word part)."""
    left = WORD_END_RE.search(head).group(1)
    first = tail.split(" ", 1)[0].lower()
    if first in CONJUNCTIONS:
        return f"{head} {tail}"
    if sum(c.isupper() for c in left) >= 2:
        return head + tail
    return head[:-1] + tail


def _soft_break_likely(left: str) -> bool:
    """A lost soft hyphen usually follows a compound joint (…s, …e) in Scandinavian text."""
    return left.lower().endswith(("s", "e", "ings", "er", "ns", "ts")) and len(left) >= 4


def footnote_marks(text: str) -> str:
    """A source's own bracketed reference marks ("[4][5]", "[^4]", "[4, 5]", "[4–6]", "[ 6 ]",
    "[iv]") as superscripts in parentheses ("⁽⁴⁾⁽⁵⁾"), so that no reader or renderer takes them for the
    answer's citation markers, which are always "[n]"."""
    def sup(m: re.Match) -> str:
        parts = re.split(r"[,;]", re.sub(r"\s+", "", m.group(1) or m.group(2)))
        return "".join(f"⁽{part.translate(SUPERSCRIPT)}⁾" for part in parts)

    return FOOTNOTE_RE.sub(sup, text)


def clean_line(text: str) -> str:
    """Normalise one line: bullets, tabs, markdown emphasis, links and images, spaces, footnote numbers;
    a run of characters no word is as long as (`LONGEST_WORD`) that is not a link is dropped."""
    text = text.replace("\t", " ").replace("\u00a0", " ").replace("\u00ad", "")
    text = MD_IMAGE_RE.sub("", text)  # an image's alt text is not what a reader reads as the text
    text = MD_LINK_RE.sub(r"\1", text)
    text = LONG_RUN_RE.sub(lambda m: m.group(0) if URL_RE.match(m.group(0)) else "", text)
    text = footnote_marks(text)
    text = MD_EMPH_RE.sub(lambda m: m.group(2) or m.group(3) or "", text)
    text = re.sub(r"[ ]{2,}", " ", text)
    return text.strip()


def clean_lines(raw: str, slides: bool = False) -> list[Line]:
    """Raw extracted text → cleaned lines with page ranges. Blank lines are kept (as "")."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    vocab = _vocabulary(raw)
    lines = _assign_pages(raw.split("\n"), slides)
    lines = _join_hyphenated(lines, vocab)
    out = []
    previous = ""
    for ln in lines:
        text = ln.text
        bullet = bool(BULLET_RE.match(text)) and not re.match(r"^\s*-\s*$", text)
        if bullet and re.match(r"^\s*[-–]", text) and previous.strip() and not previous.rstrip().endswith((".", ":", "?", "!")) \
                and not BULLET_RE.match(previous):
            bullet = False  # a dash that continues a sentence ("utvikling\n– sosialt"), not a list
        previous = text
        text = BULLET_RE.sub("", text) if bullet else text
        text = clean_line(text)
        if bullet and text:
            text = "- " + text
        out.append(Line(text, ln.page, ln.page_end, lead=ln.text[:1] in (" ", "\t"), exact=ln.exact))
    return out


def clean_text(raw: str) -> str:
    """The cleaned text of a document, without page information."""
    return "\n".join(ln.text for ln in clean_lines(raw))


def normalize(text: str) -> str:
    """Comparison form for containment checks: lowercase words and numbers, single spaces."""
    text = text.lower().replace("\u00ad", "")
    text = re.sub(r"-\s*\n\s*", "", text)
    return " ".join(re.findall(r"[0-9a-zæøåäöéü§]+", text))
