"""Account members: admins invite colleagues by e-mail, change roles and remove members; an account
never loses its last ADMIN. Invitations to e-mails without a portal user become memberships when
that e-mail signs in or verifies (claim_invitations).

Every change to an account's memberships first locks the account row (SELECT … FOR UPDATE on
PostgreSQL; on SQLite the write transaction's BEGIN IMMEDIATE), so two racing demotions or removals
count admins one after the other and cannot both take the last one away."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db.driver import DriverTransaction, as_driver_transaction
from backend.db.engine import Database
from backend.db.models import Account, AccountInvitation, License, Membership, Role, User, utcnow
from backend.domain import audit, ratelimit
from backend.domain.access import Actor, Permission, allows, role_on
from backend.domain.errors import (
    FieldProblem,
    InvalidInputError,
    LastAdminError,
    NotFoundError,
    RateLimitedError,
)
from backend.domain.mail import queue_email
from backend.events import EventBus

INVITATION_TTL = timedelta(days=14)
# Mail these mutations send to people not yet on the account (invitations, member notices, license
# shares): at most this many per inviting user in the window.
INVITATION_MAILS = (50, 3600)


# ---------------------------------------------------------------- shared with shares.py


def clean_email(raw: str, field: str = "email") -> str:
    """The normalized, lower-cased address (the form users are stored with), or InvalidInput."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInputError(
            [FieldProblem(field, "INVALID_EMAIL", "Enter a valid e-mail address.")]
        ) from None


def lookup_email(raw: str) -> str:
    """The stored form of an address for a lookup that answers "not found" rather than "invalid"."""
    try:
        return clean_email(raw)
    except InvalidInputError:
        return raw.strip().lower()


class InvitationsRateLimitedError(RateLimitedError):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(retry_after_seconds, "email")
        minutes = max(1, round(retry_after_seconds / 60))
        self.message = f"You have sent many invitations recently. Try again in about {minutes} minute(s)."


async def count_invitation_mail(tx: DriverTransaction, actor: Actor) -> None:
    """Count one mail to someone not yet on the account, or refuse when the user sent too many."""
    buckets = [f"invitations:user:{actor.user_id}"]
    wait = await ratelimit.retry_after(tx, buckets, INVITATION_MAILS)
    if wait:
        raise InvitationsRateLimitedError(wait)
    await ratelimit.hit(tx, buckets)


async def lock_account(session: AsyncSession, account_id: uuid.UUID) -> Account | None:
    return await session.scalar(select(Account).where(Account.id == account_id).with_for_update())


# ---------------------------------------------------------------- mutations


@dataclass(frozen=True)
class Invited:
    account: Account
    invitation: AccountInvitation | None
    member: tuple[Membership, User] | None


async def _administered(session: AsyncSession, actor: Actor, account_id: uuid.UUID | None) -> Account:
    """The account, locked, if the actor is its ADMIN (checked after the lock: a role taken away
    by a request that held the lock counts)."""
    account = await lock_account(session, account_id) if account_id is not None else None
    if account is None or not allows(
        await role_on(as_driver_transaction(session), actor.user_id, account.id), Permission.ADMINISTER
    ):
        raise NotFoundError("accountId", "account")
    return account


async def _admin_count(session: AsyncSession, account_id: uuid.UUID) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.account_id == account_id, Membership.role == Role.ADMIN)
    )
    return int(count or 0)


async def _membership(
    session: AsyncSession, account_id: uuid.UUID, user_id: uuid.UUID | None
) -> Membership | None:
    if user_id is None:
        return None
    return await session.scalar(
        select(Membership).where(Membership.account_id == account_id, Membership.user_id == user_id)
    )


def _role_name(role: Role) -> str:
    return {Role.ADMIN: "an admin", Role.MEMBER: "a member", Role.VIEWER: "a viewer"}[role]


