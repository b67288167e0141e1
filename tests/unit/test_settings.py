"""Settings read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import Settings
from backend.portal import Portal


def test_the_database_pool_size_is_a_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_DATABASE_URL", "postgresql+asyncpg://portal@127.0.0.1:5432/portal")
    monkeypatch.setenv("PORTAL_DB_POOL_SIZE", "6")
    settings = Settings.from_env()
    assert settings.db_pool_size == 6
    # Engines and the event bus connect on first use only: nothing here needs a server.
    db = Portal(settings).db
    assert db.engine.pool.size() == 6  # type: ignore[attr-defined]
    assert db.driver._max_size == 4  # half of it, at least 4
