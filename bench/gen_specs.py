#!/usr/bin/env python3
"""Writes N spec files of 10 SLOs each (two services of five) plus a policy file into DIR.

The same corpus as `crates/nines-spec/benches/validate.rs`, on disk, for timing the binary.
Usage: gen_specs.py DIR [N]
"""
import os
import sys

directory = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
os.makedirs(directory, exist_ok=True)

SERVICE = """---
apiVersion: nines/v1
kind: Service
name: service-{index}-{half}
owner: team-{index}
approvers:
  - {{name: Jane Doe, role: VP Engineering, approved: 2026-05-01}}
review: {{last: 2026-05-01}}
policy: standard
slas:
  - {{name: contract, target: 99.5%, window: month, credits: [{{below: 99.5%, credit: 10%}}]}}
slos:
  - name: availability
    target: 99.9%
    aspirational: 99.95%
    window: 28d
    sla: contract
    sli:
      events:
        valid: route == "/api/{index}" && method in ["GET", "POST"]
        good: status < 500
      prometheus:
        valid: http_requests_total{{job="svc-{index}"}}
        bad: http_requests_total{{job="svc-{index}",code=~"5.."}}
    alerting:
      runbook: https://runbooks.example.com/{index}
  - name: latency
    target: 99%
    window: 28d
    sli:
      latency: 300ms
      events: {{valid: "route == '/api/{index}'", field: duration_seconds}}
      prometheus:
        histogram: http_request_duration_seconds{{job="svc-{index}"}}
  - name: search
    target: 99%
    window: 28d
    budgeting: timeslices
    slice: 1m
    sliceTarget: 95%
    sli:
      latency: 500ms
      prometheus:
        histogram: search_duration_seconds{{job="svc-{index}"}}
  - name: freshness
    target: 99%
    window: month
    zone: Europe/Paris
    budgeting: timeslices
    slice: 1h
    sli:
      threshold: "<= 26h"
      prometheus:
        value: time() - max(last_success_timestamp_seconds{{job="svc-{index}"}})
    alerting:
      windows:
        - {{severity: ticket, long: 6h, short: 30m, factor: 6}}
  - name: journey
    target: 99.5%
    window: 28d
    composite:
      members:
        - {{slo: availability, weight: 2}}
        - {{slo: latency}}
"""

for index in range(count):
    with open(os.path.join(directory, f"service-{index:04}.yaml"), "w") as handle:
        for half in range(2):
            handle.write(SERVICE.format(index=index, half=half))
with open(os.path.join(directory, "policy.yaml"), "w") as handle:
    handle.write(
        "apiVersion: nines/v1\nkind: ErrorBudgetPolicy\nname: standard\nreview: {last: 2026-06-01}\n"
        "states:\n  - name: frozen\n    when: remaining < 0%\n"
        "    actions: [{freeze: releases, except: [security, p0]}]\n  - name: ok\n"
    )
