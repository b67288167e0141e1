"""Enterprise Flexible contracts: operators create them and price their catalogs; super users give
members a role on them; everyone reads them with their own role (the rule is access.flex_role)."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from backend.db.driver import DriverTransaction, Prepared, entity
from backend.db.engine import Database
from backend.db.models import (
    Account,
    AccountKind,
    FlexCatalogItem,
    FlexContract,
    FlexOverage,
    FlexRole,
    FlexRoleGrant,
    Membership,
    Product,
    Role,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import (
    Actor,
    FlexPermission,
    Grant,
    flex_allows,
    flex_role,
    grant,
    grants,
    own_role_of,
    require_operator,
)
from backend.domain.errors import (
    FieldProblem,
    FlexContractNotActiveError,
    FlexRefusedError,
    InvalidInputError,
    NotFoundError,
)

NUMBER = re.compile(r"^EF-[A-Z0-9][A-Z0-9-]{1,28}$")
MAX_POINTS = 1_000_000_000
ROLE_NAMES = {
    FlexRole.SUPER_USER: "Super user",
    FlexRole.CONTRACT_USER: "Contract user",
    FlexRole.VIEWER: "Viewer",
}
_DOING = {
    FlexPermission.VIEW: "see this contract",
    FlexPermission.DRAW: "draw down from this contract",
    FlexPermission.ADMINISTER: "administer this contract",
}


class FlexStatus(enum.Enum):
    NOT_STARTED = "NOT_STARTED"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"


def status(contract: FlexContract, today: date) -> FlexStatus:
    if today < contract.starts_on:
        return FlexStatus.NOT_STARTED
    return FlexStatus.ENDED if today > contract.ends_on else FlexStatus.ACTIVE


def ensure_active(contract: FlexContract, today: date, field: str = "contractId") -> None:
    if status(contract, today) != FlexStatus.ACTIVE:
        raise FlexContractNotActiveError(contract.starts_on, contract.ends_on, today, field)


def ceiling_points(contract: FlexContract) -> int:
    """The most points the policy lets the contract consume: the commitment (HARD), or that plus
    the overage percentage (SOFT)."""
    if contract.overage_policy == FlexOverage.SOFT:
        return contract.committed_points + contract.committed_points * contract.overage_percent // 100
    return contract.committed_points


def drawable_points(contract: FlexContract) -> int:
    return max(ceiling_points(contract) - contract.consumed_points, 0)


@dataclass(frozen=True)
class Held:
    """A contract, the caller's role on it and their grant on its account (for the audit)."""

    contract: FlexContract
    role: FlexRole
    grant: Grant


_contracts, _catalog, _roles = (
    cast(Table, m.__table__) for m in (FlexContract, FlexCatalogItem, FlexRoleGrant)
)
_assigned = (
    select(_roles.c.role)
    .where(_roles.c.contract_id == _contracts.c.id, _roles.c.user_id == bindparam("user_id"))
    .scalar_subquery()
)
_WITH_ROLES = select(
    _contracts, own_role_of(_contracts.c.account_id).label("own_role"), _assigned.label("assigned_role")
)
_VIEW = Prepared(_WITH_ROLES.where(_contracts.c.id == bindparam("contract_id")))
_OF_ACCOUNT = Prepared(
    _WITH_ROLES.where(_contracts.c.account_id == bindparam("account_id")).order_by(
        _contracts.c.starts_on.desc(), _contracts.c.number
    )
)


def _held(row: Any, account_grant: Grant | None) -> Held | None:
    role = flex_role(account_grant, row["account_id"], row["assigned_role"])
    if role is None or account_grant is None:
        return None
    return Held(entity(FlexContract, row), role, account_grant)


async def load(
    tx: DriverTransaction,
    actor: Actor,
    contract_id: uuid.UUID | None,
    permission: FlexPermission,
    *,
    field: str = "contractId",
) -> Held:
    """The contract with the caller's role if it allows `permission`. A contract the caller cannot
    see answers as an unknown id; one they see but may not change names their role."""
    row = (
        None
        if contract_id is None
        else await tx.one(_VIEW, {"contract_id": contract_id, "user_id": actor.user_id})
    )
    held = None
    if row is not None:
        held = _held(row, await grant(tx, actor.user_id, row["account_id"], row["own_role"]))
    if held is None:
        raise NotFoundError(field, "contract")
    if not flex_allows(held.role, permission):
        raise FlexRefusedError(
            "ROLE",
            f"Your role on this contract ({ROLE_NAMES[held.role]}) cannot {_DOING[permission]}.",
            field,
        )
    return held


