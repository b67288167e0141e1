"""Authenticator apps (TOTP, RFC 6238, through pyotp) and one-time recovery codes.

The shared secret is stored encrypted (AES-GCM, a key derived from PORTAL_SECRET_KEY, the user id
as associated data, so a row copied to another user does not decrypt); recovery codes are stored
as SHA-256 like every other opaque secret (backend/auth/tokens.py)."""

from __future__ import annotations

import io
import os
import re
import secrets
import time
import uuid

import pyotp
import segno
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pyotp.utils import strings_equal

from backend.auth.tokens import token_hash

ISSUER = "Licensing Portal"
DIGITS = 6
PERIOD = 30
# Codes of the step before and after the current one pass too: phone clocks drift.
WINDOW = 1
RECOVERY_CODES = 10
# Crockford's base32 without the letters people misread; 10 symbols = 50 bits per code.
_RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_MISREAD = str.maketrans("OIL", "011")


def new_secret() -> str:
    """A fresh base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI authenticator apps read from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as a QR code: a standalone SVG document (with its namespace, so it also works as
    an image) that scales to whatever size the SPA gives it (a viewBox, no fixed size)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out, kind="svg", border=2, xmldecl=False, svgns=True, omitsize=True, dark="#111827", light="#ffffff"
    )
    return out.getvalue().decode()


def matching_step(secret: str, code: str, after_step: int | None, at: float | None = None) -> int | None:
    """The time step whose code `code` is (within WINDOW steps of now) and which is later than
    `after_step`, the newest step accepted before; None when it is no such code."""
    digits = re.sub(r"\s+", "", code)
    if not re.fullmatch(rf"\d{{{DIGITS}}}", digits):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    now = totp.timecode(time.time() if at is None else at)
    for step in range(now - WINDOW, now + WINDOW + 1):
        if after_step is not None and step <= after_step:
            continue
        if strings_equal(totp.generate_otp(step), digits):
            return step
    return None


def _key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"licensing-portal", info=b"totp-secret v1")
    return hkdf.derive(secret_key.encode())


def encrypt_secret(secret: str, secret_key: str, user_id: uuid.UUID) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(_key(secret_key)).encrypt(nonce, secret.encode(), user_id.bytes)


def decrypt_secret(blob: bytes, secret_key: str, user_id: uuid.UUID) -> str:
    return AESGCM(_key(secret_key)).decrypt(blob[:12], blob[12:], user_id.bytes).decode()


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes shown once, as XXXXX-XXXXX."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normalize_recovery_code(code: str) -> str:
    """What is hashed: upper case, without spaces and dashes, misread letters mapped back."""
    return re.sub(r"[\s-]+", "", code).upper().translate(_MISREAD)


def recovery_code_hash(code: str) -> str:
    return token_hash(normalize_recovery_code(code))


def looks_like_recovery_code(code: str) -> bool:
    return len(normalize_recovery_code(code)) == 10 and not code.strip().isdigit()
