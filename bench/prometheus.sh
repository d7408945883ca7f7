#!/usr/bin/env bash
# Statuses of 1,000 SLOs from one real Prometheus: nines (`report --prometheus`) against
# slo-generator (PyPI `slo-generator[prometheus]`) computing the same SLOs over the same
# eight windows, in one run. Also counts the queries each sends.
# Usage: bash bench/prometheus.sh [SLOS] [HOURS]
set -euo pipefail
cd "$(dirname "$0")/.."
slos=${1:-1000}
hours=${2:-24}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v prometheus >/dev/null || { apt-get update -qq && apt-get install -y -qq prometheus >/dev/null; }
venv=${SLO_GENERATOR_VENV:-/opt/slogen}
if [ ! -x "$venv/bin/slo-generator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'slo-generator[prometheus]' 'setuptools<81'
fi
cargo build --release --quiet
work=$(mktemp -d)
trap 'kill "${prometheus_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
end=$(( $(date +%s) / 60 * 60 - 120 ))
python3 bench/gen_backend_bench.py "$work" "$slos" "$hours" "$end"
promtool tsdb create-blocks-from openmetrics --quiet "$work/history.om" "$work/tsdb"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'global:\n  scrape_interval: 1m\n' > "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --storage.tsdb.retention.time=60d --web.listen-address="127.0.0.1:$port" 2>"$work/prometheus.log" &
prometheus_pid=$!
until curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null; do sleep 0.2; done
export PROMETHEUS_URL="http://127.0.0.1:$port"
# Queries Prometheus has evaluated, from its own metrics.
queries() {
  curl -s "$PROMETHEUS_URL/metrics" | awk '/^prometheus_engine_query_duration_seconds_count\{slice="inner_eval"\}/ {print $2}'
}
nines_cmd="./target/release/nines report --spec $work/specs --prometheus $PROMETHEUS_URL --output json"
slogen_cmd="$venv/bin/slo-generator compute -f $work/slo-generator/slos -c $work/slo-generator/config.yaml"
# One run of each first: correctness at a glance, and the queries each sends.
before=$(queries); $nines_cmd > "$work/nines.json"; after=$(queries)
echo "nines: $(( after - before )) queries for $slos SLOs"
python3 - "$work/nines.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["objectives"]
with_data = [r for r in rows if r["sli"] is not None]
print(f"nines: {len(rows)} objectives, {len(with_data)} with data; first SLI {with_data[0]['sli']:.6f}")
PY
before=$(queries); $slogen_cmd > "$work/slogen.log" 2>&1 || { tail -20 "$work/slogen.log"; exit 1; }; after=$(queries)
echo "slo-generator: $(( after - before )) queries for $slos SLOs ($(grep -c 'SLI:' "$work/slogen.log" || true) window reports logged)"
grep -m1 'SLI' "$work/slogen.log" || true
hyperfine --warmup 1 --runs 3 -n nines "$nines_cmd" -n slo-generator "$slogen_cmd" 2>&1 | grep -v '^$'
