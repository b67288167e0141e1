"""Draw-down: a key request of kind FLEX. Start on a contract, fill a cart from its catalog, enter
the support registration, confirm: the points are deducted with one conditional UPDATE of the
contract's counter in the same transaction that creates one license per cart line, so racing
confirms can never consume more than the overage policy allows. Returns within 30 days credit the
points back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from backend.config import Settings
from backend.db.driver import DriverTransaction, Prepared, entity, prefixed
from backend.db.engine import Database
from backend.db.models import (
    Activation,
    FlexCartLine,
    FlexCatalogItem,
    FlexContract,
    FlexDraw,
    FlexRole,
    KeyRequest,
    KeyRequestKind,
    KeyRequestStatus,
    KeyStatus,
    License,
    LicenseKey,
    LicenseState,
    Locking,
    Product,
    utcnow,
)
from backend.domain import audit
from backend.domain.access import Actor, FlexPermission, Grant
from backend.domain.errors import (
    FieldProblem,
    FlexPointsExhaustedError,
    FlexRefusedError,
    FlexReturnWindowClosedError,
    InvalidInputError,
    KeyRequestStateError,
    NotFoundError,
)
from backend.domain.flex import contracts
from backend.domain.flex.reminders import consumption_crossed
from backend.domain.key_requests.pipeline import (
    Confirmed,
    add_registration,
    change_draft,
    mark_submitted,
    new_draft,
    publish_after_commit,
    submit,
    touch,
)
from backend.domain.key_requests.registration import validate_step
from backend.domain.licenses import search
from backend.events import EventBus

FLEX = KeyRequestKind.FLEX
RETURN_WINDOW = timedelta(days=30)
MAX_LINES = 50
MAX_QUANTITY = 100_000

_cart, _catalog, _contracts, _draws, _licenses, _keys, _products, _activations, _key_requests = (
    cast(Table, m.__table__)
    for m in (
        FlexCartLine,
        FlexCatalogItem,
        FlexContract,
        FlexDraw,
        License,
        LicenseKey,
        Product,
        Activation,
        KeyRequest,
    )
)


async def start(db: Database, actor: Actor, contract_id: uuid.UUID | None) -> KeyRequest:
    """A FLEX draft on an active contract the caller may draw from."""

    async def work(tx: DriverTransaction) -> KeyRequest:
        held = await contracts.load(tx, actor, contract_id, FlexPermission.DRAW)
        contracts.ensure_active(held.contract, contracts.today())
        return await new_draft(
            tx,
            actor,
            held.grant,
            held.contract.account_id,
            FLEX,
            "flex.draw_down_start",
            flex_contract_id=held.contract.id,
            contract=held.contract.number,
        )

    return await db.driver.run(work)


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int
    points_per_unit: int | None  # None: no longer in the contract's catalog

    @property
    def points(self) -> int:
        return self.quantity * (self.points_per_unit or 0)


@dataclass(frozen=True)
class Cart:
    request: KeyRequest
    lines: list[CartLine]
    contract: FlexContract

    @property
    def cost_points(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def remaining_after_points(self) -> int:
        """What the contract could still draw after this cart (negative: the cart does not fit)."""
        return contracts.drawable_points(self.contract) - self.cost_points


_CART = Prepared(
    select(_cart.c.quantity, _catalog.c.points_per_unit, *prefixed(_products, "p_"))
    .select_from(_cart)
    .join(_products, _products.c.id == _cart.c.product_id)
    .join(_key_requests, _key_requests.c.id == _cart.c.key_request_id)
    .outerjoin(
        _catalog,
        (_catalog.c.contract_id == _key_requests.c.flex_contract_id)
        & (_catalog.c.product_id == _cart.c.product_id),
    )
    .where(_cart.c.key_request_id == bindparam("key_request_id"))
    .order_by(_cart.c.position)
)


async def cart_lines(tx: DriverTransaction, key_request_id: uuid.UUID) -> list[CartLine]:
    return [
        CartLine(entity(Product, row, "p_"), row["quantity"], row["points_per_unit"])
        for row in await tx.all(_CART, {"key_request_id": key_request_id})
    ]


_CLEAR_CART = Prepared(delete(_cart).where(_cart.c.key_request_id == bindparam("key_request_id")))
_ADD_LINE = Prepared(insert(_cart), ["key_request_id", "product_id", "quantity", "position"])


async def set_items(
    db: Database,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    key_request_id: uuid.UUID | None,
    items: list[tuple[uuid.UUID | None, int]],
) -> Cart:
    """Replace the draft's cart: products from the contract's catalog, quantities of at least one.
    Answers with what the cart costs and what would remain."""

    async def change(tx: DriverTransaction, request: KeyRequest, grant: Grant) -> Cart:
        held = await contracts.load(
            tx, actor, request.flex_contract_id, FlexPermission.DRAW, field="keyRequestId"
        )
        priced = {
            item.product_id: item.points_per_unit for item in await contracts.catalog(tx, held.contract.id)
        }
        problems: list[FieldProblem] = []
        if not 1 <= len(items) <= MAX_LINES:
            problems.append(FieldProblem("items", "COUNT", f"Choose 1 to {MAX_LINES} products."))
        seen: set[uuid.UUID] = set()
        for index, (product_id, quantity) in enumerate(items):
            if product_id is None or product_id not in priced:
                problems.append(
                    FieldProblem(
                        f"items[{index}].productId",
                        "NOT_IN_CATALOG",
                        "This product is not in the contract's catalog.",
                    )
                )
            elif product_id in seen:
                problems.append(
                    FieldProblem(
                        f"items[{index}].productId",
                        "DUPLICATE",
                        "This product is in the cart already: change its quantity.",
                    )
                )
            else:
                seen.add(product_id)
            if not 1 <= quantity <= MAX_QUANTITY:
                problems.append(
                    FieldProblem(f"items[{index}].quantity", "RANGE", f"From 1 to {MAX_QUANTITY:,} units.")
                )
        if problems:
            raise InvalidInputError(problems)
        await tx.one(_CLEAR_CART, {"key_request_id": request.id})
        await tx.many(
            _ADD_LINE,
            [
                {
                    "key_request_id": request.id,
                    "product_id": product_id,
                    "quantity": quantity,
                    "position": position,
                }
                for position, (product_id, quantity) in enumerate(items)
            ],
        )
        lines = await cart_lines(tx, request.id)
        cost = sum(line.points for line in lines)
        touched = await touch(
            tx,
            bus,
            actor,
            request,
            grant,
            "flex.items_set",
            items=[{"sku": line.product.sku, "quantity": line.quantity} for line in lines],
            points=cost,
        )
        return Cart(touched, lines, held.contract)

    return await change_draft(db, settings.draft_ttl_days, actor, key_request_id, FLEX, change)


def requires_host(lines: list[CartLine]) -> bool:
    return any(line.product.locking == Locking.HOST for line in lines)


async def registration_step(
    tx: DriverTransaction,
    bus: EventBus,
    actor: Actor,
    request: KeyRequest,
    grant: Grant,
    registration: dict[str, Any],
    host_id: str | None,
) -> KeyRequest:
    """The draw-down's half of keyRequestSetRegistration (key_requests/doors.py)."""
    await contracts.load(tx, actor, request.flex_contract_id, FlexPermission.DRAW, field="keyRequestId")
    lines = await cart_lines(tx, request.id)
    if not lines:
        raise KeyRequestStateError("INCOMPLETE", "Add at least one product to the cart first.", "items")
    cleaned, host = validate_step(registration, host_id, host_required=requires_host(lines))
    return await touch(
        tx,
        bus,
        actor,
        request,
        grant,
        "key_request.registration_set",
        changes={"registration": cleaned, "host_id": host},
    )


