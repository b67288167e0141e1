"""Signing keys in the database, their private halves encrypted at rest."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models import SigningKey
from backend.keys import Signer, decrypt_private_key, generate_signing_key, public_jwk

SIGNER_TTL_SECONDS = 5.0


class KeyStore:
    """Signing keys in the database, private halves encrypted with a key derived from PORTAL_SECRET_KEY."""

    def __init__(self, db: Database, secret_key: str) -> None:
        self._db = db
        self._secret = secret_key
        self._signers: dict[str, Signer] = {}
        self._current: Signer | None = None
        self._current_at = 0.0
        self._lock = asyncio.Lock()

    async def ensure(self) -> None:
        async with self._db.read() as session:
            exists = await session.scalar(select(SigningKey.kid).where(SigningKey.active.is_(True)).limit(1))
        if exists is None:
            await self.rotate()

    async def rotate(self) -> str:
        """Add a new active key; old keys stay in the JWKS so files they signed keep verifying."""
        new = generate_signing_key(self._secret)
        self._current = None
        async with self._db.write() as session:
            session.add(
                SigningKey(
                    kid=new.kid,
                    public_key=new.public_raw,
                    private_key_encrypted=new.private_encrypted,
                    active=True,
                )
            )
        return new.kid

    async def signer(self) -> Signer:
        """The newest active key; looked up at most every few seconds (rotation shows up within them)."""
        now = time.monotonic()
        if self._current is not None and now - self._current_at < SIGNER_TTL_SECONDS:
            return self._current
        async with self._db.read() as session:
            row = (
                await session.execute(
                    select(SigningKey.kid, SigningKey.private_key_encrypted)
                    .where(SigningKey.active.is_(True))
                    .order_by(SigningKey.created_at.desc())
                    .limit(1)
                )
            ).first()
        if row is None:
            raise RuntimeError("no active signing key")
        kid, blob = row
        signer = self._signers.get(kid)
        if signer is None:
            signer = Signer(kid, decrypt_private_key(blob, self._secret, kid))
            self._signers[kid] = signer
        self._current, self._current_at = signer, now
        return signer

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        async with self._db.read() as session:
            rows = (
                await session.execute(
                    select(SigningKey.kid, SigningKey.public_key).order_by(SigningKey.created_at)
                )
            ).all()
        return {"keys": [public_jwk(public, kid) for kid, public in rows]}
