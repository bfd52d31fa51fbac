"""Review text analysis with no Django in it: sentences, language, aspects and their sentiment.

The reviews module passes the model calls in (``embed``, ``classify``), so everything here is
testable on plain strings with plain functions.
"""

from .aspects import (
    DEFAULT_ASPECTS,
    AspectDefinition,
    AspectMention,
    Classify,
    Embed,
    find_aspects,
    find_aspects_many,
    keyword_hit,
)
from .sentences import Language, Span, detect_language, split_clauses, split_sentences

__all__ = [
    "DEFAULT_ASPECTS",
    "AspectDefinition",
    "AspectMention",
    "Classify",
    "Embed",
    "Language",
    "Span",
    "detect_language",
    "find_aspects",
    "find_aspects_many",
    "keyword_hit",
    "split_clauses",
    "split_sentences",
]
