#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder of nines (issue 9), with cargo-fuzz (libFuzzer)
# on the nightly toolchain. The targets are in fuzz/ (docs/reliability.md lists them).
#
#   scripts/fuzz.sh ci [SECONDS]          each target SECONDS (default 10) on the committed
#                                         corpus; fails on any crash, hang or runaway memory
#   scripts/fuzz.sh campaign MINUTES [TARGET...]
#                                         the long campaign: round-robin over the targets in
#                                         slices until each has had MINUTES of CPU time;
#                                         crashes are saved and the campaign goes on.
#                                         Run it under `nice -n 19`. Prints a summary table.
#   scripts/fuzz.sh minimize [TARGET...]  `cargo fuzz cmin` of the committed corpora
#   scripts/fuzz.sh build                 builds the targets only
#   scripts/fuzz.sh list                  lists the targets
#
# New corpus entries of `ci` go to a temporary directory (the committed corpus is only
# read); `campaign` adds to fuzz/corpus/ (minimize before committing). Crashes are written
# to fuzz/artifacts/TARGET/; known, not yet fixed ones are kept in fuzz/artifacts-known/.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
# No AddressSanitizer: the code is safe Rust, so what the fuzzer hunts is panics, stack
# overflows, hangs and runaway allocation, and an uninstrumented build compiles and runs
# several times faster. Debug assertions stay on so that integer overflow panics.
# Sixteen codegen units: a much faster build for slightly slower runs.
BUILD_FLAGS=(--sanitizer none --debug-assertions --codegen-units 16)
# One input may take this long (seconds) before it counts as a hang: parsers must be
# linear, and the slowest seed takes well under a second.
TIMEOUT=${FUZZ_TIMEOUT:-10}
# One input may use this much memory (MiB) before it counts as runaway allocation.
RSS_LIMIT_MB=${FUZZ_RSS_LIMIT_MB:-1024}
# Campaign slice (wall seconds per target per round), so every target progresses evenly.
SLICE=${FUZZ_SLICE:-120}

targets() {
  sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^nines-fuzz$'
}

# Per-target options: longest input and dictionary.
options() {
  local target=$1
  case $target in
    spec_*) echo "-max_len=16384 -dict=fuzz/dict/spec.dict" ;;
    filter) echo "-max_len=2048 -dict=fuzz/dict/filter.dict" ;;
    promql) echo "-max_len=2048 -dict=fuzz/dict/promql.dict" ;;
    events | counts_ndjson) echo "-max_len=4096 -dict=fuzz/dict/json.dict" ;;
    *) echo "-max_len=4096" ;;
  esac
}

ensure_tools() {
  if ! rustup toolchain list | grep -q "^$TOOLCHAIN"; then
    echo "fuzz: installing the $TOOLCHAIN toolchain" >&2
    rustup toolchain install "$TOOLCHAIN" --profile minimal
  fi
  if ! cargo +"$TOOLCHAIN" fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
  fi
}

build() {
  ensure_tools
  (cd fuzz && cargo +"$TOOLCHAIN" fuzz build "${BUILD_FLAGS[@]}")
}

# run TARGET SECONDS OUTPUT-CORPUS LOG: one libFuzzer run; returns libFuzzer's status.
run() {
  local target=$1 seconds=$2 output=$3 log=$4
  mkdir -p "$output" "fuzz/artifacts/$target"
  # shellcheck disable=SC2046
  (cd fuzz && cargo +"$TOOLCHAIN" fuzz run "${BUILD_FLAGS[@]}" "$target" \
    "$output" "corpus/$target" -- \
    -max_total_time="$seconds" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_LIMIT_MB" \
    -artifact_prefix="artifacts/$target/" -print_final_stats=1 \
    $(options "$target" | sed 's#fuzz/##g')) >"$log" 2>&1
}

executions() {
  sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -1
}

ci() {
  local seconds=${1:-10} failed=()
  build
  scratch=$(mktemp -d)  # global: the EXIT trap reads it
  trap 'rm -rf "$scratch"' EXIT
  for target in $(targets); do
    local log="$scratch/$target.log"
    if run "$target" "$seconds" "$scratch/$target" "$log"; then
      printf 'fuzz: %-14s ok   %10s executions in %ss\n' "$target" "$(executions "$log")" "$seconds"
    else
      printf 'fuzz: %-14s FAILED\n' "$target"
      grep -E '^(==[0-9]+== ERROR|thread .* panicked|SUMMARY|Test unit written|artifact_prefix)' "$log" | head -20 || true
      tail -40 "$log"
      failed+=("$target")
    fi
  done
  if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]}; reproduce with: cd fuzz && cargo +$TOOLCHAIN fuzz run ${BUILD_FLAGS[*]} TARGET artifacts/TARGET/FILE" >&2
    exit 1
  fi
}

