"""Loads the fixed answer texts (and, later, LLM prompts) from the `prompts/` folder by name."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

from .config import PROJECT_ROOT


def prompts_dir() -> Path:
    return Path(os.environ.get("ASSISTANT_PROMPTS_DIR") or PROJECT_ROOT / "prompts")


@lru_cache(maxsize=8)
def load(name: str) -> dict:
    return yaml.safe_load((prompts_dir() / f"{name}.yaml").read_text(encoding="utf-8"))


def template(key: str, lang: str) -> str | dict:
    table = load("templates")[key]
    return table.get(lang) or table["nb"]


def fixed_texts(*keys: str) -> list[str]:
    """Every language's text of the given template keys (all keys when none are given), longest
    first, so that they can be recognised and removed from an answer passed back as history."""
    table = load("templates")
    out: list[str] = []
    for key in keys or table:
        for value in table[key].values():
            out += [v for v in value.values() if v] if isinstance(value, dict) else [value]
    return sorted(set(out), key=len, reverse=True)
