"""Preparing data for browser tests through the public GraphQL API, as an API client would."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.api.flows import CONFIRM, ENTER, KEY_REQUEST, LOGIN_VARS, REGISTRATION, SET_REGISTRATION, START
from tests.support import LOGIN


class ApiClient:
    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base)

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"X-CSRF-Token": self.http.cookies.get("portal_csrf") or ""}
        body = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        ).json()
        assert not body.get("errors"), body
        data: dict[str, Any] = body["data"]
        return data

    def login(self) -> str:
        assert self(LOGIN, LOGIN_VARS)["login"]["__typename"] == "LoginSuccess"
        me = self("{ me { memberships { account { id kind } } } }")["me"]
        return str(next(m["account"]["id"] for m in me["memberships"] if m["account"]["kind"] == "CUSTOMER"))

    def get_a_key(self, account: str, serial: str, host_id: str | None = None) -> dict[str, Any]:
        draft = self(START, {"input": {"accountId": account}})["keyRequestStart"]["keyRequest"]
        self(ENTER, {"input": {"keyRequestId": draft["id"], "serialNumbers": [serial]}})
        self(
            SET_REGISTRATION,
            {"input": {"keyRequestId": draft["id"], "registration": REGISTRATION, "hostId": host_id}},
        )
        self(CONFIRM, {"input": {"keyRequestId": draft["id"], "idempotencyKey": f"e2e-{serial}"}})
        for _ in range(200):
            request: dict[str, Any] = self(KEY_REQUEST, {"id": draft["id"]})["keyRequest"]
            if request["status"] == "READY":
                return request
            time.sleep(0.05)
        raise AssertionError("key not ready")
