#!/usr/bin/env bash
# Times `nines validate` on 10,000 SLOs in 1,000 files, end to end (file reads included).
# Goal: under one second on a 2-core machine. Usage: bash bench/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
cargo build --release --quiet
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
python3 bench/gen_specs.py "$corpus" 1000
./target/release/nines validate --today 2026-11-29 "$corpus" | tail -1
hyperfine --warmup 2 --runs 10 "./target/release/nines validate --today 2026-11-29 $corpus"
