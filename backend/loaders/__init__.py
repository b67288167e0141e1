"""Per-request DataLoaders, one module per area (base, catalog, accounts, licenses, key_requests,
partners, flex, vouchers, releases): one batched query per relation and request shape, never one per row.
Each area's class extends the one below it, so a loader may prime the loaders of the areas it reads
with."""

from backend.loaders.releases import ReleaseLoaders


class Loaders(ReleaseLoaders):
    """The request's DataLoaders, of every area."""


__all__ = ["Loaders"]
