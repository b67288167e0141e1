"""License shares and ownership: the license's OWNER or an account ADMIN shares one license with a
person outside the account (VIEW or MANAGE), takes a share back, or passes ownership to another
member. Shares to e-mails without a portal user are attached when that e-mail signs in or
verifies (claim_shares). Who may do what is access.py's rule: all three need LicenseAccess.ADMIN
(an account ADMIN, or the owner while a MEMBER+ of the account); a share never reaches it."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.driver import DriverTransaction, as_driver_transaction
from backend.db.engine import Database
from backend.db.models import (
    Account,
    InboxKind,
    License,
    LicenseShare,
    Membership,
    Product,
    Role,
    SharePermission,
    User,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import Actor, LicenseAccess, require_license
from backend.domain.accounts.members import clean_email, count_invitation_mail, lookup_email
from backend.domain.errors import FieldProblem, InvalidInputError, NotFoundError
from backend.domain.mail import queue_email
from backend.domain.notifications import Notice, license_link
from backend.events import EventBus

_CAN = {
    SharePermission.VIEW: "view it",
    SharePermission.MANAGE: "view it and edit its custom fields and support registration",
}


async def share(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    license_id: uuid.UUID | None,
    email: str,
    permission: SharePermission,
) -> License:
    """Share with an e-mail outside the account; sharing the same e-mail again changes the
    permission. A portal user gets the share at once, anyone else when they sign up."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        row = await require_license(
            session, actor, license_id, LicenseAccess.ADMIN, field="licenseId", for_update=True
        )
        address = clean_email(email)
        user = await session.scalar(select(User).where(User.email == address))
        if user is not None and await session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id, Membership.account_id == row.account_id
            )
        ):
            raise InvalidInputError(
                [
                    FieldProblem(
                        "email",
                        "ALREADY_MEMBER",
                        f"{address} is a member of this license's account and has access through their role.",
                    )
                ]
            )
        existing = await session.scalar(
            select(LicenseShare).where(LicenseShare.license_id == row.id, LicenseShare.email == address)
        )
        previous = existing.permission if existing is not None else None
        if previous != permission:
            await count_invitation_mail(tx, actor)
        if existing is None:
            session.add(
                LicenseShare(
                    id=uuid.uuid4(),
                    license_id=row.id,
                    email=address,
                    user_id=user.id if user is not None else None,
                    permission=permission,
                    created_by_user_id=actor.user_id,
                    created_at=utcnow(),
                )
            )
        else:
            existing.permission = permission
            if existing.user_id is None and user is not None:
                existing.user_id = user.id
        if previous != permission:
            await _share_mail(tx, bus, settings, session, actor, row, address, user, permission)
        await audit.record(
            tx,
            "license.share",
            actor=actor,
            account_id=row.account_id,
            target=("license", row.id),
            email=address,
            permission=permission.value,
            previous=previous.value if previous is not None else None,
        )
        return row


async def _share_mail(
    tx: DriverTransaction,
    bus: EventBus,
    settings: Settings,
    session: AsyncSession,
    actor: Actor,
    row: License,
    address: str,
    user: User | None,
    permission: SharePermission,
) -> None:
    sharer = await session.get_one(User, actor.user_id)
    account = await session.get_one(Account, row.account_id)
    product = await session.get_one(Product, row.product_id)
    what = f"a license for {product.name} {product.version} ({row.quantity} seat(s)) of {account.name}"
    if user is not None:
        greeting = f"Hello {user.name},"
        action = f"Sign in at {settings.public_url}/licenses to see it."
    else:
        greeting = "Hello,"
        action = (
            "Sign up with this e-mail address to see it:\n\n"
            f"{settings.public_url}/signup?email={quote(address)}"
        )
    await queue_email(
        tx,
        bus,
        settings,
        to=address,
        user_id=user.id if user is not None else None,
        account_id=row.account_id,
        subject=f"{sharer.name} shared a license with you on the Licensing Portal",
        body=f"{greeting}\n\n{sharer.name} shared {what} with you: you may {_CAN[permission]}.\n\n{action}\n",
        notice=Notice(
            InboxKind.LICENSE_SHARED,
            f"{sharer.name} shared {product.name} {product.version} with you",
            license_link(row.id),
        ),
    )


async def unshare(db: Database, actor: Actor, license_id: uuid.UUID | None, email: str) -> License:
    async with db.write() as session:
        row = await require_license(
            session, actor, license_id, LicenseAccess.ADMIN, field="licenseId", for_update=True
        )
        address = lookup_email(email)
        existing = await session.scalar(
            select(LicenseShare).where(LicenseShare.license_id == row.id, LicenseShare.email == address)
        )
        if existing is None:
            raise NotFoundError("email", "share")
        await session.execute(delete(LicenseShare).where(LicenseShare.id == existing.id))
        await audit.record(
            as_driver_transaction(session),
            "license.unshare",
            actor=actor,
            account_id=row.account_id,
            target=("license", row.id),
            email=address,
            permission=existing.permission.value,
        )
        return row


async def transfer_ownership(
    db: Database, bus: EventBus, settings: Settings, actor: Actor, license_id: uuid.UUID | None, email: str
) -> License:
    """Make a MEMBER or ADMIN of the license's account its owner."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        row = await require_license(
            session, actor, license_id, LicenseAccess.ADMIN, field="licenseId", for_update=True
        )
        address = clean_email(email)
        owner = await session.scalar(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                User.email == address,
                Membership.account_id == row.account_id,
                Membership.role.in_([Role.ADMIN, Role.MEMBER]),
            )
        )
        if owner is None:
            raise InvalidInputError(
                [
                    FieldProblem(
                        "email",
                        "NOT_A_MEMBER",
                        "The new owner must be a member or admin of this license's account.",
                    )
                ]
            )
        previous = row.owner_user_id
        row.owner_user_id = owner.id
        if previous != owner.id:
            product = await session.get_one(Product, row.product_id)
            giver = await session.get_one(User, actor.user_id)
            await queue_email(
                tx,
                bus,
                settings,
                to=owner.email,
                user_id=owner.id,
                account_id=row.account_id,
                subject="You now own a license on the Licensing Portal",
                body=f"Hello {owner.name},\n\n{giver.name} made you the owner of a license for "
                f"{product.name} {product.version} ({row.quantity} seat(s)).\n"
                f"See it at {settings.public_url}/licenses.\n",
            )
        await audit.record(
            tx,
            "license.transfer_ownership",
            actor=actor,
            account_id=row.account_id,
            target=("license", row.id),
            previous_owner_id=str(previous) if previous else None,
            owner_id=str(owner.id),
            email=address,
        )
        return row


async def claim_shares(session: AsyncSession, user: User) -> None:
    """Attach the shares made to a verified user's e-mail before they had a portal user."""
    if user.email_verified_at is None:
        return
    waiting = (
        await session.execute(
            select(LicenseShare.id, LicenseShare.license_id, License.account_id)
            .join(License, License.id == LicenseShare.license_id)
            .where(LicenseShare.email == user.email, LicenseShare.user_id.is_(None))
        )
    ).all()
    if not waiting:
        return
    await session.execute(
        update(LicenseShare)
        .where(LicenseShare.id.in_([share_id for share_id, _, _ in waiting]), LicenseShare.user_id.is_(None))
        .values(user_id=user.id)
    )
    tx = as_driver_transaction(session)
    for _, license_id, account_id in waiting:
        await audit.record(
            tx,
            "license.share_accept",
            actor=Actor(user.id),
            account_id=account_id,
            target=("license", license_id),
            email=user.email,
        )
