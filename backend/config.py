"""Settings from PORTAL_* environment variables, with safe defaults for the embedded mode."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _data_dir() -> Path:
    return Path(os.environ.get("PORTAL_DATA_DIR", "var")).resolve()


def _secret_key(data_dir: Path, env: str) -> str:
    """PORTAL_SECRET_KEY, or in development a random key kept in the data directory."""
    configured = os.environ.get("PORTAL_SECRET_KEY")
    if configured:
        return configured
    if env == "production":
        raise RuntimeError("PORTAL_SECRET_KEY must be set when PORTAL_ENV=production")
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    env: str = "development"
    smtp_url: str | None = None
    mail_from: str = "Licensing Portal <no-reply@portal.localhost>"
    # Where "Contact support" in the SPA writes to.
    support_email: str = "support@portal.localhost"
    public_url: str = "http://127.0.0.1:8000"
    issuer: str = "licensing-portal"
    workers: int = 1
    worker_concurrency: int = 4
    # PostgreSQL connections per process: the ORM pool (up to twice this with its overflow), half
    # of it for hot statements on the driver, and two for events.
    db_pool_size: int = 20
    # Rate limits: (max failures, window seconds)
    # Serials: per user; per client address sized for an office behind one address.
    serial_failures: tuple[int, int] = (10, 600)
    serial_failures_per_ip: tuple[int, int] = (200, 600)
    # Sign-in: free failures in the window, then each attempt waits twice as long as the last after
    # the latest failure (at most LOGIN_MAX_DELAY), never a lock: per address and e-mail (the
    # guesser), per e-mail from anywhere (a spread attack), per address (an office's worth).
    login_failures_per_pair: tuple[int, int] = (5, 3600)
    login_failures_per_email: tuple[int, int] = (20, 3600)
    login_failures_per_ip: tuple[int, int] = (200, 3600)
    # A step that asks for the current password again (change password, 2FA settings).
    password_check_failures: tuple[int, int] = (10, 600)
    draft_ttl_days: int = 7
    rehost_limit: int = 4  # re-hosts per license per 12 months
    notification_failures: tuple[int, int] = (10, 600)
    activation_failures: tuple[int, int] = (30, 600)
    voucher_failures: tuple[int, int] = (20, 3600)  # unknown or mistyped voucher codes
    session_ttl_days: int = 14
    job_lease_seconds: int = 60
    # Proxies whose X-Forwarded-For / -Proto are believed (addresses or CIDRs): none by default, so
    # a client cannot choose the address every per-address limit counts (PORTAL_TRUSTED_PROXIES).
    trusted_proxies: tuple[str, ...] = ()
    # A query (never a mutation: its answer is kept for a retry) is stopped after this many seconds,
    # or as soon as its client disconnects (PORTAL_QUERY_TIME_LIMIT).
    query_time_limit: float = 30.0
    # FileConnect: where release files are kept — None for content-addressed files under data_dir,
    # or s3://bucket?endpoint=…&region=… (PORTAL_STORAGE_URL); and the internal location of a
    # fronting nginx that sends the files itself (PORTAL_DOWNLOADS_ACCEL, e.g. /internal/).
    storage_url: str | None = None
    downloads_accel: str | None = None
    # API limits (issue 17): points per user per clock hour (a request costs one per started
    # hundred nodes; 0 turns the budget off, PORTAL_POINTS_PER_HOUR), and whether the checks before
    # execution (page sizes, node limit, string bounds, token scopes, budget) run at all — off only
    # to measure what they cost (bench/).
    points_per_hour: int = 5000
    limit_checks: bool = True
    # Operations (issue 18): the bearer token /metrics wants (PORTAL_METRICS_TOKEN; in production
    # without one /metrics is 404), log lines as JSON (PORTAL_LOG_FORMAT=json, the default in
    # production) or text, how many live workers /readyz wants (PORTAL_READY_WORKERS; 0: do not
    # ask) and how long a stopping worker lets its running jobs finish.
    metrics_token: str | None = None
    log_format: str = "text"
    ready_workers: int = 1
    shutdown_grace_seconds: float = 25.0
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def proxy_options(self) -> dict[str, Any]:
        """uvicorn's options for forwarded headers: read only from the trusted proxies."""
        if not self.trusted_proxies:
            return {"proxy_headers": False}
        return {"proxy_headers": True, "forwarded_allow_ips": ",".join(self.trusted_proxies)}

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ.get("PORTAL_ENV", "development")
        data_dir = _data_dir()
        url = os.environ.get("PORTAL_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'portal.db'}"
        values: dict[str, object] = {
            "data_dir": data_dir,
            "database_url": url,
            "secret_key": _secret_key(data_dir, env),
            "env": env,
            "smtp_url": os.environ.get("PORTAL_SMTP_URL") or None,
            "public_url": os.environ.get("PORTAL_PUBLIC_URL", "http://127.0.0.1:8000"),
            "workers": int(os.environ.get("PORTAL_WORKERS", "1")),
            "db_pool_size": int(os.environ.get("PORTAL_DB_POOL_SIZE", "20")),
            "rehost_limit": int(os.environ.get("PORTAL_REHOST_LIMIT", "4")),
        }
        proxies = os.environ.get("PORTAL_TRUSTED_PROXIES", "")
        values["trusted_proxies"] = tuple(p.strip() for p in proxies.split(",") if p.strip())
        values["storage_url"] = os.environ.get("PORTAL_STORAGE_URL") or None
        values["downloads_accel"] = os.environ.get("PORTAL_DOWNLOADS_ACCEL") or None
        if "PORTAL_SUPPORT_EMAIL" in os.environ:
            values["support_email"] = os.environ["PORTAL_SUPPORT_EMAIL"]
        if "PORTAL_MAIL_FROM" in os.environ:
            values["mail_from"] = os.environ["PORTAL_MAIL_FROM"]
        if "PORTAL_POINTS_PER_HOUR" in os.environ:
            values["points_per_hour"] = int(os.environ["PORTAL_POINTS_PER_HOUR"])
        values["metrics_token"] = os.environ.get("PORTAL_METRICS_TOKEN") or None
        values["log_format"] = os.environ.get("PORTAL_LOG_FORMAT") or (
            "json" if env == "production" else "text"
        )
        if "PORTAL_READY_WORKERS" in os.environ:
            values["ready_workers"] = int(os.environ["PORTAL_READY_WORKERS"])
        if "PORTAL_SHUTDOWN_GRACE_SECONDS" in os.environ:
            values["shutdown_grace_seconds"] = float(os.environ["PORTAL_SHUTDOWN_GRACE_SECONDS"])
        if "PORTAL_QUERY_TIME_LIMIT" in os.environ:
            values["query_time_limit"] = float(os.environ["PORTAL_QUERY_TIME_LIMIT"])
        if "PORTAL_JOB_LEASE_SECONDS" in os.environ:  # how soon a dead worker's job is run again
            values["job_lease_seconds"] = int(os.environ["PORTAL_JOB_LEASE_SECONDS"])
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
