"""What can be imported: each module registers an import target for the records its files carry.

A target names its fields (with the header names that map to them, in English and Chinese),
turns one row's cells into a record (or says per column what is wrong), and writes a block of
validated records. Everything else — upload, encodings, preview, column mapping, per-row errors,
the job with its progress — is the same for every target (``services.py``).

Each app declares its targets in its ``imports.py``, loaded when Django starts::

    @register_import_target
    class ProductImport(ImportTarget):
        name = "catalog.products"
        ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from apps.core.errors import ApplicationError

from .profiles import ATTRIBUTE_PREFIX, GENERIC, GENERIC_LABEL, IGNORE, PLATFORM_PREFIX, ImportProfile
from .reading import header_key

if TYPE_CHECKING:
    from apps.accounts.models import Store

__all__ = ["ATTRIBUTE_PREFIX", "GENERIC", "IGNORE", "PLATFORM_PREFIX", "ImportProfile", "mapped_columns"]
ATTRIBUTE_KEY_MAX = 64
_ATTRIBUTE_HEADER_PREFIXES = ("attribute:", "attr:", "属性:", "属性：")


def mapped_columns(headers: Sequence[str], mapping: dict[str, str]) -> list[tuple[int, str, str]]:
    """(index, header, field) of every column the mapping does not ignore, in the file's order."""
    return [
        (index, header, mapping[header]) for index, header in enumerate(headers) if mapping[header] != IGNORE
    ]


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str | Promise
    required: bool = False
    synonyms: tuple[str, ...] = ()  # header names (compared by ``header_key``) that map to this field


@dataclass
class RowResult:
    """One row read under a mapping: the record's values, or why it cannot be imported (per column)."""

    values: dict[str, Any] | None
    errors: list[tuple[str, str]] = field(default_factory=list)
    key: str = ""  # the record's identity in the file (a SKU): a later row with the same key is skipped
    # A row that belongs to the record with this key (a variant row under its product): the
    # validator's ``merge`` adds its values to that record instead of starting a new one.
    join: bool = False


class RowValidator(Protocol):
    fields: set[str]  # the fields this mapping writes; records that exist keep their other fields

    def validate(self, cells: list[str]) -> RowResult: ...

    # Validators of targets whose files group rows also have
    # ``merge(record: dict, values: dict) -> str`` (returns a reason when the row cannot join).


@dataclass(frozen=True)
class WriteCounts:
    created: int = 0
    updated: int = 0
    skipped: int = 0  # already there (a duplicate of a stored record), left as it was