# The one hot row: consume only while the ceiling allows (concurrent confirms queue on its lock
# and each re-checks the condition against the committed value).
_CONSUME = Prepared(
    update(_contracts)
    .where(
        _contracts.c.id == bindparam("contract_id"),
        _contracts.c.consumed_points + bindparam("cost") <= bindparam("ceiling"),
    )
    .values(consumed_points=_contracts.c.consumed_points + bindparam("cost"))
    .returning(_contracts.c.consumed_points)
)
_CONSUMED = Prepared(select(_contracts.c.consumed_points).where(_contracts.c.id == bindparam("contract_id")))
NEW_LICENSE = Prepared(
    insert(_licenses),
    [
        "id",
        "account_id",
        "product_id",
        "owner_user_id",
        "key_request_id",
        "quantity",
        "maintenance_until",
        "host_id",
        "state",
        "search_text",
        "created_at",
    ],
)
_NEW_DRAW = Prepared(
    insert(_draws),
    [
        "id",
        "contract_id",
        "license_id",
        "key_request_id",
        "user_id",
        "acting_account_id",
        "product_id",
        "quantity",
        "points",
        "overage_points",
        "drawn_at",
    ],
)


def overage_by_line(lines: list[CartLine], before: int, committed: int) -> list[int]:
    """The points of each line past the commitment, in cart order, given the points consumed
    before this cart."""
    result = []
    consumed = before
    for line in lines:
        after = consumed + line.points
        result.append(max(0, after - max(committed, consumed)))
        consumed = after
    return result


