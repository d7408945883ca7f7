#!/usr/bin/env bash
# The dashboard at 1,000 SLIs with 30 days of one-minute data (the store of
# bench/startup.sh): server time and size of the overview (`GET /` as a browser) and of an
# SLO page, five requests each after a warm-up, with the load noted.
# Goals (issue 11.7): overview under 300 ms and 1 MB, SLO page under 100 ms.
# Usage: bash bench/dashboard.sh [SLIS] [DAYS]
set -euo pipefail
cd "$(dirname "$0")/.."
slis=${1:-1000}
days=${2:-30}
cargo build --release --quiet -p nines
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
cargo run --release --quiet -p nines-store --example footprint -- --slis "$slis" --days "$days" --keep "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NINES_WRITE_TOKEN=dashboard-benchmark-token ./target/release/nines serve \
  --specs "$work/specs" --data "$work/data" --listen "127.0.0.1:$port" 2>"$work/log" &
server=$!
until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; do sleep 0.05; done
base="http://127.0.0.1:$port"
slo=$(curl -sf "$base/api/v1/slos" | python3 -c 'import json,sys; r=json.load(sys.stdin)["objectives"][0]; print(r["service"]+"/"+r["slo"])')
objectives=$(curl -sf "$base/api/v1/slos" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["objectives"]))')
echo "load before: $(uptime)"
echo "$objectives objectives"
measure() {
  local name=$1 url=$2
  curl -sf -o /dev/null -H 'Accept: text/html' "$url"   # warm-up
  local times=() size=0
  for run in 1 2 3 4 5; do
    read -r seconds size < <(curl -sf -o /dev/null -H 'Accept: text/html' -H 'Accept-Encoding: gzip' -w '%{time_total} %{size_download}\n' "$url")
    times+=("$(python3 -c "print(round($seconds*1000))")")
  done
  local raw_size
  raw_size=$(curl -sf -H 'Accept: text/html' "$url" | wc -c)
  echo "$name: median $(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p) ms (of ${times[*]} ms), $size bytes on the wire (gzip), $raw_size raw"
}
measure "overview (/)" "$base/"
measure "SLO page ($slo, whole window)" "$base/slo/$slo"
measure "SLO page ($slo, 1 day)" "$base/slo/$slo?range=1d"
measure "service page" "$base/service/${slo%%/*}"
echo "load after: $(uptime)"
