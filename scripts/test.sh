#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need when it is
# missing, then runs every test of the workspace. This is the README's test command and
# what `.ci/run` calls.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the integration tests start for real (none is imitated).
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need prometheus prometheus     # remote write, backend and promtool tests (promtool comes with it)
need victoria-metrics victoria-metrics   # the backend against VictoriaMetrics
need openssl openssl           # certificates for the TLS backend test
need prometheus-alertmanager prometheus-alertmanager   # delivery to a real Alertmanager (issue 10)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || packages+=(python3-aiosmtpd)   # a real SMTP server for e-mail delivery
need chromium chromium         # the dashboard's browser tests (crates/nines/tests/dashboard.rs)
need node nodejs               # runs tests/browser/dashboard.mjs (playwright-core)
need npm npm                   # installs playwright-core from tests/browser/package-lock.json

if [ ${#packages[@]} -gt 0 ]; then
  echo "installing: ${packages[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing ${packages[*]} and not root; install them with apt-get" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# playwright-core (pure JavaScript, no browser download) drives Debian's chromium.
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  echo "installing: playwright-core (npm ci in tests/browser)" >&2
  npm ci --prefix tests/browser --no-audit --no-fund >/dev/null
fi

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
  # nextest does not run doctests.
  cargo test --workspace --doc --quiet
else
  cargo test --workspace --no-fail-fast
fi

# Coverage-guided fuzzing of every decoder, 10 s a target on the committed corpus
# (issue 9; the long campaign is `scripts/fuzz.sh campaign MINUTES`, docs/reliability.md).
bash scripts/fuzz.sh ci
