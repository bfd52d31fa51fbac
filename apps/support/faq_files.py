"""Reading an uploaded FAQ: a CSV / XLSX with question and answer columns, or text with Q: / A: lines."""

from __future__ import annotations

import csv
import io
import re

from apps.core.text import clean_text

QUESTION_HEADERS = {"question", "q", "问题", "提问"}
ANSWER_HEADERS = {"answer", "a", "答案", "回答", "解答"}
_Q_LINE = re.compile(r"^\s*(?:Q|Question|问|问题)\s*[:：]\s*(.*)$", re.IGNORECASE)
_A_LINE = re.compile(r"^\s*(?:A|Answer|答|答案|回答)\s*[:：]\s*(.*)$", re.IGNORECASE)
MAX_ENTRIES = 2000


class FaqFileError(ValueError):
    pass


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FaqFileError("The file is not UTF-8 or GB18030 text.")


def _from_rows(rows: list[list[str]]) -> list[tuple[str, str]] | None:
    if not rows:
        return None
    header = [clean_text(cell).lower() for cell in rows[0]]
    question_column = next((i for i, name in enumerate(header) if name in QUESTION_HEADERS), None)
    answer_column = next((i for i, name in enumerate(header) if name in ANSWER_HEADERS), None)
    if question_column is None or answer_column is None:
        return None
    pairs = []
    for row in rows[1:]:
        if max(question_column, answer_column) < len(row):
            question, answer = clean_text(row[question_column]), clean_text(row[answer_column])
            if question and answer:
                pairs.append((question, answer))
    return pairs


def _from_lines(text: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    question: str | None = None
    answer: list[str] = []

    def flush() -> None:
        if question and clean_text(" ".join(answer)):
            pairs.append((clean_text(question), clean_text("\n".join(answer))))

    for line in text.splitlines():
        if match := _Q_LINE.match(line):
            flush()
            question, answer = match.group(1), []
        elif (match := _A_LINE.match(line)) and question is not None:
            answer.append(match.group(1))
        elif question is not None and answer:
            answer.append(line)
    flush()
    return pairs


def read_faq_file(data: bytes, *, filename: str) -> list[tuple[str, str]]:
    """(question, answer) pairs; raises FaqFileError when the file holds none."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as error:  # openpyxl raises many kinds on a broken file
            raise FaqFileError(f"Not a readable XLSX file ({type(error).__name__}).") from None
        rows = [
            ["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
        ]  # type: ignore[union-attr]
        pairs = _from_rows(rows)
    else:
        text = _decode(data)
        pairs = None
        if filename.lower().endswith((".csv", ".tsv")):
            dialect = "excel-tab" if filename.lower().endswith(".tsv") else "excel"
            pairs = _from_rows(list(csv.reader(io.StringIO(text), dialect=dialect)))
        if pairs is None:
            pairs = _from_lines(text)
    if not pairs:
        raise FaqFileError(
            "No question and answer found: use a CSV with “question” and “answer” columns, "
            "or text with “Q:” and “A:” lines."
        )
    if len(pairs) > MAX_ENTRIES:
        raise FaqFileError(f"At most {MAX_ENTRIES} entries per file.")
    return pairs
