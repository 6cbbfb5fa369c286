"""Housekeeping prompts that chat front ends send to "the model" besides the user's questions.

Open WebUI asks for a chat title, tags, follow-up suggestions, search queries, an emoji or an
autocompletion; LibreChat and others ask for a title. They arrive as ordinary user messages on
/v1/chat/completions. Answered as questions they fill the chat list with "The sources list the
following: …" and cost a search each. They are recognised by the front ends' own (English)
template wording and answered briefly: a title made from the user's first question, and empty
lists for the rest, in the JSON shape the prompt asks for.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

TASKS: list[tuple[str, re.Pattern]] = [(kind, re.compile(pattern, re.I | re.S)) for kind, pattern in (
    ("follow_ups", r"follow[- ]?up (?:questions|prompts)|\"follow_ups\""),
    ("tags", r"\btags? categori[sz]ing|generate \d(?:-\d)? broad tags|\"tags\"\s*:"),
    ("queries", r"generat\w* (?:search )?queries|search queries|\"queries\"\s*:"),
    ("autocomplete", r"autocompletion system|\"text\"\s*:\s*\"<continuation>"),
    ("emoji", r"reflect the speaker's likely facial expression|single emoji"),
    ("title", r"\b(?:\d(?:-\d)?|five|\d-word-or-less)[- ]word (?:phrase |title)|\btitle for (?:the |this )?"
              r"(?:previous query|conversation|chat|following)|generate (?:a )?(?:concise|short|brief)[^.\n]{0,30}"
              r"\btitle|\"title\"\s*:"),
)]
FRAME_RE = re.compile(r"###\s*Task:|<chat_history>|RESPOND ONLY WITH THE TITLE TEXT", re.I)
HISTORY_USER_RE = re.compile(r"^\s*(?:USER|Human)\s*:\s*(.+)$", re.M | re.I)
QUERY_RE = re.compile(r"Here is the query:\s*-+\s*(.+?)\s*-{3,}", re.S)
TITLE_WORDS = 6


def helper_task(question: str, messages: Sequence[Any] = ()) -> tuple[str, str] | None:
    """(kind, reply) when the last user message is a front end's housekeeping prompt, else None."""
    framed = bool(FRAME_RE.search(question))
    system = " ".join(str(getattr(m, "content", "") or "") for m in messages
                      if getattr(m, "role", "") == "system" and isinstance(getattr(m, "content", None), str))
    for kind, pattern in TASKS:
        if pattern.search(question) and (framed or kind == "title" and _title_request(question)):
            return kind, _reply(kind, question, messages)
        if system and pattern.search(system) and (FRAME_RE.search(system) or _title_request(system)):
            return kind, _reply(kind, system + "\n" + question, messages)
    return None


def _title_request(text: str) -> bool:
    """An unframed title prompt (LibreChat, older Open WebUI): it asks for a title and nothing else."""
    return bool(re.search(r"\b(?:generate|create|write|provide|suggest)\b[^.\n]{0,60}\btitle\b", text, re.I)
                and re.search(r"\b(?:conversation|chat|previous query)\b", text, re.I))


def _reply(kind: str, prompt: str, messages: Sequence[Any] = ()) -> str:
    wants_json = "json" in prompt.lower()
    if kind == "title":
        title = _title(prompt, messages)
        return json.dumps({"title": title}, ensure_ascii=False) if wants_json else title
    empty: dict[str, Any] = {"follow_ups": {"follow_ups": []}, "tags": {"tags": []}, "queries": {"queries": []},
                             "autocomplete": {"text": ""}, "emoji": {}}[kind]
    return json.dumps(empty, ensure_ascii=False) if wants_json and empty else ""


def _title(prompt: str, messages: Sequence[Any] = ()) -> str:
    """The first words of the user's first question (in the prompt's chat history, or the first
    user message before the prompt), without punctuation."""
    m = HISTORY_USER_RE.search(prompt) or QUERY_RE.search(prompt)
    earlier = [getattr(x, "content", "") for x in list(messages)[:-1] if getattr(x, "role", "") == "user"]
    source = m.group(1) if m else next((c for c in earlier if isinstance(c, str) and c.strip()), "")
    words = re.findall(r"[\w§-]+", source)[:TITLE_WORDS]
    return " ".join(words)[:80] or "Smart spesialisering"