async def visible(db: Database, actor: Actor, account_id: uuid.UUID | None) -> list[Held]:
    """The account's contracts the caller has a role on, newest term first (none for an account
    they cannot see)."""
    if account_id is None:
        return []

    async def read(tx: DriverTransaction) -> list[Held]:
        rows = await tx.all(_OF_ACCOUNT, {"account_id": account_id, "user_id": actor.user_id})
        if not rows:
            return []
        account_grant = await grant(tx, actor.user_id, account_id, rows[0]["own_role"])
        found = [_held(row, account_grant) for row in rows]
        return [held for held in found if held is not None]

    return await db.driver.run(read, transaction=False)


async def roles_on(
    tx: DriverTransaction, actor: Actor, contracts: list[FlexContract]
) -> dict[uuid.UUID, FlexRole | None]:
    """The caller's role on each contract (batched: the loader behind FlexContract.myRole)."""
    if not contracts:
        return {}
    found = await grants(tx, actor.user_id, {c.account_id for c in contracts})
    rows = await tx.all(_MY_ROLES, {"user_id": actor.user_id})
    assigned = {row["contract_id"]: row["role"] for row in rows}
    return {c.id: flex_role(found[c.account_id], c.account_id, assigned.get(c.id)) for c in contracts}


_MY_ROLES = Prepared(
    select(_roles.c.contract_id, _roles.c.role).where(_roles.c.user_id == bindparam("user_id"))
)

# Operators: contracts and catalogs.
_accounts, _products, _members = (cast(Table, m.__table__) for m in (Account, Product, Membership))
_ACCOUNT = Prepared(select(_accounts).where(_accounts.c.id == bindparam("account_id")))
_ACCOUNT_BY_NUMBER = Prepared(select(_accounts.c.id).where(_accounts.c.number == bindparam("number")))
_PRODUCT_BY_SKU = Prepared(select(_products.c.id).where(_products.c.sku == bindparam("sku")))
_PRODUCT = Prepared(select(_products).where(_products.c.id == bindparam("product_id")))
_CONTRACT_BY_NUMBER = Prepared(select(_contracts.c.id).where(_contracts.c.number == bindparam("number")))
_CONTRACT = Prepared(select(_contracts).where(_contracts.c.id == bindparam("contract_id")))
_CREATE = Prepared(
    insert(_contracts).returning(*_contracts.c),
    [
        "id",
        "account_id",
        "number",
        "starts_on",
        "ends_on",
        "committed_points",
        "overage_policy",
        "overage_percent",
        "consumed_points",
        "created_at",
    ],
)
_CATALOG_ITEM = Prepared(
    select(_catalog.c.id).where(
        _catalog.c.contract_id == bindparam("contract_id"), _catalog.c.product_id == bindparam("product_id")
    )
)
_CATALOG_ADD = Prepared(insert(_catalog), ["contract_id", "product_id", "points_per_unit"])
_CATALOG_PRICE = Prepared(
    update(_catalog).where(_catalog.c.id == bindparam("item_id")).values(points_per_unit=bindparam("points"))
)
_CATALOG_REMOVE = Prepared(delete(_catalog).where(_catalog.c.id == bindparam("item_id")))


@dataclass(frozen=True)
class NewContract:
    account_id: uuid.UUID | None
    number: str
    starts_on: date
    ends_on: date
    committed_points: int
    overage: FlexOverage
    overage_percent: int = 0


def _validate(new: NewContract) -> list[FieldProblem]:
    problems = []
    if not NUMBER.match(new.number):
        problems.append(
            FieldProblem(
                "number", "INVALID", "A contract number is EF- followed by 2 to 29 letters, digits or dashes."
            )
        )
    if new.ends_on <= new.starts_on:
        problems.append(FieldProblem("endsOn", "BEFORE_START", "The contract must end after it starts."))
    if not 1 <= new.committed_points <= MAX_POINTS:
        problems.append(FieldProblem("committedPoints", "RANGE", f"Between 1 and {MAX_POINTS:,} points."))
    if new.overage == FlexOverage.SOFT and not 1 <= new.overage_percent <= 100:
        problems.append(
            FieldProblem("overagePercent", "RANGE", "A soft overage allows 1 to 100 % over the commitment.")
        )
    if new.overage == FlexOverage.HARD and new.overage_percent != 0:
        problems.append(
            FieldProblem(
                "overagePercent",
                "HARD_HAS_NO_OVERAGE",
                "A hard limit allows no overage: leave the percentage out.",
            )
        )
    return problems


