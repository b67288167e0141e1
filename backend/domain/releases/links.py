"""Signed download links: who may fetch which file, until when.

A link binds the file, the user it was made for, the account whose license entitles them and an
expiry, under an HMAC-SHA256 with a key derived from the portal's secret key. The links are made
only after the entitlement check; the download route checks the signature and the expiry and
never asks about entitlement again (the link is the proof, for five minutes). On S3 storage the
link is the object store's own presigned URL instead, and the bytes never pass through the portal.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import quote, urlencode

from backend.config import Settings

LINK_SECONDS = 300
DOWNLOADS_PATH = "/downloads"


class HasSettings(Protocol):
    """What making a link needs of the running portal (the Portal itself satisfies it)."""

    @property
    def settings(self) -> Settings: ...


class LinkedFile(Protocol):
    """The release file row's columns a link uses."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def content_type(self) -> str: ...


@dataclass(frozen=True)
class LinkClaims:
    """What a valid link says: this user, entitled through this account, may fetch this file."""

    file_id: uuid.UUID
    user_id: uuid.UUID
    account_id: uuid.UUID | None
    expires: int


def _key(secret_key: str) -> bytes:
    # A key of its own, so no other HMAC the portal makes (CSRF tokens) can pass as a link.
    return hmac.new(secret_key.encode(), b"fileconnect-download-link", hashlib.sha256).digest()


def _signature(secret_key: str, claims: LinkClaims) -> str:
    account = claims.account_id.hex if claims.account_id else ""
    message = f"{claims.file_id.hex}|{claims.user_id.hex}|{account}|{claims.expires}".encode()
    return hmac.new(_key(secret_key), message, hashlib.sha256).hexdigest()


def signed_path(settings: Settings, claims: LinkClaims, name: str) -> str:
    """The portal's own link: /downloads/<file id>/<file name>?u=…&a=…&e=…&s=…"""
    query = urlencode(
        {
            "u": str(claims.user_id),
            "a": str(claims.account_id) if claims.account_id else "",
            "e": str(claims.expires),
            "s": _signature(settings.secret_key, claims),
        }
    )
    return f"{DOWNLOADS_PATH}/{claims.file_id}/{quote(name, safe='')}?{query}"


async def download_url(
    portal: HasSettings,
    file: LinkedFile,
    user_id: uuid.UUID,
    account_id: uuid.UUID | None,
    *,
    now: float | None = None,
) -> str:
    """A link valid for LINK_SECONDS. Call it only once the user's entitlement to the file is checked."""
    settings = portal.settings
    expires = int(now if now is not None else time.time()) + LINK_SECONDS
    if settings.storage_url and settings.storage_url.startswith("s3://"):
        # Imported here so a portal on local storage never loads boto3.
        from backend.domain.releases.s3 import s3_storage

        storage = s3_storage(settings.storage_url)
        return storage.presigned_get(file.sha256, file.name, file.content_type, LINK_SECONDS)
    claims = LinkClaims(file_id=file.id, user_id=user_id, account_id=account_id, expires=expires)
    return signed_path(settings, claims, file.name)


def _uuid(text: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(text) if text else None
    except ValueError:
        return None


def verify(
    settings: Settings, file_id: str, params: dict[str, str], *, now: float | None = None
) -> LinkClaims | None:
    """The link's claims when its signature is right and it has not expired; None for anything else
    (expired, tampered, malformed — the caller answers them all alike)."""
    file_uuid, user_id = _uuid(file_id), _uuid(params.get("u"))
    account_text, expires_text, signature = params.get("a", ""), params.get("e", ""), params.get("s", "")
    account_id = _uuid(account_text)
    if file_uuid is None or user_id is None or (account_text and account_id is None):
        return None
    if not expires_text.isdigit() or len(expires_text) > 12:
        return None
    claims = LinkClaims(file_id=file_uuid, user_id=user_id, account_id=account_id, expires=int(expires_text))
    if not hmac.compare_digest(signature.encode(), _signature(settings.secret_key, claims).encode()):
        return None
    if claims.expires < (now if now is not None else time.time()):
        return None
    return claims
