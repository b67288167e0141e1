"""Support: where the SPA's "Contact support" link writes to (PORTAL_SUPPORT_EMAIL)."""

from __future__ import annotations

import strawberry

from backend.context import Info


@strawberry.type(description="How to reach the vendor's support desk.")
class SupportContact:
    email: str


@strawberry.type
class Query:
    @strawberry.field(
        description="How to reach support (answers signed-out callers too: the sign-in page links it)."
    )
    def support_contact(self, info: Info) -> SupportContact:
        return SupportContact(email=info.context.portal.settings.support_email)