async def commit(
    tx: DriverTransaction,
    bus: EventBus,
    settings: Settings,
    actor: Actor,
    request: KeyRequest,
    grant: Grant,
    key: str,
) -> Confirmed:
    """The draw-down's half of keyRequestConfirm: one license per cart line, the points deducted
    with them (or FlexPointsExhausted and nothing changes)."""
    held = await contracts.load(
        tx, actor, request.flex_contract_id, FlexPermission.DRAW, field="keyRequestId"
    )
    contract = held.contract
    lines = await cart_lines(tx, request.id)
    if not lines:
        raise KeyRequestStateError("INCOMPLETE", "Add at least one product to the cart first.", "items")
    if any(line.points_per_unit is None for line in lines):
        raise FlexRefusedError(
            "NOT_IN_CATALOG", "A product in the cart left the contract's catalog: change the cart.", "items"
        )
    if request.registration is None:
        raise KeyRequestStateError("INCOMPLETE", "Enter the support registration first.", "registration")
    if requires_host(lines) and not request.host_id:
        raise KeyRequestStateError("INCOMPLETE", "Enter the host ID for the host-locked product.", "hostId")
    submitted = await mark_submitted(tx, request, key)
    now = submitted.submitted_at
    assert now is not None
    contracts.ensure_active(contract, now.date(), "keyRequestId")

    cost = sum(line.points for line in lines)
    # The licenses first, the counter last: the contract's row stays locked only from here to the commit.
    owner = actor.user_id if grant.acting_account_id == request.account_id else None
    license_ids = [uuid.uuid4() for _ in lines]
    await tx.many(
        NEW_LICENSE,
        [
            {
                "id": license_id,
                "account_id": request.account_id,
                "product_id": line.product.id,
                "owner_user_id": owner,
                "key_request_id": request.id,
                "quantity": line.quantity,
                "maintenance_until": contract.ends_on,
                "host_id": request.host_id if line.product.locking == Locking.HOST else None,
                "state": LicenseState.CURRENT,
                "search_text": search.compose(
                    [], [], (line.product.sku, line.product.name), [contract.number]
                ),
                "created_at": now,
            }
            for license_id, line in zip(license_ids, lines, strict=True)
        ],
    )
    for license_id in license_ids:
        assert request.registration is not None
        await add_registration(tx, request.account_id, license_id, request.registration, request.user_id)
    consumed = await tx.one(
        _CONSUME, {"contract_id": contract.id, "cost": cost, "ceiling": contracts.ceiling_points(contract)}
    )
    if consumed is None:
        current = await tx.one(_CONSUMED, {"contract_id": contract.id})
        assert current is not None
        raise FlexPointsExhaustedError(
            contracts.ceiling_points(contract) - current["consumed_points"], cost, "items"
        )
    after = consumed["consumed_points"]
    overage = overage_by_line(lines, after - cost, contract.committed_points)
    await tx.many(
        _NEW_DRAW,
        [
            {
                "id": uuid.uuid4(),
                "contract_id": contract.id,
                "license_id": license_id,
                "key_request_id": request.id,
                "user_id": actor.user_id,
                "acting_account_id": None
                if grant.acting_account_id == request.account_id
                else grant.acting_account_id,
                "product_id": line.product.id,
                "quantity": line.quantity,
                "points": line.points,
                "overage_points": line_overage,
                "drawn_at": now,
            }
            for license_id, line, line_overage in zip(license_ids, lines, overage, strict=True)
        ],
    )
    await consumption_crossed(tx, bus, settings, contract, after - cost, after)
    return await submit(
        tx,
        bus,
        actor,
        grant,
        submitted,
        license_ids,
        "flex.draw_down",
        contract=contract.number,
        points=cost,
        overage_points=sum(overage),
        items=[{"sku": line.product.sku, "quantity": line.quantity} for line in lines],
    )


