"""A page of 100 licenses with keys, product, status and custom values costs the same SQL
statements as a page of 1 (at most 8, the session lookup and the points budget included: session,
budget, role, page, count, keys, custom values and their fields): counted on the engines."""

from __future__ import annotations

from backend.domain import demo
from backend.portal import Portal
from tests.api.flows import account_id, sign_in
from tests.support import GraphQLClient, statements

PAGE = """
query Page($accountId: ID!, $first: Int, $filter: LicenseFilter) {
  licenses(accountId: $accountId, first: $first, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node {
      id status quantity maintenanceUntil hostId createdAt
      product { sku name version }
      keys { activationKey status }
      customValues { field { id name type } value }
    } }
  }
}"""


async def test_a_page_of_100_costs_what_a_page_of_1_costs(client: GraphQLClient, portal: Portal) -> None:
    account = account_id(await sign_in(client))
    if portal.worker is not None:
        await portal.worker.stop()  # its idle polls would land in the count
    seeded = await demo.seed_licenses(portal.db, portal.settings, portal.keys, 150)
    assert seeded["total"] == 150
    counts: dict[tuple[int, str], int] = {}
    for name, filter in (("all", None), ("filtered", {"status": ["ACTIVE", "EXPIRING"], "search": "cc-"})):
        for first in (1, 100):
            with statements(portal) as seen:
                page = (await client(PAGE, {"accountId": account, "first": first, "filter": filter}))[
                    "licenses"
                ]
            assert len(page["edges"]) == first
            assert all(e["node"]["keys"] and e["node"]["customValues"] for e in page["edges"])
            counts[(first, name)] = len(seen)
    assert counts[(1, "all")] == counts[(100, "all")] <= 8, counts
    assert counts[(1, "filtered")] == counts[(100, "filtered")] <= 8, counts
