"""Maintenance reminders 90, 30 and 7 days before maintenance ends: to the owner and the
technical contact, through the outbox, each (license, maintenance end, threshold) exactly once;
the daily job re-enqueues itself; `portal reminders run` and `portal demo --licenses`."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from backend import cli
from backend.db.models import EmailMessage, Job, JobStatus, License, LicenseState, MaintenanceReminder
from backend.domain.licenses import reminders
from backend.portal import Portal
from tests.api.flows import ALICE, REGISTRATION, account_id, sign_in
from tests.api.licenses_world import make_license, plain, user_id
from tests.support import GraphQLClient

TODAY = date(2031, 6, 15)  # fixed: the rule is about days before maintenance ends
TECH = REGISTRATION["technicalContact"]["email"]


async def outbox(portal: Portal) -> list[tuple[str, str]]:
    async with portal.db.read() as session:
        rows = await session.execute(
            select(EmailMessage.to_address, EmailMessage.subject).where(
                EmailMessage.subject.like("Maintenance of %")
            )
        )
        return sorted((to, subject) for to, subject in rows)


async def reminder_rows(portal: Portal) -> list[tuple[Any, ...]]:
    async with portal.db.read() as session:
        rows = await session.execute(
            select(
                MaintenanceReminder.license_id,
                MaintenanceReminder.maintenance_until,
                MaintenanceReminder.days_before,
            )
        )
        return sorted(tuple(r) for r in rows)


async def test_each_threshold_is_mailed_once_to_owner_and_technical_contact(
    client: GraphQLClient, portal: Portal
) -> None:
    account = plain(account_id(await sign_in(client)), "Account")
    alice = await user_id(portal, ALICE)

    async def at(days: int, **kw: Any) -> Any:
        return await make_license(
            portal,
            account,
            kw.pop("sku", "EPS-14"),
            maintenance_until=TODAY + timedelta(days=days),
            owner_id=alice,
            **kw,
        )

    d90, d30, d7, d5 = await at(90), await at(30), await at(7), await at(5)
    next_day, far, past = await at(91), await at(200), await at(-1)
    gone = await at(7, state=LicenseState.SUPERSEDED)
    nobody = await make_license(
        portal,
        account,
        maintenance_until=TODAY + timedelta(days=30),
        registration={**REGISTRATION, "technicalContact": {"name": "Alice", "email": ALICE, "phone": None}},
    )
    sent = await reminders.run(portal.db, portal.bus, portal.settings, TODAY)
    assert sorted((s.license_id, s.days_before) for s in sent) == sorted(
        [
            (d90.license_id, 90),
            (d30.license_id, 30),
            (d7.license_id, 7),
            (d5.license_id, 7),
            (nobody.license_id, 30),
        ]
    )
    assert {s.recipients for s in sent if s.license_id != nobody.license_id} == {tuple(sorted([ALICE, TECH]))}
    assert next(s.recipients for s in sent if s.license_id == nobody.license_id) == (ALICE,)
    mails = await outbox(portal)
    assert len(mails) == 2 * 4 + 1
    assert sum(1 for to, _ in mails if to == TECH) == 4
    untouched = {next_day.license_id, far.license_id, past.license_id, gone.license_id}
    assert not untouched & {s.license_id for s in sent}
    # Again the same day: nothing new. The next day only the license that entered the 90-day window.
    assert await reminders.run(portal.db, portal.bus, portal.settings, TODAY) == []
    assert len(await outbox(portal)) == len(mails)
    tomorrow = await reminders.run(portal.db, portal.bus, portal.settings, TODAY + timedelta(days=1))
    assert [(s.license_id, s.days_before) for s in tomorrow] == [(next_day.license_id, 90)]
    assert await reminders.run(portal.db, portal.bus, portal.settings, TODAY + timedelta(days=1)) == []
    # 60 days on, the 90-day license reaches its 30-day reminder; 83 days on, its 7-day one.
    later = await reminders.run(portal.db, portal.bus, portal.settings, TODAY + timedelta(days=60))
    assert [(s.license_id, s.days_before) for s in later] == [(d90.license_id, 30)]
    # A missed day is caught up: the 91-day license had no run on its 30-day date.
    latest = await reminders.run(portal.db, portal.bus, portal.settings, TODAY + timedelta(days=83))
    assert sorted((s.license_id, s.days_before) for s in latest) == sorted(
        [(d90.license_id, 7), (next_day.license_id, 30)]
    )
    # A renewal moves the maintenance end: the reminders start over for the new date.
    async with portal.db.write() as session:
        await session.execute(
            update(License)
            .where(License.id == d7.license_id)
            .values(maintenance_until=TODAY + timedelta(days=95))
        )
    renewed = await reminders.run(portal.db, portal.bus, portal.settings, TODAY + timedelta(days=5))
    assert [(s.license_id, s.days_before) for s in renewed] == [(d7.license_id, 90)]
    rows = await reminder_rows(portal)
    assert len(rows) == len(set(rows)) == 10


async def test_the_daily_job_is_scheduled_and_reschedules_itself(portal: Portal) -> None:
    async def queued() -> list[Job]:
        async with portal.db.read() as session:
            return list(
                await session.scalars(
                    select(Job).where(Job.kind == reminders.JOB, Job.status == JobStatus.QUEUED)
                )
            )

    first = await queued()
    assert len(first) == 1  # queued when the portal started with a worker
    assert first[0].run_after.time() == reminders.RUN_AT
    await reminders.ensure_scheduled(portal.db, portal.bus)
    assert len(await queued()) == 1  # never twice
    async with portal.db.write() as session:
        await session.execute(update(Job).where(Job.id == first[0].id).values(status=JobStatus.DONE))
    await portal.job_kinds[reminders.JOB].run({})
    again = await queued()
    assert (
        len(again) == 1
        and again[0].id != first[0].id
        and again[0].run_after > first[0].run_after - timedelta(days=1)
    )


def test_cli_demo_licenses_and_reminders_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "portal.db"
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "test-secret-key-0123456789")
    assert cli.main(["demo", "--licenses", "40", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["licenses"]["total"] == 40 and info["licenses"]["created"] == 40
    assert info["users"][0]["email"] == ALICE
    assert cli.main(["demo", "--licenses", "40", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["licenses"]["created"] == 0  # already there
    with sqlite3.connect(database) as db:
        # Acme's: the demo world's other accounts hold a license or two of their own.
        acme = "(SELECT id FROM accounts WHERE name = 'Acme Corp')"
        counts = db.execute(
            f"SELECT count(*), count(DISTINCT search_text) FROM licenses WHERE account_id = {acme}"
        ).fetchone()
        keys = db.execute("SELECT count(*) FROM license_keys").fetchone()[0]
        values = db.execute("SELECT count(*) FROM license_custom_values").fetchone()[0]
        (end,) = db.execute(
            "SELECT maintenance_until FROM licenses WHERE state = 'CURRENT' ORDER BY maintenance_until DESC LIMIT 1"
        ).fetchone()
    assert counts == (40, 40) and keys == 40 and values >= 80
    on = (date.fromisoformat(end) - timedelta(days=7)).isoformat()
    assert cli.main(["reminders", "run", "--today", on]) == 0
    first = capsys.readouterr().out
    assert first.startswith(tuple(f"{n} " for n in range(1, 41)))
    assert cli.main(["reminders", "run", "--today", on]) == 0
    assert capsys.readouterr().out.strip() == "0 maintenance reminder(s) sent"
