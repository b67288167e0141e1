"""The job queue's failure path, on both databases: a failing job is retried later with its error
kept, and after its last attempt it is FAILED and its kind's final-failure handler runs once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from backend.db.models import Job, JobStatus, utcnow
from backend.jobs import JobKind
from backend.portal import Portal


async def test_a_failing_job_is_retried_then_failed_with_its_final_handler_run(settings: Any) -> None:
    from tests.conftest import running_app

    # given a portal without a running worker, and a job kind whose handler always fails
    async with running_app(settings, run_worker=False) as (_app, portal):
        finals: list[tuple[dict[str, Any], str]] = []

        async def fail(payload: dict[str, Any]) -> None:
            raise RuntimeError(f"no luck with {payload['n']}")

        async def final(payload: dict[str, Any], error: str) -> None:
            finals.append((payload, error))

        portal.job_kinds["test_fails"] = JobKind(run=fail, on_final_failure=final)
        async with portal.db.write() as session:
            job = Job(kind="test_fails", payload={"n": 7}, max_attempts=2)
            session.add(job)
        worker = portal.new_worker()

        # when it runs the first time
        assert await worker.run_once(job.id)

        # then it waits for a retry, with its error, and nothing final happened
        first = await _job(portal, job.id)
        assert first.status == JobStatus.QUEUED
        assert first.attempts == 1
        assert first.last_error == "RuntimeError: no luck with 7"
        assert first.run_after > utcnow()
        assert first.locked_until is None and first.finished_at is None
        assert finals == []

        # when its last attempt fails too (claimed by id: it is not due yet for the poll)
        async with portal.db.write() as session:
            due = await session.get_one(Job, job.id)
            due.run_after = utcnow()
        assert await worker.run_once(job.id)

        # then it is FAILED for good and the final handler ran once, with the error
        last = await _job(portal, job.id)
        assert last.status == JobStatus.FAILED
        assert last.attempts == 2
        assert last.finished_at is not None
        assert finals == [({"n": 7}, "RuntimeError: no luck with 7")]
        assert not await worker.run_once()  # nothing left to run


async def _job(portal: Portal, job_id: int) -> Job:
    async with portal.db.read() as session:
        job = await session.scalar(select(Job).where(Job.id == job_id))
    assert job is not None
    return job


async def test_a_job_whose_worker_died_is_taken_over_after_its_lease_and_run_once(settings: Any) -> None:
    from backend.db.driver import DriverTransaction
    from backend.jobs import claim
    from tests.conftest import running_app

    async with running_app(settings, run_worker=False) as (_app, portal):
        runs: list[dict[str, Any]] = []

        async def record(payload: dict[str, Any]) -> None:
            runs.append(payload)

        portal.job_kinds["test_lease"] = JobKind(run=record)
        async with portal.db.write() as session:
            job = Job(kind="test_lease", payload={"n": 1})
            session.add(job)

        # given a worker that claimed the job and died: its lease (0 s) runs out, nothing finishes it
        async def take(tx: DriverTransaction) -> Any:
            return await claim(tx, 0, job.id)

        assert (await portal.db.driver.run(take)) is not None
        taken = await _job(portal, job.id)
        assert taken.status == JobStatus.RUNNING and taken.attempts == 1 and runs == []

        # when another worker polls
        worker = portal.new_worker()
        assert await worker.run_once()

        # then it took the job over and ran it once, to the end
        done = await _job(portal, job.id)
        assert done.status == JobStatus.DONE
        assert done.attempts == 2
        assert runs == [{"n": 1}]
        assert not await worker.run_once()
