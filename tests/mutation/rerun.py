"""Run a finished (or stopped) cosmic-ray session's surviving and pending mutants again, against the
tests as they are now at HEAD (one more test file, say): `python3 tests/mutation/rerun.py rehost`.

Each mutant is applied to a fresh private copy of HEAD under var/mutate/<module>/ with
`cosmic-ray apply`, the module's tests run there, and the file is put back before the next one. The
test list only grows, so a mutant the session killed stays killed. The answer: killed/survived over
all mutants, and each survivor by line (var/mutate/<module>-rerun.json)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from modules import MODULES, test_command

ROOT = Path(__file__).resolve().parents[2]


def main(module: str) -> None:
    path, tests = MODULES[module]
    work = ROOT / "var" / "mutate"
    venv = work / "venv" / "bin"
    session = work / f"{module}.sqlite"
    copy = work / module
    subprocess.run(["rm", "-rf", str(copy)], check=True)
    copy.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(copy)], input=archive.stdout, check=True)
    source = copy / path
    pristine = source.read_bytes()
    lines = pristine.decode().splitlines()
    dumped = subprocess.run(
        [str(venv / "cosmic-ray"), "dump", str(session)], check=True, capture_output=True, text=True
    ).stdout
    env = {**os.environ, "PYTHONPATH": str(copy)}
    command = test_command(str(ROOT / ".venv" / "bin" / "python"), tests)
    killed_before, results = 0, []
    try:
        for line in dumped.splitlines():
            item, result = json.loads(line)
            if (result or {}).get("test_outcome") == "killed":
                killed_before += 1
                continue
            (mutation,) = item["mutations"]
            source.write_bytes(pristine)
            subprocess.run(
                [
                    str(venv / "cosmic-ray"),
                    "apply",
                    path,
                    mutation["operator_name"],
                    str(mutation["occurrence"]),
                ],
                cwd=copy,
                check=True,
                capture_output=True,
            )
            ran = subprocess.run(
                ["nice", "-n", "19", "bash", "-c", command],
                cwd=copy,
                env=env,
                capture_output=True,
                timeout=900,
            )
            number = mutation["start_pos"][0]
            results.append(
                {
                    "line": number,
                    "operator": mutation["operator_name"],
                    "occurrence": mutation["occurrence"],
                    "killed": ran.returncode != 0,
                    "source": lines[number - 1].strip(),
                }
            )
            print(
                f"{len(results):4d} {'killed  ' if ran.returncode else 'SURVIVED'} {number:4d} "
                f"{mutation['operator_name']}",
                flush=True,
            )
    finally:
        source.write_bytes(pristine)
    killed = killed_before + sum(r["killed"] for r in results)
    total = killed_before + len(results)
    (work / f"{module}-rerun.json").write_text(json.dumps(results, indent=1))
    print(f"{module}: killed {killed}/{total} = {killed / total:.0%}")


if __name__ == "__main__":
    main(sys.argv[1])
