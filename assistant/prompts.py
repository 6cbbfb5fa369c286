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
