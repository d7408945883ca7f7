#!/usr/bin/env bash
# Soak (issue 9, fault suite): `nines serve` (release build) under a steady 80% of its
# measured ingest maximum for 10 minutes. Measures the maximum first the way
# bench/ingest_http.sh does (wrk, 4 connections, batches of 1,000 NDJSON events), then
# paces the same batches at 80% of it from 4 keep-alive clients, samples the server's
# resident memory every 5 s, and checks:
#   - no request failed (every answer 200, no connection error, no ERROR in the log);
#   - after the warm-up, every sample is within ±10% of the first post-warm-up minute's mean;
#   - the server counted exactly the events it acknowledged.
# Prints a summary (and writes the samples to $SOAK_OUT/memory.tsv when SOAK_OUT is set).
#
#   bash bench/soak.sh                 10 minutes, 2 minutes of warm-up
#   SOAK_MINUTES=3 SOAK_WARMUP=1 bash bench/soak.sh
#   SOAK_RATE=40 bash bench/soak.sh    skip the measurement: 40 requests/s
#   SOAK_BINARY=target/debug/nines ... another binary (no release build; figures then
#                                      say nothing about release performance)
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${SOAK_MINUTES:-10}
WARMUP=${SOAK_WARMUP:-2}           # minutes excluded from the memory check
FRACTION=${SOAK_FRACTION:-0.8}     # of the measured maximum
SAMPLE_SECONDS=${SOAK_SAMPLE_SECONDS:-5}
TOLERANCE=${SOAK_TOLERANCE:-0.10}  # memory band after warm-up
CLIENTS=4
TOKEN=soak-benchmark-token-0123

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
BINARY=${SOAK_BINARY:-}
if [ -z "$BINARY" ]; then
  cargo build --release --quiet -p nines
  BINARY=./target/release/nines
fi
work=$(mktemp -d)
out=${SOAK_OUT:-$work}
mkdir -p "$out"
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
# 1,000 events per batch, 800 of them on /api/checkout; no timestamps: counted at receipt.
python3 - "$work/body.ndjson" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    for i in range(1000):
        route = "/api/search" if i % 5 == 4 else "/api/checkout"
        status = 503 if i % 97 == 0 else 200
        out.write('{"route":"%s","method":"POST","status":%d,"duration_seconds":%.3f,"region":"eu-west-1"}\n' % (route, status, 0.02 + (i % 50) * 0.007))
