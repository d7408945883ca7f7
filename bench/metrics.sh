#!/usr/bin/env bash
# `GET /metrics` at scale (issue 12.1; goal: 10,000 objectives scraped in under 200 ms):
# `nines serve` (release) over a store with N SLIs and D days of one-minute counts
# (crates/nines-store/examples/footprint.rs), scraped with curl as Prometheus would, in
# both formats. Each request evaluates every SLO afresh (nothing is cached between
# scrapes) and renders every family. The figure is curl's total time on loopback: the
# whole HTTP request, evaluation and rendering included; loading the store is not timed.
#   bash bench/metrics.sh [SLIS] [DAYS] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
slis=${1:-10000}
days=${2:-30}
requests=${3:-20}
cargo build --release --quiet -p nines
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo run --release --quiet -p nines-store --example footprint -- --slis "$slis" --days "$days" --keep "$work" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NINES_WRITE_TOKEN=metrics-benchmark-token ./target/release/nines serve \
  --specs "$work/specs" --data "$work/data" --listen "127.0.0.1:$port" 2>"$work/log" &
server=$!
until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; do sleep 0.1; done
url="http://127.0.0.1:$port/metrics"
for format in text openmetrics; do
  accept="text/plain;version=0.0.4"
  [ "$format" = openmetrics ] && accept="application/openmetrics-text;version=1.0.0"
  curl -sf -H "Accept: $accept" "$url" -o "$work/first" # warm-up, not timed
  times=()
  for _ in $(seq "$requests"); do
    times+=("$(curl -sf -H "Accept: $accept" -o /dev/null -w '%{time_total}' "$url")")
  done
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  median=$(echo "$sorted" | sed -n "$(( (requests + 1) / 2 ))p")
  echo "$format: $slis objectives, $(wc -c <"$work/first") bytes, $(grep -vc '^#' "$work/first") samples; median $(python3 -c "print(round($median*1000,1))") ms, fastest $(python3 -c "print(round($(echo "$sorted" | head -1)*1000,1))") ms, slowest $(python3 -c "print(round($(echo "$sorted" | tail -1)*1000,1))") ms over $requests requests"
done
echo "resident memory: $(( $(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024 )) MB; load: $(cut -d' ' -f1-3 /proc/loadavg)"
