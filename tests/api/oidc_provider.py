"""A real OpenID Connect provider inside the test process, built with authlib's server side and
served by uvicorn on a free port: discovery, an authorization endpoint that approves the configured
user at once (authorization code + PKCE S256, nonce required), a token endpoint issuing RS256 ID
tokens (client_secret_basic) and the JWKS. `faults` makes it misbehave the ways a test needs."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Payload, OAuth2Request
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support import free_port


@dataclass
class Faults:
    """What the next ID tokens get wrong (None / False: right)."""

    issuer: str | None = None
    audience: str | None = None
    nonce: str | None = None
    expired: bool = False
    wrong_key: bool = False


@dataclass
class TestUser:
    __test__ = False
    sub: str
    email: str
    name: str
    email_verified: bool = True


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: TestUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class Payload(OAuth2Payload):
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    @property
    def data(self) -> dict[str, str]:
        return self._values

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return defaultdict(list, {k: [v] for k, v in self._values.items()})


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, request: Request, values: dict[str, str]) -> None:
        super().__init__(request.method, str(request.url), headers=request.headers)
        self.payload = Payload(values)
        self._values = values

    @property
    def args(self) -> dict[str, str]:
        return self._values

    @property
    def form(self) -> dict[str, str]:
        return self._values


class TestProvider:
    __test__ = False

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
        # The same kid, another key: a token it signs must fail the signature check.
        self.impostor = RSAKey.generate_key(
            2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"}
        )
        self.clients: dict[str, Client] = {}
        self.codes: dict[str, AuthCode] = {}
        self.user: TestUser | None = None
        self.faults = Faults()
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.server = _server(self)

    def add_client(self, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.clients[client_id] = Client(client_id, client_secret, [redirect_uri])

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def app(self) -> Starlette:
        async def discovery(_request: Request) -> Response:
            return JSONResponse(self.discovery())

        async def jwks(_request: Request) -> Response:
            return JSONResponse(KeySet([self.key]).as_dict(private=False))

        async def authorize(request: Request) -> Response:
            values = dict(request.query_params)
            self.authorize_requests.append(values)
            oauth_request = StarletteOAuth2Request(request, values)
            # Auto-approval: the configured user is signed in at the provider already.
            grant = self.server.get_consent_grant(request=oauth_request, end_user=self.user)
            result: Response = self.server.create_authorization_response(
                request=oauth_request, grant_user=self.user, grant=grant
            )
            return result

        async def token(request: Request) -> Response:
            values = {k: str(v) for k, v in (await request.form()).items()}
            self.token_requests.append(values)
            result: Response = self.server.create_token_response(StarletteOAuth2Request(request, values))
            return result

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
                Route("/authorize", authorize),
                Route("/token", token, methods=["POST"]),
            ]
        )


def _server(provider: TestProvider) -> AuthorizationServer:
    class Server(AuthorizationServer):  # type: ignore[misc]
        def query_client(self, client_id: str) -> Client | None:
            return provider.clients.get(client_id)

        def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
            pass

        def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
            return request

        def create_json_request(self, request: Any) -> Any:
            raise NotImplementedError

        def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
            if isinstance(body, dict):
                return JSONResponse(body, status_code=status, headers=dict(headers))
            return Response(body or b"", status_code=status, headers=dict(headers))

        def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
            pass

    class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

        def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
            data = request.payload.data
            provider.codes[code] = AuthCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=data.get("redirect_uri", ""),
                scope=request.payload.scope,
                user=request.user,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Client) -> AuthCode | None:
            found = provider.codes.get(code)
            return found if found is not None and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: AuthCode) -> None:
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: AuthCode) -> TestUser:
            return authorization_code.user

    class IdToken(OpenIDCode):  # type: ignore[misc]
        def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
            return any(code.nonce == nonce for code in provider.codes.values())

        def resolve_client_private_key(self, client: Client) -> RSAKey:
            return provider.impostor if provider.faults.wrong_key else provider.key

        def get_client_algorithm(self, client: Client) -> str:
            return "RS256"

        def get_encode_header(self, client: Client) -> dict[str, str]:
            return {"alg": "RS256", "kid": "test-key-1"}

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            faults = provider.faults
            claims: dict[str, Any] = {
                "iss": faults.issuer or provider.issuer,
                "aud": [faults.audience or client.client_id],
            }
            if faults.expired:
                now = int(time.time())
                claims["iat"] = now - 400
                claims["exp"] = now - 300
            return claims

        def get_authorization_code_claims(self, authorization_code: AuthCode) -> dict[str, Any]:
            claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
            if provider.faults.nonce is not None:
                claims["nonce"] = provider.faults.nonce
            return claims

        def generate_user_info(self, user: TestUser, scope: str) -> UserInfo:
            return UserInfo(
                sub=user.sub, email=user.email, email_verified=user.email_verified, name=user.name
            )

    server = Server(scopes_supported=["openid", "email", "profile"])
    server.register_token_generator(
        "default", BearerTokenGenerator(access_token_generator=lambda *_a, **_k: secrets.token_urlsafe(24))
    )
    server.register_grant(CodeGrant, [CodeChallenge(required=True), IdToken(require_nonce=True)])
    return server


@contextlib.asynccontextmanager
async def running_provider() -> AsyncIterator[TestProvider]:
    """The provider served on 127.0.0.1 (uvicorn in the test's event loop) until the block ends."""
    port = free_port()
    provider = TestProvider(port)
    server = uvicorn.Server(
        uvicorn.Config(provider.app(), host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        assert server.started, "the OIDC provider did not start"
        yield provider
    finally:
        server.should_exit = True
        await task


def query(params: dict[str, str]) -> str:
    return urlencode(params)
