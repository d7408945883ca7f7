#!/usr/bin/env bash
# Start-up time of `nines serve` with 1,000 SLIs and 30 days of one-minute data: from
# process start until /-/ready answers 200 (specs validated, store opened, 43.2 million
# intervals loaded, compaction run, slice indexes built). Also prints memory and disk per
# SLI. Usage: bash bench/startup.sh [SLIS] [DAYS]
set -euo pipefail
cd "$(dirname "$0")/.."
slis=${1:-1000}
days=${2:-30}
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo run --release --quiet -p nines-store --example footprint -- --slis "$slis" --days "$days" --keep "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
times=()
for run in 1 2 3 4 5; do
  start=$(date +%s%N)
  NINES_WRITE_TOKEN=startup-benchmark-token ./target/release/nines serve \
    --specs "$work/specs" --data "$work/data" --listen "127.0.0.1:$port" 2>"$work/log" &
  server=$!
  until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; do sleep 0.01; done
  end=$(date +%s%N)
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  kill -TERM "$server"; wait "$server" || true
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $run: ready after ${ms} ms, resident memory $(( rss / 1024 )) MB"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "median: $(echo "$sorted" | sed -n 3p) ms (of ${times[*]})"
