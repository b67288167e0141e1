"""The relying party of OpenID Connect sign-in: discovery, the authorization request (code flow
with PKCE S256, state and nonce), the code exchange through authlib's client, and the ID token's
verification (signature through the provider's JWKS, then iss, aud, azp, exp, iat and nonce).

Also the client secret's encryption at rest (AES-GCM, a key derived from PORTAL_SECRET_KEY, the
account id as associated data so a row copied to another account does not decrypt)."""

from __future__ import annotations

import ipaddress
import os
import secrets
import ssl
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

SCOPE = "openid email profile"
# Asymmetric algorithms only: an HS256 token would be "signed" with the client secret, which the
# provider's JWKS cannot vouch for.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
# Clocks of two servers drift; a minute either way is what providers' own libraries allow.
LEEWAY_SECONDS = 60
# An ID token issued longer ago than this is refused even if its exp is far away (a replay).
MAX_TOKEN_AGE_SECONDS = 600
HTTP_TIMEOUT = httpx2.Timeout(10.0)
# Discovery documents and key sets change rarely; a key set is fetched again at once when a token
# names a key it does not hold (the provider rotated its keys).
CACHE_SECONDS = 300
MAX_DOCUMENT_BYTES = 200_000


class OidcError(Exception):
    """The provider, or what came back from it, cannot be trusted; `reason` is a short code for
    the audit and the tests, the message is for the person signing in."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


@dataclass(frozen=True)
class Pending:
    """What the portal keeps between sending the browser to the provider and its return."""

    state: str
    nonce: str
    code_verifier: str


def secure_url(url: str, *, production: bool) -> bool:
    """HTTPS, or plain HTTP to this machine's loopback outside production (a provider under test)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or production or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def new_pending() -> Pending:
    return Pending(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
    )


