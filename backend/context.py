"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        if self.user is None:
            raise NotSignedIn()
        return Actor(self.user.id, self.ip)

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    def fresh_loaders(self) -> Loaders:
        """Subscriptions live for a connection: give each emitted result its own loaders."""
        self.loaders = Loaders(self.portal.db)
        return self.loaders


Info = strawberry.Info[Context, None]
