#!/usr/bin/env bash
# Runs every test: the Rust unit and black-box tests (cargo test), then the third-party client
# suite in tests/compat/ against the freshly built binary. Every storage-touching test runs on
# SQLite, and on PostgreSQL too when APOGEE_TEST_DATABASE_URL is set (e.g.
# postgres://postgres@127.0.0.1:5432/test). Needs: cargo, python3 (venv), node >= 20 with npm (the
# @rocket.chat/sdk bot), psql for the PG run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo build --workspace --all-targets
cargo test --workspace
bash tests/compat/run.sh target/debug/apogee
