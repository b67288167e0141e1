"""Partner loaders: the summaries and first license pages of the accounts a partner manages, an
account's delegations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property

from strawberry.dataloader import DataLoader

from backend.db.models import Delegation
from backend.domain.licenses import finding
from backend.domain.partners import delegations
from backend.domain.partners import managed as partners
from backend.loaders.key_requests import KeyRequestLoaders

# (account, first, filter, order, what its licenses show): one account's first page of licenses.
AccountPageKey = tuple[uuid.UUID, int, "finding.Filter", "finding.Order", "finding.Shown"]


class PartnerLoaders(KeyRequestLoaders):
    """Managed accounts and delegations."""

    @cached_property
    def account_summary(self) -> DataLoader[uuid.UUID, partners.Summary]:
        return DataLoader(self._account_summaries)

    async def _account_summaries(self, ids: Sequence[uuid.UUID]) -> list[partners.Summary]:
        async with self.session() as session:
            return await partners.summaries(session, list(ids), self._draft_ttl_days)

    @cached_property
    def account_first_page(self) -> DataLoader[AccountPageKey, tuple[finding.Page, int]]:
        # Each account's first page of licenses (managedAccounts), one window query per batch.
        return DataLoader(self._account_first_pages)

    async def _account_first_pages(self, keys: Sequence[AccountPageKey]) -> list[tuple[finding.Page, int]]:
        by_shape: dict[tuple[int, finding.Filter, finding.Order, finding.Shown], list[uuid.UUID]] = (
            defaultdict(list)
        )
        for account_id, first, flt, order, shown in keys:
            by_shape[(first, flt, order, shown)].append(account_id)
        found: dict[AccountPageKey, tuple[finding.Page, int]] = {}
        async with self.session() as session:
            for (first, flt, order, shown), account_ids in by_shape.items():
                scope = finding.Scope(account_ids=tuple(account_ids))
                query = await finding.prepare(session, scope, flt, order)
                pages = await finding.first_pages(session, account_ids, query, first)
                await self.read_shown(session, (page for page, _ in pages.values()), shown)
                for account_id in account_ids:
                    found[(account_id, first, flt, order, shown)] = pages[account_id]
        return [found[key] for key in keys]

    @cached_property
    def delegations_by_account(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], list[Delegation]]:
        # Keyed by (user id, account id): the account's delegations as that user may see them.
        return DataLoader(self._delegations)

    async def _delegations(self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[list[Delegation]]:
        async with self.session() as session:
            return [
                await delegations.for_account(session, user_id, account_id) for user_id, account_id in keys
            ]