async def invite(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    account_id: uuid.UUID | None,
    email: str,
    role: Role,
) -> Invited:
    """An existing user becomes a member at once (and gets a notice); an unknown e-mail gets an
    invitation valid for 14 days. Inviting a pending e-mail again updates its role and expiry and
    sends the mail again."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        account = await _administered(session, actor, account_id)
        address = clean_email(email)
        inviter = await session.get_one(User, actor.user_id)
        user = await session.scalar(select(User).where(User.email == address))
        now = utcnow()
        if user is not None:
            if await _membership(session, account.id, user.id) is not None:
                raise InvalidInputError(
                    [
                        FieldProblem(
                            "email", "ALREADY_MEMBER", f"{address} is already a member of this account."
                        )
                    ]
                )
            await count_invitation_mail(tx, actor)
            membership = Membership(
                id=uuid.uuid4(), user_id=user.id, account_id=account.id, role=role, created_at=now
            )
            session.add(membership)
            await session.execute(
                update(AccountInvitation)
                .where(
                    AccountInvitation.account_id == account.id,
                    AccountInvitation.email == address,
                    AccountInvitation.accepted_at.is_(None),
                )
                .values(accepted_at=now)
            )
            await queue_email(
                tx,
                bus,
                settings,
                to=user.email,
                user_id=user.id,
                account_id=account.id,
                subject=f"You were added to {account.name} on the Licensing Portal",
                body=f"Hello {user.name},\n\n{inviter.name} added you to {account.name} as {_role_name(role)}.\n"
                f"Sign in at {settings.public_url}/login to see its licenses.\n",
            )
            await audit.record(
                tx,
                "account.member_add",
                actor=actor,
                account_id=account.id,
                target=("account", account.id),
                email=address,
                user_id=str(user.id),
                role=role.value,
            )
            return Invited(account, None, (membership, user))

        await count_invitation_mail(tx, actor)
        invitation = await session.scalar(
            select(AccountInvitation).where(
                AccountInvitation.account_id == account.id, AccountInvitation.email == address
            )
        )
        resent = invitation is not None and invitation.accepted_at is None
        if invitation is None:
            invitation = AccountInvitation(
                id=uuid.uuid4(), account_id=account.id, email=address, created_at=now
            )
            session.add(invitation)
        elif not resent:
            # An invitation accepted long ago by a user who no longer exists: start afresh.
            invitation.created_at = now
        invitation.role = role
        invitation.invited_by_user_id = actor.user_id
        invitation.expires_at = now + INVITATION_TTL
        invitation.accepted_at = None
        link = f"{settings.public_url}/signup?email={quote(address)}"
        await queue_email(
            tx,
            bus,
            settings,
            to=address,
            account_id=account.id,
            subject=f"{inviter.name} invited you to {account.name} on the Licensing Portal",
            body=f"Hello,\n\n{inviter.name} invited you to join {account.name} on the Licensing Portal "
            f"as {_role_name(role)}.\n\nSign up with this e-mail address to accept:\n\n{link}\n\n"
            f"The invitation is valid until {invitation.expires_at.date().isoformat()}. "
            "If you already have an account under this address, just sign in.\n",
        )
        await audit.record(
            tx,
            "account.member_invite",
            actor=actor,
            account_id=account.id,
            target=("account", account.id),
            email=address,
            role=role.value,
            resent=resent,
        )
        return Invited(account, invitation, None)


async def set_role(
    db: Database, actor: Actor, account_id: uuid.UUID | None, user_id: uuid.UUID | None, role: Role
) -> Account:
    async with db.write() as session:
        account = await _administered(session, actor, account_id)
        target = await _membership(session, account.id, user_id)
        if target is None:
            raise NotFoundError("userId", "member")
        previous = target.role
        if previous == Role.ADMIN and role != Role.ADMIN and await _admin_count(session, account.id) <= 1:
            raise LastAdminError()
        target.role = role
        await audit.record(
            as_driver_transaction(session),
            "account.member_role",
            actor=actor,
            account_id=account.id,
            target=("account", account.id),
            user_id=str(target.user_id),
            previous=previous.value,
            role=role.value,
        )
        return account


async def remove(
    db: Database, actor: Actor, account_id: uuid.UUID | None, user_id: uuid.UUID | None
) -> Account:
    """An ADMIN removes a member, or any member leaves. Licenses the removed member owns on the
    account pass to the admin who removed them; when a member leaves, to the longest-standing
    remaining admin."""
    async with db.write() as session:
        tx = as_driver_transaction(session)
        leaving = user_id == actor.user_id
        if leaving:
            account = await lock_account(session, account_id) if account_id is not None else None
            target = await _membership(session, account.id, user_id) if account is not None else None
            if account is None or target is None:
                raise NotFoundError("accountId", "account")
        else:
            account = await _administered(session, actor, account_id)
            target = await _membership(session, account.id, user_id)
            if target is None:
                raise NotFoundError("userId", "member")
        if target.role == Role.ADMIN and await _admin_count(session, account.id) <= 1:
            raise LastAdminError()
        await session.delete(target)
        await session.flush()
        heir = (
            await session.scalar(
                select(Membership.user_id)
                .where(Membership.account_id == account.id, Membership.role == Role.ADMIN)
                .order_by(Membership.created_at, Membership.id)
                .limit(1)
            )
            if leaving
            else actor.user_id
        )
        owned = list(
            await session.scalars(
                select(License.id).where(
                    License.account_id == account.id, License.owner_user_id == target.user_id
                )
            )
        )
        if owned:
            await session.execute(update(License).where(License.id.in_(owned)).values(owner_user_id=heir))
        for license_id in owned:
            await audit.record(
                tx,
                "license.transfer_ownership",
                actor=actor,
                account_id=account.id,
                target=("license", license_id),
                previous_owner_id=str(target.user_id),
                owner_id=str(heir) if heir else None,
                reason="member_removed",
            )
        await audit.record(
            tx,
            "account.member_leave" if leaving else "account.member_remove",
            actor=actor,
            account_id=account.id,
            target=("account", account.id),
            user_id=str(target.user_id),
            role=target.role.value,
            licenses_passed_on=len(owned),
        )
        return account


async def revoke_invitation(db: Database, actor: Actor, invitation_id: uuid.UUID | None) -> Account:
    async with db.write() as session:
        invitation = (
            await session.scalar(
                select(AccountInvitation).where(
                    AccountInvitation.id == invitation_id, AccountInvitation.accepted_at.is_(None)
                )
            )
            if invitation_id is not None
            else None
        )
        if invitation is None:
            raise NotFoundError("invitationId", "invitation")
        try:
            account = await _administered(session, actor, invitation.account_id)
        except NotFoundError:
            raise NotFoundError("invitationId", "invitation") from None
        await session.execute(
            delete(AccountInvitation).where(
                AccountInvitation.id == invitation.id, AccountInvitation.accepted_at.is_(None)
            )
        )
        await audit.record(
            as_driver_transaction(session),
            "account.invitation_revoke",
            actor=actor,
            account_id=account.id,
            target=("account", account.id),
            email=invitation.email,
            role=invitation.role.value,
        )
        return account


# ---------------------------------------------------------------- sign-in and verification


async def claim_invitations(session: AsyncSession, user: User) -> None:
    """Turn the pending, unexpired invitations of a verified user's e-mail into memberships."""
    if user.email_verified_at is None:
        return
    now = utcnow()
    pending = list(
        await session.scalars(
            select(AccountInvitation)
            .where(
                AccountInvitation.email == user.email,
                AccountInvitation.accepted_at.is_(None),
                AccountInvitation.expires_at > now,
            )
            .order_by(AccountInvitation.account_id)
        )
    )
    for invitation in pending:
        if await lock_account(session, invitation.account_id) is None:
            continue
        claimed = await session.execute(
            update(AccountInvitation)
            .where(AccountInvitation.id == invitation.id, AccountInvitation.accepted_at.is_(None))
            .values(accepted_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        if await _membership(session, invitation.account_id, user.id) is not None:
            continue
        session.add(
            Membership(
                id=uuid.uuid4(),
                user_id=user.id,
                account_id=invitation.account_id,
                role=invitation.role,
                created_at=now,
            )
        )
        await audit.record(
            as_driver_transaction(session),
            "account.invitation_accept",
            actor=Actor(user.id),
            account_id=invitation.account_id,
            target=("account", invitation.account_id),
            email=user.email,
            role=invitation.role.value,
        )
