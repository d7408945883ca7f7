#!/usr/bin/env python3
"""Writes the example counts: 35 days of the shop's traffic up to 2026-11-29T00:00:00Z.

Deterministic (no randomness): re-running gives the same files. Hourly rows for the first
32 days, 5-minute rows for the last 3 (1-minute rows for search, judged minute by minute),
the way an export mixing old rollups and recent detail looks.

Stories in the data:
- checkout/availability: a 36-minute total outage on 2026-11-20 at 14:00 UTC spends the
  28-day budget: the policy freezes checkout releases (except P0 and security fixes).
- checkout/latency: a latency regression since 2026-11-28T18:00 (10% slow), still going:
  the 6h/30m page and the 1d/2h ticket rows fire.
- search/latency: a few bad minutes, well within budget.
- payments/authorizations: a slow burn all month (0.13% errors): over the 99.9% SLO, still
  above the 99.5% merchant SLA.
- order-pipeline/freshness (NDJSON): the nightly run failed on 2026-11-12; the warehouse
  was stale for four hours.
"""
import datetime
import json
import math
import os


def at(text):
    """Unix seconds of an ISO date and time in UTC."""
    return int(datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc).timestamp())


END = at("2026-11-29T00:00:00")
START = END - 35 * 86_400
DETAIL = END - 3 * 86_400
HERE = os.path.dirname(os.path.abspath(__file__))


def iso(seconds):
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def traffic(t, peak):
    """Requests per minute: a diurnal curve (peak at 19:00 UTC) and quieter weekends."""
    hour = (t % 86_400) / 3600
    day = ((t // 86_400) + 4) % 7  # 0 = Monday
    diurnal = 0.55 + 0.45 * math.cos((hour - 19) / 24 * 2 * math.pi)
    weekend = 0.7 if day >= 5 else 1.0
    return peak * diurnal * weekend


def rows():
    out = []
    t = START
    while t < END:
        step = 300 if t >= DETAIL else 3600
        minutes = step / 60
        # checkout availability
        valid = round(traffic(t, 1500) * minutes)
        error = 0.0003
        if t == at("2026-11-20T14:00:00"):
            error = 0.6  # the hour of the 36-minute outage
        out.append((t, "checkout/availability", valid - round(valid * error), valid))
        # checkout latency (successful requests only)
        slow = 0.006
        if t >= at("2026-11-28T18:00:00"):
            slow = 0.10
        lat_valid = valid - round(valid * error)
        out.append((t, "checkout/latency", lat_valid - round(lat_valid * slow), lat_valid))
        # payments: a slow burn all month
        pay = round(traffic(t, 400) * minutes)
        out.append((t, "payments/authorizations", pay - round(pay * 0.0013), pay))
        t += step
    # search, minute by minute for the last three days, hourly before
    t = START
    while t < END:
        step = 60 if t >= DETAIL else 3600
        minutes = step / 60
        valid = round(traffic(t, 800) * minutes)
        slow = 0.02
        if step == 60 and (t // 60) % 997 == 0:
            slow = 0.2  # a bad minute now and then
        out.append((t, "search/latency", valid - round(valid * slow), valid))
        t += step
    out.sort()
    return out


def main():
    with open(os.path.join(HERE, "shop.csv"), "w") as handle:
        handle.write("timestamp,sli,good,valid\n")
        for t, sli, good, valid in rows():
            handle.write(f"{iso(t)},{sli},{good},{valid}\n")
    failed = at("2026-11-12T02:00:00")  # the nightly run failed
    with open(os.path.join(HERE, "pipeline.ndjson"), "w") as handle:
        t = START
        while t < END:
            step = 3600 if t < DETAIL else 300
            stale = failed + 24 * 3600 <= t < failed + 28 * 3600
            record = {"timestamp": iso(t), "sli": "order-pipeline/freshness", "good": 0 if stale else 1, "valid": 1}
            handle.write(json.dumps(record) + "\n")
            t += step


if __name__ == "__main__":
    main()
