#!/usr/bin/env bash
# Creates the peer-benchmark virtual environment at bench/work/venv with the
# versions pinned in bench/peers/requirements.txt. Idempotent: does nothing when
# every pin is already installed. A package that fails to install is reported
# and skipped; run_peer.py then reports that engine as unavailable.
# Usage: bash bench/peers/setup.sh   (PYTHON=python3.11 to choose the interpreter)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${PEER_VENV:-$here/../work/venv}"  # PEER_VENV: another location, for testing
req="$here/requirements.txt"
python="${PYTHON:-python3}"

pins() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$req" | grep -v '^$'; }

missing() {  # prints the pins not installed at their version
  "$venv/bin/python" - "$@" <<'PY'
import sys, importlib.metadata as md
for pin in sys.argv[1:]:
    name, version = pin.split("==")
    try:
        have = md.version(name)
    except md.PackageNotFoundError:
        have = None
    if have != version:
        print(pin)
PY
}

if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv with $("$python" --version 2>&1)"
  "$python" -m venv "$venv"
fi
mapfile -t todo < <(missing $(pins))
if [ "${#todo[@]}" -eq 0 ]; then
  echo "$venv is up to date ($(pins | wc -l) pins)"
  exit 0
fi
echo "installing: ${todo[*]}"
if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q "${todo[@]}"; then
  echo "one install failed; trying the pins one at a time" >&2
  for pin in "${todo[@]}"; do
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "$pin" \
      || echo "WARNING: $pin could not be installed; its engine will be reported unavailable" >&2
  done
fi
left=$(missing $(pins))
[ -z "$left" ] && echo "$venv is ready" || echo "not installed: $left" >&2
