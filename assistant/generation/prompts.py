"""The language model's prompts: versioned files per language under `prompts/generation/<version>/`,
loaded as LangChain chat prompt templates."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml
from langchain_core.prompts import ChatPromptTemplate

from ..prompts import prompts_dir

PROMPT_VERSION = "v1"
LANGS = ("nb", "sv", "en")


@dataclass(frozen=True)
class PromptSet:
    version: str
    lang: str
    answer: ChatPromptTemplate  # {passages}, {question}
    condense: ChatPromptTemplate  # {history}, {question}


@lru_cache(maxsize=8)
def prompt_set(lang: str, version: str = PROMPT_VERSION) -> PromptSet:
    """The prompts for answers in `lang` (bokmål for any other language)."""
    lang = lang if lang in LANGS else "nb"
    path = prompts_dir() / "generation" / version / f"{lang}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return PromptSet(
        version=f"{version}/{lang}",
        lang=lang,
        answer=ChatPromptTemplate.from_messages([("system", data["answer_system"]), ("human", data["answer_user"])]),
        condense=ChatPromptTemplate.from_messages([("system", data["condense_system"]),
                                                   ("human", data["condense_user"])]),
    )
