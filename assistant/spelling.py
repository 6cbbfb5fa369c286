"""Questions typed without æ/ø/å or ä/ö, or with a small typo, brought to the material's spelling.

Officers type «sporsmal», «maling og laering», «naturresursene», «vad ar». A word that is neither in
the corpus nor a common word of the question's language (wordfreq) is looked up, with its Nordic
letters folded (æ→a or ae, ø→o or oe, å→a or aa, ä→a, ö→o), among the corpus's words folded the
same way; a longer word also by SymSpell (symspellpy) within one or two edits. The corpus spelling
replaces it.
Words the corpus or the language knows are left alone, so English and Swedish questions keep their
words, and a correction never invents a word the material does not use.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from .text import STOPWORDS, zipf

FOLD = str.maketrans({"æ": "a", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})
DIGRAPHS = (("ae", "a"), ("oe", "o"), ("aa", "a"))  # how æ, ø and å are written on a keyboard without them
WORD_RE = re.compile(r"[A-Za-zÆØÅÄÖÉÜæøåäöéü]+")
MIN_LENGTH = 4  # shorter words are too often other words
EDIT_LENGTHS = (7, 10)  # a word this long may be one edit, or two, from the material's word; a shorter one
# only differs by its Nordic letters («batery» is not «båter»)
COMMON_ZIPF = 3.0  # a word at least this common in the question's language is left as typed


def fold(word: str) -> str:
    word = word.lower().translate(FOLD)
    for digraph, letter in DIGRAPHS:
        word = word.replace(digraph, letter)
    return word


def _common(word: str, lang: str) -> bool:
    return zipf(word, lang) >= COMMON_ZIPF


class Speller:
    """Built once from the corpus's words (with how often each occurs)."""

    def __init__(self, words: Iterable[str], knows: Callable[[str], bool] = lambda w: False):
        """`knows`: whether the corpus knows a word in another form (its stem, a compound of
        known parts): such a word is the material's own and is left alone."""
        from symspellpy import SymSpell

        self.knows = knows
        counts = Counter(w.lower() for w in words if len(w) >= MIN_LENGTH and w.isalpha())
        self.known = set(counts)
        self.spelling: dict[str, str] = {}
        folded: Counter[str] = Counter()
        for word, n in counts.most_common():
            key = fold(word)
            self.spelling.setdefault(key, word)  # the most frequent spelling of a folded form
            folded[key] += n
        self.symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for key, n in folded.items():
            self.symspell.create_dictionary_entry(key, n)

    def word(self, word: str, lang: str) -> str:
        """The corpus spelling of one word, or the word itself."""
        from symspellpy import Verbosity

        lower = word.lower()
        if (len(lower) < MIN_LENGTH or lower in self.known or lower in STOPWORDS or _common(lower, lang)
                or self.knows(lower)):
            return word
        key = fold(lower)
        if key in self.spelling:
            return self.spelling[key]
        if len(key) < EDIT_LENGTHS[0]:
            return word
        found = self.symspell.lookup(key, Verbosity.TOP, max_edit_distance=1 if len(key) < EDIT_LENGTHS[1] else 2)
        return self.spelling[found[0].term] if found else word

    def correct(self, text: str, lang: str) -> str:
        """The text with each unknown word in the corpus's spelling, keeping a capital letter
        («Gavleborg» → «Gävleborg», a name); the rest untouched."""
        def spelled(m: re.Match) -> str:
            word = m.group()
            new = self.word(word, lang)
            return new[:1].upper() + new[1:] if new != word and word[:1].isupper() else new
        return WORD_RE.sub(spelled, text)
