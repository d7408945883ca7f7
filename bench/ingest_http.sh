#!/usr/bin/env bash
# End-to-end ingestion over HTTP: `nines serve` on loopback, wrk posting batches of
# 1,000 NDJSON events (two SLIs fed) with 4 connections for 20 s. Every request is
# parsed, matched, aggregated and fsynced before its 200. Usage: bash bench/ingest_http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/specs"
cat > "$work/specs/checkout.yaml" <<'SPEC'
apiVersion: nines/v1
name: checkout
owner: team
slos:
  - name: availability
    target: 99.9%
    window: 28d
    sli:
      events:
        valid: route == "/api/checkout"
        good: status < 500
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events:
        valid: route == "/api/checkout" && status < 500
        field: duration_seconds
SPEC
# Events without a timestamp are counted at receipt, so the same body stays valid.
python3 - "$work/body.ndjson" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    for i in range(1000):
        route = "/api/search" if i % 5 == 4 else "/api/checkout"
        status = 503 if i % 97 == 0 else 200
        out.write('{"route":"%s","method":"POST","status":%d,"duration_seconds":%.3f,"region":"eu-west-1"}\n' % (route, status, 0.02 + (i % 50) * 0.007))
PY
cat > "$work/post.lua" <<LUA
local file = io.open("$work/body.ndjson", "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Authorization"] = "Bearer ingest-benchmark-token-01"
wrk.headers["Content-Type"] = "application/x-ndjson"
LUA
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NINES_WRITE_TOKEN=ingest-benchmark-token-01 ./target/release/nines serve \
  --specs "$work/specs" --data "$work/data" --listen "127.0.0.1:$port" 2>"$work/log" &
server=$!
until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null; do sleep 0.05; done
wrk -t2 -c4 -d20s -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/events" | tee "$work/wrk.txt"
rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
echo "events/s: $(python3 -c "print(round($rps * 1000))") (1,000 events per request)"
counted=$(curl -s "http://127.0.0.1:$port/api/v1/slos/checkout/availability" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["objectives"][0]["valid"]))')
echo "checkout events counted by the server: $counted"
