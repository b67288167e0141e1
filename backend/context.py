"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from backend.db.models import User
from backend.domain.access import Actor
from backend.loaders import Loaders
from backend.portal import Portal


class NotSignedIn(GraphQLError):
    def __init__(self) -> None:
        super().__init__("Sign in to continue.", extensions={"code": "UNAUTHENTICATED"})


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket | None
    portal: Portal
    loaders: Loaders
    user: User | None = None
    session_token: str | None = None
    csrf_valid: bool = False
    ip: str | None = None
    # Signed in with an API token (Authorization: Bearer): its scopes narrow what the user may do.
    scopes: frozenset[str] | None = None
    # The points budget's answer for this request (backend/budget.py), for rateLimit and headers.
    budget: Any = None
    # Set once the operation is known to be a query: only a query may be stopped half-way.
    is_query: bool = False

    @property
    def actor(self) -> Actor:
        if self.user is None:
            raise NotSignedIn()
        return Actor(self.user.id, self.ip, self.scopes)

    async def fresh_loaders(self) -> Loaders:
        """Subscriptions live for a connection: give each emitted result its own loaders (and
        read session), so nothing cached from an earlier emission is served again."""
        await self.loaders.close()
        self.loaders = Loaders(self.portal.db, self.portal.settings.draft_ttl_days)
        return self.loaders


Info = strawberry.Info[Context, None]