# Sets CPU to the children's CPU seconds so far (user + system), from the shell's `times`
# (run in this shell, not in a command substitution, which would be a fresh process).
children_cpu() {
  times >"$1"
  CPU=$(tail -1 "$1" | awk '{
    split($1, u, "m"); split($2, s, "m");
    sub("s", "", u[2]); sub("s", "", s[2]);
    printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
}

campaign() {
  local minutes=${1:?usage: scripts/fuzz.sh campaign MINUTES [TARGET...]}
  shift
  local chosen=("$@")
  [ ${#chosen[@]} -gt 0 ] || mapfile -t chosen < <(targets)
  build
  local logs=fuzz/target/campaign
  mkdir -p "$logs"
  local stats="$logs/stats.tsv"
  [ -f "$stats" ] || printf 'target\tcpu_seconds\texecutions\tstatus\n' >"$stats"
  declare -A cpu
  for target in "${chosen[@]}"; do
    cpu[$target]=$(awk -F'\t' -v t="$target" '$1 == t { s += $2 } END { print s + 0 }' "$stats")
  done
  local goal=$((minutes * 60)) remaining=1
  while [ "$remaining" -gt 0 ]; do
    remaining=0
    for target in "${chosen[@]}"; do
      [ "${cpu[$target]}" -lt "$goal" ] || continue
      remaining=1
      local before after status=ok log="$logs/$target.$(date +%s).log"
      children_cpu "$logs/.times"
      before=$CPU
      run "$target" "$SLICE" "corpus/$target" "$log" || status=crash
      children_cpu "$logs/.times"
      after=$CPU
      cpu[$target]=$((cpu[$target] + after - before))
      printf '%s\t%s\t%s\t%s\n' "$target" "$((after - before))" "$(executions "$log")" "$status" >>"$stats"
      echo "fuzz: $target $status, ${cpu[$target]} of $goal CPU seconds" >&2
    done
  done
  summary "$stats"
}

summary() {
  local stats=${1:-fuzz/target/campaign/stats.tsv}
  printf '| target | CPU-minutes | executions | corpus files | corpus size | crashing runs |\n'
  printf '|---|---:|---:|---:|---:|---:|\n'
  for target in $(targets); do
    awk -F'\t' -v t="$target" '$1 == t { c += $2; e += $3; if ($4 != "ok") f++ }
      END { printf "%s\t%.1f\t%d\t%d\n", t, c / 60, e, f }' "$stats"
  done | while IFS=$'\t' read -r target minutes execs crashes; do
    printf '| %s | %s | %s | %s | %s | %s |\n' "$target" "$minutes" "$execs" \
      "$(find "fuzz/corpus/$target" -type f | wc -l)" \
      "$(du -sh --apparent-size "fuzz/corpus/$target" | cut -f1)" "$crashes"
  done
}

minimize() {
  local chosen=("$@")
  [ ${#chosen[@]} -gt 0 ] || mapfile -t chosen < <(targets)
  ensure_tools
  for target in "${chosen[@]}"; do
    # shellcheck disable=SC2046
    (cd fuzz && cargo +"$TOOLCHAIN" fuzz cmin "${BUILD_FLAGS[@]}" "$target" "corpus/$target" -- \
      -timeout="$TIMEOUT" -rss_limit_mb="$RSS_LIMIT_MB" $(options "$target" | sed 's#fuzz/##g'))
  done
}

case ${1:-} in
  ci) shift; ci "$@" ;;
  campaign) shift; campaign "$@" ;;
  summary) shift; summary "$@" ;;
  minimize) shift; minimize "$@" ;;
  build) build ;;
  list) targets ;;
  *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
