"""What every storage of release files answers (local files, S3): its own module so that each
storage imports it without importing the others."""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredBlob:
    sha256: str  # hex
    size: int


class Storage(Protocol):
    async def put(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        """Store the bytes, hashing them as they are written; stored under their SHA-256."""
        ...

    async def exists(self, sha256: str) -> bool: ...
