"""Telling "the database is away" from a bug: such a request is answered 503 with Retry-After
(the client or the load balancer tries again), not 500."""

from __future__ import annotations

import errno
import sqlite3

import asyncpg
from sqlalchemy import exc as sa_exc

RETRY_AFTER_SECONDS = 5

_POSTGRES_AWAY = (
    asyncpg.PostgresConnectionError,  # refused, dropped, does not exist any more
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, crashed
    asyncpg.exceptions.TooManyConnectionsError,
)
_NETWORK = {errno.ECONNREFUSED, errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}
_SQLITE_AWAY = ("unable to open database file", "disk i/o error", "database is locked")


class DatabaseUnavailable(Exception):
    """Raised where a request found the database away after the fact (a GraphQL result whose
    errors say so), for the HTTP layer to answer 503."""


def _away(exc: BaseException) -> bool:
    if isinstance(exc, (DatabaseUnavailable, *_POSTGRES_AWAY, sa_exc.TimeoutError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return "connection is closed" in str(exc) or "connection was closed" in str(exc)
    if isinstance(exc, sqlite3.OperationalError):
        return str(exc).lower().startswith(_SQLITE_AWAY)
    if isinstance(exc, OSError):
        return exc.errno in _NETWORK or isinstance(exc, ConnectionError)
    return False


def database_unavailable(exc: BaseException | None) -> bool:
    """Does this exception, or one it was raised from, say the database cannot be reached?"""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if _away(exc):
            return True
        orig = exc.orig if isinstance(exc, sa_exc.DBAPIError) else None
        exc = orig if isinstance(orig, BaseException) else (exc.__cause__ or exc.__context__)
    return False
