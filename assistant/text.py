"""Language-aware text utilities shared by ingestion, retrieval and answering.

Tokenising, stop words and stemming come from bm25s and PyStemmer (Snowball); language
identification from lingua. Ours are the sentence splitter, because it must keep
Norwegian/Swedish abbreviations and list items intact, and three small additions Snowball lacks:
Norwegian/Swedish "-ing" nouns meet their verbs, a doubled final consonant meets the single one
("programmet" meets "program"), and "andre kvartal" meets a slide's "Q2". Also
ours: character n-grams with the three languages' spellings brought together, so "specialisation"
and "specialisering" meet "spesialisering".
"""
from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_NORWEGIAN, STOPWORDS_SWEDISH

LANGS = ("nb", "sv", "en")  # the material's languages, and so the questions'
STEMMER_NAMES = {"nb": "norwegian", "nn": "norwegian", "no": "norwegian", "sv": "swedish", "en": "english"}
_EXTRA_STOP = {
    # question and filler words that carry no topic in the three languages
    "hva", "hvilke", "hvilken", "hvilket", "hvordan", "hvorfor", "hvem", "hvor", "når", "kan", "bør", "skal",
    "vad", "vilka", "vilken", "vilket", "hur", "varför", "vem", "var", "när", "bör", "ska", "kunna",
    "what", "which", "how", "why", "who", "where", "when", "should", "could", "would", "does", "do",
    "er", "är", "is", "are", "the", "en", "ett", "ei", "et", "a", "an", "of", "og", "och", "and",
    "veilederen", "veileder", "guide", "vi", "we", "oss", "us", "man", "si", "sier", "säger", "say", "says",
    "skriver", "skrives", "skriva", "skrivs", "write", "writes",
    "gir", "ger", "give", "gives", "noen", "några", "some", "any", "egentlig", "eigentligen", "actually",
}
STOPWORDS: frozenset[str] = frozenset(
    {w.lower() for w in (*STOPWORDS_NORWEGIAN, *STOPWORDS_SWEDISH, *STOPWORDS_EN)} | _EXTRA_STOP
)
TOKEN_RE = re.compile(r"[0-9a-zæøåäöéü§]+(?:-[0-9a-zæøåäöéü]+)*")
ABBREVIATIONS = ("f.eks.", "bl.a.", "m.m.", "osv.", "dvs.", "ca.", "nr.", "jf.", "mv.", "pga.", "t.ex.", "m.fl.",
                 "e.g.", "i.e.", "etc.", "s.", "ev.", "evt.", "kap.", "mill.", "mrd.", "inkl.", "ekskl.")
ORDINALS = {"første": 0, "först": 0, "första": 0, "first": 0, "andre": 1, "andra": 1, "second": 1,
            "tredje": 2, "third": 2, "fjerde": 3, "fjärde": 3, "fourth": 3, "femte": 4, "fifth": 4,
            "sjette": 5, "sjätte": 5, "sixth": 5, "siste": -1, "sista": -1, "last": -1}  # list positions
QUARTERS = {**{w: i + 1 for w, i in ORDINALS.items() if 0 <= i < 4}, **{f"{n}.": n for n in range(1, 5)}}
QUARTER_RE = re.compile(rf"(?<!\w)({'|'.join(map(re.escape, QUARTERS))})\s+(?:kvartal|quarter)", re.I)
COMPOUND_MIN = 8  # shorter words are rarely compounds of two common words
COMPOUND_ZIPF = 3.0  # both parts at least this common (wordfreq's Zipf scale: 3 is once per million words)
FOLD = str.maketrans({"æ": "ä", "ø": "ö", "é": "e"})
NGRAM = 4
SPELLING = [(re.compile(p), r) for p, r in (
    (r"ck", "k"), (r"c(?=[eiy])", "s"), (r"c", "k"), (r"s?sion|tion", "sjon"), (r"ph", "f"), (r"qu", "kv"), (r"x", "ks"))]