class OidcClient:
    """Talks to providers; one per process (its caches are only caches: every copy can be
    fetched again)."""

    def __init__(self, *, production: bool, transport: httpx2.AsyncBaseTransport | None = None) -> None:
        self.production = production
        self.transport = transport
        self._providers: dict[str, tuple[float, Provider]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}
        self._ssl: ssl.SSLContext | None = None

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """One TLS context for every request: building one (loading the trusted roots) takes
        about 160 ms, more than the whole sign-in otherwise."""
        if self._ssl is None:
            self._ssl = httpx2.create_ssl_context()
        return self._ssl

    def _http(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            timeout=HTTP_TIMEOUT, transport=self.transport, follow_redirects=False, verify=self.ssl_context
        )

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        if not secure_url(url, production=self.production):
            raise OidcError("insecure_url", f"The provider's {what} is not an https:// address.")
        try:
            async with self._http() as http:
                response = await http.get(url, headers={"Accept": "application/json"})
        except httpx2.HTTPError as exc:
            raise OidcError("unreachable", f"The provider's {what} could not be reached ({exc}).") from None
        if response.status_code != 200:
            raise OidcError("bad_status", f"The provider's {what} answered HTTP {response.status_code}.")
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise OidcError(
                "too_large", f"The provider's {what} is larger than {MAX_DOCUMENT_BYTES:,} bytes."
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise OidcError("not_json", f"The provider's {what} is not a JSON object.")
        return body

    async def discover(self, issuer_url: str, *, fresh: bool = False) -> Provider:
        """The provider's endpoints from its discovery document, which must name the same issuer
        (OpenID Connect Discovery 1.0, section 4.3)."""
        cached = self._providers.get(issuer_url)
        if cached and not fresh and cached[0] > time.monotonic():
            return cached[1]
        url = issuer_url.rstrip("/") + "/.well-known/openid-configuration"
        doc = await self._get_json(url, "discovery document")
        if doc.get("issuer") != issuer_url:
            raise OidcError(
                "issuer_mismatch",
                f"The discovery document names the issuer {str(doc.get('issuer'))[:200]!r}, not {issuer_url!r}.",
            )
        endpoints = {}
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            value = doc.get(name)
            if not isinstance(value, str) or not secure_url(value, production=self.production):
                raise OidcError("missing_endpoint", f"The discovery document has no usable {name}.")
            endpoints[name] = value
        response_types = doc.get("response_types_supported")
        if isinstance(response_types, list) and "code" not in response_types:
            raise OidcError("no_code_flow", "The provider does not offer the authorization code flow.")
        methods = doc.get("code_challenge_methods_supported")
        if isinstance(methods, list) and "S256" not in methods:
            raise OidcError("no_pkce", "The provider does not support PKCE with S256.")
        provider = Provider(issuer=issuer_url, **endpoints)
        self._providers[issuer_url] = (time.monotonic() + CACHE_SECONDS, provider)
        return provider

    async def _key_set(self, provider: Provider, *, fresh: bool) -> KeySet:
        cached = self._keys.get(provider.jwks_uri)
        if cached and not fresh and cached[0] > time.monotonic():
            return cached[1]
        body = await self._get_json(provider.jwks_uri, "key set (JWKS)")
        try:
            keys = KeySet.import_key_set(body)  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError, KeyError):
            raise OidcError("bad_jwks", "The provider's key set (JWKS) cannot be read.") from None
        self._keys[provider.jwks_uri] = (time.monotonic() + CACHE_SECONDS, keys)
        return keys

    def authorization_url(
        self, provider: Provider, client_id: str, redirect_uri: str, pending: Pending
    ) -> str:
        client = AsyncOAuth2Client(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=SCOPE,
            code_challenge_method="S256",
            verify=self.ssl_context,
        )
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint,
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
        )
        return str(url)

    async def exchange_code(
        self,
        provider: Provider,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        code: str,
        verifier: str,
    ) -> str:
        """The ID token the token endpoint gives for the code (client_secret_basic, with the PKCE
        verifier)."""
        async with AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT,
            transport=self.transport,
            verify=self.ssl_context,
        ) as client:
            try:
                token = await client.fetch_token(
                    provider.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=verifier,
                )
            except OAuth2Error as exc:
                raise OidcError(
                    "token_refused", f"The provider refused the sign-in code ({exc.error or 'error'})."
                ) from None
            except (httpx2.HTTPError, ValueError) as exc:
                raise OidcError("token_failed", f"The provider's token endpoint failed ({exc}).") from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise OidcError("no_id_token", "The provider answered without an ID token.")
        return id_token

    async def verify_id_token(
        self, provider: Provider, client_id: str, id_token: str, nonce: str, now: int | None = None
    ) -> dict[str, Any]:
        """The token's claims once its signature (a key of the provider's JWKS) and its claims
        hold; OidcError naming the first that does not."""
        keys = await self._key_set(provider, fresh=False)
        try:
            token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
        except JoseError as exc:
            if not isinstance(exc, InvalidKeyIdError):
                raise OidcError("bad_signature", "The ID token's signature does not verify.") from None
            # A key the cached set does not hold: the provider may have rotated its keys.
            keys = await self._key_set(provider, fresh=True)
            try:
                token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
            except JoseError:
                raise OidcError("bad_signature", "The ID token's signature does not verify.") from None
        except ValueError:
            raise OidcError("malformed", "The ID token is not a JSON Web Token.") from None
        claims = dict(token.claims)
        now = int(time.time()) if now is None else now
        options: dict[str, ClaimsOption] = {
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": client_id},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "sub": {"essential": True},
        }
        # One claim at a time, in this order: a token of another provider or application is
        # refused as that, whatever else is wrong with it.
        for name, option in options.items():
            registry = JWTClaimsRegistry(now=now, leeway=LEEWAY_SECONDS, **{name: option})
            try:
                registry.validate({name: claims[name]} if name in claims else {})
            except ClaimError as exc:
                raise OidcError(f"bad_{exc.claim}", CLAIM_MESSAGES.get(exc.claim, str(exc))) from None
        iat = claims["iat"]
        if not isinstance(iat, int | float) or iat < now - MAX_TOKEN_AGE_SECONDS - LEEWAY_SECONDS:
            raise OidcError("bad_iat", CLAIM_MESSAGES["iat"])
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise OidcError("bad_aud", CLAIM_MESSAGES["aud"])
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
            raise OidcError("bad_nonce", CLAIM_MESSAGES["nonce"])
        return claims


CLAIM_MESSAGES = {
    "iss": "The ID token was issued by another provider than the one configured.",
    "aud": "The ID token was issued for another application.",
    "exp": "The ID token has expired.",
    "iat": "The ID token's issue time is not believable.",
    "sub": "The ID token names no subject.",
    "nonce": "The ID token does not belong to this sign-in (nonce mismatch).",
}


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a verifier (what the authorization request carries)."""
    return str(create_s256_code_challenge(verifier))


def _aead(secret_key: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal sso client secret").derive(
        secret_key.encode()
    )
    return AESGCM(key)


def encrypt_secret(secret_key: str, account_id: uuid.UUID, plaintext: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(secret_key).encrypt(nonce, plaintext.encode(), account_id.bytes)


def decrypt_secret(secret_key: str, account_id: uuid.UUID, stored: bytes) -> str:
    try:
        return _aead(secret_key).decrypt(stored[:12], stored[12:], account_id.bytes).decode()
    except InvalidTag:
        raise OidcError("secret_unreadable", "The stored client secret cannot be decrypted.") from None
