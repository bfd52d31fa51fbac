"""Keyword tokens for retrieval that work for Chinese without spaces and for English.

Chinese runs are cut by jieba's search mode (words and their shorter words) and also into character
bigrams, so a word jieba splits differently in a question and in a policy still matches. Bigrams are
taken only inside the stretches between stop words ("可以开发票吗" gives 开发, 发票, never 可以 or 票吗),
which would otherwise match every question-shaped FAQ heading ("可以礼品包装吗？") instead of its topic.
Latin words are lower-cased, NFKC-folded (full-width letters and digits) and stemmed with the Snowball
English stemmer ("returns", "returned", "returning" all become "return"); a negated form also gives
the word it negates ("unwashed": unwash, wash). Stop words in both languages are dropped; numbers are
kept ("30 days").
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

from apps.core.text import CJK

# A negated participle or adjective ("unwashed", "unused", "unworn", "unsuitable") also gives the
# word it negates, so "a shirt I already washed" finds "items must be unwashed": the same topic.
_NEGATED = re.compile(r"un[a-z]{2,}(?:ed|en|rn|id|able|ible)$")
_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:'[a-z]+)?")
_JIEBA_LOCK = threading.Lock()
_jieba: Any = None

_ENGLISH_STOP = """a an the and or but if of to in on at by for with from as is are was were be been being do
does did doing have has had having i me my we our you your he she it its they them their this that these
those what which who whom whose when where why how can could would should will shall may might must not no so
than too very just about into over under again then there here all any both each few more most other some
such only own same s t don't i'm i've it's can't won't please hi hello thanks thank also get got"""
_CHINESE_STOP = """的 了 吗 呢 吧 啊 呀 嘛 是 我 你 您 他 她 它 我们 你们 他们 这 那
这个 那个 有 在 和 与 或 就 都 也 还 要 会 能 可以 请问 请 一下 怎么 怎样 如何 什么 哪 哪里
多少 几 么 个 给 把 被 让 对 从 到 为 为了 没有 没 不 很 好 想 知道 问 一个
还 能 能否 可否 不能 有没有 是不是 能不能 可不可以 会不会 不会 要不要 不要 来 过 着 呀 哦 啦"""
ENGLISH_STOP_WORDS = frozenset(_ENGLISH_STOP.split())
CHINESE_STOP_WORDS = frozenset(_CHINESE_STOP.split())


def _jieba_module() -> Any:
    """jieba, imported and its dictionary loaded once per process (about a second, so not at import)."""
    global _jieba
    if _jieba is None:
        with _JIEBA_LOCK:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def normalise(text: str) -> str:
    """NFKC and lower case: full-width letters, digits and punctuation folded to their plain forms."""
    return unicodedata.normalize("NFKC", text).lower()


# Words that end a stretch: stop words of two or more characters, particles and pronouns. A one-
# character verb or preposition (到, 能, 给) stays inside, since it often starts a word jieba may not
# know ("到账"); it is still dropped as a token of its own.
_SEPARATORS = frozenset(
    [word for word in CHINESE_STOP_WORDS if len(word) > 1] + list("的了吗呢吧啊呀嘛么哦啦着我你您他她它")
)


def _stretches(run: str) -> list[str]:
    """The parts of a run of hanzi between its separating stop words (found by jieba's precise cut)."""
    stretches: list[str] = []
    current = ""
    for word in _jieba_module().lcut(run):
        if word in _SEPARATORS:
            if current:
                stretches.append(current)
            current = ""
        else:
            current += word
    if current:
        stretches.append(current)
    return stretches


def chinese_tokens(run: str) -> list[str]:
    """jieba search-mode words (stop words dropped) and the character bigrams of each stretch of a run
    of hanzi between its separating stop words."""
    tokens: list[str] = []
    for stretch in _stretches(run):
        tokens.extend(
            word for word in _jieba_module().lcut_for_search(stretch) if word not in CHINESE_STOP_WORDS
        )
        bigrams = (stretch[index : index + 2] for index in range(len(stretch) - 1))
        tokens.extend(bigram for bigram in bigrams if bigram not in CHINESE_STOP_WORDS)
    return tokens


def is_segmentation_artefact(token: str) -> bool:
    """Whether a Chinese token is only a cut between words: a character bigram ("生优" of 学生优惠) or a
    guessed word ("能寄到") that jieba's dictionary does not hold. Latin tokens never are."""
    if not CJK.match(token) or len(token) < 2:
        return False
    return not _jieba_module().dt.FREQ.get(token, 0)


def tokenize(text: str) -> list[str]:
    """Keyword tokens of ``text`` in order (repeats kept, for term frequencies)."""
    tokens: list[str] = []
    for match in _RUN.finditer(normalise(text)):
        run = match.group(0)
        if CJK.match(run):
            tokens.extend(chinese_tokens(run))
        elif run not in ENGLISH_STOP_WORDS:
            word = run.replace("'", "")
            tokens.append(run if run.isdigit() else stem(word))
            if _NEGATED.match(word):
                tokens.append(stem(word[2:]))
    return tokens


def content_words(text: str) -> set[str]:
    """The distinct tokens of ``text``: what an answer sentence and a question are compared by."""
    return set(tokenize(text))
