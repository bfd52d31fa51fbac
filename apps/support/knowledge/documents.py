"""Documents as a merchant uploads them (TXT, Markdown, HTML, PDF, DOCX), read into titled sections.

``parse_document`` never trusts the file: a size limit, encodings tried in a fixed order (a byte order
mark, UTF-8, GB 18030), encrypted or broken files answered with a ``DocumentError`` that says what is
wrong. Hidden HTML (scripts, styles, ``hidden`` or ``display:none`` elements) is dropped, so text a
shopper never sees cannot reach an answer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from apps.core.text import clean_text

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_HEADING_CHARS = 200
SUPPORTED_KINDS = ("txt", "md", "html", "pdf", "docx")

_EXTENSIONS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
    ".pdf": "pdf", ".docx": "docx",
}  # fmt: skip
_CONTENT_TYPES = {
    "text/plain": "txt", "text/markdown": "md", "text/x-markdown": "md", "text/html": "html",
    "application/xhtml+xml": "html", "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}  # fmt: skip
_TERMINAL_PUNCTUATION = tuple(".!?;,。！？；，、…")


class DocumentError(ValueError):
    """A file that cannot be read as a document; the message is safe to show to the merchant."""


@dataclass(frozen=True)
class Section:
    """A run of text under its headings, outermost first (``("Returns", "Refunds")``)."""

    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    sections: list[Section] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body text of every section, joined by blank lines (chunk offsets point into it)."""
        return "\n\n".join(section.text for section in self.sections)


def document_kind(*, filename: str, content_type: str = "", data: bytes = b"") -> str:
    """``txt``, ``md``, ``html``, ``pdf`` or ``docx``: by extension, else content type, else a sniff."""
    kind = _EXTENSIONS.get(PurePosixPath(filename.lower()).suffix)
    if kind:
        return kind
    kind = _CONTENT_TYPES.get(content_type.split(";")[0].strip().lower())
    if kind:
        return kind
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith(b"pk\x03\x04"):
        return "docx"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if data and not filename and not content_type:
        return "txt"
    raise DocumentError(
        f"Unsupported file type for {filename or 'the upload'!r}: use TXT, Markdown, HTML, PDF or DOCX."
    )


