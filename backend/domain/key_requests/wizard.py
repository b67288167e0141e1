"""Where a key request's wizard stands: the next thing the user does, by kind and by what the
draft holds. One rule for the SPA's wizards and for API clients (KeyRequest.step)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Awaitable, Callable

from backend.db.models import KeyRequest, KeyRequestKind, KeyRequestStatus, Product, Serial, SerialKind
from backend.domain.key_requests.get_a_key import requires_host


class WizardStep(enum.Enum):
    SERIALS = "SERIALS"
    RENEWAL_TARGETS = "RENEWAL_TARGETS"
    UPGRADE_PRODUCT = "UPGRADE_PRODUCT"
    UPGRADE_QUANTITY = "UPGRADE_QUANTITY"
    FLEX_ITEMS = "FLEX_ITEMS"
    HOST = "HOST"
    REGISTRATION = "REGISTRATION"
    CONFIRM = "CONFIRM"
    KEYS = "KEYS"


async def current_step(
    request: KeyRequest,
    serials: Callable[[], Awaitable[list[tuple[Serial, Product]]]],
    renewal_targets: Callable[[], Awaitable[set[uuid.UUID]]],
    cart: Callable[[], Awaitable[list[Product]]],
) -> WizardStep:
    """The request's next step. `serials` (with their products), `renewal_targets` (the serials
    whose renewed license is chosen) and `cart` (a draw-down's products) are read only when the
    answer depends on them."""
    if request.status != KeyRequestStatus.DRAFT:
        return WizardStep.KEYS
    if request.kind == KeyRequestKind.REHOST:
        return WizardStep.CONFIRM if request.host_id else WizardStep.HOST
    if request.kind == KeyRequestKind.UPGRADE:
        if request.license_id is None:
            return WizardStep.UPGRADE_PRODUCT
        if request.upgrade_quantity is None:
            return WizardStep.UPGRADE_QUANTITY
        return WizardStep.CONFIRM if request.registration else WizardStep.REGISTRATION
    if request.kind == KeyRequestKind.FLEX:
        products = await cart()
        if not products:
            return WizardStep.FLEX_ITEMS
        if request.registration is None or (requires_host(products) and not request.host_id):
            return WizardStep.REGISTRATION
        return WizardStep.CONFIRM
    held = await serials()
    if not held:
        return WizardStep.SERIALS
    renewing = [s for s, _ in held if s.kind == SerialKind.RENEWAL]
    if renewing:
        chosen = await renewal_targets()
        if any(s.id not in chosen for s in renewing):
            return WizardStep.RENEWAL_TARGETS
    new_products = [p for s, p in held if s.kind == SerialKind.NEW]
    if new_products and (
        request.registration is None or (requires_host(new_products) and not request.host_id)
    ):
        return WizardStep.REGISTRATION
    return WizardStep.CONFIRM
