"""What is known about a product: the only source a description may draw on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProductFacts:
    title: str
    brand: str = ""
    category: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    price: str = ""
    currency: str = ""

    @property
    def corpus(self) -> str:
        """Every fact in one lower-case text, for checking what a draft claims."""
        parts = [self.title, self.brand, self.category, self.price, self.currency]
        parts += [f"{key} {value}" for key, value in self.attributes.items()]
        return " ".join(parts).lower()

    def coverage_items(self) -> list[tuple[str, str]]:
        """(name, value) pairs a good description mentions: the brand and each short attribute value."""
        items = [("brand", self.brand)] if self.brand else []
        items += [(key, value) for key, value in self.attributes.items() if value and len(value) <= 60]
        return items
