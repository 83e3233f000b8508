#!/usr/bin/env bash
# Set up (once) and open the studio. Any arguments go to the `studio` command.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
exec .venv/bin/studio "$@"