async def create(db: Database, actor: Actor | None, new: NewContract) -> FlexContract:
    """A contract for a customer account (operators; the CLI passes no actor)."""
    new = NewContract(
        new.account_id,
        new.number.strip().upper(),
        new.starts_on,
        new.ends_on,
        new.committed_points,
        new.overage,
        new.overage_percent,
    )

    async def work(tx: DriverTransaction) -> FlexContract:
        if actor is not None:
            await require_operator(tx, actor, "accountId")
        problems = _validate(new)
        account = None if new.account_id is None else await tx.one(_ACCOUNT, {"account_id": new.account_id})
        if account is None or account["kind"] != AccountKind.CUSTOMER:
            problems.append(FieldProblem("accountId", "NOT_A_CUSTOMER", "Choose a customer account."))
        if not problems and await tx.one(_CONTRACT_BY_NUMBER, {"number": new.number}) is not None:
            problems.append(FieldProblem("number", "TAKEN", f"Contract {new.number} exists already."))
        if problems:
            raise InvalidInputError(problems)
        row = await tx.one(
            _CREATE,
            {
                "id": uuid.uuid4(),
                "account_id": new.account_id,
                "number": new.number,
                "starts_on": new.starts_on,
                "ends_on": new.ends_on,
                "committed_points": new.committed_points,
                "overage_policy": new.overage,
                "overage_percent": new.overage_percent,
                "consumed_points": 0,
                "created_at": utcnow(),
            },
        )
        assert row is not None
        contract = entity(FlexContract, row)
        await audit.record(
            tx,
            "flex.contract_create",
            actor=actor,
            account_id=contract.account_id,
            target=("FlexContract", contract.id),
            number=contract.number,
            points=contract.committed_points,
            overage=f"{contract.overage_policy.value}:{contract.overage_percent}",
        )
        return contract

    return await db.driver.run(work)


async def set_catalog_price(
    db: Database,
    actor: Actor | None,
    contract_id: uuid.UUID | None,
    product_id: uuid.UUID | None,
    points_per_unit: int | None,
) -> FlexContract:
    """Price a product in a contract's catalog (None takes it out; what was drawn stays drawn)."""

    async def work(tx: DriverTransaction) -> FlexContract:
        if actor is not None:
            await require_operator(tx, actor, "contractId")
        row = None if contract_id is None else await tx.one(_CONTRACT, {"contract_id": contract_id})
        if row is None:
            raise NotFoundError("contractId", "contract")
        product = None if product_id is None else await tx.one(_PRODUCT, {"product_id": product_id})
        if product is None:
            raise NotFoundError("productId", "product")
        if points_per_unit is not None and not 1 <= points_per_unit <= MAX_POINTS:
            raise InvalidInputError(
                [FieldProblem("pointsPerUnit", "RANGE", f"Between 1 and {MAX_POINTS:,} points.")]
            )
        item = await tx.one(_CATALOG_ITEM, {"contract_id": contract_id, "product_id": product_id})
        if points_per_unit is None:
            if item is not None:
                await tx.one(_CATALOG_REMOVE, {"item_id": item["id"]})
        elif item is None:
            await tx.one(
                _CATALOG_ADD,
                {"contract_id": contract_id, "product_id": product_id, "points_per_unit": points_per_unit},
            )
        else:
            await tx.one(_CATALOG_PRICE, {"item_id": item["id"], "points": points_per_unit})
        await audit.record(
            tx,
            "flex.catalog_set",
            actor=actor,
            account_id=row["account_id"],
            target=("FlexContract", row["id"]),
            sku=product["sku"],
            points_per_unit=points_per_unit,
        )
        return entity(FlexContract, row)

    return await db.driver.run(work)


async def account_id_by_number(db: Database, number: str) -> uuid.UUID | None:
    row = await db.driver.run(
        lambda tx: tx.one(_ACCOUNT_BY_NUMBER, {"number": number.strip().upper()}), transaction=False
    )
    return None if row is None else cast(uuid.UUID, row["id"])


async def contract_id_by_number(db: Database, number: str) -> uuid.UUID | None:
    row = await db.driver.run(
        lambda tx: tx.one(_CONTRACT_BY_NUMBER, {"number": number.strip().upper()}), transaction=False
    )
    return None if row is None else cast(uuid.UUID, row["id"])


async def product_id_by_sku(db: Database, sku: str) -> uuid.UUID | None:
    row = await db.driver.run(
        lambda tx: tx.one(_PRODUCT_BY_SKU, {"sku": sku.strip().upper()}), transaction=False
    )
    return None if row is None else cast(uuid.UUID, row["id"])


# Super users: roles.
_MEMBER_ROLE = Prepared(
    select(_members.c.role).where(
        _members.c.user_id == bindparam("member_id"), _members.c.account_id == bindparam("account_id")
    )
)
_ROLE_ROW = Prepared(
    select(_roles.c.id).where(
        _roles.c.contract_id == bindparam("contract_id"), _roles.c.user_id == bindparam("member_id")
    )
)
_ROLE_ADD = Prepared(insert(_roles), ["contract_id", "user_id", "role", "created_at"])
_ROLE_CHANGE = Prepared(
    update(_roles).where(_roles.c.id == bindparam("grant_id")).values(role=bindparam("new_role"))
)
_ROLE_REMOVE = Prepared(delete(_roles).where(_roles.c.id == bindparam("grant_id")))
_ROLES_OF = Prepared(
    select(_roles.c.contract_id, _roles.c.user_id, _roles.c.role).where(
        _roles.c.contract_id == bindparam("contract_id")
    )
)
_ADMINS = Prepared(
    select(_members.c.user_id).where(
        _members.c.account_id == bindparam("account_id"), _members.c.role == Role.ADMIN
    )
)