def decode_text(data: bytes) -> str:
    """Bytes as text: a UTF-8 / UTF-16 byte order mark, else strict UTF-8, else strict GB 18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError("The file's text encoding is not UTF-8, UTF-16 or GB 18030; save it as UTF-8.")


def parse_document(
    data: bytes, *, filename: str, content_type: str = "", max_bytes: int = MAX_DOCUMENT_BYTES
) -> ParsedDocument:
    """Read an uploaded file into a title and its sections; ``DocumentError`` when it cannot be read."""
    if len(data) > max_bytes:
        raise DocumentError(f"The file is {len(data):,} bytes; the limit is {max_bytes:,}.")
    if not data.strip():
        raise DocumentError("The file is empty.")
    kind = document_kind(filename=filename, content_type=content_type, data=data)
    fallback_title = _title_from_filename(filename)
    if kind == "pdf":
        document = _parse_pdf(data, fallback_title)
    elif kind == "docx":
        document = _parse_docx(data, fallback_title)
    elif kind == "html":
        document = parse_html(decode_text(data), fallback_title=fallback_title)
    elif kind == "md":
        document = parse_markdown(decode_text(data), fallback_title=fallback_title)
    else:
        document = parse_plain_text(decode_text(data), fallback_title=fallback_title)
    if not document.sections:
        raise DocumentError("No readable text was found in the file (a scanned PDF needs OCR first).")
    return document


def _title_from_filename(filename: str) -> str:
    stem = PurePosixPath(filename.replace("\\", "/")).stem
    return clean_text(re.sub(r"[_-]+", " ", stem))[:MAX_HEADING_CHARS]


class _SectionBuilder:
    """Collects paragraphs under the current heading path; a heading closes the open section."""

    def __init__(self) -> None:
        self.headings: list[tuple[int, str]] = []
        self.paragraphs: list[str] = []
        self.sections: list[Section] = []

    def heading(self, level: int, text: str) -> None:
        text = _normalise_inline(text)[:MAX_HEADING_CHARS]
        if not text:
            return
        self.flush()
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, text))

    def paragraph(self, text: str) -> None:
        text = clean_text(text)
        if text:
            self.paragraphs.append(text)

    def flush(self) -> None:
        if self.paragraphs:
            path = tuple(text for _, text in self.headings)
            self.sections.append(Section(heading_path=path, text="\n".join(self.paragraphs)))
            self.paragraphs = []

    def document(self, title: str, fallback_title: str) -> ParsedDocument:
        self.flush()
        return ParsedDocument(title=title or fallback_title or "Untitled", sections=self.sections)


def _normalise_inline(text: str) -> str:
    return re.sub(r"\s+", " ", clean_text(text)).strip()


def parse_plain_text(text: str, *, fallback_title: str = "") -> ParsedDocument:
    """Paragraphs split by blank lines; a short one-line paragraph with no closing punctuation, or a
    line ending in a colon, followed by more text, is a heading. A first heading is the title."""
    builder = _SectionBuilder()
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n"))]
    blocks = [block for block in blocks if block]
    title = ""
    for index, block in enumerate(blocks):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        first = lines[0]
        numbered = re.match(r"^(\d+(?:\.\d+)*)[.)、]?\s+\S", first)
        is_heading_line = len(first) <= 80 and (
            first.endswith((":", "：")) or not first.endswith(_TERMINAL_PUNCTUATION)
        )
        has_following = len(lines) > 1 or index + 1 < len(blocks)
        if is_heading_line and has_following and (len(lines) > 1 or len(first) <= 60):
            heading = first.rstrip(":：").strip()
            level = numbered.group(1).count(".") + 2 if numbered else 2
            if index == 0 and len(lines) == 1 and not numbered:
                title = heading
                builder.heading(1, heading)
            else:
                builder.heading(level, heading)
            lines = lines[1:]
        if lines:
            builder.paragraph("\n".join(lines))
    return builder.document(title, fallback_title)


def parse_markdown(text: str, *, fallback_title: str = "") -> ParsedDocument:
    """Markdown through markdown-it-py's token stream: ATX and setext headings, paragraphs, list items,
    tables (one row a line) and code blocks; raw HTML blocks are read as HTML text."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    builder = _SectionBuilder()
    title = ""
    row: list[str] = []
    in_heading = 0
    in_table = False
    for token in tokens:
        if token.type in ("table_open", "table_close"):
            in_table = token.type == "table_open"
        elif token.type == "heading_open":
            in_heading = int(token.tag[1])
        elif token.type == "heading_close":
            in_heading = 0
        elif token.type == "inline" and in_heading:
            if in_heading == 1 and not title:
                title = _normalise_inline(token.content)
            builder.heading(in_heading, token.content)
        elif token.type == "inline" and in_table:
            row.append(_normalise_inline(token.content))
        elif token.type == "inline":
            builder.paragraph(_strip_markdown_marks(token.content))
        elif token.type == "tr_close":
            if any(row):
                builder.paragraph(" | ".join(row))
            row = []
        elif token.type in ("fence", "code_block"):
            builder.paragraph(token.content)
        elif token.type == "html_block":
            builder.paragraph(_html_text(token.content))
    return builder.document(title, fallback_title)


