"""Documents cut into chunks that keep their headings; FAQ entries become one chunk each.

A chunk is at most ``max_chars`` characters of body text. Paragraphs are packed whole where they fit,
long ones are cut at sentence ends, and a sentence longer than a chunk is cut at a space (or anywhere,
for Chinese). ``start`` and ``end`` are offsets into ``ParsedDocument.text``, so a cited chunk can be
shown in its place. The heading path travels with the chunk and is indexed with it (``search_text``),
so "Refunds" under "Returns" is found by a question about returning things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.core.text import clean_text

from .documents import ParsedDocument

DEFAULT_MAX_CHARS = 700
_SENTENCE_END = re.compile(r"(?<=[!?;。！？；])(?![\"'”’)）])|(?<=[.!?;][\"'”’)）])|(?<=\.)(?=\s)|\n")


@dataclass(frozen=True)
class Chunk:
    text: str
    heading_path: tuple[str, ...]
    start: int
    end: int
    ordinal: int
    kind: str = "section"  # "section" (from a document) or "faq" (heading_path holds the question)

    @property
    def search_text(self) -> str:
        """What retrieval indexes and embeds: the headings, then the body."""
        return "\n".join([*self.heading_path, self.text])

    @property
    def question(self) -> str:
        return self.heading_path[-1] if self.kind == "faq" and self.heading_path else ""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` spans of the sentences of ``text``, surrounding spaces excluded.

    A sentence ends at a line break, at Chinese or English closing punctuation, or at a full stop
    followed by a space (so "3.5 kg" and "e.g." inside a sentence do not end it).
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _SENTENCE_END.finditer(text):
        _append_span(text, position, match.start(), spans)
        position = match.start()
    _append_span(text, position, len(text), spans)
    return spans


def _append_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def chunk_document(parsed: ParsedDocument, *, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """The document's chunks in reading order, numbered from 0."""
    if max_chars < 50:
        raise ValueError("max_chars must be at least 50")
    chunks: list[Chunk] = []
    offset = 0
    for section in parsed.sections:
        spans: list[tuple[int, int]] = []
        for start, end in split_sentences(section.text):
            spans.extend(_cut_long(section.text, start, end, max_chars))
        group_start: int | None = None
        group_end = 0
        path = section.heading_path
        for start, end in spans:
            if group_start is not None and end - group_start > max_chars:
                chunks.append(_chunk(section.text, path, group_start, group_end, offset, chunks))
                group_start = None
            if group_start is None:
                group_start = start
            group_end = end
        if group_start is not None:
            chunks.append(_chunk(section.text, path, group_start, group_end, offset, chunks))
        offset += len(section.text) + 2
    return chunks


def _chunk(
    text: str, heading_path: tuple[str, ...], start: int, end: int, offset: int, chunks: list[Chunk]
) -> Chunk:
    return Chunk(
        text=text[start:end],
        heading_path=heading_path,
        start=offset + start,
        end=offset + end,
        ordinal=len(chunks),
    )


def faq_chunk(question: str, answer: str, *, ordinal: int = 0) -> Chunk:
    """One FAQ entry as one chunk: the answer is the text, the question its heading."""
    question, answer = clean_text(question), clean_text(answer)
    if not question or not answer:
        raise ValueError("An FAQ entry needs a question and an answer.")
    return Chunk(text=answer, heading_path=(question,), start=0, end=len(answer), ordinal=ordinal, kind="faq")