class ImportTarget:
    name: str = ""
    label: str | Promise = ""
    audit_prefix: str = ""  # audit actions are "<prefix>.import_uploaded" and so on
    fields: tuple[ImportField, ...] = ()
    ignored_headers: tuple[str, ...] = ()  # headers recognised and left unmapped by default
    attribute_columns: bool = False  # other columns may be kept as "attribute:<name>"
    key_field: str = ""  # the field that identifies a record in a file ("sku")
    key_label: str = ""  # what it is called in the per-row error ("SKU")
    dashboard_namespace: str = ""  # URL namespace of the module's import pages
    # The module's import pages: its own templates, extending imports/list.html and imports/detail.html.
    list_template: str = "imports/list.html"
    detail_template: str = "imports/detail.html"
    # Platform formats this target recognises (profiles.py); the generic profile is always there.
    profiles: tuple[ImportProfile, ...] = ()

    def row_validator(self, *, store: Store, headers: list[str], mapping: dict[str, str]) -> RowValidator:
        raise NotImplementedError

    def profile_row_validator(
        self, *, store: Store, headers: list[str], mapping: dict[str, str], profile: str
    ) -> RowValidator:
        """The validator for a file read under a profile; targets with ``profiles`` override it."""
        return self.row_validator(store=store, headers=headers, mapping=mapping)

    def profile_get(self, name: str) -> ImportProfile | None:
        """The platform profile called ``name``; None for the generic one. Unknown names are refused."""
        if name in ("", GENERIC):
            return None
        for profile in self.profiles:
            if profile.name == name:
                return profile
        raise ApplicationError(f"Unknown file format {name!r}.", code="invalid_profile")

    def profile_choices(self) -> list[tuple[str, str | Promise]]:
        return [(GENERIC, GENERIC_LABEL), *((profile.name, profile.label) for profile in self.profiles)]

    def mapping_for(self, headers: list[str], profile: str = GENERIC) -> dict[str, str]:
        """The proposed mapping of a new upload under a profile (the generic one: by header synonyms)."""
        platform = self.profile_get(profile)
        return platform.auto_mapping(headers) if platform else self.auto_mapping(headers)

    def write_rows(self, *, store: Store, rows: list[dict[str, Any]], fields: Sequence[str]) -> WriteCounts:
        """Write a block of validated records (as their JSON was spooled) in the caller's transaction.

        Runs again for the same block if a worker dies before recording it, so it must be an upsert.
        """
        raise NotImplementedError

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    def auto_mapping(self, headers: list[str]) -> dict[str, str]:
        """Header -> field for a new upload, from known names; other columns are attributes or ignored."""
        lookup = {header_key(synonym): spec.name for spec in self.fields for synonym in spec.synonyms}
        lookup.update({header_key(synonym): IGNORE for synonym in self.ignored_headers})
        mapping: dict[str, str] = {}
        used: set[str] = set()
        for header in headers:
            lowered = header.strip().lower()
            if self.attribute_columns:
                prefix = next((p for p in _ATTRIBUTE_HEADER_PREFIXES if lowered.startswith(p)), None)
                if prefix and len(header.strip()) > len(prefix):
                    mapping[header] = ATTRIBUTE_PREFIX + header.strip()[len(prefix) :].strip()
                    continue
            target = lookup.get(header_key(header))
            if target and target != IGNORE and target in used:
                target = None
            if target:
                mapping[header] = target
                used.add(target)
            else:
                mapping[header] = ATTRIBUTE_PREFIX + header.strip() if self.attribute_columns else IGNORE
        return mapping

    def validate_mapping(self, *, headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
        """The mapping for these headers, checked: required fields mapped once, targets known."""
        unknown_headers = sorted(set(mapping) - set(headers))
        if unknown_headers:
            raise ApplicationError(
                f"These columns are not in the file: {', '.join(unknown_headers)}.", code="invalid_mapping"
            )
        complete = {header: mapping.get(header, IGNORE) for header in headers}
        targets: dict[str, str] = {}
        for header, target in complete.items():
            if target == IGNORE:
                continue
            if target.startswith(PLATFORM_PREFIX) and self.profiles:
                if not target[len(PLATFORM_PREFIX) :].strip():
                    raise ApplicationError(
                        f"Column {header!r}: no platform field name.", code="invalid_mapping"
                    )
                continue
            if target.startswith(ATTRIBUTE_PREFIX) and self.attribute_columns:
                name = target[len(ATTRIBUTE_PREFIX) :].strip()
                if not name or len(name) > ATTRIBUTE_KEY_MAX:
                    raise ApplicationError(
                        f"Column {header!r}: attribute names are 1 to {ATTRIBUTE_KEY_MAX} characters.",
                        code="invalid_mapping",
                    )
                continue
            if target not in self.field_names:
                raise ApplicationError(
                    f"Column {header!r}: unknown field {target!r}.", code="invalid_mapping"
                )
            if target in targets:
                raise ApplicationError(
                    f"Columns {targets[target]!r} and {header!r} are both mapped to {target}.",
                    code="invalid_mapping",
                )
            targets[target] = header
        for spec in self.fields:
            if spec.required and spec.name not in targets:
                raise ApplicationError(
                    f"Map a column to {spec.name}; it is required.", code="invalid_mapping"
                )
        return complete


_registry: dict[str, ImportTarget] = {}
T = TypeVar("T", bound=type[ImportTarget])


def register_import_target(cls: T) -> T:
    target = cls()
    if not target.name:
        raise ValueError(f"{cls.__name__} has no name.")
    _registry[target.name] = target
    return cls


def get_import_target(name: str) -> ImportTarget:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No import target {name!r} is registered.") from None


def autodiscover() -> None:
    autodiscover_modules("imports")