PY
CHECKOUT_PER_BATCH=800
cat > "$work/post.lua" <<LUA
local file = io.open("$work/body.ndjson", "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/x-ndjson"
LUA

start_server() {
  local data=$1
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  NINES_WRITE_TOKEN=$TOKEN "$BINARY" serve \
    --specs "$work/specs" --data "$data" --listen "127.0.0.1:$port" 2>"$data.log" &
  server=$!
  until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null; do sleep 0.05; done
}

if [ -n "${SOAK_RATE:-}" ]; then
  rate=$SOAK_RATE
  echo "soak: rate given: $rate requests/s"
else
  start_server "$work/max"
  wrk -t2 -c$CLIENTS -d20s -s "$work/post.lua" "http://127.0.0.1:$port/api/v1/events" | tee "$work/wrk.txt"
  kill "$server"; wait "$server" 2>/dev/null || true
  maximum=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  rate=$(python3 -c "print(round($maximum * $FRACTION, 2))")
  echo "soak: measured maximum $maximum requests/s ($(python3 -c "print(round($maximum * 1000))") events/s); soaking at $rate requests/s"
fi

start_server "$work/soak"
echo "soak: server pid $server on port $port, $MINUTES minutes"
# Memory sampler: seconds since start, resident KiB.
(
  started=$(date +%s)
  while kill -0 "$server" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status" 2>/dev/null || true)
    [ -n "$rss" ] && printf '%s\t%s\n' "$(($(date +%s) - started))" "$rss"
    sleep "$SAMPLE_SECONDS"
  done
) >"$out/memory.tsv" &
sampler=$!

# Paced load: CLIENTS keep-alive connections, each on a fixed schedule (no catching up
# in bursts when late: a late request is counted as such).
python3 - "$port" "$rate" "$MINUTES" "$CLIENTS" "$TOKEN" "$work/body.ndjson" >"$work/load.txt" <<'PY'
import http.client, sys, threading, time
port, rate, minutes, clients, token, body_path = sys.argv[1:7]
rate, minutes, clients = float(rate), float(minutes), int(clients)
body = open(body_path, "rb").read()
interval = clients / rate
end = time.monotonic() + minutes * 60
lock = threading.Lock()
stats = {"ok": 0, "failed": 0, "late": 0, "latency": []}
errors = []

def client(index):
    connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    next_at = time.monotonic() + index * interval / clients
    while True:
        now = time.monotonic()
        if next_at >= end:
            return
        if next_at > now:
            time.sleep(next_at - now)
        elif now - next_at > interval:
            with lock:
                stats["late"] += 1
            next_at = now
        sent = time.monotonic()
        try:
            connection.request("POST", "/api/v1/events", body,
                               {"Authorization": "Bearer " + token, "Content-Type": "application/x-ndjson"})
            response = connection.getresponse()
            answer = response.read()
            ok = response.status == 200
            if not ok:
                errors.append("%d %s" % (response.status, answer[:200]))
        except Exception as problem:
            ok = False
            errors.append(repr(problem))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        with lock:
            stats["ok" if ok else "failed"] += 1
            stats["latency"].append(time.monotonic() - sent)
        next_at += interval

threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
latency = sorted(stats["latency"]) or [0]
print("ok %d" % stats["ok"])
print("failed %d" % stats["failed"])
print("late %d" % stats["late"])
print("achieved %.2f" % ((stats["ok"] + stats["failed"]) / (minutes * 60)))
print("p50_ms %.1f" % (1000 * latency[len(latency) // 2]))
print("p99_ms %.1f" % (1000 * latency[int(len(latency) * 0.99)]))
for error in errors[:10]:
    print("error " + error)
PY
counted=$(curl -s "http://127.0.0.1:$port/api/v1/slos/checkout/availability" \
  | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["objectives"][0]["valid"]))')
kill "$sampler" 2>/dev/null || true
kill "$server"; wait "$server" 2>/dev/null || true
server=
log_errors=$(grep -c ' ERROR ' "$work/soak.log" || true)
value() { awk -v k="$1" '$1 == k {print $2}' "$work/load.txt"; }

python3 - "$out/memory.tsv" "$WARMUP" "$TOLERANCE" <<PY >"$work/memory.txt"
import sys
samples = [tuple(map(int, line.split())) for line in open(sys.argv[1]) if line.strip()]
warmup, tolerance = float(sys.argv[2]) * 60, float(sys.argv[3])
after = [rss for t, rss in samples if t >= warmup]
first_minute = [rss for t, rss in samples if warmup <= t < warmup + 60] or after[:1]
reference = sum(first_minute) / len(first_minute)
low, high = min(after), max(after)
inside = all(abs(rss - reference) <= tolerance * reference for rss in after)
print("samples %d" % len(samples))
print("start_mib %.1f" % (samples[0][1] / 1024))
print("reference_mib %.1f" % (reference / 1024))
print("min_mib %.1f" % (low / 1024))
print("max_mib %.1f" % (high / 1024))
print("end_mib %.1f" % (samples[-1][1] / 1024))
print("band_percent %+.1f %+.1f" % (100 * (low / reference - 1), 100 * (high / reference - 1)))
print("inside %s" % ("yes" if inside else "no"))
PY
mem() { awk -v k="$1" '$1 == k {$1 = ""; print substr($0, 2)}' "$work/memory.txt"; }

ok=$(value ok); failed=$(value failed)
expected=$((ok * CHECKOUT_PER_BATCH))
echo
echo "soak summary ($(date -u +%Y-%m-%dT%H:%MZ), $BINARY, $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo "  load:      $(value achieved) requests/s achieved of $rate asked (x1,000 events), $MINUTES min, $CLIENTS clients"
echo "  requests:  $ok ok, $failed failed, $(value late) started late; latency p50 $(value p50_ms) ms, p99 $(value p99_ms) ms"
echo "  counted:   $counted checkout events; acknowledged $expected"
echo "  memory:    start $(mem start_mib) MiB, after warm-up ${WARMUP} min: reference $(mem reference_mib) MiB, min $(mem min_mib), max $(mem max_mib), end $(mem end_mib) MiB (band $(mem band_percent) %)"
echo "  log:       $log_errors ERROR lines"
grep '^error ' "$work/load.txt" | head -5 || true
status=0
[ "$failed" -eq 0 ] || { echo "soak: FAILED: $failed requests failed"; status=1; }
[ "$log_errors" -eq 0 ] || { echo "soak: FAILED: errors in the server log"; status=1; }
[ "$counted" -eq "$expected" ] || { echo "soak: FAILED: counted $counted, acknowledged $expected"; status=1; }
[ "$(mem inside)" = yes ] || { echo "soak: FAILED: memory left the ±$(python3 -c "print(round($TOLERANCE*100))")% band after warm-up"; status=1; }
[ $status -ne 0 ] || echo "soak: passed"
exit $status
