"""The rule modules mutation testing covers, and the tests that cover each (run on SQLite).

python3 tests/mutation/modules.py MODULE   ->   "<source path>|<test files>"
"""

from __future__ import annotations

import sys

MODULES = {
    "access": (
        "backend/domain/access.py",
        "tests/api/test_access_matrix.py tests/api/test_delegations.py tests/api/test_members.py",
    ),
    "pipeline": (
        "backend/domain/key_requests/pipeline.py",
        "tests/api/test_key_requests.py tests/api/test_rehost_activation.py tests/api/test_upgrades.py",
    ),
    "get_a_key": (
        "backend/domain/key_requests/get_a_key.py",
        "tests/api/test_key_requests.py tests/api/test_renewals.py",
    ),
    "rehost": (
        "backend/domain/key_requests/rehost.py",
        "tests/api/test_rehost_activation.py tests/api/test_rehost_neighbours.py",
    ),
    "activations": ("backend/domain/activations.py", "tests/api/test_rehost_activation.py"),
    "upgrades": ("backend/domain/key_requests/upgrades.py", "tests/api/test_upgrades.py"),
    "delegations": (
        "backend/domain/partners/delegations.py",
        "tests/api/test_delegations.py tests/api/test_partners.py",
    ),
}


def test_command(python: str, tests: str) -> str:
    return f"{python} -m pytest -x -q -p no:cacheprovider -k 'not postgresql' {tests}"


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in MODULES:
        sys.exit(f"usage: make mutate MODULE={'|'.join(MODULES)}")
    print("|".join(MODULES[sys.argv[1]]))
