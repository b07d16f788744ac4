#!/usr/bin/env bash
# Every test of OpenDRS, as CI runs it: formatting, lints, the Rust unit/property/integration
# tests, then the end-to-end suite with the official Huawei Cloud Python SDK.
#
#   scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace
echo "== Python SDK end-to-end suite"
cargo build --quiet --bin opendrs
OPENDRS_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/opendrs" scripts/sdk-tests.sh
