"""Account loaders: accounts, users, what a user may do on an account, members, invitations, a
user's memberships."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from sqlalchemy import select
from strawberry.dataloader import DataLoader

from backend.db.driver import as_driver_transaction
from backend.db.models import (
    Account,
    AccountInvitation,
    Membership,
    Role,
    User,
    utcnow,
)
from backend.domain.access import grants
from backend.domain.accounts import users
from backend.loaders.catalog import CatalogLoaders


class AccountLoaders(CatalogLoaders):
    """Accounts, users, roles, members, invitations and memberships."""

    @cached_property
    def account(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(Account)

    @cached_property
    def user(self) -> DataLoader[uuid.UUID, Any]:
        return self._one(User)

    @cached_property
    def account_role(self) -> DataLoader[tuple[uuid.UUID, uuid.UUID], Role | None]:
        # Keyed by (user id, account id) and (user id, license id): what that user may do there.
        return DataLoader(self._account_roles)

    async def _account_roles(self, keys: Sequence[tuple[uuid.UUID, uuid.UUID]]) -> list[Role | None]:
        by_user: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for user_id, account_id in keys:
            by_user[user_id].add(account_id)
        async with self.session() as session:
            tx = as_driver_transaction(session)
            found = {
                user_id: await grants(tx, user_id, account_ids) for user_id, account_ids in by_user.items()
            }
        roles = [found[user_id][account_id] for user_id, account_id in keys]
        return [None if grant is None else grant.role for grant in roles]

    @cached_property
    def members_by_account(self) -> DataLoader[uuid.UUID, list[tuple[Membership, User]]]:
        return DataLoader(self._members)

    async def _members(self, ids: Sequence[uuid.UUID]) -> list[list[tuple[Membership, User]]]:
        grouped: dict[uuid.UUID, list[tuple[Membership, User]]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.execute(
                select(Membership, User)
                .join(User, User.id == Membership.user_id)
                .where(Membership.account_id.in_(ids))
                .order_by(User.name, User.email)
            )
            for membership, user in rows:
                grouped[membership.account_id].append((membership, user))
        return [grouped[i] for i in ids]

    @cached_property
    def invitations_by_account(self) -> DataLoader[uuid.UUID, list[AccountInvitation]]:
        return DataLoader(self._pending_invitations)

    async def _pending_invitations(self, ids: Sequence[uuid.UUID]) -> list[list[AccountInvitation]]:
        grouped: dict[uuid.UUID, list[AccountInvitation]] = defaultdict(list)
        async with self.session() as session:
            rows = await session.scalars(
                select(AccountInvitation)
                .where(
                    AccountInvitation.account_id.in_(ids),
                    AccountInvitation.accepted_at.is_(None),
                    AccountInvitation.expires_at > utcnow(),
                )
                .order_by(AccountInvitation.created_at, AccountInvitation.id)
            )
            for row in rows:
                grouped[row.account_id].append(row)
        return [grouped[i] for i in ids]

    @cached_property
    def memberships(
        self,
    ) -> DataLoader[tuple[uuid.UUID | None, uuid.UUID], list[tuple[Role, Account]]]:
        # Keyed by (viewer, user): the user's roles and accounts as the signed-in user (if any) may see them.
        return DataLoader(self._memberships)

    async def _memberships(
        self, keys: Sequence[tuple[uuid.UUID | None, uuid.UUID]]
    ) -> list[list[tuple[Role, Account]]]:
        by_viewer: dict[uuid.UUID | None, set[uuid.UUID]] = defaultdict(set)
        for viewer_id, user_id in keys:
            by_viewer[viewer_id].add(user_id)
        async with self.session() as session:
            found = {
                viewer_id: await users.memberships(session, viewer_id, user_ids)
                for viewer_id, user_ids in by_viewer.items()
            }
        return [found[viewer_id][user_id] for viewer_id, user_id in keys]