async def set_role(
    db: Database,
    actor: Actor,
    contract_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
    role: FlexRole | None,
) -> FlexContract:
    """A super user gives a member of the account a role on the contract (None takes it away).
    Account admins are super users by their account role: nothing to give them."""

    async def work(tx: DriverTransaction) -> FlexContract:
        held = await load(tx, actor, contract_id, FlexPermission.ADMINISTER)
        account_role = (
            None
            if member_id is None
            else (
                await tx.one(_MEMBER_ROLE, {"member_id": member_id, "account_id": held.contract.account_id})
            )
        )
        if account_role is None:
            raise NotFoundError("userId", "member")
        if account_role["role"] == Role.ADMIN:
            raise FlexRefusedError(
                "ROLE", "Account admins are super users of every contract of their account.", "userId"
            )
        if role == FlexRole.VIEWER:
            raise InvalidInputError([FieldProblem("role", "INVALID", "Give SUPER_USER or CONTRACT_USER.")])
        existing = await tx.one(_ROLE_ROW, {"contract_id": held.contract.id, "member_id": member_id})
        if role is None:
            if existing is not None:
                await tx.one(_ROLE_REMOVE, {"grant_id": existing["id"]})
        elif existing is None:
            await tx.one(
                _ROLE_ADD,
                {"contract_id": held.contract.id, "user_id": member_id, "role": role, "created_at": utcnow()},
            )
        else:
            await tx.one(_ROLE_CHANGE, {"grant_id": existing["id"], "new_role": role})
        await audit.record(
            tx,
            "flex.role_set",
            actor=actor,
            account_id=held.contract.account_id,
            actor_account_id=held.grant.acting_account_id,
            target=("FlexContract", held.contract.id),
            user_id=str(member_id),
            role=None if role is None else role.value,
        )
        return held.contract

    return await db.driver.run(work)


async def grant_role(db: Database, contract_id: uuid.UUID, user_id: uuid.UUID, role: FlexRole) -> None:
    """An operator's (or the demo's) grant, without a super user's access check."""

    async def work(tx: DriverTransaction) -> None:
        await tx.one(
            _ROLE_ADD, {"contract_id": contract_id, "user_id": user_id, "role": role, "created_at": utcnow()}
        )
        await audit.record(
            tx,
            "flex.role_set",
            actor=None,
            target=("FlexContract", contract_id),
            user_id=str(user_id),
            role=role.value,
        )

    await db.driver.run(work)


@dataclass(frozen=True)
class RoleHolder:
    user_id: uuid.UUID
    role: FlexRole
    by_account_role: bool  # an account admin: super user without a grant


async def role_holders(tx: DriverTransaction, contract: FlexContract) -> list[RoleHolder]:
    """Who holds a role on the contract: the account's admins, then the members given one."""
    admins = [row["user_id"] for row in await tx.all(_ADMINS, {"account_id": contract.account_id})]
    holders = [RoleHolder(user_id, FlexRole.SUPER_USER, True) for user_id in admins]
    for row in await tx.all(_ROLES_OF, {"contract_id": contract.id}):
        if row["user_id"] not in admins:
            holders.append(RoleHolder(row["user_id"], FlexRole(row["role"]), False))
    return holders


async def super_users(tx: DriverTransaction, contract: FlexContract) -> list[uuid.UUID]:
    return [h.user_id for h in await role_holders(tx, contract) if h.role == FlexRole.SUPER_USER]


_CATALOG_OF = Prepared(
    select(_catalog.c.contract_id, _catalog.c.product_id, _catalog.c.points_per_unit, _products.c.sku)
    .join(_products, _products.c.id == _catalog.c.product_id)
    .where(_catalog.c.contract_id == bindparam("contract_id"))
    .order_by(_products.c.name, _products.c.sku)
)


@dataclass(frozen=True)
class CatalogItem:
    product_id: uuid.UUID
    points_per_unit: int


async def catalog(tx: DriverTransaction, contract_id: uuid.UUID) -> list[CatalogItem]:
    return [
        CatalogItem(r["product_id"], r["points_per_unit"])
        for r in await tx.all(_CATALOG_OF, {"contract_id": contract_id})
    ]


def today() -> date:
    return utcnow().date()
