"""Release files in any S3-compatible object store (PORTAL_STORAGE_URL=s3://bucket?endpoint=…&region=…).

Objects are content-addressed like the local store: <prefix><sha256[:2]>/<sha256>. A file is streamed
up as a multipart upload under a temporary key while its SHA-256 is computed, then copied inside the
store to its address (the address is known only once the last byte is read). Downloads never pass
through the portal: the link is the store's own presigned GET. Credentials come from the standard
AWS_* environment variables (or whatever else boto3's default chain finds).

boto3 is synchronous: every call that talks to the store runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import uuid
from collections.abc import AsyncIterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from backend.domain.releases.blobs import StoredBlob

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef

# S3 wants parts of at least 5 MiB (but the last); 8 MiB keeps a 2 GB installer under 300 parts
# and the memory of one upload to one part.
PART_SIZE = 8 * 1024 * 1024


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str
    endpoint: str | None
    region: str | None

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """s3://bucket[/prefix]?endpoint=http://host:port&region=us-east-1"""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket URL: {url!r}")
        query = parse_qs(parts.query)
        prefix = parts.path.strip("/")
        return cls(
            bucket=parts.netloc,
            prefix=f"{prefix}/" if prefix else "",
            endpoint=query.get("endpoint", [None])[0],
            region=query.get("region", [None])[0],
        )


def _client(location: S3Location) -> S3Client:
    # Path-style addressing: what MinIO, Ceph and most self-hosted stores answer to.
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"mode": "standard"})
    return boto3.session.Session().client(
        "s3", endpoint_url=location.endpoint, region_name=location.region or "us-east-1", config=config
    )


class S3Storage:
    def __init__(self, location: S3Location) -> None:
        self.location = location
        # boto3 clients are thread-safe: one per storage, shared by the worker threads.
        self.client = _client(location)

    def key_for(self, sha256: str) -> str:
        return f"{self.location.prefix}{sha256[:2]}/{sha256}"

    async def put(self, chunks: AsyncIterable[bytes]) -> StoredBlob:
        """Stream the chunks into the store, one part in memory at a time; the blob's address and size."""
        bucket = self.location.bucket
        temporary = f"{self.location.prefix}uploads/{uuid.uuid4()}"
        digest = hashlib.sha256()
        size = 0
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[CompletedPartTypeDef] = []

        async def send_part() -> None:
            nonlocal upload_id
            if upload_id is None:
                created = await asyncio.to_thread(
                    self.client.create_multipart_upload, Bucket=bucket, Key=temporary
                )
                upload_id = created["UploadId"]
            body = bytes(buffer)
            buffer.clear()
            number = len(parts) + 1
            answer = await asyncio.to_thread(
                self.client.upload_part,
                Bucket=bucket,
                Key=temporary,
                UploadId=upload_id,
                PartNumber=number,
                Body=body,
            )
            parts.append({"ETag": answer["ETag"], "PartNumber": number})

        try:
            async for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                buffer += chunk
                while len(buffer) >= PART_SIZE:
                    rest = bytes(buffer[PART_SIZE:])
                    del buffer[PART_SIZE:]
                    await send_part()
                    buffer += rest
            if upload_id is None:
                # Smaller than one part: a plain PUT.
                await asyncio.to_thread(
                    self.client.put_object, Bucket=bucket, Key=temporary, Body=bytes(buffer)
                )
            else:
                if buffer:
                    await send_part()
                await asyncio.to_thread(
                    self.client.complete_multipart_upload,
                    Bucket=bucket,
                    Key=temporary,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
                upload_id = None
        except BaseException:
            if upload_id is not None:
                await asyncio.to_thread(
                    self.client.abort_multipart_upload, Bucket=bucket, Key=temporary, UploadId=upload_id
                )
            raise
        sha256 = digest.hexdigest()
        try:
            if not await self.exists(sha256):
                # The managed copy switches to a multipart copy past 5 GB by itself.
                await asyncio.to_thread(
                    self.client.copy, {"Bucket": bucket, "Key": temporary}, bucket, self.key_for(sha256)
                )
        finally:
            await asyncio.to_thread(self.client.delete_object, Bucket=bucket, Key=temporary)
        return StoredBlob(sha256=sha256, size=size)

    async def exists(self, sha256: str) -> bool:
        try:
            await asyncio.to_thread(
                self.client.head_object, Bucket=self.location.bucket, Key=self.key_for(sha256)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def presigned_get(self, sha256: str, filename: str, content_type: str, expires_seconds: int) -> str:
        """The store's own link to the object, saved under the release file's name.

        Signing is local computation (no request to the store), so it runs on the caller's thread."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.location.bucket,
                "Key": self.key_for(sha256),
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}",
                "ResponseContentType": content_type,
            },
            ExpiresIn=expires_seconds,
        )


@functools.lru_cache(maxsize=8)
def s3_storage(url: str) -> S3Storage:
    """One storage (and so one client and its connection pool) per URL for the process's life."""
    return S3Storage(S3Location.parse(url))
