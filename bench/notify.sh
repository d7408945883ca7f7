#!/usr/bin/env bash
# Notifications per second through the outbox (commit, send to a local webhook receiver
# over keep-alive, delete), one per commit and 100 per commit (an evaluation commits all
# its notifications at once). Figures go to BENCHMARKS.md with the load (`uptime`).
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
cargo bench -p nines-alerting --bench delivery --no-run
NOTIFICATIONS=${NOTIFICATIONS:-5000} PER_COMMIT=1 cargo bench -q -p nines-alerting --bench delivery
NOTIFICATIONS=${NOTIFICATIONS:-5000} PER_COMMIT=100 cargo bench -q -p nines-alerting --bench delivery
uptime
