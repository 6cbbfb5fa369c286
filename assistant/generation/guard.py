"""The citation guard: every sentence a language model writes is checked against the passages it cites.

A sentence is supported by a cited passage when all of these hold:

- **closeness**: its e5 vector is close to the vector of the passage's closest sentence (cosine at
  least the calibrated threshold), and so is each of its clauses (a claim added to a true
  sentence with «and …» makes a clause that no passage sentence is close to). e5 is multilingual,
  so an English sentence is compared with a Norwegian passage directly;
- **numbers**: every number, year, percentage and § reference in it occurs in a cited passage
  (digits, or number words in the three languages);
- **names**: every proper name in it occurs in a cited passage (or the passage's section or
  title), in any of the forms the material's languages write it (`assistant/data/exonyms.yaml`,
  and the termbase for acronyms such as ERDF/ERUF);
- **negation**: it has as many negations as the passage's closest sentence: none added, none
  dropped.

A sentence of four words or more that is not in the answer's language fails (a small model copies
the passages in their own language when asked in another). A sentence citing a passage number the
model was not given fails, and so does one that another of
the given passages holds clearly more closely (the right claim citing the wrong passage). A
sentence without markers is checked against every passage, and cites the one that supports it
best. The thresholds are calibrated on hand-labelled pairs (`evals/guard/pairs.yaml`,
`calibration.py`), apart for sentences in their passage's language and in another (e5 finds a
translation less close than a paraphrase).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..embedders import Embedder
from ..ingest.clean import normalize
from ..models import GuardedSentence, Passage
from ..text import STOPWORDS, compound_parts, detect_language, spell, tokens, zipf
from ..units import units_of

CALIBRATION = Path(__file__).resolve().parent.parent / "data" / "guard.json"
EXONYMS = Path(__file__).resolve().parent.parent / "data" / "exonyms.yaml"
DEFAULT_THRESHOLDS = {"cross": {"similarity": 0.87, "clause": 0.83, "coverage": 0.0},
                      "same": {"similarity": 0.92, "clause": 0.88, "coverage": 0.0}}
OTHER_PASSAGE_MARGIN = 0.03  # how much closer another given passage may be before the citation counts as wrong
MIN_CLAUSE_WORDS = 4  # a clause this short is part of its neighbour's claim
NAME_ZIPF = 4.0  # an English capitalised word at least this common is an ordinary word («Commission»)
INITIAL_NAME_ZIPF = {"en": 3.5, "nb": 3.0, "sv": 3.0}  # a sentence's first word is a name only when rarer
LONG_WORD = 10  # a longer bokmål or Swedish first word is a compound noun («Klyngekartleggingen»), not a name
NAME_STEM = 0.6  # of a name's letters that must begin a word of the passage («Seville» meets «Sevilla»)

MARKER_RE = re.compile(  # [1], [1, 2], [Kilde 3], and the full-width brackets some models write: 【1】, ［2］
    r"[\[【［]\s*(?:(?:kilde|kilder|källa|källor|source|sources|utdrag|passage|avsnitt)\s*)?"
    r"(\d{1,2}(?:\s*(?:,|;|og|och|and|&)\s*\d{1,2})*)\s*[\]】］]", re.I)
NOT_CLAIMS = frozenset({"no_claim", "echo", "truncated"})  # verdicts on text that makes no claim of the model's
LANGUAGE_MIN_WORDS = 4  # a shorter sentence (a heading, a name) is not told apart by language
NUMBER_RE = re.compile(r"(?<![\d])\d+(?:[.,]\d+)?")
PARAGRAPH_RE = re.compile(r"§\s*(\d+(?:\s*-\s*\d+)?)")  # «§ 8-3» is one reference, not the numbers 8 and 3
LIST_NUMBER_RE = re.compile(r"(?m)^\s*-?\s*\d{1,2}\.\s")  # «- 1. Organisering», «3. VISJON»: numbering
NUMBER_WORDS = {
    2: ("two", "to", "två", "second", "andre", "andra"), 3: ("three", "tre", "third", "tredje"),
    4: ("four", "fire", "fyra", "fourth", "fjerde", "fjärde"), 5: ("five", "fem", "fifth", "femte"),
    6: ("six", "seks", "sex", "sixth", "sjette", "sjätte"), 7: ("seven", "sju", "syv", "seventh", "sjuende", "sjunde"),
    8: ("eight", "åtte", "åtta", "eighth", "åttende", "åttonde"), 9: ("nine", "ni", "nio", "ninth", "niende", "nionde"),
    10: ("ten", "ti", "tio", "tenth", "tiende", "tionde"), 11: ("eleven", "elleve", "elva"),
    12: ("twelve", "tolv"), 20: ("twenty", "tjue", "tjugo"), 100: ("hundred", "hundre", "hundra"),
}
_WORD_NUMBER = {w: n for n, words in NUMBER_WORDS.items() for w in words}
AMBIGUOUS_NUMBER_WORDS = {"to", "ni", "sex", "andre", "andra", "second"}  # also ordinary words: count only in a passage
NEGATIONS = frozenset({
    "ikke", "ikkje", "aldri", "ingen", "intet", "ingenting", "verken", "hverken",
    "inte", "icke", "aldrig", "inget", "inga", "varken",
    "not", "no", "never", "none", "nothing", "neither", "nor", "cannot", "nobody",
})
NOT_NEGATING = re.compile(
    r"\b(?:ikke|inte|not)\s+(?:bare|kun|bara|endast|only|just|minst|least)\b"
    r"|\b(?:no|ingen)\s+(?:doubt|tvil|tvivel)\b", re.I)
CLAUSE_RE = re.compile(r",?\s+(?:and|but|og|men|och|so|så|which|som|while|mens|medan)\s+|;\s+|:\s+", re.I)
NAME_RE = re.compile(r"\b[A-ZÆØÅÄÖÉ][\wÆØÅÄÖæøåäöéü'’-]*(?:\s+[A-ZÆØÅÄÖ][\wæøåäöéü'’-]*)*")


def markers(text: str) -> tuple[str, list[int]]:
    """A sentence without its [n] markers, and the numbers they cite in order."""
    cites: list[int] = []
    for m in MARKER_RE.finditer(text):
        cites += [int(x) for x in re.findall(r"\d+", m.group(1))]
    clean = MARKER_RE.sub("", text)
    clean = re.sub(r"\s+([.,;:!?])", r"\1", clean)
    return " ".join(clean.split()).strip(), list(dict.fromkeys(cites))


def numbers_in(text: str, strict_words: bool = True) -> set[str]:
    """Numbers as digits: «2 016» stays two numbers, «1,5» is «1.5»; number words count too
    (those that are also ordinary words only when `strict_words` is False)."""
    out = {"§" + re.sub(r"\s", "", m.group(1)) for m in PARAGRAPH_RE.finditer(text)}
    text = LIST_NUMBER_RE.sub(" ", PARAGRAPH_RE.sub(" ", text))
    out |= {_number(m.group(0)) for m in NUMBER_RE.finditer(text)}
    for w in re.findall(r"[a-zæøåäöé]+", text.lower()):
        if w in _WORD_NUMBER and (not strict_words or w not in AMBIGUOUS_NUMBER_WORDS):
            out.add(str(_WORD_NUMBER[w]))
    return out


def _number(digits: str) -> str:
    n = digits.replace(",", ".")
    return n.rstrip("0").rstrip(".") if "." in n else n


def negations(text: str) -> int:
    """How many negations a text has («ikke bare», «not only» do not negate)."""
    cleaned = NOT_NEGATING.sub(" ", text)
    words = re.findall(r"[a-zæøåäöé']+", cleaned.lower())
    return sum(1 for w in words if w in NEGATIONS or w.endswith("n't"))


def negated(text: str) -> bool:
    return negations(text) > 0


def clauses(sentence: str) -> list[str]:
    """The sentence's clauses long enough to be claims of their own (at least two of them), or []."""
    parts = [p.strip(" ,;") for p in CLAUSE_RE.split(sentence)]
    parts = [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS]
    return parts if len(parts) >= 2 else []


