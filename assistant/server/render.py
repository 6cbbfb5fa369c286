"""Answers, citations and documents as Markdown/HTML for the Gradio UI.

Everything that came from a user or a document goes through `md_escape`/`esc`, so a question
like `<script>alert(1)</script>` is displayed as text. Only the markup built here is live.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..models import DocumentInfo, Passage
from ..rendering import Style, citation_label, not_a_marker, pieces
from .text import esc, highlight, md_escape, short_query, t

CITE_PREFIX = "#kilde-"


def cite_link(turn: int, n: int) -> str:
    """A clickable `[n]`; the page script turns a click into a source-panel event."""
    return f"[\\[{n}\\]]({CITE_PREFIX}{turn}-{n})"


def markdown_style(turn: int) -> Style:
    """Markdown with every source text made inert and each `[n]` a link to the source panel."""
    return Style(escape=lambda text: md_escape(not_a_marker(text)), marker=lambda n: " " + cite_link(turn, n),
                 list_break="\n\n")


def render_segments(segments: Iterable[Mapping[str, Any]], turn: int) -> str:
    """Segments as Markdown, laid out like `Answer.answer` (`assistant.rendering`)."""
    return "".join(pieces(segments, markdown_style(turn)))


def render_sources(citations: Iterable[Mapping[str, Any]], turn: int, lang: str) -> str:
    lines = []
    for c in citations:
        label = md_escape(citation_label(c, lang))
        lines.append(f"{c['n']}\\. [{label}]({CITE_PREFIX}{turn}-{c['n']})")
    if not lines:
        return ""
    return f"**{t('sources', lang)}**\n\n" + "  \n".join(lines)


def render_answer(answer: Mapping[str, Any], turn: int, lang: str, show_query: bool = True,
                  question: str | None = None) -> str:
    """The final assistant message: the search-query line (only when the answer was searched with
    something other than the question, and short), answer body, sources list."""
    parts = []
    line = short_query(str(answer.get("query") or ""), question) if show_query else ""
    if line:
        parts.append(f"*{t('search_query', lang)}: «{md_escape(line)}»*")
    segments = answer.get("segments") or []
    parts.append(render_segments(segments, turn) if segments else md_escape(answer.get("answer", "")))
    sources = render_sources(answer.get("citations") or [], turn, lang)
    if sources:
        parts.append(sources)
    return "\n\n".join(p for p in parts if p)


def render_error(message: str) -> str:
    return f"⚠️ *{md_escape(message)}*"


def source_panel(citation: Mapping[str, Any] | None, lang: str) -> str:
    """The source panel: title, authority, section path, page, passage with cited sentences marked."""
    if not citation:
        return f'<div class="source-panel empty">{esc(t("source_hint", lang))}</div>'
    meta = [f'<span class="authority">{esc(t("authority", lang))}: {esc(citation.get("authority"))}</span>']
    if citation.get("section"):
        meta.append(f'<span class="section">{esc(t("section", lang))}: {esc(citation["section"])}</span>')
    if citation.get("page"):
        meta.append(f'<span class="page">{esc(t("page", lang))} {esc(citation["page"])}</span>')
    body = highlight(str(citation.get("text", "")), citation.get("quotes") or [])
    link = ""
    if citation.get("doc_id") and citation.get("passage_id"):
        link = (f'<p class="source-open"><a href="#dokument" class="open-doc" data-doc="{esc(citation["doc_id"])}" '
                f'data-passage="{esc(citation["passage_id"])}">{esc(t("open_in_doc", lang))}</a></p>')
    return (
        f'<div class="source-panel" data-cite="{esc(citation.get("n"))}">'
        f'<h3 class="source-title">[{esc(citation.get("n"))}] {esc(citation.get("title"))}</h3>'
        f'<div class="source-meta">{" · ".join(meta)}</div>'
        f'<blockquote class="source-text">{body}</blockquote>{link}</div>'
    )


def documents_table(docs: Iterable[DocumentInfo]) -> list[list[str]]:
    return [[d.title, d.authority, d.publisher, d.date, d.language, d.source_note or d.path] for d in docs]


def section_pages(passages: list[Passage]) -> str:
    """The pages a section's passages cover, as citations label them (`Passage.page_label`):
    «19–23», «1–23», «28 ff.» for a passage known only to start on 28; "" with no page.

    >>> from assistant.models import Passage
    >>> section_pages([Passage(id="a", doc_id="d", text="", page=19, page_end=23)])
    '19–23'
    >>> section_pages([Passage(id="a", doc_id="d", text="", page=1, page_end=19),
    ...                Passage(id="b", doc_id="d", text="", page=23, page_end=28)])
    '1–28'
    """
    paged = [p for p in passages if p.page is not None]
    if len(paged) <= 1:
        return paged[0].page_label if paged else ""
    first = min(p.page for p in paged)
    if any(p.page_end is None for p in paged):
        return f"{first} ff."
    last = max(p.page_end for p in paged)
    return str(first) if first == last else f"{first}–{last}"


def document_view(doc: DocumentInfo, passages: list[Passage], lang: str, focus: str = "") -> str:
    """One document: provenance, then its sections with their passages (collapsed); the passage
    `focus` names (a cited place) is shown open and marked."""
    rows = [
        (t("authority", lang), doc.authority),
        (t("publisher", lang), doc.publisher),
        (t("date", lang), doc.date),
        (t("lang_col", lang), doc.language),
        (t("provenance", lang), doc.source_note or doc.path),
    ]
    meta = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
    sections: dict[str, list[Passage]] = {}
    for p in sorted(passages, key=lambda p: p.order):
        sections.setdefault(p.section_path or doc.title, []).append(p)
    blocks = []
    for name, ps in sections.items():
        pages = section_pages(ps)
        page = f" ({esc(t('page', lang))} {esc(pages)})" if pages else ""
        texts = "".join(f'<p class="focus" tabindex="-1">{esc(p.text)}</p>' if p.id == focus else f"<p>{esc(p.text)}</p>"
                        for p in ps)
        opened = " open" if any(p.id == focus for p in ps) else ""
        blocks.append(f"<details{opened}><summary>{esc(name)}{page} – {len(ps)} {esc(t('passages', lang))}</summary>"
                      f"{texts}</details>")
    return f'<div class="doc-view"><h3>{esc(doc.title)}</h3><table class="doc-meta">{meta}</table>{"".join(blocks)}</div>'


def search_results(passages: Iterable[Passage], docs: Mapping[str, DocumentInfo], query: str, lang: str,
                   limit: int = 20) -> str:
    """Passages that contain the query's words, best first, each a link to its place in its
    document; the words marked in a short excerpt."""
    import re

    words = [w for w in re.findall(r"\w+", query.casefold()) if len(w) > 2]
    if not words:
        return ""
    phrase = " ".join(query.casefold().split())
    scored = []
    for p in passages:
        text = p.text.casefold()
        hits = sum(1 for w in words if w in text)
        if hits:
            scored.append((hits + (len(words) if phrase in text else 0), -p.order, p))
    scored.sort(key=lambda x: (-x[0], x[2].doc_id, -x[1]))
    if not scored:
        return f'<p class="search-none">{esc(t("search_none", lang))}</p>'
    pattern = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)), re.I)
    items = []
    for _, _, p in scored[:limit]:
        m = pattern.search(p.text)
        start = max(0, (m.start() if m else 0) - 80)
        excerpt = ("…" if start else "") + p.text[start:start + 240] + ("…" if start + 240 < len(p.text) else "")
        marked, pos = [], 0
        for hit in pattern.finditer(excerpt):
            marked.append(esc(excerpt[pos:hit.start()]) + f"<mark>{esc(hit.group(0))}</mark>")
            pos = hit.end()
        marked.append(esc(excerpt[pos:]))
        doc = docs.get(p.doc_id)
        where = " › ".join(x for x in ((doc.title if doc else p.doc_id), p.section_path) if x)
        page = f", {t('page', lang)} {p.page_label}" if p.page_label else ""
        items.append(f'<li><a href="#dokument" class="open-doc" data-doc="{esc(p.doc_id)}" data-passage="{esc(p.id)}">'
                     f'{esc(where)}{esc(page)}</a><div class="search-excerpt">{"".join(marked)}</div></li>')
    return f'<ol class="search-results">{"".join(items)}</ol>'