# Returns.
_DRAW_OF_LICENSE = Prepared(
    select(*prefixed(_draws, "d_"), _key_requests.c.status.label("request_status"))
    .join(_key_requests, _key_requests.c.id == _draws.c.key_request_id)
    .where(_draws.c.license_id == bindparam("license_id"))
    .with_for_update(of=_draws)
)
_MARK_RETURNED = Prepared(
    update(_draws)
    .where(_draws.c.id == bindparam("draw_id"), _draws.c.returned_at.is_(None))
    .values(returned_at=bindparam("now"))
    .returning(_draws.c.id)
)
_CREDIT = Prepared(
    update(_contracts)
    .where(_contracts.c.id == bindparam("contract_id"))
    .values(consumed_points=_contracts.c.consumed_points - bindparam("points"))
    .returning(*_contracts.c)
)
_REVOKE_LICENSE = Prepared(
    update(_licenses).where(_licenses.c.id == bindparam("license_id")).values(state=LicenseState.REVOKED)
)
_REVOKE_KEYS = Prepared(
    update(_keys)
    .where(_keys.c.license_id == bindparam("revoked_license"), _keys.c.status == KeyStatus.ACTIVE)
    .values(status=KeyStatus.REVOKED)
)
_FREE_SEATS = Prepared(delete(_activations).where(_activations.c.license_id == bindparam("license_id")))


@dataclass(frozen=True)
class Returned:
    draw: FlexDraw
    contract: FlexContract


def return_closes(draw: FlexDraw) -> datetime:
    return draw.drawn_at + RETURN_WINDOW


async def return_license(db: Database, bus: EventBus, actor: Actor, license_id: uuid.UUID | None) -> Returned:
    """Return a draw-down within 30 days: its keys are revoked, its seats freed and its points
    credited back to the contract. Super users return any; contract users their own."""

    async def work(tx: DriverTransaction) -> Returned:
        row = None if license_id is None else await tx.one(_DRAW_OF_LICENSE, {"license_id": license_id})
        if row is None:
            raise NotFoundError("licenseId", "license")
        draw = entity(FlexDraw, row, "d_")
        try:
            held = await contracts.load(tx, actor, draw.contract_id, FlexPermission.DRAW, field="licenseId")
        except NotFoundError:
            raise NotFoundError("licenseId", "license") from None
        if held.role != FlexRole.SUPER_USER and draw.user_id != actor.user_id:
            raise FlexRefusedError(
                "ROLE", "Only a super user can return another user's draw-down.", "licenseId"
            )
        if draw.returned_at is not None:
            raise FlexRefusedError(
                "ALREADY_RETURNED", "This draw-down has been returned already.", "licenseId"
            )
        if row["request_status"] != KeyRequestStatus.READY:
            raise FlexRefusedError(
                "NOT_READY",
                "The keys of this draw-down are still being signed: try again in a moment.",
                "licenseId",
            )
        now = utcnow()
        if now > return_closes(draw):
            raise FlexReturnWindowClosedError(return_closes(draw))
        if await tx.one(_MARK_RETURNED, {"draw_id": draw.id, "now": now}) is None:
            raise FlexRefusedError(
                "ALREADY_RETURNED", "This draw-down has been returned already.", "licenseId"
            )
        credited = await tx.one(_CREDIT, {"contract_id": draw.contract_id, "points": draw.points})
        assert credited is not None
        draw.returned_at = now
        await tx.one(_REVOKE_LICENSE, {"license_id": draw.license_id})
        await tx.one(_REVOKE_KEYS, {"revoked_license": draw.license_id})
        await tx.one(_FREE_SEATS, {"license_id": draw.license_id})
        await audit.record(
            tx,
            "flex.return",
            actor=actor,
            account_id=held.contract.account_id,
            actor_account_id=held.grant.acting_account_id,
            target=("License", draw.license_id),
            contract=held.contract.number,
            points=draw.points,
        )
        publish_after_commit(tx, bus, draw.key_request_id)
        return Returned(draw, entity(FlexContract, credited))

    return await db.driver.run(work)


_UNRETURNED_OF_REQUEST = Prepared(
    select(_draws)
    .where(_draws.c.key_request_id == bindparam("key_request_id"), _draws.c.returned_at.is_(None))
    .with_for_update()
)


async def release(tx: DriverTransaction, key_request_id: uuid.UUID) -> int:
    """A draw-down whose keys could not be signed gives its points back and its licenses up (the
    fulfilment's final failure); nothing for other requests. Returns the points credited."""
    credited = 0
    now = utcnow()
    for row in await tx.all(_UNRETURNED_OF_REQUEST, {"key_request_id": key_request_id}):
        draw = entity(FlexDraw, row)
        if await tx.one(_MARK_RETURNED, {"draw_id": draw.id, "now": now}) is None:
            continue
        await tx.one(_CREDIT, {"contract_id": draw.contract_id, "points": draw.points})
        await tx.one(_REVOKE_LICENSE, {"license_id": draw.license_id})
        credited += draw.points
    if credited:
        await audit.record(
            tx, "flex.released", actor=None, target=("KeyRequest", key_request_id), points=credited
        )
    return credited
