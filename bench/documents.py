"""The GraphQL documents the benchmark sends: the SPA's own Get a Key documents, so the server
resolves what a browser makes it resolve.

They are read from the SPA's sources (every graphql(`...`) block under frontend/src) when those
define the operations below; otherwise the copies in this module are used. `SOURCE` says which."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

FRONTEND_SRC = Path(__file__).resolve().parent.parent / "frontend" / "src"

SERIAL_FIELDS = """
fragment SerialFields on Serial {
  number kind status quantity maintenanceMonths
  product { id sku name version licenseModel locking }
}"""

REGISTRATION_FIELDS = """
fragment RegistrationFields on SupportRegistration {
  company
  address { line1 line2 city postalCode country }
  technicalContact { name email phone }
  primaryContact { name email phone }
}"""

LICENSE_KEY_FIELDS = """
fragment LicenseKeyFields on LicenseKey {
  id activationKey licenseFile hostId kid status issuedAt
  license { id quantity maintenanceUntil status hostId product { id sku name version } }
}"""

LICENSE_SUMMARY_FIELDS = """
fragment LicenseSummaryFields on License {
  id quantity maintenanceUntil status hostId
  product { id sku name version licenseModel locking }
}"""

KEY_REQUEST_FIELDS = (
    """
fragment KeyRequestFields on KeyRequest {
  id kind status step requiresHostId hostId failureReason
  createdAt updatedAt expiresAt submittedAt readyAt
  serials { ...SerialFields }
  registration { ...RegistrationFields }
  suggestedRegistration { ...RegistrationFields }
  renewalCandidates { serialNumber product { id name version } licenses { ...LicenseSummaryFields } }
  renewals { serialNumber newMaintenanceUntil license { ...LicenseSummaryFields } }
  keys { ...LicenseKeyFields }
}"""
    + SERIAL_FIELDS
    + REGISTRATION_FIELDS
    + LICENSE_SUMMARY_FIELDS
    + LICENSE_KEY_FIELDS
)

KEY_REQUEST_PROGRESS_FIELDS = (
    """
fragment KeyRequestProgressFields on KeyRequest {
  id kind status step failureReason updatedAt expiresAt submittedAt readyAt
  keys { ...LicenseKeyFields }
}"""
    + LICENSE_KEY_FIELDS
)

KEY_REQUEST_REGISTRATION_SAVED_FIELDS = (
    """
fragment KeyRequestRegistrationSavedFields on KeyRequest {
  id status step hostId updatedAt expiresAt
  registration { ...RegistrationFields }
}"""
    + REGISTRATION_FIELDS
)

USER_ERROR = "... on UserError { code message field }"
REJECTED = "... on SerialNumbersRejected { problems { serialNumber code message } }"
INVALID = "... on InvalidInput { fieldErrors { field code message } }"

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on LoginSuccess { user { id email } }
    ... on UserError { code message field }
    ... on RateLimited { retryAfterSeconds }
  }
}"""

ME_ACCOUNTS = "query Me { me { id memberships { role account { id kind } } } }"

ME_ID = "{ me { id } }"

START = f"""
mutation KeyRequestStart($input: KeyRequestStartInput!) {{
  keyRequestStart(input: $input) {{
    __typename
    ... on KeyRequestStartSuccess {{ keyRequest {{ id status step }} }}
    {USER_ERROR}
  }}
}}"""

ENTER_SERIALS = (
    f"""
mutation KeyRequestEnterSerials($input: KeyRequestEnterSerialsInput!) {{
  keyRequestEnterSerials(input: $input) {{
    __typename
    ... on KeyRequestEnterSerialsSuccess {{ keyRequest {{ ...KeyRequestFields }} }}
    {USER_ERROR}
    {REJECTED}
    {INVALID}
  }}
}}"""
    + KEY_REQUEST_FIELDS
)

