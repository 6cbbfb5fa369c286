"""The field's terms across the material's three languages (`assistant/data/termbase.yaml`).

The guide is in bokmål and the slides in Swedish; officers ask in all three languages. A question
that uses a term of the field («EDP», «related variety», «klusterkartering») is also searched with
the term's forms in the other languages, so that it meets the passage written in another
language on the same term. The termbase is data about the field, with its sources; a term is
matched by its stemmed words, in the question's language.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import content_terms, tokens

TERMBASE = Path(__file__).parent / "data" / "termbase.yaml"
CORPUS_LANGS = ("nb", "sv")  # the languages the material is written in, and so searched in


@dataclass(frozen=True)
class Term:
    forms: dict[str, tuple[str, ...]]  # language → its forms, the usual one first
    source: str


class Termbase:
    def __init__(self, terms: list[Term]):
        self.terms = terms
        self._keys = [{lang: [self._key(f, lang) for f in forms] for lang, forms in t.forms.items()} for t in terms]

    @staticmethod
    def _key(form: str, lang: str) -> frozenset[str]:
        return frozenset(content_terms(form, (lang,)) or tokens(form))

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, path: Path = TERMBASE) -> "Termbase":
        import yaml

        entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return cls([Term({lang: tuple(str(f).lower() for f in e[lang]) for lang in ("nb", "sv", "en") if e.get(lang)},
                         str(e.get("source", ""))) for e in entries])

    def used(self, question: str, lang: str) -> list[Term]:
        """The terms of the field the question uses, in its own language."""
        stems = set(content_terms(question, (lang,))) | set(tokens(question))
        return [term for term, keys in zip(self.terms, self._keys)
                if any(key and key <= stems for key in keys.get(lang, ()))]

    def equivalents(self, question: str, lang: str) -> list[str]:
        """The usual forms, in the material's other languages, of the terms the question uses."""
        out = [term.forms[other][0] for term in self.used(question, lang)
               for other in CORPUS_LANGS if other != lang and other in term.forms]
        return list(dict.fromkeys(f for f in out if f not in question.lower()))

    def forms_of(self, phrase: str, lang: str) -> list[str]:
        """Every form, in every language, of the term a phrase is as a whole ("EDP", "the planning
        programme"): its content words are one of the term's forms in `lang`. [] when the phrase
        is more than a term ("klyngenes rolle i smart spesialisering") or none."""
        stems = frozenset(content_terms(phrase, (lang,)) or tokens(phrase))
        return [form for term, keys in zip(self.terms, self._keys) if stems in keys.get(lang, ())
                for forms in term.forms.values() for form in forms]

