"""`Authorization: Bearer lp_…` on /graphql and the download endpoints (RFC 6750).

A bearer request is not a browser's: it needs no CSRF token, and it may not carry the session
cookie too (which of the two would act is a question no answer to is safe). An unknown, revoked
or expired token gets one answer: 401 with `WWW-Authenticate: Bearer error="invalid_token"`."""

from __future__ import annotations

import json

from starlette.requests import HTTPConnection
from starlette.responses import Response

from backend.auth.tokens import SESSION_COOKIE
from backend.db.engine import Database
from backend.domain.tokens.api_tokens import Authenticated, authenticate

REALM = 'Bearer realm="portal"'


class BearerRefused(Exception):
    """The request named a token that cannot be used: answered before anything runs."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message

    def response(self, media_type: str = "application/json") -> Response:
        body = {"errors": [{"message": self.message, "extensions": {"code": "UNAUTHENTICATED"}}]}
        challenge = f'{REALM}, error="{self.error}", error_description="{self.message}"'
        return Response(
            json.dumps(body),
            status_code=self.status,
            media_type=media_type,
            headers={"WWW-Authenticate": challenge},
        )


INVALID = BearerRefused(401, "invalid_token", "The API token is unknown, revoked or expired.")


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an `Authorization: Bearer` header; None without the header. Another scheme,
    or a bearer header beside the session cookie, is refused."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BearerRefused(401, "invalid_request", "Send the API token as Authorization: Bearer lp_...")
    if connection.cookies.get(SESSION_COOKIE):
        raise BearerRefused(400, "invalid_request", "Send the API token or the session cookie, not both.")
    return token.strip()


async def bearer_user(db: Database, connection: HTTPConnection, ip: str | None) -> Authenticated | None:
    """The token's user and scopes; None when the request has no bearer token; BearerRefused for
    a token that cannot be used."""
    token = bearer_token(connection)
    if token is None:
        return None
    found = await authenticate(db, token, ip)
    if found is None:
        raise INVALID
    return found
