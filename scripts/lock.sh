#!/usr/bin/env bash
# Refresh constraints.txt: resolve pyproject.toml's ranges in a scratch venv and pin what it got.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install -q --upgrade pip
"$scratch/venv/bin/pip" install -q -e ".[dev]"
{
  echo "# Exact versions a fresh machine installs (pip install -c constraints.txt). Refresh with scripts/lock.sh."
  "$scratch/venv/bin/pip" freeze --exclude-editable | grep -v '^#'
} > constraints.txt
echo "constraints.txt refreshed"
