"""Enterprise Flexible loaders: contracts, their catalogs and role holders, a draft's cart, the
caller's role on a contract."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property

from strawberry.dataloader import DataLoader

from backend.db.driver import DriverTransaction
from backend.db.models import FlexCartLine, FlexCatalogItem, FlexContract, FlexDraw, FlexRole
from backend.domain.access import Actor
from backend.domain.flex import contracts
from backend.loaders.partners import PartnerLoaders


class FlexLoaders(PartnerLoaders):
    """Contracts and what a contract or a draw-down shows."""

    @cached_property
    def flex_contract(self) -> DataLoader[uuid.UUID, FlexContract]:
        return self._one(FlexContract)

    @cached_property
    def flex_catalog(self) -> DataLoader[uuid.UUID, list[FlexCatalogItem]]:
        return self._many(FlexCatalogItem, FlexCatalogItem.contract_id, (FlexCatalogItem.id,))

    @cached_property
    def flex_cart(self) -> DataLoader[uuid.UUID, list[FlexCartLine]]:
        return self._many(FlexCartLine, FlexCartLine.key_request_id, (FlexCartLine.position,))

    @cached_property
    def flex_draws_by_license(self) -> DataLoader[uuid.UUID, list[FlexDraw]]:
        return self._many(FlexDraw, FlexDraw.license_id, ())

    @cached_property
    def flex_role(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], FlexRole | None]:
        # Keyed by (user id, contract id).
        return DataLoader(self._flex_roles)

    async def _flex_roles(self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[FlexRole | None]:
        by_user: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for user_id, contract_id in keys:
            by_user[user_id].append(contract_id)
        found: dict[tuple[uuid.UUID, uuid.UUID], FlexRole | None] = {}
        for user_id, contract_ids in by_user.items():
            rows = [c for c in await self.flex_contract.load_many(contract_ids) if c is not None]

            async def read(
                tx: DriverTransaction, rows: list[FlexContract] = rows, actor: Actor = Actor(user_id)
            ) -> dict[uuid.UUID, FlexRole | None]:
                return await contracts.roles_on(tx, actor, rows)

            roles = await self._db.driver.run(read, transaction=False)
            for contract_id in contract_ids:
                found[(user_id, contract_id)] = roles.get(contract_id)
        return [found[key] for key in keys]

    @cached_property
    def flex_role_holders(self) -> DataLoader[uuid.UUID, list[contracts.RoleHolder]]:
        return DataLoader(self._role_holders)

    async def _role_holders(self, ids: Sequence[uuid.UUID]) -> list[list[contracts.RoleHolder]]:
        rows = await self.flex_contract.load_many(list(ids))

        async def read(tx: DriverTransaction) -> list[list[contracts.RoleHolder]]:
            return [await contracts.role_holders(tx, row) for row in rows]

        return await self._db.driver.run(read, transaction=False)
