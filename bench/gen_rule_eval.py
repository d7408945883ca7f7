#!/usr/bin/env python3
"""30 days of history for bench/rule_eval.sh, as OpenMetrics, and the rules to compare.

usage: gen_rule_eval.py DIR SLOS END_UNIX_SECONDS

For each SLO: the raw counters (one sample a minute), what nines' SLO-window group records
(5-minute error and valid counts, one sample every 5 minutes) and what Sloth records (the
5-minute error ratio, one sample a minute). DIR/rules.yaml holds three groups computing the
30-day error ratio of every SLO three ways.
"""
import os
import sys

out, slos, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
days = 30
start = end - days * 86400
minutes = days * 1440
os.makedirs(out, exist_ok=True)

def rate(slo, minute):
    return 100 + (slo % 7) * 10, (1 if (minute + slo) % 17 == 0 else 0)

with open(os.path.join(out, "history.om"), "w") as h:
    h.write("# TYPE http_requests counter\n")
    for slo in range(slos):
        for code in ("200", "500"):
            value = 0
            for minute in range(minutes + 1):
                ok, bad = rate(slo, minute)
                value += ok if code == "200" else bad
                h.write(f'http_requests_total{{slo="s-{slo}",code="{code}"}} {value} {start + minute * 60}\n')
    h.write("# TYPE nines:sli_errors:increase5m gauge\n")
    for slo in range(slos):
        for step in range(1, minutes // 5 + 1):
            bad = sum(rate(slo, m)[1] for m in range(step * 5 - 4, step * 5 + 1))
            h.write(f'nines:sli_errors:increase5m{{nines_slo="s-{slo}"}} {bad} {start + step * 300}\n')
    h.write("# TYPE nines:sli_valid:increase5m gauge\n")
    for slo in range(slos):
        for step in range(1, minutes // 5 + 1):
            valid = sum(sum(rate(slo, m)) for m in range(step * 5 - 4, step * 5 + 1))
            h.write(f'nines:sli_valid:increase5m{{nines_slo="s-{slo}"}} {valid} {start + step * 300}\n')
    h.write("# TYPE slo:sli_error:ratio_rate5m gauge\n")
    for slo in range(slos):
        for minute in range(5, minutes + 1):
            bad = sum(rate(slo, m)[1] for m in range(minute - 4, minute + 1))
            valid = sum(sum(rate(slo, m)) for m in range(minute - 4, minute + 1))
            h.write(f'slo:sli_error:ratio_rate5m{{sloth_id="s-{slo}",sloth_window="5m"}} {bad / valid} {start + minute * 60}\n')
    h.write("# EOF\n")

with open(os.path.join(out, "rules.yaml"), "w") as h:
    h.write("groups:\n")
    groups = {
        "nines-chained": lambda i: f'sum_over_time(nines:sli_errors:increase5m{{nines_slo="s-{i}"}}[30d]) / (sum_over_time(nines:sli_valid:increase5m{{nines_slo="s-{i}"}}[30d]) > 0)',
        "sloth-average-of-ratios": lambda i: f'sum_over_time(slo:sli_error:ratio_rate5m{{sloth_id="s-{i}"}}[30d]) / ignoring (sloth_window) count_over_time(slo:sli_error:ratio_rate5m{{sloth_id="s-{i}"}}[30d])',
        "raw-rescan": lambda i: f'sum(increase(http_requests_total{{slo="s-{i}",code="500"}}[30d])) / sum(increase(http_requests_total{{slo="s-{i}"}}[30d]))',
    }
    for name, expr in groups.items():
        h.write(f"  - name: {name}\n    interval: 15s\n    rules:\n")
        for i in range(slos):
            h.write(f"      - record: bench:{name.replace('-', '_')}:ratio30d\n        expr: '{expr(i)}'\n        labels:\n          slo: s-{i}\n")
