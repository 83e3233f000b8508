#!/usr/bin/env bash
# Set up (once) and run every check: lint, format, types, and the whole test suite (slow tests too).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --dev
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff check"; ruff check .
echo "== ruff format --check"; ruff format --check .
echo "== mypy --strict studio"; mypy --strict studio
echo "== pytest"
status=0
pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
