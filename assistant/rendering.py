"""One renderer: an `Answer` (or the segments it streams) as plain text, Markdown or HTML.

Every interface lays an answer out the same way, defined once here (`layout`): the lead-in as
its own paragraph, quoted prose sentences run together, list items one per line, each quote
followed by its citation marker; then the sources, one line each (title, section, page). The
forms differ only in a `Style`: how a piece of text is escaped, how a marker is drawn, and the
break between prose and a list. The plain form is `Answer.answer`, the CLI's output, the copy
button's text and the OpenAI reply (streamed piece by piece, `pieces`); the web UI draws
Markdown with markers that open the source panel, and the checklist explanation HTML buttons.

Citations and segments are read from records or from their JSON dicts (the UI keeps the dicts),
so a turn sent back from a browser renders like a fresh answer.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from .ingest.clean import footnote_marks

DEFAULT_LANGUAGE = "nb"
# The renderer's own words; the UI's translation table takes these rather than repeating them.
LABELS: dict[str, dict[str, str]] = {
    "sources": {"nb": "Kilder", "sv": "Källor", "en": "Sources"},
    "page": {"nb": "s.", "sv": "s.", "en": "p."},
}


def label(key: str, lang: str) -> str:
    table = LABELS[key]
    return table.get(lang) or table[DEFAULT_LANGUAGE]


def field(obj: Any, name: str, default: Any = None) -> Any:
    """A field of a record or of its JSON dict."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def not_a_marker(text: Any) -> str:
    """Text from a source with any "[n]" of its own shown as a superscript footnote number, so that
    the only "[n]" a reader sees are the answer's citations (ingestion does this for new indexes;
    this guards answers from an index built before)."""
    return footnote_marks(str(text or ""))


@dataclass(frozen=True)
class Style:
    """How one form draws the shared layout. `escape` makes source text safe in the form;
    `marker(n)` draws citation n (with its leading space); `list_break` separates prose from a
    list (Markdown needs a blank line there, plain text does not)."""

    escape: Callable[[str], str] = not_a_marker
    marker: Callable[[int], str] = lambda n: f" [{n}]"
    list_break: str = "\n"
    bullet: str = "- "


TEXT = Style()


def segment_kind(seg: Any) -> str:
    """lead, sentence or item (a segment without a kind is a lead-in when it cites nothing)."""
    return str(field(seg, "kind") or ("lead" if field(seg, "cite") is None else "sentence"))


_BLOCK = {"lead": "lead", "sentence": "prose", "item": "list"}
_WITHIN = {"lead": " ", "prose": " ", "list": "\n"}


def blocks(segments: Iterable[Any]) -> list[tuple[str, list[Any]]]:
    """The layout: runs of segments as blocks, `lead`, `prose` (sentences run together) or
    `list` (one item per line), in order. Every form draws these blocks."""
    return [(kind, list(run)) for kind, run in groupby(segments, key=lambda s: _BLOCK.get(segment_kind(s), "prose"))]


def draw(seg: Any, style: Style = TEXT) -> str:
    """One segment's text in the style, with its citation marker."""
    text = style.escape(str(field(seg, "text", "")).strip())
    if field(seg, "cite") is not None:
        text += style.marker(int(field(seg, "cite")))
    return style.bullet + text if segment_kind(seg) == "item" else text


def pieces(segments: Iterable[Any], style: Style = TEXT) -> list[str]:
    """The answer body as the pieces a stream sends, each with the break that goes before it;
    joined they are the body: the lead-in, a blank line, then the blocks, prose and lists
    separated by `style.list_break`."""
    out: list[str] = []
    prev: str | None = None
    for kind, run in blocks(segments):
        for i, seg in enumerate(run):
            if not out:
                sep = ""
            elif i:
                sep = _WITHIN[kind]
            else:
                sep = "\n\n" if prev == "lead" else style.list_break
            out.append(sep + draw(seg, style))
        prev = kind
    return out


def body(answer: Any) -> str:
    """The answer's plain text without its sources: its segments laid out, or its text as it
    stands when it has none (a refusal or small talk quotes nothing, and an answer sent back as
    history already carries its own [n])."""
    segments = field(answer, "segments") or []
    if segments:
        return "".join(pieces(segments))
    return str(field(answer, "answer") or "").strip()


def section_below_title(title: str, section: str) -> str:
    """The section path without the title at its head: a document whose first heading is its
    title would otherwise name it twice ("Evaluering, Evaluering › Funn")."""
    key = " ".join(title.split()).casefold()
    parts = section.split(" › ")
    if parts and " ".join(parts[0].split()).casefold() == key:
        parts = parts[1:]
    return " › ".join(parts)


def citation_label(c: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """`Title, Section, s. 4` (parts that are missing are left out; a section path that starts
    with the title starts below it)."""
    title = not_a_marker(field(c, "title", ""))
    parts = [title, section_below_title(title, not_a_marker(field(c, "section", "")))]
    if field(c, "page"):
        parts.append(f"{label('page', lang)} {field(c, 'page')}")
    return ", ".join(p for p in parts if p)


def citation_line(c: Any, lang: str = DEFAULT_LANGUAGE) -> str:
    """`[1] Title, Section, s. 4`."""
    return f"[{field(c, 'n')}] {citation_label(c, lang)}"


def sources_block(citations: Iterable[Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """`Kilder:` and one `citation_line` per citation; "" without citations."""
    lines = [citation_line(c, lang) for c in citations]
    return f"{label('sources', lang)}:\n" + "\n".join(lines) if lines else ""


def to_text(answer: Any, lang: str | None = None) -> str:
    """Clean text to paste into a case document or print: the body with [n], a blank line, the
    sources. No Markdown escapes, no internal links."""
    lang = lang or field(answer, "language") or DEFAULT_LANGUAGE
    text = body(answer)
    sources = sources_block(field(answer, "citations") or [], lang)
    return f"{text}\n\n{sources}" if sources and text else text or sources


def html_escape(text: str) -> str:
    return html.escape(not_a_marker(text), quote=True)


HTML = Style(escape=html_escape, bullet="")


def to_html(answer: Any, marker: Callable[[int], str] | None = None) -> str:
    """The body as HTML: the lead-in and prose as paragraphs, a list as `<ul>`; `marker(n)`
    draws citation n (default ` [n]` as text). Sources are left to the caller, which knows
    where a citation opens."""
    style = Style(escape=html_escape, marker=marker, bullet="") if marker else HTML
    segments = field(answer, "segments") or []
    if not segments:
        return "".join(f"<p>{html.escape(p.strip())}</p>" for p in str(field(answer, "answer") or "").split("\n\n") if p.strip())
    out: list[str] = []
    for kind, run in blocks(segments):
        if kind == "list":
            out.append("<ul>" + "".join(f"<li>{draw(seg, style)}</li>" for seg in run) + "</ul>")
        else:
            out.append("<p>" + " ".join(draw(seg, style) for seg in run) + "</p>")
    return "".join(out)
