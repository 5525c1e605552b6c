"""Forgiving search: case, accents and word order do not matter, and results are ranked.

A search box is typed into by people who write "gueguen" for Guéguen and "base de données" for a DBA. The
text of every searchable row is folded once, in Python, into a stored column (`fold`: lower case, no
accents, words only), so that both databases compare the same folded words. On PostgreSQL each word of the
query is matched with full-text search in the French configuration (stemming: "migrations" finds
"migration", a prefix finds the word it starts); on SQLite, by a substring of the folded column. Every word
must match somewhere; the rank says where: a word in the name counts more than one in the roles and skills,
which counts more than one in the bio.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, false, func, literal, or_
from sqlalchemy.sql.elements import ColumnElement

# Words a French query carries that say nothing about what is looked for ("base de données").
STOPWORDS = frozenset("a au aux d de des du en et l la le les ou par pour sur un une".split())
# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "’": " ", "'": " "})
_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_TERMS = 8
FOLDED_LENGTH = 2000


def fold(*texts: str | None) -> str:
    """The words of `texts`, lower case and without accents, separated by single spaces."""
    joined = " ".join(t for t in texts if t).translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", joined)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", bare).strip()[:FOLDED_LENGTH]


def terms(query: str | None) -> list[str]:
    """The words of a query that can narrow a search, at most MAX_TERMS, each once."""
    words = fold(query).split()
    kept = [w for w in words if w not in STOPWORDS] or words
    return list(dict.fromkeys(kept))[:MAX_TERMS]


@dataclass(frozen=True, slots=True)
class Field:
    """A folded column and how much a word found in it weighs in the rank."""

    column: ColumnElement
    weight: int


def _matches(column: ColumnElement, term: str, dialect: str) -> ColumnElement:
    if dialect == "postgresql":
        # `term` holds only [a-z0-9] (see fold), so it is a valid tsquery lexeme; `:*` matches a prefix.
        return func.to_tsvector("french", column).op("@@")(func.to_tsquery("french", literal(f"{term}:*")))
    return column.like(f"%{term}%")


@dataclass(frozen=True, slots=True)
class Search:
    """The WHERE clause (every word found in some field) and the rank (higher first) of a query."""

    where: ColumnElement
    rank: ColumnElement


def search(fields: Sequence[Field], query: str | None, dialect: str) -> Search | None:
    """The clause and rank for `query` over `fields`; None for an empty query (nothing to filter on).
    A query of punctuation alone ("_", "%") matches nothing, as a word found nowhere would."""
    words = terms(query)
    if not words:
        return None if not (query or "").strip() else Search(false(), literal(0))
    found = {(w, i): _matches(f.column, w, dialect) for w in words for i, f in enumerate(fields)}
    if dialect == "postgresql":
        # French stemming drops stop words the folding kept ("a" alone): a word PostgreSQL cannot search
        # for must not empty the results, so it also matches as a plain substring.
        found = {(w, i): or_(m, fields[i].column.like(f"%{w}%")) for (w, i), m in found.items()}
    where = and_(*(or_(*(found[w, i] for i in range(len(fields)))) for w in words))
    rank = sum(
        (case((found[w, i], fields[i].weight), else_=0) for w in words for i in range(len(fields))),
        start=literal(0),
    )
    return Search(where, rank)
