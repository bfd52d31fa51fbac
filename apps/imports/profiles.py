"""File profiles: the formats shop platforms export (a Shopify product CSV, say), told apart by their headers.

A target that imports platform files lists its profiles (``ImportTarget.profiles``). A profile says
which headers identify the format, what each known column becomes (a field of the target, an
attribute, or a platform-only field kept beside the record and never used as a fact), and where the
header row is (some platforms write lines above it). The generic profile is the target's own mapping
by header synonyms. The detected profile is shown in the preview and a person may change it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .reading import header_key

GENERIC = "generic"
GENERIC_LABEL = _("Generic table (columns mapped by name)")
PLATFORM_PREFIX = "platform:"
ATTRIBUTE_PREFIX = "attribute:"
IGNORE = "ignore"
# Platform files put at most a few lines (a version line, internal column names) above the header.
HEADER_SEARCH_ROWS = 5


@dataclass(frozen=True)
class ImportProfile:
    name: str
    label: str | Promise
    signature: tuple[str, ...]  # headers that must all be present for the file to be this format
    # Header -> what it becomes: a field name, "attribute", "platform" or "ignore".
    columns: dict[str, str] = field(default_factory=dict)
    other_columns: str = "platform"  # what a column the profile does not know becomes
    # Headers matching this pattern are attributes named by its first group (Shopify's metafields).
    attribute_pattern: str = ""
    help_text: str | Promise = ""

    def matches(self, headers: Sequence[str]) -> bool:
        keys = {header_key(header) for header in headers}
        return all(header_key(name) in keys for name in self.signature)

    def column_target(self, header: str) -> str:
        """The mapping of one header: a field name, "attribute:<name>", "platform:<name>" or "ignore"."""
        lookup = {header_key(name): target for name, target in self.columns.items()}
        kind = lookup.get(header_key(header), self.other_columns)
        name = header.strip()
        if header_key(header) not in lookup and self.attribute_pattern:
            match = re.fullmatch(self.attribute_pattern, name)
            if match and match.group(1).strip():
                return ATTRIBUTE_PREFIX + match.group(1).strip()
        if kind == "attribute":
            return ATTRIBUTE_PREFIX + name
        if kind == "platform":
            return PLATFORM_PREFIX + name
        return kind

    def auto_mapping(self, headers: Sequence[str]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        used: set[str] = set()
        for header in headers:
            target = self.column_target(header)
            plain_field = not target.startswith((ATTRIBUTE_PREFIX, PLATFORM_PREFIX)) and target != IGNORE
            if plain_field and target in used:
                target = PLATFORM_PREFIX + header.strip()  # a second column for one field: kept, not used
            used.add(target)
            mapping[header] = target
        return mapping


def detect_header(
    profiles: Sequence[ImportProfile], rows: Sequence[tuple[int, list[str]]], *, chosen: str = ""
) -> tuple[int, ImportProfile | None]:
    """The header row (its index among the file's rows) and the profile it identifies.

    ``rows`` are the first non-blank rows with their index. With ``chosen``, that profile's header is
    looked for; otherwise every profile is tried on each row in turn, and a file no profile knows has
    its header on its first non-blank row (the generic profile).
    """
    candidates = [profile for profile in profiles if not chosen or profile.name == chosen]
    for index, cells in rows[:HEADER_SEARCH_ROWS]:
        for profile in candidates:
            if profile.matches(cells):
                return index, profile
    first = rows[0][0] if rows else 0
    chosen_profile = candidates[0] if chosen and candidates else None
    return first, chosen_profile
