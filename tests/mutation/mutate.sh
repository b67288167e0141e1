#!/usr/bin/env bash
# Mutation testing of one rule module (issue 20): `make mutate MODULE=rehost`.
#
# cosmic-ray (PyPI, in its own venv under var/mutate/) writes each mutant into a private copy of
# HEAD under var/mutate/<module>/ — never into the work tree — and runs the tests that cover the
# module there, on SQLite, at the lowest CPU priority. It takes long on two cores: it is not part of
# `make test`. The summary lands in var/mutate/<module>-report.txt (tests/mutation/survivors.py
# lists the survivors by line); docs/testing.md keeps the figures. tests/mutation/modules.py says
# which tests cover which module.
set -euo pipefail

module="${1:-}"
root="$(git rev-parse --show-toplevel)"
spec="$(python3 "$root/tests/mutation/modules.py" "$module")"
path="${spec%%|*}"
tests="${spec#*|}"

work="$root/var/mutate"
venv="$work/venv"
if [ ! -x "$venv/bin/cosmic-ray" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'cosmic-ray==8.7.0'
fi

copy="$work/$module"
rm -rf "$copy"
mkdir -p "$copy"
git -C "$root" archive HEAD | tar -x -C "$copy"
cat > "$copy/cosmic-ray.toml" <<TOML
[cosmic-ray]
module-path = "$path"
timeout = 600.0
excluded-modules = []
test-command = "$root/.venv/bin/python -m pytest -x -q -p no:cacheprovider -k 'not postgresql' $tests"

[cosmic-ray.distributor]
name = "local"
TOML

cd "$copy"
export PYTHONPATH="$copy"  # the copy's backend, not the work tree's
nice -n 19 "$venv/bin/cosmic-ray" init cosmic-ray.toml "$work/$module.sqlite"
nice -n 19 "$venv/bin/cosmic-ray" baseline cosmic-ray.toml
nice -n 19 "$venv/bin/cosmic-ray" exec cosmic-ray.toml "$work/$module.sqlite"
"$venv/bin/cr-report" --show-pending "$work/$module.sqlite" > "$work/$module-report.txt"
tail -n 4 "$work/$module-report.txt"
