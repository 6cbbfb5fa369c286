"""Extractive, grounded answers: every sentence of an answer is quoted from the passage it cites.

The answer is built from units (sentences and list items) of the retrieved passages, scored by
dense similarity to the question and by weighted overlap of stemmed content words. The overlap
counts in proportion to how much of the question the material's vocabulary knows, as BM25 does
in retrieval: an English question that shares one word with the material is not answered by
whichever line holds that word. A unit is credited with the words of its section heading and
its document's title, its context: a slide line that repeats the project's name is no more an
answer than the slide's other lines. A compound the material never uses counts by its two parts
in a passage that speaks of its first part. A sentence without a term the question quotes
(«smart») counts less. A question that compares two things gets what the material says of each.
A sentence that refers back («Disse har møterett …») is quoted with the sentence it refers to.
Lead-ins and refusals are fixed template text from `prompts/templates.yaml`, never claims.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .embedders import Embedder
from .models import Answer, Citation, DocumentInfo, Hit, Passage, Segment
from .prompts import template
from .query import without_source_frame, without_title_phrase
from .rendering import pieces
from .text import LANGS, char_ngrams, compound_parts, content_terms, tokens
from .ingest.clean import normalize
from .ingest.pages import page_of
from .scope import Vocabulary, asks_for_quantity, states_quantity
from .units import Unit, units_of

LEXICAL_WEIGHT = 0.15  # a unit that shares the question's rare words
RANK_PENALTY = 0.01  # per retrieval rank of the unit's passage
QUESTION_PENALTY = 0.05  # unless questions are asked for (which points to discuss)
ITEM_MARGIN = 0.02  # how much less close prose may be than a list item and still answer a plain question
ITEM_MARGIN_ABOVE = 0.045  # the same, for prose from a passage that retrieval ranks above the list's
LABEL_WORDS = 6  # a line this short without end punctuation is a label (a slide's heading for the lines below)
LABEL_LINES = 5  # lines under a label quoted with it
QUANTITY_MARGIN = 0.03  # how much less close a sentence stating an amount may be than the closest

LIST_QUESTION_RE = re.compile(
    r"^\s*(hvilke|hvilken|hvilket|vilka|vilken|vilket|what are|which|list|nevn|name|ge exempel|gi eksempler)\b"
    r"|\b(hva bør|hva må|hva skal|vad bör|vad ska|what should|what must|spørsmål|frågor|questions|punkter|krav|requirements|"
    r"elementer|element|roller|roles|eksempler|exempel|examples|steg|steps|tiltak|åtgärder|measures|aktiviteter)\b",
    re.I)
ASKS_FOR_QUESTIONS_RE = re.compile(
    r"\b(spørsmål\w*|spørre|frågor\w*|fråga|questions?|ask|diskuter\w*|drøft\w*|diskussion\w*|discuss\w*|"
    r"vurdere|vurdera|consider|tenke gjennom|fundera|reflect)\b", re.I)  # what to discuss or weigh: the guide asks
WHY_RE = re.compile(r"\b(hvorfor|varför|why)\b", re.I)
CAUSE_RE = re.compile(
    r"\b(fordi|ettersom|derfor|grunnen|begrunnelsen|eftersom|därför|skälet|anledningen|because|since|therefore|"
    r"the reason)\b", re.I)
CAUSE_BONUS = 0.02  # a "why" question is answered by a sentence that gives a reason
HOW_RE = re.compile(r"\b(hvordan|hur|how)\b", re.I)
MEANS_RE = re.compile(  # words that say by what means or in what way: the three languages' markers of manner
    r"\b(ved å|gjennom|slik kan|slik at|krever|kreves|genom att|genom|så kan|kräver|krävs|by \w+ing|through|"
    r"requires?|in this way)\b", re.I)
DEFINE_RE = re.compile(
    r"^\W*(?:hva er|hva betyr|hva menes med|vad är|vad betyder|vad menas med|what is|what are|what does)\s+"
    r"(?:en |et |ei |ett |an? |the )?(.+?)\s*(?:mean)?\s*\?*$", re.I)
COPULA_RE = re.compile(
    r"\b(?:er|är|is|are|innebærer|innebär|means|handler om|handlar om|betyr|betyder|defineres|definieras|defined)\b",
    re.I)
DEFINES_RE = re.compile(r"\b(?:definerer|definierar|defines)\s+(.{3,80}?)\s+(?:som|as)\b", re.I)  # "X defines Y as"
DEFINITION_BONUS = 0.02  # "what is X" is answered by a sentence that says what X is
DEFINITION_MARGIN = 0.15  # how much less close the sentence that defines X may be and still join the answer
COMPARE_RE = re.compile(
    r"\b(?:forskjell\w*|skilnad\w*|skillnad\w*|differences?)\s+(?:på|mellom|mellan|between)\s+(.+?)\s+(?:og|och|and)\s+(.+?)\W*$"
    r"|\b(?:skiller|skiljer|distinguishes)\s+(.+?)\s+(?:seg\s+|sig\s+)?(?:fra|från|from)\s+(.+?)\W*$"
    r"|\b(?:does|do|is|are)\s+(.+?)\s+(?:differ|different)\s+from\s+(.+?)\W*$", re.I)
COMPARE_GRAMS = 3  # fewer 4-grams of its own, and one side is mostly the other
COMPARE_MARGIN = 0.1  # how much less close the sentence on the other side of a comparison may be
QUOTED_RE = re.compile(r"[«“\"]([^»”\"]{2,60})[»”\"]")
QUOTE_PENALTY = 0.05  # a sentence without the term the question quotes («smart») is not about it
REFERS_BACK_RE = re.compile(
    r"^(?:dette|disse|denne|detta|dessa|denna|this|these|such|slik|derfor|därför|therefore|thus|her|här"
    r"|han|hun|hon|he|she|they"  # personal pronouns; not «de», which is also the article
    r"|det (?:betyr|innebærer|gjelder)|det (?:betyder|innebär|gäller)|(?:this|that|it) means"
    r"|da (?:kan|vil|må|blir|er|får|skal)|då (?:kan|kommer|måste|blir|är|får|ska))\b", re.I)
POINTER_RE = re.compile(
    r":\s*$|\b(listen|tabellen|figuren|boksen|oversikten|listan|rutan|the list|the table|the figure|the box)\s+"
    r"(under|nedenfor|nedan|nedanför|below)\b", re.I)


def says_quoted(text: str, quoted: list[str]) -> bool:
    """Whether a sentence uses every term the question quotes, inflected or not ("smart" in
    "smarte"): "Hvorfor kalles metoden «smart»?" asks about the word, not about what is called what."""
    words = f" {normalize(text)}"
    return all(f" {q}" in words for q in quoted)


def says_what_it_is(text: str, subject: set[str] | tuple[frozenset[str], ...]) -> bool:
    """Whether a sentence says what the subject is ("Smart spesialisering er …" for "What is
    smart specialisation?", or "Foray definerer entreprenørielle oppdagelser som …"): half the
    character 4-grams of the subject, or of one of its forms (the question's own words, or the
    termbase's «entreprenørielle oppdagelsesprosesser» for "EDP"), stand before the sentence's
    copula, or after its verb of defining, so the three languages meet."""
    forms = [set(f) for f in subject] if isinstance(subject, tuple) else [subject]
    forms = [f for f in forms if f]
    if not forms:
        return False

    def names(span: str) -> bool:
        grams = set(char_ngrams(span))
        return any(len(f & grams) >= len(f) / 2 for f in forms)

    defines = DEFINES_RE.search(text)
    if defines and names(defines.group(1)):
        return True
    copula = COPULA_RE.search(text)
    return bool(copula) and names(text[: copula.start()])


def compared(question: str) -> list[set[str]]:
    """The two things a question compares ("forskjellen på monitorering og evaluering", "what
    distinguishes a plan from a strategy"), each as the character 4-grams the other lacks; [] if
    it compares nothing."""
    match = COMPARE_RE.search(question)
    if not match:
        return []
    a, b = (set(char_ngrams(side)) for side in match.groups() if side is not None)
    sides = [a - b, b - a]
    return sides if all(len(side) >= COMPARE_GRAMS for side in sides) else []  # "planstrategi" and "plan": one thing


def mentions(text: str, side: set[str]) -> bool:
    return len(side & set(char_ngrams(text))) >= len(side) / 2


def points_elsewhere(unit: Unit) -> bool:
    """A sentence that announces a list, table or figure it is not followed by ("Listen under er
    forslag til spørsmål …") says where an answer is, not what it is."""
    return unit.kind == "sentence" and unit.intro_of is None and bool(POINTER_RE.search(unit.text))


def refers_back(unit: Unit) -> bool:
    """A sentence that opens by pointing at the one before it («Disse har møterett i styret», «Dette
    krever en tydelig ledelse», «Det betyr at …») does not say on its own who or what."""
    return unit.kind == "sentence" and bool(REFERS_BACK_RE.match(unit.text))


def with_antecedents(chosen: list[Unit], units: list[Unit]) -> list[Unit]:
    """Each chosen sentence that refers back, with the sentence it refers to (the one before it in
    its passage), so that a quoted answer names what it is about."""
    before = {(u.hit_rank, u.position): u for u in units if u.kind == "sentence"}
    out: list[Unit] = []
    for u in chosen:
        prev = before.get((u.hit_rank, u.position - 1))
        if refers_back(u) and prev is not None and prev not in chosen and prev not in out:
            out.append(prev)
        out.append(u)
    return out


def is_label(unit: Unit) -> bool:
    text = unit.text.strip()
    return unit.kind == "sentence" and len(text.split()) <= LABEL_WORDS and not text.endswith((".", "!", "?", ":"))


def lines_under(label: Unit, units: list[Unit], lines: int = LABEL_LINES) -> list[Unit]:
    """The short lines that follow a label on a slide, which are what it labels; a label
    alone names where the answer is, not what it is. `lines` caps the plain lines; a bulleted
    list under the label is its own block and is taken whole (up to `LABEL_LINES`)."""
    out: list[Unit] = []
    for u in sorted((u for u in units if u.hit_rank == label.hit_rank and u.position > label.position),
                    key=lambda u: u.position):
        limit = LABEL_LINES if u.kind == "item" and all(o.group is not None for o in out) else lines
        if u.position != label.position + len(out) + 1 or len(out) >= limit:
            break
        if len(u.text.split()) > 3 * LABEL_WORDS or u.text.rstrip().endswith("."):
            break  # prose again: the label's block has ended
        out.append(replace(u, kind="item"))  # shown as the list the slide lays out
    return out


@dataclass(frozen=True)
class QuestionShape:
    """What kind of answer a question asks for, from its question words (facts of the three
    languages, not of any question's wording)."""

    why: bool = False
    how: bool = False
    define: tuple[frozenset[str], ...] = ()  # character 4-grams of each form of the defined subject
    wants_list: bool = False
    wants_questions: bool = False
    wants_quantity: bool = False

    @classmethod
    def of(cls, question: str, equivalents: Callable[[str], list[str]] | None = None) -> "QuestionShape":
        """`equivalents`: the other forms, in all three languages, of the term the defined subject
        is (the termbase's), so that "What does EDP mean?" prefers a sentence that says what
        «entreprenørielle oppdagelser» are, and "Hva er klyngenes rolle i smart spesialisering?"
        does not prefer one that says what smart specialisation is."""
        defined = DEFINE_RE.search(question)
        forms = (defined.group(1), *(equivalents(defined.group(1)) if equivalents else ())) if defined else ()
        return cls(why=bool(WHY_RE.search(question)), how=bool(HOW_RE.search(question)),
                   define=tuple(frozenset(char_ngrams(f)) for f in forms if char_ngrams(f)),
                   wants_list=bool(LIST_QUESTION_RE.search(question)),
                   wants_questions=bool(ASKS_FOR_QUESTIONS_RE.search(question)),
                   wants_quantity=asks_for_quantity(question))




def asking_lists(units: list[Unit]) -> set[tuple[int, int | None]]:
    """(passage rank, list group) of the lists that hold a question: each point of such a list is
    a prompt to discuss, not an answer."""
    return {(u.hit_rank, u.group) for u in units if u.kind == "item" and u.text.rstrip().endswith("?")}


def unit_features(u: Unit, asking: set[tuple[int, int | None]], shape: QuestionShape,
                  quoted: list[str]) -> dict[str, float]:
    """The signals a unit's score weighs: closeness to the question, where its passage ranks,
    whether it asks rather than says, and whether it is the kind of line the question's shape
    asks for."""
    text = u.text.rstrip()
    asks = text.endswith("?") or (u.kind == "item" and (u.hit_rank, u.group) in asking)
    return {
        "dense": u.dense,
        "lexical": u.lexical,
        "rank": float(u.hit_rank),
        "asks": float(asks),
        "why_cause": float(shape.why and bool(CAUSE_RE.search(text))),
        "how_means": float(shape.how and bool(MEANS_RE.search(text))),
        "define_says": float(bool(shape.define) and u.kind == "sentence" and says_what_it_is(text, shape.define)),
        "question_asks": float(shape.wants_questions and asks),
        "quoted_missing": float(bool(quoted) and not says_quoted(text, quoted)),
    }


def unit_score(f: dict[str, float]) -> float:
    """Closeness to the question, shared rare words, a little for a higher-ranked passage, and
    the shape of answer the question asks for. (A logistic ranker fitted on `train` over these
    same signals chose the right passage less often on `dev`: evals/EXPERIMENTS.md.)"""
    return f["dense"] + LEXICAL_WEIGHT * f["lexical"] - RANK_PENALTY * f["rank"] - QUESTION_PENALTY * f["asks"] * (
        1 - f["question_asks"]) - QUOTE_PENALTY * f["quoted_missing"] + CAUSE_BONUS * (f["why_cause"] + f["how_means"]) + (
        DEFINITION_BONUS * f["define_says"])


@dataclass
class Evidence:
    """What the answerer found: scored units of the top passages and how relevant they are."""

    units: list[Unit] = field(default_factory=list)
    dense: float = 0.0  # the best unit's similarity to the whole question
    known: float = 0.0


class ExtractiveAnswerer:
    """Picks the sentences or the list that answer the question from the top passages."""

    def __init__(self, passages: list[Passage], embedder: Embedder, depth: int = 4, unit_vectors=None,
                 vocabulary: Vocabulary | None = None, titles: dict[str, str] | None = None):
        self.embedder = embedder
        self.titles = titles or {}
        self.unit_vectors = unit_vectors or {}
        self.vocabulary = vocabulary or Vocabulary(passages)
        self.depth = depth
        self.title_list = sorted(set(self.titles.values()))
        self.terms = {p.id: self._stem_passage(p) for p in passages}
        df: Counter[str] = Counter(t for _, terms in self.terms.values() for t in terms)
        n = max(len(passages), 1)
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}

    # -- evidence ---------------------------------------------------------------------------
    def gather(self, query: str, hits: list[Hit], shape: "QuestionShape | None" = None) -> Evidence:
        """Scores the units (sentences and list items) of the top `depth` passages against the
        query (the question as searched: spelled, with its terms in the material's languages);
        `shape` is what kind of answer the question asks for (by default read from `query`). A
        sentence an earlier answer quoted is scored like any other: if it answers this question
        too, it is quoted again."""
        units = [u for rank, h in enumerate(hits[: self.depth]) for u in units_of(h.passage, rank)]
        if any(h.named for h in hits[: self.depth]):  # asked about a document: the answer is in what speaks of it
            units = [u for u in units if hits[u.hit_rank].named]
        if not units:
            return Evidence()
        query = without_source_frame(query)
        uv = np.vstack([self._vectors(h.passage, [u for u in units if u.hit_rank == rank])
                        for rank, h in enumerate(hits[: self.depth])])
        best_dense = float(np.max(uv @ self.embedder.embed_query(query)))
        share = self.vocabulary.known_share(query)
        focus = without_title_phrase(query, self.title_list)
        quoted = [normalize(q) for q in QUOTED_RE.findall(query)]
        q_terms = set(content_terms(focus, LANGS))
        parts = {t: first for t, first in self._compound_parts(focus).items() if t not in q_terms}
        known = {t: self.idf[t] for t in q_terms | set(parts) if t in self.idf}
        dense = uv @ self.embedder.embed_query(focus)
        stemmed = [self._terms(h.passage) for h in hits[: self.depth]]
        context = [c for c, _ in stemmed]
        spoken = [c | t for c, t in stemmed]
        for u, d in zip(units, dense):
            u_terms = context[u.hit_rank] | set(content_terms(u.text, (hits[u.hit_rank].passage.language,)))
            u_terms = {t for t in u_terms if t not in parts or parts[t] & spoken[u.hit_rank]}
            u.dense = float(d)
            u.lexical = share * sum(w for t, w in known.items() if t in u_terms) / sum(known.values()) if known else 0.0
        shape = shape or QuestionShape.of(query)
        asking = asking_lists(units)  # once per question, not once per unit
        rows = [unit_features(u, asking, shape, quoted) for u in units]
        for u, row in zip(units, rows):
            u.features = row
            u.score = unit_score(row)
        return Evidence(units, dense=best_dense, known=share)

    def _terms(self, passage: Passage) -> tuple[set[str], set[str]]:
        """A passage's context (section path and document title) and its words with the section
        path, as stemmed content words: computed once at start-up, not per question."""
        return self.terms.get(passage.id) or self._stem_passage(passage)

    def _stem_passage(self, p: Passage) -> tuple[set[str], set[str]]:
        langs = (p.language,)
        return (set(content_terms(f"{p.section_path} {self.titles.get(p.doc_id, '')}", langs)),
                set(content_terms(f"{p.section_path} {p.text}", langs)))

    def _compound_parts(self, question: str) -> dict[str, set[str]]:
        """A compound the material never uses ("konsulentselskap") counts by its parts
        ("konsulent", "selskap"), each mapped to the stems of the first part: a part counts only
        in a passage that speaks of the first part, so "søknadsfristen" is not any "frist"."""
        parts: dict[str, set[str]] = {}
        for word in tokens(question):
            own = content_terms(word, LANGS)
            if not own or any(t in self.idf for t in own):
                continue
            for lang in ("nb", "sv"):
                split = compound_parts(word, lang)
                if split:
                    first = set(content_terms(split[0], (lang,)))
                    for part in split:
                        parts.update({t: first for t in content_terms(part, (lang,)) if t not in parts})
        return parts

    def _vectors(self, passage: Passage, units: list[Unit]) -> np.ndarray:
        """Unit embeddings computed at indexing time; computed now for an older index."""
        vectors = self.unit_vectors.get(passage.id)
        if vectors is not None and len(vectors) == len(units):
            return vectors
        return self.embedder.embed_documents([u.text for u in units])

    # -- selection --------------------------------------------------------------------------
    def select(self, question: str, ev: Evidence) -> list[Unit]:
        """The units that answer. A question that asks how much, how many or how often is answered
        by the close units that state an amount, count or frequency, where there are any (whether
        the material answers it at all is the decision's, not the answerer's)."""
        units = [u for u in ev.units if not points_elsewhere(u)] or ev.units
        if asks_for_quantity(question) and units:
            top = max(u.score for u in units)
            units = [u for u in units if states_quantity(u.text) and u.score >= top - QUANTITY_MARGIN] or units
        list_question = bool(LIST_QUESTION_RE.search(question))
        best = max(units, key=lambda u: u.score)
        sentences = [u for u in units if u.kind == "sentence"]
        if not list_question and best.kind == "item" and sentences:
            best_sentence = max(sentences, key=lambda u: u.score)
            margin = ITEM_MARGIN_ABOVE if best_sentence.hit_rank < best.hit_rank else ITEM_MARGIN
            if best_sentence.score >= best.score - margin:
                best = best_sentence  # a plain question is better answered by prose than by a list
        if list_question or best.kind == "item" or best.intro_of is not None:
            chosen = self._best_list(units, best)
            if chosen:
                return chosen
        ranked = sorted(units, key=lambda u: -u.score)
        chosen = [best]
        for u in ranked[1:]:
            if len(chosen) >= 3 or u.score < best.score - 0.03:
                break
            if u.kind == "sentence" and u.hit_rank == best.hit_rank:
                chosen.append(u)  # more from the same passage: one source, one coherent answer
        if list_question:  # «EU-kommisjonens krav … er relevante. Kravene er at strategiene» and the list
            asked = set(content_terms(question, LANGS))
            chosen += [u for u in units if u.hit_rank == best.hit_rank and u.position == best.position + 1
                       and u.intro_of is not None and asked & set(content_terms(u.text, LANGS))]
        if not any(u.features.get("define_says") for u in chosen):
            # "What does EDP mean?" is answered by the sentence that says what it is, not only the one that names it
            defining = [u for u in ranked if u.features.get("define_says") and u.hit_rank == best.hit_rank
                        and u.score >= best.score - DEFINITION_MARGIN]
            chosen += defining[:1]
        for side in compared(question):  # a comparison is answered by what the material says of each side
            if not any(mentions(u.text, side) for u in chosen):
                said = [u for u in ranked if u.kind == "sentence" and u.score >= best.score - COMPARE_MARGIN
                        and mentions(u.text, side)]
                chosen += said[:1]
        if best.intro_of is None and all(is_label(u) for u in chosen) and not asks_for_quantity(question):
            rows = len(chosen) > 1  # several labels of one slide are rows of a table: each labels the line under it
            chosen += [line for label in chosen for line in lines_under(label, ev.units, 1 if rows else LABEL_LINES)]
        else:  # a sentence that introduces a list («X skal gjøre rede for») says nothing without it
            chosen += [u for intro in chosen if intro.intro_of is not None
                       for u in units if u.hit_rank == intro.hit_rank and u.group == intro.intro_of]
        chosen = with_antecedents(chosen, ev.units)
        unique = {normalize(u.text): u for u in reversed(chosen)}.values()  # a slide may quote the guide
        return sorted(unique, key=lambda u: (u.hit_rank, u.position))

    @staticmethod
    def _best_list(units: list[Unit], best: Unit) -> list[Unit]:
        groups: dict[tuple[int, int], list[Unit]] = {}
        for u in units:
            if u.kind == "item":
                groups.setdefault((u.hit_rank, u.group), []).append(u)
        if not groups:
            return []

        def value(key):
            items = groups[key]
            intro = next((u for u in units if u.hit_rank == key[0] and u.intro_of == key[1]), None)
            scores = sorted((u.score for u in items), reverse=True)
            head = scores[0] + (intro.score if intro else scores[0]) + sum(scores[:3]) / min(3, len(scores))
            return head / 3

        key = max(groups, key=value)
        if value(key) < best.score - 0.04:
            return []
        intro = [u for u in units if u.hit_rank == key[0] and u.intro_of == key[1]]
        return intro + groups[key][:15]

    # -- composing --------------------------------------------------------------------------
    def compose(self, chosen: list[Unit], hits: list[Hit], docs: dict[str, DocumentInfo], lang: str,
                query: str, relevance: float | None) -> Answer:
        numbers: dict[int, int] = {}
        citations: list[Citation] = []
        segments: list[Segment] = []
        for u in chosen:
            if u.hit_rank not in numbers:
                p = hits[u.hit_rank].passage
                numbers[u.hit_rank] = len(numbers) + 1
                doc = docs.get(p.doc_id)
                citations.append(Citation(
                    n=numbers[u.hit_rank], doc_id=p.doc_id, title=doc.title if doc else p.doc_id,
                    authority=doc.authority if doc else "", section=p.section_path, page=p.page_label,
                    text=p.text, passage_id=p.id))
            citations[numbers[u.hit_rank] - 1].quotes.append(u.text)
            citations[numbers[u.hit_rank] - 1].page = page_of(hits[u.hit_rank].passage, *citations[numbers[u.hit_rank] - 1].quotes)
            segments.append(Segment(text=u.text, cite=numbers[u.hit_rank], kind=u.kind))
        source_langs = {hits[u.hit_rank].passage.language for u in chosen}
        is_list = any(u.kind == "item" for u in chosen)
        lead = str(template("lead_list" if is_list and len(chosen) > 2 else "lead", lang))
        quoted = template("quoted_in", lang)
        if len(source_langs) == 1 and isinstance(quoted, dict):
            lead += quoted.get(next(iter(source_langs)), "")
        segments.insert(0, Segment(text=lead, cite=None, kind="lead"))
        return Answer(answer="".join(pieces(segments)), citations=citations, language=lang, query=query,
                      segments=segments, relevance=relevance)
