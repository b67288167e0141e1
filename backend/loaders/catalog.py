"""Catalog loaders: products, and the serials a partner account holds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from backend.db.models import (
    Product,
    Serial,
    SerialStatus,
)
from backend.domain import catalog
from backend.loaders.base import LoaderBase

# (user, partner account, status, first): the serials the account holds, as that user may see them.
HeldSerialsKey = tuple[uuid.UUID, uuid.UUID, SerialStatus | None, int]


class CatalogLoaders(LoaderBase):
    """Products by id; held serials."""

    @cached_property
    def product(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(Product)

    @cached_property
    def held_serials(self) -> DataLoader[HeldSerialsKey, list[tuple[Serial, Product]]]:
        return DataLoader(self._held_serials)

    async def _held_serials(self, keys: Sequence[HeldSerialsKey]) -> list[list[tuple[Serial, Product]]]:
        async with self.session() as session:
            return [
                await catalog.held_serials(session, user_id, account_id, status, first)
                for user_id, account_id, status, first in keys
            ]
