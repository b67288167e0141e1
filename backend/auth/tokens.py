"""Opaque secrets handed to browsers and mail recipients; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.responses import Response

SESSION_COOKIE = "portal_session"
CSRF_COOKIE = "portal_csrf"
CSRF_HEADER = "x-csrf-token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, session_token: str) -> str:
    """Bound to the session, so a cookie planted by a sibling domain cannot pass."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret_key: str, session_token: str, cookie: str | None, header: str | None) -> bool:
    expected = csrf_token(secret_key, session_token)
    return (
        cookie is not None
        and header is not None
        and hmac.compare_digest(cookie, expected)
        and hmac.compare_digest(header, expected)
    )


def set_session_cookies(response: Response, secret_key: str, token: str, max_age: int, secure: bool) -> None:
    """The signed-in browser's cookies: the HttpOnly session and the readable CSRF token (every
    way of signing in sets them here, alike)."""
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token(secret_key, token),
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
        path="/",
    )