DOUBLED_END_RE = re.compile(r"([bdfgklmnprstv])\1$")
SENT_SPLIT_RE = re.compile(  # a source's footnote number may follow the full stop ("satsinger.⁽⁴⁾ Neste")
    r"(?:(?<=[.!?…])|(?<=[.!?…]⁽[⁰¹²³⁴⁵⁶⁷⁸⁹]⁾)|(?<=[.!?…]⁽[⁰¹²³⁴⁵⁶⁷⁸⁹][⁰¹²³⁴⁵⁶⁷⁸⁹]⁾))[\"»”']?\s+(?=[«\"“(]?[A-ZÆØÅÄÖ0-9§])")


def tokens(text: str) -> list[str]:
    """Lowercased word tokens (hyphenated compounds kept whole and also split)."""
    out: list[str] = []
    for tok in TOKEN_RE.findall(text.lower()):
        out.append(tok)
        if "-" in tok:
            out.extend(p for p in tok.split("-") if p)
    out += [f"q{QUARTERS[m.group(1).lower()]}" for m in QUARTER_RE.finditer(text)]  # what a slide writes "Q2"
    return out


@lru_cache(maxsize=8)
def stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(STEMMER_NAMES.get(lang, "norwegian"))


def stems(words: list[str], lang: str) -> list[str]:
    """Snowball stems, stemmed once more: the Swedish stemmer takes one suffix per step, so
    "analysen" becomes "analys" while "analys" becomes "analy"; a second pass meets them."""
    s = stemmer(lang)
    out = s.stemWords(s.stemWords(words))
    return [undoubled(verbal_noun_stem(w)) for w in out] if lang in ("nb", "nn", "no", "sv") else out


def undoubled(stem: str) -> str:
    """Snowball leaves the consonant a Norwegian inflection doubles, so «planprogrammet» (stem
    «planprogramm») never met «planprogram», nor «medlemmer» «medlem»."""
    return DOUBLED_END_RE.sub(r"\1", stem) if len(stem) > 4 else stem


def verbal_noun_stem(stem: str) -> str:
    """Snowball keeps Norwegian and Swedish "-ing" nouns whole, so «rullering» never meets
    «rullere» (stem «rull»), nor «kartlegging» «kartlegge» or «utveckling» «utveckla»."""
    for suffix in ("ering", "ing"):
        if stem.endswith(suffix) and len(stem) - len(suffix) >= 4:
            return stem[: -len(suffix)]
    return stem


