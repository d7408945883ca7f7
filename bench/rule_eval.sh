#!/usr/bin/env bash
# Evaluation cost in Prometheus of the 30-day error ratio, three ways, for SLOS SLOs over
# 30 days of history: nines' rule chained from 5-minute counts recorded every 5 minutes,
# Sloth's average of the 5-minute ratio recorded every minute, and a re-scan of the raw
# counters. Reads each group's evaluation time from /api/v1/rules over 20 evaluations.
# Usage: bash bench/rule_eval.sh [SLOS]
set -euo pipefail
cd "$(dirname "$0")/.."
slos=${1:-20}
command -v prometheus >/dev/null || { apt-get update -qq && apt-get install -y -qq prometheus >/dev/null; }
work=$(mktemp -d)
trap 'kill "${prometheus_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
end=$(( $(date +%s) / 300 * 300 - 600 ))
python3 bench/gen_rule_eval.py "$work" "$slos" "$end"
promtool check rules "$work/rules.yaml" >/dev/null
promtool tsdb create-blocks-from openmetrics --quiet "$work/history.om" "$work/tsdb"
rm "$work/history.om"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  evaluation_interval: 15s\nrule_files:\n  - %s\n' "$work/rules.yaml" > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --storage.tsdb.retention.time=60d --web.listen-address="127.0.0.1:$port" 2>"$work/prometheus.log" &
prometheus_pid=$!
until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null; do sleep 0.2; done
python3 - "http://127.0.0.1:$port" "$slos" <<'PY'
import json, statistics, sys, time, urllib.request
base, slos = sys.argv[1], int(sys.argv[2])
samples = {}
seen = {}
deadline = time.time() + 600
while min((len(v) for v in samples.values()), default=0) < 20 and time.time() < deadline:
    rules = json.load(urllib.request.urlopen(base + "/api/v1/rules"))["data"]["groups"]
    for group in rules:
        last = group.get("lastEvaluation")
        if last and seen.get(group["name"]) != last and group["evaluationTime"] > 0:
            seen[group["name"]] = last
            samples.setdefault(group["name"], []).append(group["evaluationTime"])
    time.sleep(1)
values = json.load(urllib.request.urlopen(base + "/api/v1/query?query=" + urllib.parse.quote('{__name__=~"bench:.*",slo="s-0"}')))["data"]["result"]
print(f"{slos} SLOs, 30 days of history; group evaluation time over {min(len(v) for v in samples.values())} evaluations:")
for name in ["nines-chained", "sloth-average-of-ratios", "raw-rescan"]:
    times = samples[name]
    print(f"  {name:25s} median {statistics.median(times) * 1000:8.2f} ms  (min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f})")
print("30-day error ratio of s-0:")
for series in sorted(values, key=lambda s: s["metric"]["__name__"]):
    print(f"  {series['metric']['__name__']:40s} {float(series['value'][1]):.6f}")
PY
