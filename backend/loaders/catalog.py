"""Catalog loaders."""

from __future__ import annotations

import uuid
from functools import cached_property
from typing import Any

from strawberry.dataloader import DataLoader

from backend.db.models import (
    Product,
)
from backend.loaders.base import LoaderBase


class CatalogLoaders(LoaderBase):
    """Products by id."""

    @cached_property
    def product(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(Product)