@lru_cache(maxsize=1)
def exonym_groups() -> dict[str, tuple[str, ...]]:
    import yaml

    out: dict[str, tuple[str, ...]] = {}
    for group in yaml.safe_load(EXONYMS.read_text(encoding="utf-8")):
        forms = tuple(str(f).lower() for f in group)
        for f in forms:
            out[f] = forms
    return out


@lru_cache(maxsize=1)
def _term_forms() -> dict[str, tuple[str, ...]]:
    """Every termbase form → all the term's forms, for acronyms written differently (ERDF/ERUF)."""
    from ..terms import Termbase

    out: dict[str, tuple[str, ...]] = {}
    for term in Termbase.load().terms:
        forms = tuple(f for fs in term.forms.values() for f in fs)
        for f in forms:
            out.setdefault(f, forms)
    return out


def _fold(text: str) -> str:
    return " ".join(spell(w) for w in tokens(normalize(text).lower().translate(str.maketrans("æøé", "äöe"))))


def names_in(sentence: str, lang: str) -> list[str]:
    """Proper names a sentence uses: capitalised words past its first (in English, unless they
    are common words, as in «the European Commission»), its first word when rare, acronyms, and
    every name the exonym table knows."""
    out: list[str] = []
    for i, m in enumerate(re.finditer(r"[\wÆØÅÄÖæøåäöéü][\wÆØÅÄÖæøåäöéü'’-]*", sentence)):
        word = re.sub(r"(?:'s|’s|')$", "", m.group(0)).strip("-")
        if "-" in word:  # «ERDF-midler», «Aalto-universitetet»: the capitalised part is the name
            word = word.split("-")[0]
        low = word.lower()
        if not word or word.isdigit() or low in STOPWORDS and not word.isupper():
            continue
        if low in exonym_groups():
            out.append(word)
        elif len(word) >= 2 and word.isupper() and any(c.isalpha() for c in word):
            out.append(word)  # an acronym: OECD, ERDF, NHO
        elif word[0].isupper():
            first = i == 0 or sentence[: m.start()].rstrip().endswith((":", "«", '"', "“"))
            if first:  # a first word is a name when rare, and (in bokmål and Swedish) not a compound
                if zipf(low, lang) < INITIAL_NAME_ZIPF.get(lang, 3.0) and not (lang != "en" and (
                        len(low) > LONG_WORD or compound_parts(low, lang))):
                    out.append(word)
            elif lang != "en" or zipf(low, "en") < NAME_ZIPF:
                out.append(word)
    return list(dict.fromkeys(out))


