"""The `portal` command: serve, worker, migrate, demo and operator tasks."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from backend.config import Settings
from backend.db.migrate import upgrade
from backend.db.models import FlexContract, FlexOverage, SerialKind
from backend.domain import demo
from backend.domain.errors import InvalidInputError, UserError
from backend.graphql import build_schema
from backend.keys import InvalidLicenseFile, verify_license_file
from backend.observability import logging as portal_logging
from backend.portal import Portal
from backend.resolvers.bulk_exports import BulkPages


async def _with_portal(settings: Settings, func: Any) -> Any:
    await upgrade(settings.database_url)
    portal = Portal(settings)
    await portal.start(run_worker=False)
    try:
        return await func(portal)
    finally:
        await portal.stop()


def _print_demo(info: dict[str, Any], url: str) -> None:
    print(f"\nLicensing Portal is running at {url}\n")
    print("Demo sign-ins (password for all: %s):" % info["users"][0]["password"])
    for user in info["users"]:
        print(
            f"  {user['email']:<26} {user['role']:<7} {user['account']['name']} ({user['account']['kind']})"
        )
    print("\nUnregistered serial numbers to try in Get a Key:")
    for serial in info["serials"][:8]:
        lock = " host-locked" if serial["locking"] == "HOST" else ""
        print(f"  {serial['number']}  {serial['product']:<7} {serial['quantity']} seats{lock}")
    if info.get("renewalSerials"):
        print("\nRenewal serial numbers (extend maintenance of a license you hold):")
        for serial in info["renewalSerials"][:3]:
            print(f"  {serial['number']}  {serial['product']:<7}")
    for path in info.get("upgradePaths", []):
        print(f"\nVersion Upgrade: once you hold a key for {path['from']}, an operator runs")
        print(f"  portal upgrades notify --from {path['from']} --to {path['to']}")
        print("and the notification ID arrives on the Messages page.")
    if info.get("vouchers"):
        print("\nVoucher codes to convert in the Voucher Center (sign in as the OEM user):")
        for voucher in info["vouchers"]:
            print(f"  {voucher['code']}  {voucher['product']}")
    print("\nDownloads: releases of the products you hold a license for; Bob's EPS-14 maintenance")
    print("ended, so EPS-14 14.3 shows locked for him. Operators publish with `portal releases add`.")
    print(flush=True)


async def _seed_demo(portal: Portal) -> dict[str, Any]:
    await demo.seed(portal.db)
    await demo.seed_vouchers(portal.db, portal.settings.secret_key)
    await demo.seed_releases(portal.db, portal.settings)
    info = await demo.describe(portal.db)
    info["vouchers"] = await demo.available_demo_vouchers(portal.db, portal.settings.secret_key)
    return info


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from backend.app import create_app
    from backend.processes import uvicorn_options

    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def prepare(portal: Portal) -> dict[str, Any] | None:
        if args.demo or (args.demo is None and not settings.production):
            return await _seed_demo(portal)
        return None

    processes = args.processes or int(os.environ.get("PORTAL_WEB_PROCESSES", "1"))
    if processes > 1 and settings.is_sqlite:
        print(
            "error: several web processes need PostgreSQL (SQLite events stay in one process)",
            file=sys.stderr,
        )
        return 2
    info = asyncio.run(_with_portal(settings, prepare))
    if info:
        _print_demo(info, f"http://{args.host}:{args.port}")
    if processes > 1:
        # Each process builds its own app from the same environment; the PostgreSQL event bus
        # and job queue already work across instances.
        from backend import processes as web_processes

        return web_processes.serve(args.host, args.port, processes, args.log_level)
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, **uvicorn_options(settings, args.log_level)
    )
    return 0


def cmd_worker(_args: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def run(portal: Portal) -> None:
        from backend.domain.licenses.reminders import ensure_scheduled

        await ensure_scheduled(portal.db, portal.bus)
        portal.bulk_runner = BulkPages(portal, build_schema(settings.production, checks=False))
        worker = portal.new_worker(settings.worker_concurrency)
        worker.start(heartbeat=True)  # /readyz of web processes without a worker wants it
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print("worker running; Ctrl-C to stop", flush=True)
        await stop.wait()
        await worker.stop()

    asyncio.run(_with_portal(settings, run))
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade(settings.database_url))
    print("database is up to date")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    async def run(portal: Portal) -> dict[str, Any]:
        info = await _seed_demo(portal)
        if args.licenses is not None:
            info["licenses"] = await demo.seed_licenses(
                portal.db, portal.settings, portal.keys, args.licenses
            )
        return info

    info = asyncio.run(_with_portal(settings, run))
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        _print_demo(info, settings.public_url)
        if "licenses" in info:
            seeded = info["licenses"]
            print(
                f"{seeded['account']}: {seeded['total']} licenses ({seeded['created']} created "
                f"in {seeded['seconds']} s)"
            )
    return 0


def cmd_reminders_run(args: argparse.Namespace) -> int:
    from datetime import UTC, date, datetime

    from backend.domain.licenses import reminders

    settings = Settings.from_env()
    on = date.fromisoformat(args.today) if args.today else None

    async def run(portal: Portal) -> int:
        sent = await reminders.run(portal.db, portal.bus, portal.settings, on or datetime.now(UTC).date())
        return len(sent)

    count = asyncio.run(_with_portal(settings, run))
    print(f"{count} maintenance reminder(s) sent")
    return 0


def cmd_serials_issue(args: argparse.Namespace) -> int:
    from backend.domain.catalog import issue_serials, partner_by_number, product_by_sku

    settings = Settings.from_env()

    async def run(portal: Portal) -> list[str]:
        async with portal.db.write() as session:
            product = await product_by_sku(session, args.product)
            holder = await partner_by_number(session, args.holder) if args.holder else None
            serials = await issue_serials(
                session,
                product,
                quantity=args.quantity,
                count=args.count,
                maintenance_months=args.maintenance_months,
                kind=SerialKind(args.kind),
                order_ref=args.order,
                holder_account_id=holder.id if holder else None,
            )
            return [s.number for s in serials]

    try:
        numbers = asyncio.run(_with_portal(settings, run))
    except InvalidInputError as exc:
        for problem in exc.problems:
            print(f"error: {problem.field}: {problem.message}", file=sys.stderr)
        return 2
    print("\n".join(numbers))
    return 0


def _overage(text: str) -> tuple[FlexOverage, int]:
    """`hard` or `soft:PCT`."""
    kind, _, percent = text.strip().lower().partition(":")
    if kind == "hard" and not percent:
        return FlexOverage.HARD, 0
    if kind == "soft" and percent.isdigit():
        return FlexOverage.SOFT, int(percent)
    raise argparse.ArgumentTypeError("--overage is 'hard' or 'soft:PCT' (e.g. soft:10)")


def _print_problems(exc: UserError) -> int:
    problems = exc.problems if isinstance(exc, InvalidInputError) else [None]
    for problem in problems:
        if problem is None:
            print(f"error: {exc.field or 'input'}: {exc.message}", file=sys.stderr)
        else:
            print(f"error: {problem.field}: {problem.message}", file=sys.stderr)
    return 2


def cmd_flex_create(args: argparse.Namespace) -> int:
    from backend.domain.flex import contracts

    settings = Settings.from_env()
    overage, percent = args.overage

    async def run(portal: Portal) -> FlexContract:
        account_id = await contracts.account_id_by_number(portal.db, args.account)
        new = contracts.NewContract(
            account_id, args.number, args.starts, args.ends, args.points, overage, percent
        )
        return await contracts.create(portal.db, None, new)

    try:
        contract = asyncio.run(_with_portal(settings, run))
    except UserError as exc:
        return _print_problems(exc)
    print(
        f"{contract.number}  {contract.starts_on} to {contract.ends_on}  {contract.committed_points} points"
        f"  overage {contract.overage_policy.value.lower()}"
        + (f":{contract.overage_percent}" if contract.overage_percent else "")
    )
    return 0


def cmd_flex_catalog_set(args: argparse.Namespace) -> int:
    from backend.domain.flex import contracts

    settings = Settings.from_env()

    async def run(portal: Portal) -> None:
        contract_id = await contracts.contract_id_by_number(portal.db, args.contract)
        product_id = await contracts.product_id_by_sku(portal.db, args.product)
        await contracts.set_catalog_price(
            portal.db, None, contract_id, product_id, None if args.remove else args.points
        )

    try:
        asyncio.run(_with_portal(settings, run))
    except UserError as exc:
        return _print_problems(exc)
    what = "removed from" if args.remove else f"priced at {args.points} points per unit in"
    print(f"{args.product.upper()} {what} {args.contract.upper()}")
    return 0


def cmd_vouchers_issue(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from backend.domain.flex import contracts
    from backend.domain.vouchers import batches

    settings = Settings.from_env()

    async def run(portal: Portal) -> batches.Issued:
        account_id = await contracts.account_id_by_number(portal.db, args.oem)
        new = batches.NewBatch(
            account_id, args.product, args.quantity, args.count, args.expires, args.maintenance_months
        )
        with tqdm(total=args.count, unit="voucher", disable=args.count < 5_000, file=sys.stderr) as bar:

            def progress(done: int) -> None:
                bar.update(done - bar.n)

            return await batches.issue(portal.db, portal.settings.secret_key, None, new, progress=progress)

    try:
        issued = asyncio.run(_with_portal(settings, run))
    except UserError as exc:
        return _print_problems(exc)
    batch = issued.batch
    expiry = f", expiring {batch.expires_on}" if batch.expires_on else ""
    summary = f"{batch.count} voucher(s) for {batch.quantity} seat(s) of {args.product.upper()}{expiry}"
    if args.output:
        # Written once, at issue: the portal keeps only keyed hashes of the codes.
        with open(args.output, "w", encoding="ascii", newline="") as out:
            out.write("code\n" + "".join(code + "\n" for code in issued.codes))
        print(f"{summary} written to {args.output}", file=sys.stderr)
    else:
        print("\n".join(issued.codes))
        print(summary, file=sys.stderr)
    return 0


# ---------------------------------------------------------------- FileConnect releases


def cmd_releases_add(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from backend.domain.releases import publishing
    from backend.domain.releases.storage import storage_for

    settings = Settings.from_env()
    files = [Path(name) for name in args.files]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 2
    notes = Path(args.notes).read_text(encoding="utf-8") if args.notes else ""

    async def run(portal: Portal) -> tuple[str, list[Any]]:
        new = publishing.NewRelease(args.product, args.version, args.platform, args.released, notes)
        existing = await publishing.find(portal.db, args.product, args.version, args.platform)
        if existing is None:
            release_id = (await publishing.create(portal.db, None, new)).id
        else:
            # Adding a forgotten file to a published release: its date and notes stay.
            release_id = existing
            print("adding to the published release", file=sys.stderr)
        storage = storage_for(portal.settings)
        added = []
        for path in files:
            size = path.stat().st_size
            with tqdm(
                total=size, unit="B", unit_scale=True, unit_divisor=1024, desc=path.name, file=sys.stderr
            ) as bar:
                added.append(
                    await publishing.add_file_from_path(
                        portal.db, storage, None, release_id, path, progress=bar.update
                    )
                )
        return str(release_id), added

    try:
        release_id, added = asyncio.run(_with_portal(settings, run))
    except UserError as exc:
        return _print_problems(exc)
    print(f"{args.product.upper()} {args.version} {args.platform}  release {release_id}")
    for file in added:
        print(f"  {file.sha256}  {file.size:>12,}  {file.name}")
    return 0


def cmd_releases_list(args: argparse.Namespace) -> int:
    from backend.domain.releases import publishing

    settings = Settings.from_env()

    async def run(portal: Portal) -> list[Any]:
        return await publishing.listing(portal.db, args.product)

    listed = asyncio.run(_with_portal(settings, run))
    for item in listed:
        release = item.release
        state = "  WITHDRAWN" if release.withdrawn_at is not None else ""
        print(
            f"{release.id}  {item.sku:<8} {release.version:<12} {release.platform:<16} "
            f"{release.released_on}  {item.files} file(s) {item.size:,} B  "
            f"{item.downloads} download(s){state}"
        )
    print(f"{len(listed)} release(s)", file=sys.stderr)
    return 0


def cmd_releases_withdraw(args: argparse.Namespace) -> int:
    import uuid

    from backend.domain.releases import publishing

    settings = Settings.from_env()
    if args.id is None and not (args.product and args.version and args.platform):
        print("error: give a release ID, or --product, --version and --platform", file=sys.stderr)
        return 2

    async def run(portal: Portal) -> Any:
        if args.id is not None:
            try:
                release_id: uuid.UUID | None = uuid.UUID(args.id)
            except ValueError:
                release_id = None
        else:
            release_id = await publishing.find(portal.db, args.product, args.version, args.platform)
        return await publishing.withdraw(portal.db, None, release_id)

    try:
        release = asyncio.run(_with_portal(settings, run))
    except UserError as exc:
        return _print_problems(exc)
    print(f"release {release.id} ({release.version} {release.platform}) withdrawn at {release.withdrawn_at}")
    return 0


def _load_jwks(source: str | None) -> dict[str, Any]:
    if source is None:
        source = Settings.from_env().public_url + "/.well-known/jwks.json"
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=10) as response:
            data: dict[str, Any] = json.load(response)
            return data
    data = json.loads(Path(source).read_text())
    return data


def cmd_license_verify(args: argparse.Namespace) -> int:
    token = Path(args.file).read_text().strip()
    try:
        claims = verify_license_file(token, _load_jwks(args.jwks))
    except InvalidLicenseFile as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    print("VALID")
    print(json.dumps(claims, indent=2, sort_keys=True))
    return 0


def cmd_keys_rotate(_args: argparse.Namespace) -> int:
    settings = Settings.from_env()

    async def run(portal: Portal) -> str:
        return await portal.keys.rotate()

    kid = asyncio.run(_with_portal(settings, run))
    print(f"new signing key {kid}; earlier keys stay in the JWKS")
    return 0


def cmd_upgrades_notify(args: argparse.Namespace) -> int:
    from backend.domain.key_requests.upgrades import notify

    settings = Settings.from_env()

    async def run(portal: Portal) -> list[dict[str, Any]]:
        notified = await notify(
            portal.db, portal.bus, portal.settings, args.from_sku, args.to_sku, args.expires_days
        )
        return [
            {
                "notificationId": n.notification.code,
                "account": n.account.name,
                "licenses": [str(i) for i in n.license_ids],
            }
            for n in notified
        ]

    try:
        rows = asyncio.run(_with_portal(settings, run))
    except InvalidInputError as exc:
        for problem in exc.problems:
            print(f"error: {problem.field}: {problem.message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"notifications": rows}, indent=2))
    else:
        for row in rows:
            print(f"{row['notificationId']}  {row['account']}  ({len(row['licenses'])} license(s))")
        print(f"{len(rows)} notification(s) created and mailed")
    return 0


def cmd_connection_budget(args: argparse.Namespace) -> int:
    from backend.observability.budget import connection_budget, describe

    pool_size = args.pool_size or int(os.environ.get("PORTAL_DB_POOL_SIZE", Settings.db_pool_size))
    print(describe(connection_budget(pool_size, args.web_processes, args.workers)))
    return 0


def cmd_schema_export(args: argparse.Namespace) -> int:
    from backend.graphql import export_sdl

    sdl = export_sdl()
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl)
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="portal", description="Licensing Portal")
    sub = root.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the portal (migrates first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--processes",
        type=int,
        default=0,
        help="web processes (PostgreSQL only; default PORTAL_WEB_PROCESSES or 1)",
    )
    serve.add_argument(
        "--demo",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="seed demo data (default: on unless PORTAL_ENV=production)",
    )
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("worker", help="run a standalone job worker").set_defaults(func=cmd_worker)

    flex = sub.add_parser("flex", help="Enterprise Flexible contracts").add_subparsers(
        dest="flex_command", required=True
    )
    flex_create = flex.add_parser("create", help="a contract for a customer account")
    flex_create.add_argument("--account", required=True, help="the customer's account number")
    flex_create.add_argument("--number", required=True, help="EF-…")
    flex_create.add_argument("--starts", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    flex_create.add_argument("--ends", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    flex_create.add_argument("--points", required=True, type=int, help="committed points")
    flex_create.add_argument(
        "--overage", type=_overage, default=(FlexOverage.HARD, 0), help="hard | soft:PCT"
    )
    flex_create.set_defaults(func=cmd_flex_create)
    flex_catalog = flex.add_parser("catalog", help="a contract's catalog").add_subparsers(
        dest="flex_catalog_command", required=True
    )
    catalog_set = flex_catalog.add_parser("set", help="price a product in a contract's catalog")
    catalog_set.add_argument("--contract", required=True, help="EF-…")
    catalog_set.add_argument("--product", required=True, help="SKU")
    points = catalog_set.add_mutually_exclusive_group(required=True)
    points.add_argument("--points", type=int, help="points per unit")
    points.add_argument("--remove", action="store_true", help="take the product out of the catalog")
    catalog_set.set_defaults(func=cmd_flex_catalog_set)

    vouchers = sub.add_parser("vouchers", help="Voucher Center: OEM voucher batches").add_subparsers(
        dest="vouchers_command", required=True
    )
    vouchers_issue = vouchers.add_parser(
        "issue", help="a batch of vouchers for an OEM account (the codes are printed once)"
    )
    vouchers_issue.add_argument("--oem", required=True, help="the OEM's account number")
    vouchers_issue.add_argument("--product", required=True, help="SKU")
    vouchers_issue.add_argument("--quantity", required=True, type=int, help="seats per voucher")
    vouchers_issue.add_argument("--count", required=True, type=int, help="vouchers in the batch")
    vouchers_issue.add_argument("--expires", type=date.fromisoformat, help="YYYY-MM-DD (default: never)")
    vouchers_issue.add_argument("--maintenance-months", type=int, default=12)
    vouchers_issue.add_argument("-o", "--output", help="write the codes to this CSV file")
    vouchers_issue.set_defaults(func=cmd_vouchers_issue)

    releases = sub.add_parser("releases", help="FileConnect: publish software releases").add_subparsers(
        dest="releases_command", required=True
    )
    releases_add = releases.add_parser(
        "add", help="publish a release's files (streamed into storage, SHA-256 computed on the way)"
    )
    releases_add.add_argument("--product", required=True, help="SKU")
    releases_add.add_argument("--version", required=True)
    releases_add.add_argument("--platform", required=True, help="e.g. windows-x64, linux-x64, macos")
    releases_add.add_argument("--released", type=date.fromisoformat, help="YYYY-MM-DD (default: today)")
    releases_add.add_argument("--notes", metavar="FILE.md", help="release notes (Markdown)")
    releases_add.add_argument("files", nargs="+", metavar="FILE")
    releases_add.set_defaults(func=cmd_releases_add)
    releases_list = releases.add_parser("list", help="every release with its files and downloads")
    releases_list.add_argument("--product", help="SKU")
    releases_list.set_defaults(func=cmd_releases_list)
    releases_withdraw = releases.add_parser("withdraw", help="take a release down (its links answer 410)")
    releases_withdraw.add_argument("id", nargs="?", help="the release's ID (as `releases list` prints it)")
    releases_withdraw.add_argument("--product", help="SKU")
    releases_withdraw.add_argument("--version")
    releases_withdraw.add_argument("--platform")
    releases_withdraw.set_defaults(func=cmd_releases_withdraw)

    reminders_cmd = sub.add_parser("reminders", help="maintenance reminder mails").add_subparsers(
        dest="reminders_command", required=True
    )
    reminders_run = reminders_cmd.add_parser("run", help="send the reminders due today (each at most once)")
    reminders_run.add_argument("--today", metavar="YYYY-MM-DD", help="act as if today were this date")
    reminders_run.set_defaults(func=cmd_reminders_run)
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)

    demo_cmd = sub.add_parser("demo", help="seed demo data and print the sign-ins and serials")
    demo_cmd.add_argument("--json", action="store_true")
    demo_cmd.add_argument(
        "--licenses",
        type=int,
        metavar="N",
        help="give the first customer account N licenses with keys, serials and custom values",
    )
    demo_cmd.set_defaults(func=cmd_demo)

    serials = sub.add_parser("serials", help="serial numbers").add_subparsers(
        dest="serials_command", required=True
    )
    issue = serials.add_parser("issue", help="a new order: print new serial numbers")
    issue.add_argument("--product", required=True, help="product SKU")
    issue.add_argument("--quantity", type=int, required=True, help="seats per serial")
    issue.add_argument("--count", type=int, default=1, help="how many serials")
    issue.add_argument("--maintenance-months", type=int, default=12)
    issue.add_argument("--kind", choices=[k.value for k in SerialKind], default="NEW")
    issue.add_argument(
        "--holder", metavar="ACCOUNT_NUMBER", help="a partner account holding the serials for a customer"
    )
    issue.add_argument("--order", default=None, help="order reference")
    issue.set_defaults(func=cmd_serials_issue)

    lic = sub.add_parser("license", help="license files").add_subparsers(
        dest="license_command", required=True
    )
    verify = lic.add_parser("verify", help="check a license file offline")
    verify.add_argument("file")
    verify.add_argument("--jwks", help="JWKS URL or file (default: this portal's)")
    verify.set_defaults(func=cmd_license_verify)

    keys = sub.add_parser("keys", help="signing keys").add_subparsers(dest="keys_command", required=True)
    keys.add_parser("rotate", help="add a new signing key").set_defaults(func=cmd_keys_rotate)

    upgrades = sub.add_parser("upgrades", help="version upgrades").add_subparsers(
        dest="upgrades_command", required=True
    )
    notify_cmd = upgrades.add_parser("notify", help="notify accounts holding --from with current maintenance")
    notify_cmd.add_argument("--from", dest="from_sku", required=True)
    notify_cmd.add_argument("--to", dest="to_sku", required=True)
    notify_cmd.add_argument("--expires-days", type=int, default=90)
    notify_cmd.add_argument("--json", action="store_true")
    notify_cmd.set_defaults(func=cmd_upgrades_notify)

    budget = sub.add_parser(
        "connection-budget", help="PostgreSQL connections N web processes and M workers may open"
    )
    budget.add_argument("--web-processes", type=int, required=True)
    budget.add_argument("--workers", type=int, required=True, help="`portal worker` processes")
    budget.add_argument("--pool-size", type=int, default=0, help="default PORTAL_DB_POOL_SIZE or 20")
    budget.set_defaults(func=cmd_connection_budget)

    schema = sub.add_parser("schema", help="GraphQL schema").add_subparsers(
        dest="schema_command", required=True
    )
    export = schema.add_parser("export", help="print the SDL")
    export.add_argument("--output", "-o", default="-")
    export.set_defaults(func=cmd_schema_export)
    return root


def main(argv: list[str] | None = None) -> int:
    portal_logging.configure(portal_logging.format_from_env())
    args = parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
