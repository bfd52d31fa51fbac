"""Channels, their limits, and measuring a text against them the way the channel counts.

The limits are what the channels display or bill: Google Ads' responsive search ad headline (30) and
description (90) in its width units (a double-width character counts 2); the subject and preheader a
mail client shows on a phone before cutting (about 60 and 100 columns); one billed SMS (160 GSM-7
septets or 70 UCS-2 units, the opt-out text included); X/Twitter's 280 weighted characters for a post
with its hashtags; the title and body a phone's notification shows (40 and 120 columns); a one-line
on-site banner (60 columns); an e-mail body of at most 150 words (300 characters in Chinese).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .counting import display_width, sms_count, weighted_length, word_count

Unit = Literal["width", "weighted", "sms_segments", "words"]


@dataclass(frozen=True)
class ChannelSpec:
    key: str
    label: str
    unit: Unit
    limit: int
    minimum: int = 1
    limit_zh: int | None = None  # where Chinese is allowed a different count (words: characters)
    hashtags: tuple[int, int] = (0, 0)  # (at least, at most)
    opt_out: bool = False
    multiline: bool = False

    def limit_for(self, language: str) -> int:
        return self.limit_zh if language == "zh" and self.limit_zh is not None else self.limit


CHANNELS: dict[str, ChannelSpec] = {
    spec.key: spec
    for spec in (
        ChannelSpec("search_headline", "Search ad headline", "width", 30, minimum=8),
        ChannelSpec("search_description", "Search ad description", "width", 90, minimum=20),
        ChannelSpec("email_subject", "E-mail subject", "width", 60, minimum=8),
        ChannelSpec("email_preheader", "E-mail preheader", "width", 100, minimum=16),
        ChannelSpec("email_body", "E-mail body", "words", 150, minimum=12, limit_zh=300, multiline=True),
        ChannelSpec("sms", "SMS", "sms_segments", 1, opt_out=True),
        ChannelSpec("social_post", "Social post", "weighted", 280, minimum=20, hashtags=(1, 3)),
        ChannelSpec("push_title", "Push notification title", "width", 40, minimum=6),
        ChannelSpec("push_body", "Push notification body", "width", 120, minimum=16),
        ChannelSpec("banner", "On-site banner", "width", 60, minimum=8),
    )
}
CHANNEL_KEYS = tuple(CHANNELS)


@dataclass(frozen=True)
class Measure:
    """A text measured for a channel: ``value`` in the channel's ``unit`` against ``limit``."""

    channel: str
    unit: Unit
    value: int
    limit: int
    minimum: int
    encoding: str = ""  # SMS only
    units: int = 0  # SMS only: septets or UTF-16 units
    per_segment: int = 0  # SMS only

    @property
    def fits(self) -> bool:
        return self.value <= self.limit

    @property
    def too_short(self) -> bool:
        return self.unit != "sms_segments" and self.value < self.minimum

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "unit": self.unit,
            "value": self.value,
            "limit": self.limit,
            "fits": self.fits,
        }
        if self.unit == "sms_segments":
            data.update(encoding=self.encoding, units=self.units, per_segment=self.per_segment)
        return data


def measure(text: str, channel: str, language: str) -> Measure:
    spec = CHANNELS[channel]
    limit = spec.limit_for(language)
    if spec.unit == "sms_segments":
        count = sms_count(text)
        return Measure(
            channel,
            spec.unit,
            count.segments,
            limit,
            spec.minimum,
            encoding=count.encoding,
            units=count.units,
            per_segment=count.per_segment,
        )
    if spec.unit == "width":
        value = display_width(text)
    elif spec.unit == "weighted":
        value = weighted_length(text)
    else:
        value = word_count(text)
    return Measure(channel, spec.unit, value, limit, spec.minimum)
