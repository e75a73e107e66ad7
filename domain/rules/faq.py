"""FAQ search: keywords, fuzzy word matching (typos) and character bigrams for Chinese text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
# Everyday words that match every question and so tell nothing apart.
_STOP_WORDS = {
    "a", "an", "the", "is", "are", "do", "does", "can", "i", "my", "me", "you", "your", "it",
    "to", "of", "for", "in", "on", "and", "or", "how", "what", "when", "where", "why", "with",
    "be", "will", "have", "has", "this", "that", "there", "we", "our",
}  # fmt: skip
MIN_SCORE = 0.34


class FaqLike(Protocol):
    question: str
    answer: str
    keywords: Sequence[str]


@dataclass(frozen=True)
class FaqMatch:
    entry: FaqLike
    score: float


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP_WORDS and len(w) > 1}


def _bigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text):
        grams.update(run if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
    return grams


def _score(query: str, entry: FaqLike) -> float:
    lowered = query.lower()
    keyword_hit = any(k and k.lower() in lowered for k in entry.keywords)
    haystack = " ".join([entry.question, *entry.keywords])
    query_words, entry_words = _words(query), _words(haystack)
    word_score = 0.0
    if query_words and entry_words:
        # Each query word counts when some entry word is close enough (typos, plurals).
        hits = sum(
            1
            for word in query_words
            if process.extractOne(word, entry_words, scorer=fuzz.ratio, score_cutoff=80)
        )
        word_score = hits / len(query_words)
    query_grams, entry_grams = _bigrams(query), _bigrams(haystack)
    gram_score = len(query_grams & entry_grams) / len(query_grams) if query_grams else 0.0
    return min(1.0, max(word_score, gram_score) + (0.5 if keyword_hit else 0.0))


def search_faq(query: str, entries: Sequence[FaqLike], limit: int = 3) -> list[FaqMatch]:
    """The best few entries for a customer's question, best first; empty when nothing fits."""
    scored = [FaqMatch(entry, _score(query, entry)) for entry in entries]
    good = [match for match in scored if match.score >= MIN_SCORE]
    return sorted(good, key=lambda match: match.score, reverse=True)[:limit]
