"""A license's history as people read it: which audit events belong to one license, and one
sentence for each (decision record 0013)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# A key request's events that changed the license; its draft steps (serials typed, rejected or
# removed, registration, choices) are the request's, not the license's.
REQUEST_ACTIONS = frozenset(
    {
        "key_request.confirm",
        "upgrade_request.confirm",
        "rehost_request.confirm",
        "key_request.ready",
        "key_request.failed",
        "key_request.keys_resent",
        "flex.draw_down",
    }
)
# Events about the license itself are recorded with either spelling of the target type.
LICENSE_TARGETS = ("License", "license")


def _plural(count: Any, noun: str) -> str:
    n = int(count or 0)
    return f"{n} {noun}{'' if n == 1 else 's'}"


_SENTENCES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "key_request.confirm": lambda d: "Keys requested (Get a Key)",
    "upgrade_request.confirm": lambda d: "Version upgrade confirmed",
    "rehost_request.confirm": lambda d: (
        f"Re-hosted from {d.get('from_host') or 'its host'} to {d.get('to_host')}"
    ),
    "key_request.ready": lambda d: f"Keys signed and mailed ({_plural(d.get('keys'), 'key')})",
    "key_request.failed": lambda d: "Signing the keys failed; support has been told",
    "key_request.keys_resent": lambda d: f"Keys sent again to {d.get('to') or 'the technical contact'}",
    "flex.draw_down": lambda d: "Drawn down from an Enterprise Flexible contract",
    "license.activate": lambda d: f"Host {d.get('host')} activated{' again' if d.get('again') else ''}",
    "license.deactivate": lambda d: f"Host {d.get('host')} deactivated",
    "license.share": lambda d: f"Shared with {d.get('email')} ({str(d.get('permission', '')).lower()})",
    "license.share_accept": lambda d: "Share accepted",
    "license.unshare": lambda d: f"No longer shared with {d.get('email')}",
    "license.transfer_ownership": lambda d: "Ownership transferred",
    "license.custom_values": lambda d: "Custom fields changed",
    "license.registration": lambda d: f"Support registration changed (company {d.get('company')})",
    "license.maintenance_reminder": lambda d: (
        f"Maintenance reminder sent ({d.get('days_before')} days before {d.get('maintenance_until')})"
    ),
}


def summary(action: str, data: Mapping[str, Any] | None) -> str:
    """One readable sentence for an event; an event without one reads as its words."""
    sentence = _SENTENCES.get(action)
    if sentence is not None:
        return sentence(data or {})
    words = action.split(".")[-1].replace("_", " ").strip()
    return words[:1].upper() + words[1:]
