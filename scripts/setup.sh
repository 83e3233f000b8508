#!/usr/bin/env bash
# Set up a machine for Studio: system packages (Linux), a .venv with the pinned Python packages.
# Safe to run again: it installs only what is missing and re-installs Python packages only when
# pyproject.toml or constraints.txt changed.   Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"

# Debian/Ubuntu packages: what Qt needs on X11/Xvfb/offscreen, QtMultimedia's PulseAudio client,
# espeak-ng (the last-resort voice), and the virtual display the tests and screenshots use.
DEBIAN_PACKAGES=(
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
  libglib2.0-0 libdbus-1-3 libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0
  libxcb-xkb1 libxcb-util1 libxcb-glx0 libxcb-xinerama0 libpulse0 xvfb xauth espeak-ng
)
# The tests also run the cloud service against a real PostgreSQL they start themselves (initdb
# and pg_ctl, through runuser when run as root) and a throwaway Redis (the social queue), and
# build the desktop bundle (binutils).
[ -n "$extras" ] && DEBIAN_PACKAGES+=(postgresql util-linux binutils g++ redis-server)

install_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=()
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
      apt-get update -q >/dev/null
      apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    }
  else
    echo "setup: these Debian packages are missing; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

find_python() {
  for candidate in python3.12 python3.11 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "setup: Studio needs Python 3.11 or newer (python3 --version)" >&2
  exit 1
}

case "$(uname -s)" in
  Linux) install_debian_packages ;;
esac

if [ ! -x .venv/bin/python ]; then
  python=$(find_python)
  echo "setup: creating .venv with $($python --version)"
  "$python" -m venv .venv
fi

stamp=.venv/.studio-installed
deps_hash=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
installed=$(cat "$stamp" 2>/dev/null || true)
# A dev install also satisfies a plain one; anything else (changed pins, no dev tools yet) installs.
if [ "$installed" != "$deps_hash[dev]" ] && [ "$installed" != "$deps_hash$extras" ]; then
  echo "setup: installing Python packages (pinned by constraints.txt)"
  log=.venv/setup.log
  if ! { .venv/bin/python -m pip install --disable-pip-version-check --upgrade pip \
        && .venv/bin/python -m pip install --disable-pip-version-check -c constraints.txt \
          -e ".$extras"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "setup: pip failed; the whole log is in $log" >&2
    exit 1
  fi
  echo "$deps_hash$extras" > "$stamp"
fi
