"""Benchmarks of the Get a Key pipeline: `python -m bench` (see docs/performance.md).

Measures, on SQLite and on PostgreSQL, side by side in one run:

1. the whole Get a Key over real HTTP against a `portal serve` process — keys/s at 1 and 32
   concurrent signed-in users, and confirm → key READY latency as seen on the keyRequestUpdated
   subscription;
2. the floor under it: the same transactions and one Ed25519 signature per key issued in-process,
   once through the domain functions and once as plain SQLAlchemy Core statements;
3. the latency of a trivial authenticated query, `{ me { id } }`.

Nothing here asserts on timings: it measures and reports.
"""