def _stem_of(folded: str) -> str:
    return folded[: max(4, math.ceil(len(folded) * NAME_STEM))] if len(folded) > 4 else folded


def coverage(sentence: str, folded_text: str) -> float:
    """The share of a sentence's content words that begin a word of the (folded) passage: a
    sentence copied from another passage, or with a claim added, has words its passage lacks.
    Measured in bokmål and Swedish (English sentences share few words with the material)."""
    words = [w for w in _fold(sentence).split() if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]
    if not words:
        return 1.0
    found = sum(1 for w in words if re.search(rf"(?<![\w]){re.escape(_stem_of(w))}", folded_text))
    return round(found / len(words), 3)


def name_present(name: str, folded_text: str, plain_text: str) -> bool:
    """A name occurs in the text: as written (inflections allowed: «Nordlands»), in a form another
    language writes it, or as another form of the same term."""
    low = name.lower()
    forms = {low, *exonym_groups().get(low, ()), *_term_forms().get(low, ())}
    for form in forms:
        if " " in form or "-" in form:
            if form in plain_text:
                return True
            continue
        folded = _fold(form)
        if not folded:
            continue
        stem = _stem_of(folded)
        if re.search(rf"(?<![\w]){re.escape(stem)}", folded_text):
            return True
    return False


@dataclass
class Source:
    """One numbered passage the model was given: its sentences and their vectors."""

    n: int
    passage: Passage
    units: list[str]
    vectors: np.ndarray  # one row per unit (e5 "passage:" vectors, as the index stores them)
    context: str = ""  # the document's title and the section, where names also stand

    @classmethod
    def of(cls, n: int, passage: Passage, embedder: Embedder, vectors: np.ndarray | None = None,
           title: str = "") -> "Source":
        units = [u.text for u in units_of(passage)] or [passage.text]
        if vectors is None or len(vectors) != len(units):
            vectors = embedder.embed_documents(units)
        return cls(n, passage, units, np.asarray(vectors, dtype=np.float32),
                   "\n".join([title, *passage.section]))  # a line each: «3. VISJON OG MÅL» is numbering


@dataclass(frozen=True)
class Features:
    """What the guard measures of one sentence against the passages it cites."""

    similarity: float  # of the sentence to the closest passage sentence
    clause_similarity: float  # of its least supported clause (= similarity without clauses)
    best: int  # the source number of the closest passage
    numbers_ok: bool
    names_ok: bool
    negation_ok: bool
    missing: tuple[str, ...] = ()
    coverage: float = 1.0  # share of its content words that occur in the passage (any inflection, nb/sv spelling)
    evidence: str = ""  # the closest sentence of the best passage
    lang: str = "nb"  # the sentence's language
    cross: bool = False  # written in another language than its passage: e5 finds it less close

    @property
    def group(self) -> str:
        return "cross" if self.cross else "same"