SET_REGISTRATION = (
    f"""
mutation KeyRequestSetRegistration($input: KeyRequestSetRegistrationInput!) {{
  keyRequestSetRegistration(input: $input) {{
    __typename
    ... on KeyRequestSetRegistrationSuccess {{ keyRequest {{ ...KeyRequestRegistrationSavedFields }} }}
    {USER_ERROR}
    {INVALID}
  }}
}}"""
    + KEY_REQUEST_REGISTRATION_SAVED_FIELDS
)

CONFIRM = (
    f"""
mutation KeyRequestConfirm($input: KeyRequestConfirmInput!) {{
  keyRequestConfirm(input: $input) {{
    __typename
    ... on KeyRequestConfirmSuccess {{ keyRequest {{ ...KeyRequestProgressFields }} }}
    {USER_ERROR}
    {REJECTED}
    {INVALID}
  }}
}}"""
    + KEY_REQUEST_PROGRESS_FIELDS
)

KEY_REQUEST_UPDATED = (
    """
subscription KeyRequestUpdated($id: ID!) {
  keyRequestUpdated(id: $id) { ...KeyRequestProgressFields }
}"""
    + KEY_REQUEST_PROGRESS_FIELDS
)

REGISTRATION: dict[str, Any] = {
    "company": "Bench Corp",
    "address": {
        "line1": "1 Main Street",
        "line2": None,
        "city": "Springfield",
        "postalCode": "12345",
        "country": "US",
    },
    "technicalContact": {"name": "Tess Tech", "email": "tess@bench.example", "phone": "+1 555 0100"},
    "primaryContact": {"name": "Paul Primary", "email": "paul@bench.example", "phone": None},
}


# ---------------------------------------------------------------- the SPA's own documents

_BLOCK = re.compile(r"graphql\(\s*`(.*?)`\s*\)", re.S)
_DEFINITION = re.compile(r"^\s*(fragment|query|mutation|subscription)\s+(\w+)", re.S)
_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_]\w*)")
SPA_OPERATIONS = {
    "START": "KeyRequestStart",
    "ENTER_SERIALS": "KeyRequestEnterSerials",
    "SET_REGISTRATION": "KeyRequestSetRegistration",
    "CONFIRM": "KeyRequestConfirm",
    "KEY_REQUEST_UPDATED": "KeyRequestUpdated",
}


def _spa_definitions(root: Path) -> dict[str, str]:
    definitions: dict[str, str] = {}
    for path in sorted(root.rglob("*.ts*")):
        if "gql" in path.relative_to(root).parts[:1] or path.name.endswith((".test.ts", ".test.tsx")):
            continue
        for block in _BLOCK.findall(path.read_text(errors="replace")):
            match = _DEFINITION.match(block)
            if match:
                definitions[match.group(2)] = block.strip()
    return definitions


def _with_fragments(name: str, definitions: dict[str, str]) -> str:
    """The operation and every fragment it needs, transitively."""
    needed, queue = [name], [name]
    while queue:
        for spread in _SPREAD.findall(definitions[queue.pop()]):
            if spread not in needed and spread not in ("on",):
                if spread not in definitions:
                    raise KeyError(spread)
                needed.append(spread)
                queue.append(spread)
    return "\n\n".join(definitions[n] for n in needed)


def _load_spa() -> str:
    global START, ENTER_SERIALS, SET_REGISTRATION, CONFIRM, KEY_REQUEST_UPDATED
    if not FRONTEND_SRC.is_dir():
        return "built-in copies (no frontend/src)"
    try:
        definitions = _spa_definitions(FRONTEND_SRC)
        documents = {key: _with_fragments(name, definitions) for key, name in SPA_OPERATIONS.items()}
    except (KeyError, OSError) as exc:
        return f"built-in copies (SPA documents incomplete: {exc})"
    START = documents["START"]
    ENTER_SERIALS = documents["ENTER_SERIALS"]
    SET_REGISTRATION = documents["SET_REGISTRATION"]
    CONFIRM = documents["CONFIRM"]
    KEY_REQUEST_UPDATED = documents["KEY_REQUEST_UPDATED"]
    return "the SPA's (frontend/src)"


SOURCE = _load_spa()
