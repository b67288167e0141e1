"""ORM models: the system of record. Relationships are lazy="raise" so an N+1 fails loudly."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return (
            value.astimezone(UTC) if dialect.name != "sqlite" else value.astimezone(UTC).replace(tzinfo=None)
        )

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # asyncpg reads timestamptz as UTC already
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(
        cls,
        native_enum=False,
        length=24,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


def only_on(dialect: str, index: Index) -> Index:
    """An index that exists on one database only (e.g. a PostgreSQL GIN index): created there
    alone, and compared against the migrations there alone (see include_object)."""
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def include_object(dialect: str) -> Any:
    """For alembic's comparison of the models with a database of `dialect`."""

    def include(obj: Any, _name: Any, _type: Any, _reflected: Any, _compare_to: Any) -> bool:
        only = getattr(obj, "info", {}).get("only_on")
        return only is None or only == dialect

    return include


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, uuid.UUID: Uuid}


class AccountKind(enum.StrEnum):
    CUSTOMER = "CUSTOMER"
    PARTNER = "PARTNER"
    OEM = "OEM"
    VENDOR = "VENDOR"


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"


class DelegationScope(enum.StrEnum):
    VIEW = "VIEW"
    MANAGE = "MANAGE"


class DelegationStatus(enum.StrEnum):
    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    DECLINED = "DECLINED"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class LicenseModel(enum.StrEnum):
    PERPETUAL = "PERPETUAL"
    SUBSCRIPTION = "SUBSCRIPTION"


class Locking(enum.StrEnum):
    NONE = "NONE"
    HOST = "HOST"


class SerialKind(enum.StrEnum):
    NEW = "NEW"
    RENEWAL = "RENEWAL"
    UPGRADE = "UPGRADE"


class SerialStatus(enum.StrEnum):
    UNREGISTERED = "UNREGISTERED"
    REGISTERED = "REGISTERED"
    VOID = "VOID"


class LicenseState(enum.StrEnum):
    """Stored lifecycle; the displayed status (EXPIRING, LAPSED…) is derived from dates."""

    CURRENT = "CURRENT"
    SUPERSEDED = "SUPERSEDED"
    REVOKED = "REVOKED"


class KeyStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    # A renewal signed a newer key for the license: this one's file carries the earlier maintenance
    # end; its activation key still activates hosts (they get the license's current terms).
    SUPERSEDED = "SUPERSEDED"


class KeyRequestKind(enum.StrEnum):
    NEW = "NEW"  # Get a Key: new purchases and renewals
    UPGRADE = "UPGRADE"
    REHOST = "REHOST"
    FLEX = "FLEX"  # Enterprise Flexible: a draw-down against a contract
    VOUCHER = "VOUCHER"  # Voucher Center: an OEM converts vouchers into licenses


class KeyRequestStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    FULFILLING = "FULFILLING"
    READY = "READY"
    FAILED = "FAILED"


class JobStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class CustomFieldType(enum.StrEnum):
    TEXT = "TEXT"
    NUMBER = "NUMBER"
    DATE = "DATE"
    CHOICE = "CHOICE"


class SharePermission(enum.StrEnum):
    VIEW = "VIEW"
    MANAGE = "MANAGE"


class EmailStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    SENT = "SENT"
    FAILED = "FAILED"
    HELD = "HELD"


def _id() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = _id()
    number: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"
    id: Mapped[uuid.UUID] = _id()
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    email_verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)
    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    account: Mapped[Account] = relationship(lazy="raise")


