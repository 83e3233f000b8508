#!/usr/bin/env bash
# Build the desktop bundle (dist/studio/) from build_spec.spec and prove it with its own self-test.
# Safe to run again: setup installs only what changed and PyInstaller replaces dist/studio/.
#   Usage: scripts/build_bundle.sh [--distpath DIR] [--workpath DIR]   (defaults: dist/ and build/)
set -euo pipefail
cd "$(dirname "$0")/.."

distpath=dist
workpath=build
while [ $# -gt 0 ]; do
  case "$1" in
    --distpath) distpath="$2"; shift 2 ;;
    --workpath) workpath="$2"; shift 2 ;;
    *) echo "build_bundle: unknown option $1 (use --distpath DIR or --workpath DIR)" >&2; exit 2 ;;
  esac
done

scripts/setup.sh --dev   # the dev extras carry PyInstaller, pinned by constraints.txt

started=$(date +%s)
.venv/bin/pyinstaller build_spec.spec --noconfirm --log-level WARN \
  --distpath "$distpath" --workpath "$workpath"
echo "build_bundle: built $distpath/studio in $(( $(date +%s) - started )) s"

QT_QPA_PLATFORM=offscreen "$distpath/studio/studio" --self-test
echo "build_bundle: bundle size $(du -sh "$distpath/studio" | cut -f1) ($distpath/studio)"