def _strip_markdown_marks(text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    return text


_HIDDEN_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head", "object", "embed")
_BLOCK_TAGS = ("p", "li", "dt", "dd", "pre", "blockquote", "td", "th", "caption", "figcaption", "address")


def _html_text(fragment: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(fragment, "html.parser").get_text(" ", strip=True)


def _is_hidden(element: object) -> bool:
    attrs = getattr(element, "attrs", None) or {}
    style = str(attrs.get("style", "")).replace(" ", "").lower()
    return (
        "hidden" in attrs
        or attrs.get("aria-hidden") == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


def parse_html(html: str, *, fallback_title: str = "") -> ParsedDocument:
    """HTML through BeautifulSoup: h1-h6 headings, block elements as paragraphs, table rows as lines;
    scripts, styles and hidden elements dropped."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = _normalise_inline(title_tag.get_text(" ")) if title_tag else ""
    for element in soup.find_all(_HIDDEN_TAGS):
        element.decompose()
    for element in [tag for tag in soup.find_all(True) if _is_hidden(tag)]:
        if not element.decomposed:
            element.decompose()
    builder = _SectionBuilder()
    body = soup.body or soup
    for element in body.find_all(True):
        if not isinstance(element, Tag):
            continue
        name = element.name or ""
        if re.fullmatch(r"h[1-6]", name):
            text = element.get_text(" ", strip=True)
            if name == "h1" and not title:
                title = _normalise_inline(text)
            builder.heading(int(name[1]), text)
        elif name == "tr":
            cells = [cell.get_text(" ", strip=True) for cell in element.find_all(("td", "th"))]
            if any(cells):
                builder.paragraph(" | ".join(cells))
        elif _is_leaf_block(element):
            builder.paragraph(_normalise_inline(element.get_text(" ", strip=True)))
    return builder.document(title, fallback_title)


def _is_leaf_block(element: Any) -> bool:
    """A paragraph-like element with no paragraph-like element inside it (a bare ``div`` too)."""
    if element.name == "div":
        return not element.find(True)
    return element.name in _BLOCK_TAGS and not element.find_parent("tr") and not element.find(_BLOCK_TAGS)


def _parse_pdf(data: bytes, fallback_title: str) -> ParsedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError("The PDF is encrypted with a password; upload an unprotected copy.")
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise DocumentError(f"The PDF could not be read: {error}") from error
    except Exception as error:  # pypdf raises NotImplementedError for unsupported encryption, etc.
        if "encrypt" in str(error).lower() or "crypt" in type(error).__name__.lower():
            raise DocumentError("The PDF is encrypted; upload an unprotected copy.") from error
        raise DocumentError(f"The PDF could not be read: {error}") from error
    parsed = parse_plain_text("\n\n".join(pages), fallback_title=fallback_title)
    title = clean_text(str(metadata_title))[:MAX_HEADING_CHARS] or parsed.title
    return ParsedDocument(title=title, sections=parsed.sections)


def _docx_heading_level(style_name: str) -> int | None:
    if style_name == "Title":
        return 1
    match = re.fullmatch(r"Heading (\d)", style_name)
    return int(match.group(1)) if match else None


def _parse_docx(data: bytes, fallback_title: str) -> ParsedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DocumentError("The DOCX file could not be read (is it a Word 2007+ document?).") from error
    builder = _SectionBuilder()
    title = clean_text(document.core_properties.title or "")
    for block in _docx_blocks(document):
        if isinstance(block, tuple):
            level, text = block
            if level == 1 and not title:
                title = _normalise_inline(text)
            builder.heading(level, text)
        else:
            builder.paragraph(block)
    return builder.document(title, fallback_title)


def _docx_blocks(document: object) -> Iterable[tuple[int, str] | str]:
    """Paragraphs and tables in document order: ``(level, text)`` for headings, plain text otherwise."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for item in document.iter_inner_content():  # type: ignore[attr-defined]
        if isinstance(item, Paragraph):
            level = _docx_heading_level(item.style.name if item.style is not None else "")
            yield (level, item.text) if level else item.text
        elif isinstance(item, Table):
            for row in item.rows:
                cells = [cell.text.strip() for cell in row.cells]
                unique = [cell for index, cell in enumerate(cells) if cell and cell not in cells[:index]]
                if unique:
                    yield " | ".join(unique)