class Delegation(Base):
    """A customer account delegated to the partner account that sold it the product."""

    __tablename__ = "delegations"
    id: Mapped[uuid.UUID] = _id()
    customer_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    partner_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    scope: Mapped[DelegationScope] = mapped_column(_enum(DelegationScope))
    status: Mapped[DelegationStatus] = mapped_column(_enum(DelegationStatus))
    # The delegation ends by itself at this instant (the start of the day after its end date).
    ends_at: Mapped[datetime | None]
    invited_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    responded_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]
    revoked_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[uuid.UUID] = _id()
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(32))
    license_model: Mapped[LicenseModel] = mapped_column(_enum(LicenseModel))
    locking: Mapped[Locking] = mapped_column(_enum(Locking))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Serial(Base):
    __tablename__ = "serials"
    id: Mapped[uuid.UUID] = _id()
    number: Mapped[str] = mapped_column(String(16), unique=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    maintenance_months: Mapped[int] = mapped_column(Integer)
    kind: Mapped[SerialKind] = mapped_column(_enum(SerialKind))
    status: Mapped[SerialStatus] = mapped_column(_enum(SerialStatus), default=SerialStatus.UNREGISTERED)
    order_ref: Mapped[str | None] = mapped_column(String(64))
    # Sold through a partner to a customer not known yet: only the partner's users may register it
    # (into any account they manage); to everyone else it is an unknown number.
    holder_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    registered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    product: Mapped[Product] = relationship(lazy="raise")


class License(Base):
    __tablename__ = "licenses"
    # Manage My Licenses pages and filters by account: each served by an index (docs/performance.md).
    __table_args__ = (
        Index("ix_licenses_account_created", "account_id", "created_at", "id"),
        Index("ix_licenses_account_state_maintenance", "account_id", "state", "maintenance_until"),
        Index("ix_licenses_account_product", "account_id", "product_id"),
        # FileConnect: the latest maintenance end of an account's licenses of a product, one descent.
        Index("ix_licenses_account_product_maintenance", "account_id", "product_id", "maintenance_until"),
        only_on(
            "postgresql",
            Index(
                "ix_licenses_search_trgm",
                "search_text",
                postgresql_using="gin",
                postgresql_ops={"search_text": "gin_trgm_ops"},
            ),
        ),
    )
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # The serial that created this license: unique, the last line of defence against double issue.
    origin_serial_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("serials.id"), unique=True)
    key_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("key_requests.id"), index=True)
    # The voucher converted into this license: unique, like origin_serial_id.
    voucher_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vouchers.id", use_alter=True), unique=True
    )
    quantity: Mapped[int] = mapped_column(Integer)
    maintenance_until: Mapped[date] = mapped_column(Date)
    host_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[LicenseState] = mapped_column(_enum(LicenseState), default=LicenseState.CURRENT)
    # Lower-cased serial numbers, activation keys, product name and text custom values, kept by
    # domain/license_search.py: the one column free-text search reads; on PostgreSQL a trigram
    # index (ix_licenses_search_trgm, pg_trgm) serves LIKE '%term%'.
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    product: Mapped[Product] = relationship(lazy="raise")


class SupportRegistration(Base):
    __tablename__ = "support_registrations"
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), unique=True)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who entered these details last, and when: a prefill says whose details it shows.
    entered_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_support_registrations_account_created", "account_id", "created_at"),)


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenseKey(Base):
    __tablename__ = "license_keys"
    # One key per license per key request: a retried fulfillment job cannot sign twice.
    __table_args__ = (
        UniqueConstraint("license_id", "key_request_id", name="uq_license_keys_license_request"),
    )
    id: Mapped[uuid.UUID] = _id()
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), index=True)
    key_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("key_requests.id"), index=True)
    activation_key: Mapped[str] = mapped_column(String(32), unique=True)
    kid: Mapped[str] = mapped_column(ForeignKey("signing_keys.kid"))
    license_file: Mapped[str] = mapped_column(Text)
    host_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[KeyStatus] = mapped_column(_enum(KeyStatus), default=KeyStatus.ACTIVE)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyRequest(Base):
    """A persisted wizard draft: every way to a key is one, filled step by step, then confirmed."""

    __tablename__ = "key_requests"
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[KeyRequestKind] = mapped_column(_enum(KeyRequestKind), default=KeyRequestKind.NEW)
    status: Mapped[KeyRequestStatus] = mapped_column(_enum(KeyRequestStatus), default=KeyRequestStatus.DRAFT)
    registration: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    host_id: Mapped[str | None] = mapped_column(String(64))
    # UPGRADE: the notification, the chosen license and seats; REHOST: the license and the key moved.
    notification_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("upgrade_notifications.id"))
    # use_alter: licenses and keys point back at the request that made them (a cycle of references).
    license_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("licenses.id", use_alter=True), index=True
    )
    source_key_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("license_keys.id", use_alter=True))
    upgrade_quantity: Mapped[int | None] = mapped_column(Integer)
    # FLEX: the contract drawn from (its cart lines are in flex_cart_lines).
    flex_contract_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("flex_contracts.id"), index=True)
    # Scoped to this request: a confirm retried with the same key gets the same answer.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]


