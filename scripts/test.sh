#!/usr/bin/env bash
# The test command: installs what the tests need, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -r scripts/test-requirements.txt 2>&1 \
  | grep -v "Running pip as the 'root' user" || true
cargo test --workspace --locked "$@"
