"""Which vocabulary term a misspelt value meant: by meaning, never by letters alone.

Letters alone mislead: ``ally_of`` is closer in characters to ``rival_of`` than to
``allied_with``, so a character-based guess offers the opposite of what was meant. Here a term is
suggested only when a *word* of the value is a word of the term's name or of its documented
meaning (the schema's ``x-enumDescriptions``, and for relation types their ``description`` and
any ``synonyms``). Two words are the same word when

- their stems are equal (an English Snowball stemmer: ``ally``, ``allies``, ``allied`` → ``alli``),
- one stem begins the other and the shorter has at least four letters (``alli``, ``allianc``), or
- the words are a typo apart (difflib ratio at least 0.8, both at least four letters: ``alied``).

A word of the term's name counts twice as much as a word of its meaning. Function words (``of``,
``with`` ...) and words found in many of the field's descriptions (``subject``, ``object``) say
nothing and are left out. When the schema gives relation types a ``category``, its words count
as words of the term's meaning too (so a value naming the category finds its terms). A term of
the opposite meaning shares no word with the value, so it is never offered; when no term
shares a word, nothing is suggested and the caller lists the terms.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Field

STOP_WORDS = frozenset(
    "a an and are as at be by e for from g i in into is it its of on or that the their them they this to "
    "was were which who with without".split()
)
COMMON_SHARE = 0.3  # a word in more than this share of a field's descriptions says nothing
MIN_AFFIX = 4  # letters of the shorter stem for a prefix match
TYPO_RATIO = 0.8
NAME_WEIGHT, MEANING_WEIGHT = 2, 1


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    """Snowball's English stemmer; None when snowballstemmer is missing (a hint is no reason to fail
    a run: words are then compared as written, which still catches typos and shared prefixes)."""
    try:
        import snowballstemmer  # snowballstemmer loads on first use: every tda command would pay its start-up time otherwise
    except ImportError:
        return None
    return snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """The content words of a value, a term or a description: lower case, no function words."""
    return [w for w in re.split(r"[^0-9a-z]+", text.lower()) if w and w not in STOP_WORDS]


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    stemmer = _stemmer()
    return word if stemmer is None else str(stemmer.stemWord(word))


def same_word(a: str, b: str) -> bool:
    sa, sb = stem(a), stem(b)
    if sa == sb:
        return True
    short, long = sorted((sa, sb), key=len)
    if len(short) >= MIN_AFFIX and long.startswith(short):
        return True
    return min(len(a), len(b)) >= MIN_AFFIX and difflib.SequenceMatcher(None, a, b).ratio() >= TYPO_RATIO


def _meaning_words(f: Field) -> dict[str, list[str]]:
    """term -> the content words of its documented meaning, without the field's common words."""
    kinds = f.annotations.get("x-relationTypes", {})
    kinds = kinds if isinstance(kinds, dict) else {}
    texts: dict[str, list[str]] = {}
    for term in f.enum or ():
        info = kinds.get(term, {}) if isinstance(kinds.get(term), dict) else {}
        parts = [f.enum_descriptions.get(term, ""), str(info.get("description", "")), str(info.get("category", ""))]
        synonyms = info.get("synonyms", [])
        parts += [str(s) for s in synonyms] if isinstance(synonyms, list) else []
        texts[term] = sorted(set(words(" ".join(parts))))
    counts: dict[str, int] = {}
    for ws in texts.values():
        for w in ws:
            counts[stem(w)] = counts.get(stem(w), 0) + 1
    limit = max(2, int(COMMON_SHARE * len(texts)))
    return {t: [w for w in ws if counts[stem(w)] <= limit] for t, ws in texts.items()}


def _score(value_words: Iterable[str], name_words: list[str], meaning_words: list[str]) -> int:
    score = 0
    for w in value_words:
        if any(same_word(w, n) for n in name_words):
            score += NAME_WEIGHT
        elif any(same_word(w, m) for m in meaning_words):
            score += MEANING_WEIGHT
    return score


def suggest(value: str, f: Field) -> str | None:
    """The term of ``f``'s vocabulary that ``value`` most likely meant, or None when no word of it
    is a word of any term's name or meaning."""
    terms = list(f.enum or ())
    value_words = words(value)
    if not terms or not value_words:
        return None
    meanings = _meaning_words(f)
    scored = []
    for order, term in enumerate(terms):
        score = _score(value_words, words(term), meanings.get(term, []))
        if score:
            closeness = difflib.SequenceMatcher(None, value.lower(), term).ratio()
            scored.append((-score, -closeness, order, term))
    if not scored:
        return None
    return min(scored)[3]