class KeyRequestSerial(Base):
    __tablename__ = "key_request_serials"
    __table_args__ = (UniqueConstraint("key_request_id", "serial_id", name="uq_key_request_serials_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_requests.id", ondelete="CASCADE"))
    serial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("serials.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class KeyRequestRenewal(Base):
    """A renewal serial in a Get a Key request and the license it extends."""

    __tablename__ = "key_request_renewals"
    __table_args__ = (UniqueConstraint("key_request_id", "serial_id", name="uq_key_request_renewals_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_requests.id", ondelete="CASCADE"))
    serial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("serials.id"))
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), index=True)


class KeyRequestLicense(Base):
    """The licenses a confirmed key request signs keys for (created, renewed, upgraded or re-hosted)."""

    __tablename__ = "key_request_licenses"
    __table_args__ = (UniqueConstraint("key_request_id", "license_id", name="uq_key_request_licenses_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_requests.id", ondelete="CASCADE"))
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class LicenseSerial(Base):
    """Every serial registered onto a license: the one that created it and each renewal."""

    __tablename__ = "license_serials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), index=True)
    serial_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("serials.id"), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Activation(Base):
    """A host holding a seat of a license through one of its activation keys."""

    __tablename__ = "activations"
    __table_args__ = (UniqueConstraint("license_key_id", "host_id", name="uq_activations_key_host"),)
    id: Mapped[uuid.UUID] = _id()
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), index=True)
    license_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("license_keys.id"), index=True)
    host_id: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # SHA-256 of the token handed to the host when it first activated: its proof for deactivation.
    token_hash: Mapped[str | None] = mapped_column(String(64))


class UpgradeNotification(Base):
    __tablename__ = "upgrade_notifications"
    id: Mapped[uuid.UUID] = _id()
    code: Mapped[str] = mapped_column(String(16), unique=True)
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    from_product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    to_product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UpgradeLine(Base):
    """Seats of one license a notification lets the account upgrade; upgraded only grows, never past eligible."""

    __tablename__ = "upgrade_lines"
    __table_args__ = (UniqueConstraint("notification_id", "license_id", name="uq_upgrade_lines_pair"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("upgrade_notifications.id", ondelete="CASCADE")
    )
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), index=True)
    eligible_quantity: Mapped[int] = mapped_column(Integer)
    upgraded_quantity: Mapped[int] = mapped_column(Integer, default=0)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_claim", "status", "run_after"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]]
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # The request that enqueued the job (X-Request-ID), so its log lines join the request's.
    request_id: Mapped[str | None] = mapped_column(String(64))


class EmailMessage(Base):
    __tablename__ = "email_messages"
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    key_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("key_requests.id"))
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(_enum(EmailStatus))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class AuditEvent(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    actor_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class UserSession(Base):
    __tablename__ = "user_sessions"
    id: Mapped[uuid.UUID] = _id()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))
    # The browser's User-Agent at sign-in, so the sessions list tells devices apart.
    user_agent: Mapped[str | None] = mapped_column(String(300))


