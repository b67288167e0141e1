"""Where release files' bytes live: content-addressed by their SHA-256, streamed in, never held
whole in memory. Local files under the data directory by default; any S3-compatible object store
when PORTAL_STORAGE_URL is s3://… (backend/domain/releases/s3.py)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from backend.config import Settings
from backend.domain.releases.blobs import Storage, StoredBlob

# What one read of a file being published takes (and what the upload hands on per write).
CHUNK_BYTES = 1024 * 1024


class LocalStorage:
    """Files under `root`/<first two hex digits>/<sha256>. A file is written to a temporary name
    beside them and renamed into place once complete, so a half-written upload is never served and
    two uploads of the same bytes end with one file."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    async def put(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        incoming = self.root / "incoming"
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        temporary = incoming / uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        out: BinaryIO = await asyncio.to_thread(open, temporary, "wb")
        try:
            async for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                # Disk writes off the event loop: a slow disk must not stall other requests.
                await asyncio.to_thread(out.write, chunk)
            await asyncio.to_thread(out.close)
            sha256 = digest.hexdigest()
            final = self.path_for(sha256)
            await asyncio.to_thread(final.parent.mkdir, parents=True, exist_ok=True)
            await asyncio.to_thread(os.replace, temporary, final)
        except BaseException:
            out.close()
            temporary.unlink(missing_ok=True)
            raise
        return StoredBlob(sha256, size)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self.path_for(sha256).is_file)


def local_root(settings: Settings) -> Path:
    return settings.data_dir / "files"


def storage_for(settings: Settings) -> Storage:
    """The configured storage: S3 when PORTAL_STORAGE_URL is s3://…, else local files."""
    if settings.storage_url and settings.storage_url.startswith("s3://"):
        # Imported here so a portal on local storage never loads boto3.
        from backend.domain.releases.s3 import s3_storage

        return s3_storage(settings.storage_url)
    return LocalStorage(local_root(settings))


async def file_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    """A file's bytes, a chunk at a time, read off the event loop."""
    handle: BinaryIO = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_bytes):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


__all__ = ["CHUNK_BYTES", "LocalStorage", "Storage", "StoredBlob", "file_chunks", "local_root", "storage_for"]