@lru_cache(maxsize=8192)
def zipf(word: str, lang: str) -> float:
    """How common a word is in general use of a language (wordfreq's Zipf scale: 0 unknown, 3 a
    fairly rare word, 6 a very common one); a language other than nb, sv and en counts as bokmål."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, lang if lang in LANGS else "nb")


@lru_cache(maxsize=65536)
def compound_parts(word: str, lang: str) -> tuple[str, ...]:
    """The two words a Norwegian or Swedish compound is made of ("samarbeidsforum" → "samarbeid",
    "forum"), where both are common words of the language; () when the word is not such a compound."""
    if lang not in ("nb", "sv") or len(word) < COMPOUND_MIN:
        return ()
    from wordfreq import zipf_frequency

    best: tuple[float, str, str] | None = None
    for i in range(3, len(word) - 2):
        left, right = word[:i], word[i:]
        # the head without its linking letter first, so that a tie is decided the same way in every
        # process (a set's order follows the string hash seed)
        for head in (left[:-1], left) if left.endswith(("s", "e")) and len(left) > 3 else (left,):
            common = min(zipf_frequency(head, lang), zipf_frequency(right, lang))
            if common >= COMPOUND_ZIPF and (best is None or common > best[0]):
                best = (common, head, right)
    return best[1:] if best else ()


def content_terms(text: str, langs: tuple[str, ...] = ("nb",)) -> list[str]:
    """Stemmed content words; with several languages each word contributes each language's stem."""
    words = [t for t in tokens(text) if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
    out: list[str] = []
    for lang in langs:
        out.extend(stems(words, lang))
    return list(dict.fromkeys(out)) if len(langs) > 1 else out


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping common abbreviations whole."""
    protected = text
    for i, abbr in enumerate(ABBREVIATIONS):
        protected = re.sub(rf"(?<![\w.]){re.escape(abbr)}", abbr.replace(".", f"\x00{i}\x00"), protected, flags=re.I)
    parts = SENT_SPLIT_RE.split(protected)
    out = []
    for part in parts:
        part = re.sub(r"\x00\d+\x00", ".", part).strip()
        if part:
            out.append(part)
    return out


@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.BOKMAL, Language.SWEDISH, Language.ENGLISH).build()


SHORT_MESSAGE_WORDS = 5  # a message this short without a telling function word is in the conversation's language
_QUESTION_WORDS = {  # question words and greetings: a short message may have nothing else
    "nb": {"hva", "hvordan", "hvilke", "hvilken", "hvilket", "hvem", "hvorfor", "bør", "også", "mellom",
           "hei", "heisann", "hallo", "takk", "morn"},
    "sv": {"vad", "hur", "vilka", "vilken", "vilket", "varför", "bör", "också", "mellan", "ska",
           "hej", "hejsan", "tack", "tjena"},
}


@lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:
    """Words that belong to one language's stop-word list only: the cheapest reliable cue
    between bokmål and Swedish, which share most of their vocabulary."""
    nb = {w.lower() for w in STOPWORDS_NORWEGIAN} | _QUESTION_WORDS["nb"]
    sv = {w.lower() for w in STOPWORDS_SWEDISH} | _QUESTION_WORDS["sv"]
    en = {w.lower() for w in STOPWORDS_EN}
    return {"nb": frozenset(nb - sv - en), "sv": frozenset(sv - nb - en), "en": frozenset(en - nb - sv)}


def _function_word_vote(text: str) -> str | None:
    words = re.findall(r"[a-zæøåäöé]+", text.lower())
    votes = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _function_words().items()}
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    return ranked[0][0] if ranked[0][1] > ranked[1][1] else None


def detect_language(text: str, default: str = "nb", conversation: str | None = None) -> str:
    """nb, sv or en: the languages we answer in (nynorsk and Danish come out as nb).

    Function words decide when they clearly point one way; otherwise, for a short message in a
    conversation («den tredje av dem»), the conversation's language (`conversation`); otherwise
    lingua."""
    if not text or not re.search(r"[A-Za-zÆØÅæøåÄÖäö]", text):
        return conversation or default
    vote = _function_word_vote(text)
    if vote:
        return vote
    if conversation and len(text.split()) <= SHORT_MESSAGE_WORDS:
        return conversation
    # names ("Västra Götaland", "Norra Mellansverige") say nothing about the writer's language
    words = text.split()
    plain = " ".join(w for i, w in enumerate(words) if i == 0 or not w[:1].isupper()) or text
    lang = _detector().detect_language_of(plain)
    if lang is None:
        return default
    name = lang.name
    if name == "SWEDISH":
        return "sv"
    if name == "ENGLISH":
        return "en"
    return "nb"


def char_ngrams(text: str, n: int = NGRAM) -> list[str]:
    """Character n-grams of the content words, with Norwegian and Swedish letters folded together
    and Swedish and English spellings written the Norwegian way."""
    out: list[str] = []
    for word in tokens(text.lower().translate(FOLD)):
        if word in STOPWORDS or len(word) < 3:
            continue
        padded = f"_{spell(word)}_"
        out += [padded[i: i + n] for i in range(max(1, len(padded) - n + 1))]
    return out


def spell(word: str) -> str:
    """Norwegian spelling of Swedish and English words where they differ only in how they write
    a sound: «specialisering» and «specialisation» meet «spesialisering», «commission» meets
    «kommisjon»."""
    for pattern, repl in SPELLING:
        word = pattern.sub(repl, word)
    return word


# Pronouns and demonstratives that point back to something said before (facts of the languages):
# a question with one of them may lean on the earlier turn for its subject.
ANAPHORS: dict[str, frozenset[str]] = {
    "nb": frozenset("den det de dem denne dette disse han hun ham henne dens dets deres der dit slik".split()),
    "sv": frozenset("den det de dem denna detta dessa han hon honom henne dess deras där dit sådan sådant".split()),
    "en": frozenset("it its they them their this that these those he she him her there such".split()),
}


def has_anaphor(text: str, lang: str) -> bool:
    """Whether the text uses a word that points back (`ANAPHORS` of its language)."""
    return bool(ANAPHORS.get(lang, ANAPHORS["nb"]) & set(tokens(text)))
