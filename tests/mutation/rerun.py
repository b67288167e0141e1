"""Run a finished (or stopped) cosmic-ray session's surviving and pending mutants again, against the
tests as they are now at HEAD (one more test file, say): `python3 tests/mutation/rerun.py rehost`.

Each mutant is applied to a fresh private copy of HEAD under var/mutate/<module>/ with
`cosmic-ray apply`, the module's tests run there, and the file is put back before the next one. The
test list only grows, so a mutant the session killed stays killed. The answer: killed/survived over
all mutants, and each survivor by line (var/mutate/<module>-rerun.json)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from modules import MODULES, test_command

ROOT = Path(__file__).resolve().parents[2]


def annotations(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The (start, end) positions of every annotation in the source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            found += [a.annotation for a in every if a is not None and a.annotation is not None]
            found += [node.returns] if node.returns is not None else []
        elif isinstance(node, ast.AnnAssign):
            found.append(node.annotation)
    return [((a.lineno, a.col_offset), (a.end_lineno or 0, a.end_col_offset or 0)) for a in found]


def main(module: str, again: set[int]) -> None:
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
    in_annotation = annotations(pristine.decode())
    journal = work / f"{module}-rerun.jsonl"
    done = {}
    if journal.exists():
        for entry in map(json.loads, journal.read_text().splitlines()):
            done[(entry["operator"], entry["occurrence"])] = entry
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
            number = mutation["start_pos"][0]
            key = (mutation["operator_name"], mutation["occurrence"])
            if key in done and not (done[key]["outcome"] == "survived" and number in again):
                results.append(done[key])
                continue
            entry = {
                "line": number,
                "operator": mutation["operator_name"],
                "occurrence": mutation["occurrence"],
                "source": lines[number - 1].strip(),
            }
            if any(start <= tuple(mutation["start_pos"]) < end for start, end in in_annotation):
                results.append({**entry, "outcome": "equivalent"})
                continue
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
            results.append({**entry, "outcome": "killed" if ran.returncode else "survived"})
            with journal.open("a") as out:
                out.write(json.dumps(results[-1]) + "\n")
            print(f"{len(results):4d} {results[-1]['outcome']:9s} {number:4d} {key[0]}", flush=True)
    finally:
        source.write_bytes(pristine)
    killed = killed_before + sum(r["outcome"] == "killed" for r in results)
    equivalent = sum(r["outcome"] == "equivalent" for r in results)
    total = killed_before + len(results) - equivalent
    print(f"{module}: {total + equivalent} mutants, {equivalent} in annotations (equivalent);")
    print(f"killed {killed}/{total} = {killed / total:.0%}; survivors:")
    for r in sorted(results, key=lambda r: r["line"]):
        if r["outcome"] == "survived":
            print(f"{r['line']:4d} {r['operator']:45.45s} {r['source'][:80]}")


if __name__ == "__main__":
    lines_again = {int(n) for n in sys.argv[3:]} if sys.argv[2:3] == ["--again"] else set()
    main(sys.argv[1], lines_again)
