"""Signing keys, license files (compact JWS, EdDSA/Ed25519) and activation keys.

The compact JWS is produced directly over `cryptography`: it is three base64url segments and one
Ed25519 signature, and the maintained JOSE libraries either deprecate their module (authlib.jose)
or warn on every use of the "EdDSA" algorithm name the license format uses (joserfc, RFC 9864).
Tests verify our files with PyJWT, an independent implementation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

LICENSE_TYP = "license+jwt"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_INDEX = {c: i for i, c in enumerate(CROCKFORD)}
CROCKFORD_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------- private-key encryption at rest


def _wrapping_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"licensing-portal", info=b"signing-key-wrap v1")
    return hkdf.derive(secret_key.encode())


def encrypt_private_key(private_key: Ed25519PrivateKey, secret_key: str, kid: str) -> bytes:
    raw = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    nonce = os.urandom(12)
    return nonce + AESGCM(_wrapping_key(secret_key)).encrypt(nonce, raw, kid.encode())


def decrypt_private_key(blob: bytes, secret_key: str, kid: str) -> Ed25519PrivateKey:
    raw = AESGCM(_wrapping_key(secret_key)).decrypt(blob[:12], blob[12:], kid.encode())
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_jwk(public_raw: bytes, kid: str) -> dict[str, str]:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_raw), "kid": kid, "alg": "EdDSA", "use": "sig"}


def thumbprint_kid(public_raw: bytes) -> str:
    """RFC 7638 JWK thumbprint: a kid anyone can recompute from the public key."""
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": b64url(public_raw)}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class NewSigningKey:
    kid: str
    public_raw: bytes
    private_encrypted: bytes


def generate_signing_key(secret_key: str) -> NewSigningKey:
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = thumbprint_kid(public_raw)
    return NewSigningKey(kid, public_raw, encrypt_private_key(private, secret_key, kid))


# ---------------------------------------------------------------- compact JWS


class Signer:
    """Signs license files with the active key."""

    def __init__(self, kid: str, private_key: Ed25519PrivateKey) -> None:
        self.kid = kid
        self._key = private_key
        header = {"alg": "EdDSA", "kid": kid, "typ": LICENSE_TYP}
        self._header_segment = b64url(json.dumps(header, separators=(",", ":")).encode())

    def sign(self, claims: dict[str, Any]) -> str:
        payload = b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
        signing_input = f"{self._header_segment}.{payload}"
        return f"{signing_input}.{b64url(self._key.sign(signing_input.encode('ascii')))}"


class InvalidLicenseFile(Exception):
    pass


def verify_license_file(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """Check a license file against a JWKS document; returns the claims or raises InvalidLicenseFile."""
    try:
        header_s, payload_s, signature_s = token.strip().split(".")
        header = json.loads(b64url_decode(header_s))
    except ValueError as exc:
        raise InvalidLicenseFile("not a compact JWS") from exc
    if header.get("alg") != "EdDSA" or header.get("typ") != LICENSE_TYP:
        raise InvalidLicenseFile("unexpected header")
    keys = {k.get("kid"): k for k in jwks.get("keys", [])}
    jwk = keys.get(header.get("kid"))
    if jwk is None or jwk.get("crv") != "Ed25519":
        raise InvalidLicenseFile(f"unknown signing key {header.get('kid')!r}")
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
    try:
        public.verify(b64url_decode(signature_s), f"{header_s}.{payload_s}".encode("ascii"))
    except (InvalidSignature, ValueError) as exc:
        raise InvalidLicenseFile("signature does not verify") from exc
    claims: dict[str, Any] = json.loads(b64url_decode(payload_s))
    return claims


# ---------------------------------------------------------------- activation keys


def check_symbol(symbols: str) -> str:
    """Luhn mod 32 over Crockford base32: catches any single wrong symbol and most swaps."""
    factor, total = 2, 0
    for char in reversed(symbols):
        addend = factor * _CROCKFORD_INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return CROCKFORD[(32 - total % 32) % 32]


def random_symbols(count: int) -> str:
    """`count` uniformly random Crockford symbols, 5 bits each from one read of the system's
    randomness (one `secrets.choice` per symbol costs a read each: 7 times slower for 10,000 keys)."""
    bits = int.from_bytes(secrets.token_bytes((count * 5 + 7) // 8))
    return "".join(CROCKFORD[(bits >> (5 * i)) & 31] for i in range(count))


def new_activation_key() -> str:
    """25 symbols in five groups: 24 random (120 bits) and a check symbol."""
    body = random_symbols(24)
    symbols = body + check_symbol(body)
    return "-".join(symbols[i : i + 5] for i in range(0, 25, 5))


def normalize_activation_key(text: str) -> str | None:
    """Canonical grouped form, or None when the text cannot be an activation key."""
    symbols = "".join(ch for ch in text.upper() if ch not in " -").translate(CROCKFORD_ALIASES)
    if len(symbols) != 25 or any(ch not in _CROCKFORD_INDEX for ch in symbols):
        return None
    if check_symbol(symbols[:24]) != symbols[24]:
        return None
    return "-".join(symbols[i : i + 5] for i in range(0, 25, 5))
