"""Every prebuilt statement of the backend, checked once: an UPDATE must not name a parameter
after a column of its own table. SQLAlchemy reserves those names for the SET clause when it runs
the statement itself (SQLite, and steps inside an ORM session): `WHERE license_id = :license_id`
in an UPDATE of license_keys works on asyncpg and fails on SQLite. Names are kept apart from
columns everywhere, so the rule is simple to follow."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator

from sqlalchemy import BindParameter
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import Update

import backend
from backend.db.driver import Prepared


def _prepared() -> Iterator[tuple[str, Prepared]]:
    for module in pkgutil.walk_packages(backend.__path__, "backend."):
        if ".migrations" in module.name:
            continue
        for name, value in vars(importlib.import_module(module.name)).items():
            if isinstance(value, Prepared):
                yield f"{module.name}.{name}", value
            elif isinstance(value, functools._lru_cache_wrapper):  # @cache def …(dialect)
                for dialect in ("postgresql", "sqlite"):
                    try:
                        built = value(dialect)
                    except (TypeError, ValueError):
                        break  # not a per-dialect statement builder (it refused the dialect's name)
                    if isinstance(built, Prepared):
                        yield f"{module.name}.{name}({dialect})", built


def test_the_scan_finds_the_pipelines_statements() -> None:
    names = {name for name, _ in _prepared()}
    assert "backend.domain.key_requests.pipeline._SUBMIT" in names
    assert "backend.jobs._FAILED" in names


def test_no_update_names_a_parameter_after_a_column_of_its_table() -> None:
    clashes = []
    for name, prepared in _prepared():
        statement = prepared.statement
        if isinstance(statement, Update):
            columns = {column.name for column in statement.table.c}
            binds = {
                node.key
                for node in visitors.iterate(statement)
                if isinstance(node, BindParameter) and not node.key.startswith("param_")
            }
            if binds & columns:
                clashes.append(f"{name}: {sorted(binds & columns)}")
    assert clashes == []