class EmailToken(Base):
    """Single-use secrets handed to one user: mailed links (e-mail verification, password reset)
    and the short-lived challenge between a correct password and the second factor; only the
    hash is stored."""

    __tablename__ = "email_tokens"
    id: Mapped[uuid.UUID] = _id()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RateLimitHit(Base):
    """Failed attempts at guessable secrets, counted in a sliding window per bucket key."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_bucket_at", "bucket", "at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomField(Base):
    """A user-defined field an account's admins add to its licenses."""

    __tablename__ = "custom_fields"
    __table_args__ = (UniqueConstraint("account_id", "name", name="uq_custom_fields_account_name"),)
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[CustomFieldType] = mapped_column(_enum(CustomFieldType))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenseCustomValue(Base):
    """One license's value of one custom field, stored in the column of its type so it sorts right."""

    __tablename__ = "license_custom_values"
    __table_args__ = (
        UniqueConstraint("license_id", "field_id", name="uq_license_custom_values_pair"),
        Index("ix_license_custom_values_text", "field_id", "value_text", "license_id"),
        Index("ix_license_custom_values_number", "field_id", "value_number", "license_id"),
        Index("ix_license_custom_values_date", "field_id", "value_date", "license_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id", ondelete="CASCADE"))
    field_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("custom_fields.id", ondelete="CASCADE"))
    value_text: Mapped[str | None] = mapped_column(String(500))
    value_number: Mapped[float | None]
    value_date: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LicenseShare(Base):
    """A license shared with one person, by e-mail: a member, another portal user or someone not
    signed up yet (user_id is filled in when that e-mail signs in or signs up)."""

    __tablename__ = "license_shares"
    __table_args__ = (UniqueConstraint("license_id", "email", name="uq_license_shares_license_email"),)
    id: Mapped[uuid.UUID] = _id()
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    permission: Mapped[SharePermission] = mapped_column(_enum(SharePermission))
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccountInvitation(Base):
    """An admin's invitation of a colleague by e-mail; becomes a Membership when that e-mail signs
    in or signs up (at once when the user already exists)."""

    __tablename__ = "account_invitations"
    __table_args__ = (UniqueConstraint("account_id", "email", name="uq_account_invitations_account_email"),)
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    invited_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]