class CitationGuard:
    """Checks sentences against numbered sources. `threshold` is the calibrated closeness."""

    def __init__(self, embedder: Embedder, thresholds: dict | None = None):
        self.embedder = embedder
        self.thresholds = load_thresholds(embedder.name) if thresholds is None else thresholds

    def _vector(self, text: str) -> np.ndarray:
        v = np.asarray(self.embedder.embed_query(text), dtype=np.float32)
        return v / (np.linalg.norm(v) or 1.0)

    def features(self, sentence: str, sources: list[Source], lang: str) -> Features:
        vec = self._vector(sentence)
        best_sim, best_src, best_rows = -1.0, sources[0], np.array([], dtype=np.float32)
        for src in sources:
            rows = src.vectors @ vec
            if rows.size and float(rows.max()) > best_sim:
                best_sim, best_src, best_rows = float(rows.max()), src, rows
        clause_sim = best_sim
        parts = clauses(sentence)
        for part in parts:
            pv = self._vector(part)
            clause_sim = min(clause_sim, max(float((s.vectors @ pv).max()) for s in sources if s.vectors.size))
        text = " ".join(s.passage.text for s in sources)
        context = "\n".join(s.context for s in sources)
        plain = normalize(f"{text} {context}").lower()
        folded = _fold(f"{text} {context}")
        passage_numbers = numbers_in(f"{text}\n{context}", strict_words=False)
        missing_numbers = sorted(numbers_in(sentence) - passage_numbers)
        missing_names = [n for n in names_in(sentence, lang) if not name_present(n, folded, plain)]
        closest = best_src.units[int(np.argmax(best_rows))] if best_rows.size else ""
        neg_ok = negations(sentence) == negations(closest) if closest else True  # «er ikke aldri» is no paraphrase
        return Features(round(best_sim, 4), round(clause_sim, 4), best_src.n, not missing_numbers,
                        not missing_names, neg_ok, tuple(missing_numbers + missing_names),
                        coverage(sentence, _fold(best_src.passage.text + " " + best_src.context)), closest, lang,
                        lang != best_src.passage.language)

    def check(self, text: str, sources: dict[int, Source], lang: str) -> GuardedSentence:
        """The verdict on one sentence as the model wrote it (with its [n] markers)."""
        sentence, cites = markers(text)
        if len([t for t in tokens(sentence) if t not in STOPWORDS]) < 2:
            return GuardedSentence(text=sentence, cites=cites, supported=False, reason="no_claim")
        if any(n not in sources for n in cites):
            return GuardedSentence(text=sentence, cites=cites, supported=False, reason="unknown_citation")
        if len(sentence.split()) >= LANGUAGE_MIN_WORDS and detect_language(sentence, default=lang) != lang:
            return GuardedSentence(text=sentence, cites=cites, supported=False, reason="language")
        cited = [sources[n] for n in cites] if cites else list(sources.values())
        if not cited:
            return GuardedSentence(text=sentence, cites=cites, supported=False, reason="unknown_citation")
        if not cites:  # no marker: the best-supported single passage, if any supports it
            ranked = sorted(cited, key=lambda s: -float((s.vectors @ self._vector(sentence)).max(initial=-1)))
            cited = ranked[:1]
        f = self.features(sentence, cited, lang)
        reason = verdict(f, self.thresholds)
        if not reason and cites:  # the right claim citing the wrong passage: another one holds it clearly closer
            vec = self._vector(sentence)
            others = [float((s.vectors @ vec).max(initial=-1)) for n, s in sources.items() if n not in cites]
            if others and max(others) > f.similarity + OTHER_PASSAGE_MARGIN:
                reason = "wrong_citation"
        return GuardedSentence(text=sentence, cites=cites, supported=not reason, score=f.similarity,
                               passage=f.best if not reason else None, reason=reason,
                               evidence=f.evidence if not reason else "")


def verdict(f: Features, thresholds: dict) -> str:
    """'' when supported, else the first reason it is not."""
    t = thresholds[f.group]
    if f.similarity < t["similarity"]:
        return "similarity"
    if f.clause_similarity < t["clause"]:
        return "clause"
    if f.coverage < t.get("coverage", 0.0):
        return "coverage"
    if not f.numbers_ok:
        return "number"
    if not f.names_ok:
        return "name"
    if not f.negation_ok:
        return "negation"
    return ""


def load_thresholds(embedder: str) -> dict:
    """The calibrated thresholds for the embedder (assistant/data/guard.json), per language group."""
    try:
        data = json.loads(CALIBRATION.read_text(encoding="utf-8"))
        return {g: {k: float(v) for k, v in t.items()} for g, t in data["thresholds"][embedder].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return DEFAULT_THRESHOLDS
