#!/usr/bin/env python3
"""Data, specs and slo-generator configs for bench/prometheus.sh.

usage: gen_backend_bench.py DIR SLOS HOURS END_UNIX_SECONDS

Writes DIR/history.om (OpenMetrics: http_requests_total for SLOS routes, codes 200 and
500, one sample a minute for HOURS hours ending at END), DIR/specs/*.yaml (nines: SLOS
SLOs, 5 per service, 99.9% over 28 days, the default four alert rows) and
DIR/slo-generator/ (the same SLOs for slo-generator, with the same windows).
"""
import os
import sys

out, slos, hours, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
os.makedirs(os.path.join(out, "specs"), exist_ok=True)
os.makedirs(os.path.join(out, "slo-generator", "slos"), exist_ok=True)

start = end - hours * 3600
with open(os.path.join(out, "history.om"), "w") as handle:
    handle.write("# TYPE http_requests counter\n")
    for route in range(slos):
        for code in ("200", "500"):
            value = 0
            for minute in range(hours * 60 + 1):
                t = start + minute * 60
                if code == "200":
                    value += 100 + (route % 7) * 10
                elif (minute + route) % 17 == 0:
                    value += 1
                handle.write(f'http_requests_total{{job="shop",route="/r{route}",code="{code}"}} {value} {t}\n')
    handle.write("# EOF\n")

for service in range(slos // 5):
    with open(os.path.join(out, "specs", f"svc-{service:04d}.yaml"), "w") as handle:
        handle.write(
            f"apiVersion: nines/v1\nname: svc-{service:04d}\nowner: team-{service}\n"
            "approvers:\n  - {name: Dana, role: VP, approved: 2026-09-01}\n"
            "review:\n  last: 2026-09-01\nslos:\n"
        )
        for slo in range(5):
            route = service * 5 + slo
            handle.write(
                f"  - name: route-{slo}\n    target: 99.9%\n    window: 28d\n    sli:\n      prometheus:\n"
                f'        valid: http_requests_total{{job="shop",route="/r{route}"}}\n'
                f'        bad: http_requests_total{{job="shop",route="/r{route}",code=~"5.."}}\n'
            )

with open(os.path.join(out, "slo-generator", "config.yaml"), "w") as handle:
    handle.write(
        "backends:\n  prometheus:\n    url: ${PROMETHEUS_URL}\n"
        "exporters: {}\n"
        "error_budget_policies:\n  default:\n    steps:\n"
    )
    # The windows nines reads for each SLO: the four alert rows' long and short windows
    # and the SLO window.
    for name, seconds, threshold in [
        ("5 minutes", 300, 14.4), ("30 minutes", 1800, 6), ("1 hour", 3600, 14.4),
        ("2 hours", 7200, 3), ("6 hours", 21600, 6), ("1 day", 86400, 3),
        ("3 days", 259200, 1), ("28 days", 2419200, 1),
    ]:
        handle.write(
            f"    - name: {name}\n      burn_rate_threshold: {threshold}\n      alert: false\n"
            f"      message_alert: burning\n      message_ok: fine\n      window: {seconds}\n"
        )
for route in range(slos):
    with open(os.path.join(out, "slo-generator", "slos", f"route-{route:04d}.yaml"), "w") as handle:
        handle.write(
            "apiVersion: sre.google.com/v2\nkind: ServiceLevelObjective\n"
            f"metadata:\n  name: shop-route-{route}\n  labels:\n    service_name: shop\n"
            f"    feature_name: route-{route}\n    slo_name: availability\n"
            "spec:\n  description: route availability\n  backend: prometheus\n"
            "  method: good_bad_ratio\n  exporters: []\n  error_budget_policy: default\n"
            "  service_level_indicator:\n"
            f'    filter_good: http_requests_total{{job="shop",route="/r{route}",code!~"5.."}}\n'
            f'    filter_valid: http_requests_total{{job="shop",route="/r{route}"}}\n'
            "  goal: 0.999\n"
        )
