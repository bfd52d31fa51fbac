"""A storage with no local files at all, standing in for object storage (S3 and the like) in tests."""

from __future__ import annotations

import io
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage


class ObjectStorage(Storage):
    """Files as bytes under their names, like a bucket: open, save, exists, delete, size; no ``path()``.

    ``Storage.path`` raises NotImplementedError, so any code that reaches for a local file fails here.
    """

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def _open(self, name: str, mode: str = "rb") -> File:
        if name not in self.objects:
            raise FileNotFoundError(name)
        return File(io.BytesIO(self.objects[name]), name=name)

    def _save(self, name: str, content: Any) -> str:
        content.seek(0)
        data = b"".join(content.chunks())
        self.objects[name] = data if isinstance(data, bytes) else data.encode()
        return name

    def exists(self, name: str) -> bool:
        return name in self.objects

    def delete(self, name: str) -> None:
        self.objects.pop(name, None)

    def size(self, name: str) -> int:
        return len(self.objects[name])

    def url(self, name: str | None) -> str:
        return f"https://bucket.example.com/{name}"
