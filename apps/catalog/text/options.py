"""How a description is to be written: the options that cross the service boundary, typed.

The API and the dashboard forms build them; they are stored as JSON (``to_dict``) with each
version and each bulk job, and read back with ``from_dict``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal, cast

Tone = Literal["neutral", "friendly", "premium", "playful", "technical"]
Format = Literal["paragraph", "bullets"]
TONES: tuple[Tone, ...] = ("neutral", "friendly", "premium", "playful", "technical")
FORMATS: tuple[Format, ...] = ("paragraph", "bullets")


@dataclass(frozen=True)
class BrandVoiceStyle:
    """A brand voice as the prompt and the checks use it."""

    name: str
    description: str = ""
    do_words: tuple[str, ...] = ()
    dont_words: tuple[str, ...] = ()
    example_texts: tuple[str, ...] = ()
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "do_words": list(self.do_words),
            "dont_words": list(self.dont_words),
            "example_texts": list(self.example_texts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BrandVoiceStyle:
        return cls(
            id=data.get("id"),
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            do_words=tuple(data.get("do_words") or ()),
            dont_words=tuple(data.get("dont_words") or ()),
            example_texts=tuple(data.get("example_texts") or ()),
        )


@dataclass(frozen=True)
class GenerationOptions:
    """``language`` None means each product's own language (bulk generation)."""

    language: str | None = None
    tone: Tone = "neutral"
    target_length: int = 80
    format: Format = "paragraph"
    seo_keywords: tuple[str, ...] = ()
    brand_voice: BrandVoiceStyle | None = None
    candidates: int = 4
    seed: int | None = None

    def for_language(self, language: str) -> GenerationOptions:
        """These options for one product: its language unless one was chosen."""
        return self if self.language else replace(self, language=language)

    @property
    def banned_words(self) -> list[str]:
        return list(self.brand_voice.dont_words) if self.brand_voice else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "tone": self.tone,
            "target_length": self.target_length,
            "format": self.format,
            "seo_keywords": list(self.seo_keywords),
            "brand_voice": self.brand_voice.to_dict() if self.brand_voice else None,
            "candidates": self.candidates,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationOptions:
        defaults = cls()
        voice = data.get("brand_voice")
        tone = data.get("tone") if data.get("tone") in TONES else defaults.tone
        text_format = data.get("format") if data.get("format") in FORMATS else defaults.format
        return cls(
            language=data.get("language") or None,
            tone=cast(Tone, tone),
            target_length=int(data.get("target_length") or defaults.target_length),
            format=cast(Format, text_format),
            seo_keywords=tuple(data.get("seo_keywords") or ()),
            brand_voice=BrandVoiceStyle.from_dict(voice) if isinstance(voice, dict) else None,
            candidates=int(data.get("candidates") or defaults.candidates),
            seed=data.get("seed"),
        )
