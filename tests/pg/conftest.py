"""PostgreSQL-only tests: the real server, never SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend.domain import demo
from backend.portal import Portal
from tests.conftest import make_settings, running_app, truncate_all

pytestmark = pytest.mark.pg


@pytest.fixture
async def pg_app(pg_url: str, tmp_path: Path) -> AsyncIterator[tuple[Any, Portal]]:
    await truncate_all(pg_url)
    async with running_app(make_settings(pg_url, tmp_path)) as pair:
        await demo.seed(pair[1].db)
        yield pair
