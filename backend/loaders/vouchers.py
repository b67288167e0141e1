"""Voucher Center loaders: a conversion's lines (the history reads conversions without them)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cache, cached_property
from typing import cast

from sqlalchemy import Table, select
from strawberry.dataloader import DataLoader

from backend.db.driver import Prepared, ids_match
from backend.db.models import VoucherConversion
from backend.domain.vouchers.convert import Line
from backend.loaders.flex import FlexLoaders


@cache
def _lines_of(dialect: str) -> Prepared:
    conversions = cast(Table, VoucherConversion.__table__)
    return Prepared(
        select(conversions.c.key_request_id, conversions.c.lines).where(
            ids_match(conversions.c.key_request_id, dialect)
        )
    )


class VoucherLoaders(FlexLoaders):
    """What a conversion shows."""

    @cached_property
    def voucher_lines(self) -> DataLoader[uuid.UUID, list[Line]]:
        return DataLoader(self._voucher_lines)

    async def _voucher_lines(self, ids: Sequence[uuid.UUID]) -> list[list[Line]]:
        found = {
            row["key_request_id"]: [Line.load(data) for data in row["lines"]["lines"]]
            for row in await self._read(_lines_of(self._db.dialect), ids)
        }
        return [found.get(i, []) for i in ids]