class MaintenanceReminder(Base):
    """A reminder mail sent for one license, days_before its maintenance end: each one at most once."""

    __tablename__ = "maintenance_reminders"
    __table_args__ = (
        UniqueConstraint(
            "license_id", "maintenance_until", "days_before", name="uq_maintenance_reminders_once"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id", ondelete="CASCADE"))
    maintenance_until: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlexOverage(enum.StrEnum):
    HARD = "HARD"  # never past the commitment
    SOFT = "SOFT"  # up to overage_percent past it, recorded for true-up


class FlexRole(enum.StrEnum):
    SUPER_USER = "SUPER_USER"
    CONTRACT_USER = "CONTRACT_USER"
    VIEWER = "VIEWER"  # a partner acting under a VIEW delegation: sees, never draws


class FlexContract(Base):
    """An Enterprise Flexible contract: a term, committed points and a catalog to draw down from.
    consumed_points is the one hot counter every draw-down moves with a conditional UPDATE."""

    __tablename__ = "flex_contracts"
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    committed_points: Mapped[int] = mapped_column(Integer)
    overage_policy: Mapped[FlexOverage] = mapped_column(_enum(FlexOverage))
    overage_percent: Mapped[int] = mapped_column(Integer, default=0)
    consumed_points: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlexCatalogItem(Base):
    __tablename__ = "flex_catalog_items"
    __table_args__ = (UniqueConstraint("contract_id", "product_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flex_contracts.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    points_per_unit: Mapped[int] = mapped_column(Integer)


class FlexRoleGrant(Base):
    """A user's role on one contract (account admins are super users without a row)."""

    __tablename__ = "flex_roles"
    __table_args__ = (UniqueConstraint("contract_id", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flex_contracts.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[FlexRole] = mapped_column(_enum(FlexRole))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FlexCartLine(Base):
    """One line of a FLEX draft's cart: a catalog product and how many units."""

    __tablename__ = "flex_cart_lines"
    __table_args__ = (UniqueConstraint("key_request_id", "product_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_requests.id", ondelete="CASCADE"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class FlexDraw(Base):
    """A deployment: one license drawn from a contract, its points (and the part past the
    commitment), and when it was returned if it was."""

    __tablename__ = "flex_draws"
    __table_args__ = (Index("ix_flex_draws_contract_drawn", "contract_id", "drawn_at", "id"),)
    id: Mapped[uuid.UUID] = _id()
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flex_contracts.id"))
    license_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("licenses.id"), unique=True)
    key_request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("key_requests.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    acting_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    overage_points: Mapped[int] = mapped_column(Integer, default=0)
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    returned_at: Mapped[datetime | None]


class FlexReminder(Base):
    """A consumption or term-end reminder sent for a contract: each kind once."""

    __tablename__ = "flex_reminders"
    __table_args__ = (UniqueConstraint("contract_id", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("flex_contracts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class TotpCredential(Base):
    """A user's authenticator app (TOTP, RFC 6238): the shared secret encrypted with a key derived
    from PORTAL_SECRET_KEY; unconfirmed until the user enters a first code. last_step is the
    newest time step accepted, so a code is never accepted twice."""

    __tablename__ = "totp_credentials"
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """One-time codes that stand in for the authenticator app; only their SHA-256 is stored."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)
    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class VoucherState(enum.StrEnum):
    """Stored states (EXPIRED is shown, never stored): an AVAILABLE voucher of a batch past its expiry date shows as EXPIRED."""

    AVAILABLE = "AVAILABLE"
    CONVERTED = "CONVERTED"
    EXPIRED = "EXPIRED"
    VOID = "VOID"


class VoucherBatch(Base):
    """Vouchers an operator issued to an OEM account at once: each converts into a license of the
    product for `quantity` seats with `maintenance_months` of maintenance, until `expires_on`."""

    __tablename__ = "voucher_batches"
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    maintenance_months: Mapped[int] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Voucher(Base):
    """One voucher: only a keyed hash of its code is kept (HMAC with the server secret), and its
    last four characters to tell it apart. Converted once, by a conditional UPDATE; its license
    names it (licenses.voucher_id, unique)."""

    __tablename__ = "vouchers"
    __table_args__ = (Index("ix_vouchers_batch_state", "batch_id", "state"),)
    id: Mapped[uuid.UUID] = _id()
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("voucher_batches.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_four: Mapped[str] = mapped_column(String(4))
    state: Mapped[VoucherState] = mapped_column(_enum(VoucherState), default=VoucherState.AVAILABLE)
    key_request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("key_requests.id"), index=True)
    converted_at: Mapped[datetime | None]


class VoucherConversion(Base):
    """One voucherConvert call (its key request of kind VOUCHER): the answer per line, kept so that
    the same idempotency key gets the same answer, and the conversion history shows it."""

    __tablename__ = "voucher_conversions"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)
    key_request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("key_requests.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    target_account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"))
    target_email: Mapped[str | None] = mapped_column(String(254))
    total: Mapped[int] = mapped_column(Integer)
    converted: Mapped[int] = mapped_column(Integer)
    # {"lines": [[line, last_four, result, license_id, converted_at, retry_after, detail], ...]}
    lines: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxKind(enum.StrEnum):
    """What an in-app notification is about (decision record 0017)."""

    UPGRADE_AVAILABLE = "UPGRADE_AVAILABLE"
    KEYS_READY = "KEYS_READY"
    DELEGATION_INVITED = "DELEGATION_INVITED"
    DELEGATION_ANSWERED = "DELEGATION_ANSWERED"
    LICENSE_SHARED = "LICENSE_SHARED"
    MAINTENANCE_REMINDER = "MAINTENANCE_REMINDER"


class InboxItem(Base):
    """One notification in a user's notification centre, written with the mail about the same
    event (mail.queue_email's `notice`); unread while read_at is null."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_user_created", "user_id", "created_at"),)
    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[InboxKind] = mapped_column(_enum(InboxKind))
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(500))
    code: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


# ---------------------------------------------------------------- FileConnect (issue 16)


class Release(Base):
    """A version of a product for one platform, published by operators; its files are listed to
    users entitled to the product (domain/releases/entitlement.py). A withdrawn release is no longer
    listed and its links answer 410."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("product_id", "version", "platform", name="uq_releases_product_version_platform"),
        Index("ix_releases_product_released", "product_id", "released_on"),
    )
    id: Mapped[uuid.UUID] = _id()
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"))
    version: Mapped[str] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(32))
    released_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised by the SPA
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]


class ReleaseFile(Base):
    """One downloadable file of a release; the bytes live in storage under their SHA-256 (hex), so
    the same installer published twice is stored once."""

    __tablename__ = "release_files"
    __table_args__ = (UniqueConstraint("release_id", "name", name="uq_release_files_release_name"),)
    id: Mapped[uuid.UUID] = _id()
    release_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class FileDownload(Base):
    """The audit of one served download request: who, for which account's entitlement, what range,
    how many bytes, the answer's status and the client's address."""

    __tablename__ = "file_downloads"
    __table_args__ = (Index("ix_file_downloads_file_at", "file_id", "at"),)
    id: Mapped[uuid.UUID] = _id()
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("release_files.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    range_header: Mapped[str | None] = mapped_column(String(200))
    bytes_sent: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[int] = mapped_column(Integer)
    client_ip: Mapped[str | None] = mapped_column(String(64))


# ---------------------------------------------------------------- API tokens (issue 17)


class ApiToken(Base):
    """A personal access token for scripts and integrations: `lp_` + a 32-byte random secret,
    stored only as its SHA-256 (domain/tokens/). It acts as its user, within its scopes; an
    account's admins see and revoke the tokens made for that account."""

    __tablename__ = "api_tokens"
    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The first characters of the token, shown in lists so a user can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]


class RateBudget(Base):
    """Points a user spent on GraphQL requests in one clock hour (the points budget, backend/budget.py):
    one row per user and hour, raised by a conditional upsert so concurrent instances never
    overspend."""

    __tablename__ = "rate_budgets"
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


# ---------------------------------------------------------------- Operations (issue 18)


class WorkerHeartbeat(Base):
    """A running worker (in a web process or `portal worker`), seen every few seconds: /readyz
    wants one seen lately, so a deployment whose workers all died is not ready."""

    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# ---------------------------------------------------------------- Single sign-on (issue 18)


class SsoConnection(Base):
    """An account's OpenID Connect provider (one per account): users with its domains sign in
    there (domain/accounts/sso.py). The client secret is stored encrypted (auth/oidc.py)."""

    __tablename__ = "sso_connections"
    id: Mapped[uuid.UUID] = _id()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), unique=True)
    issuer_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    join_role: Mapped[Role] = mapped_column(_enum(Role))
    require_sso: Mapped[bool] = mapped_column(Boolean, default=False)
    # The one admin who may still sign in with a password while SSO is required.
    break_glass_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SsoDomain(Base):
    """An e-mail domain a connection vouches for; the primary key keeps each domain with one
    account at most."""

    __tablename__ = "sso_domains"
    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sso_connections.id", ondelete="CASCADE"), index=True
    )


class SsoLogin(Base):
    """A sign-in sent to a provider and not back yet: the state (stored as SHA-256, also in the
    browser's cookie), the nonce and the PKCE verifier; single use, short-lived."""

    __tablename__ = "sso_logins"
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sso_connections.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(index=True)


# ---------------------------------------------------------------- Bulk exports (issue 17)


class BulkExportStatus(enum.StrEnum):
    CREATED = "CREATED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class BulkExport(Base):
    """A connection query run over every page in the background, written as JSONL under the data
    directory (domain/bulk_exports/). `running_user_id` is the user's id while the export is
    CREATED or RUNNING and NULL after: its unique constraint lets one export run per user, however
    many starts race."""

    __tablename__ = "bulk_exports"
    id: Mapped[uuid.UUID] = _id()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    running_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    query: Mapped[str] = mapped_column(Text)
    # The starting API token's scopes (None: a browser session), kept for the background run.
    scopes: Mapped[list[str] | None] = mapped_column(JSON)
    status: Mapped[BulkExportStatus] = mapped_column(
        _enum(BulkExportStatus), default=BulkExportStatus.CREATED
    )
    object_count: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text)
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
