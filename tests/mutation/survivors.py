"""Summarise a cosmic-ray session: killed/survived counts and each surviving mutant with its line.

    python tests/mutation/survivors.py var/mutate/<module>.sqlite <source file>

Reads `cosmic-ray dump` from the mutation venv (tests/mutation/mutate.sh installs it)."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from pathlib import Path


def main(session: str, source: str) -> None:
    venv = Path(session).resolve().parents[1] / "venv" / "bin" / "cosmic-ray"
    dumped = subprocess.run([str(venv), "dump", session], check=True, capture_output=True, text=True).stdout
    lines = Path(source).read_text().splitlines()
    outcomes: collections.Counter[str] = collections.Counter()
    survivors = []
    for line in dumped.splitlines():
        item, result = json.loads(line)
        outcome = (result or {}).get("test_outcome") or "pending"
        outcomes[outcome] += 1
        if outcome == "survived":
            (mutation,) = item["mutations"]
            survivors.append(
                (mutation["start_pos"][0], mutation["operator_name"], mutation.get("definition_name") or "")
            )
    done = outcomes["killed"] + outcomes["survived"]
    print(dict(outcomes), f"killed {outcomes['killed']}/{done} = {outcomes['killed'] / max(done, 1):.0%}")
    for number, operator, definition in sorted(survivors):
        print(f"{number:4d} {definition:22.22s} {operator:45.45s} {lines[number - 1].strip()[:90]}")


if __name__ == "__main__":
    main(*sys.argv[1:])
