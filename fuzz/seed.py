#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the repository's examples and tests.

Run from fuzz/: `python3 seed.py`. The committed corpora are these seeds after
`cargo fuzz cmin` plus what campaigns found; re-running this only adds files.
"""
import hashlib
import json
import os
import re
import struct
import glob

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
HERE = os.path.join(ROOT, "fuzz", "corpus")
MAX_SEED = 8192  # bytes: keep seeds small, the fuzzer grows them (-max_len)


def write(target, data):
    if isinstance(data, str):
        data = data.encode()
    if not data or len(data) > MAX_SEED:
        return
    directory = os.path.join(HERE, target)
    os.makedirs(directory, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    with open(os.path.join(directory, name), "wb") as out:
        out.write(data)


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def literals(text):
    """String literals of Rust source: "..." and r#"..."#."""
    found = re.findall(r'r#"(.*?)"#', text, re.S)
    found += [bytes(s, "utf-8").decode("unicode_escape") for s in
              re.findall(r'(?<![r#])"((?:[^"\\\n]|\\.)*)"', text)]
    return [s for s in found if s.strip()]


# Specs, per format: the examples and the conformance suite.
for fmt, example_dir in [("native", "shop"), ("openslo", "openslo"), ("sloth", "sloth"), ("pyrra", "pyrra")]:
    paths = glob.glob(os.path.join(ROOT, "examples", example_dir, "*.yaml"))
    paths += glob.glob(os.path.join(ROOT, "crates/nines-spec/tests/conformance", fmt, "*", "*.yaml"))
    for path in paths:
        with open(path, "rb") as f:
            write(f"spec_{fmt}", f.read())

# Filters and PromQL: the expressions of the examples and the unit tests.
yaml_values = []
for path in glob.glob(os.path.join(ROOT, "examples", "*", "*.yaml")) + glob.glob(
        os.path.join(ROOT, "crates/nines-spec/tests/conformance/*/*/*.yaml")):
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r'\s*-?\s*(valid|good|bad|total|histogram|errorQuery|totalQuery|query|error_query|total_query|metric)\s*:\s*(.+)$', line)
            if m:
                value = m.group(2).strip()
                if value[:1] in "'\"" and value[-1:] == value[:1]:
                    value = value[1:-1]
                yaml_values.append(value)
for value in yaml_values:
    if "{" in value or "(" in value and "[" in value:
        write("promql", value)
    else:
        write("filter", value)
for value in literals(read("crates/nines-core/src/expr/tests.rs")):
    write("filter", value)
write("filter", 'route == "/checkout" && status < 500\0{"route": "/checkout", "status": 200}')
write("filter", 'size(tags) > 1 && has(attributes.x) || int("3") == 3\0{"tags": [1, 2], "attributes": {"x": 1}}')
for value in literals(read("crates/nines-spec/src/promql.rs")):
    write("promql", value)
write("promql", 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[{{.window}}])))')
write("promql", 'sum(rate(http_requests_total{code=~"5..",job!="x"}[5m] offset 1h)) / ignoring(code) group_left sum(rate(http_requests_total[5m]))')

# Events: NDJSON and a JSON array around the fixed catalog's now (2026-11-29T12:00:00Z).
NOW = 1_795_953_600
events = [
    {"timestamp": NOW - 60, "route": "/checkout", "method": "POST", "status": 200, "duration_seconds": 0.12},
    {"timestamp": NOW - 30, "route": "/checkout", "method": "PUT", "status": 503, "duration_seconds": 0.9},
    {"time": "2026-11-29T11:59:00Z", "route": "/checkout/pay", "method": "GET", "status": 404},
    {"timestamp": "2026-11-29T11:58:00.250+00:00", "route": "/health", "status": 200},
    {"timestamp": (NOW - 10) * 1000, "route": "/checkout", "method": "POST", "status": 500},
]
write("events", "\n".join(json.dumps(e) for e in events) + "\n")
write("events", json.dumps(events))
write("events", '{"route": "/checkout", "method": "POST", "status": 200}\n\n{"timestamp": 1, "route": "/checkout"}\n')

# Counts: CSV and NDJSON, from the examples (first rows) and hand-made rows.
shop = read("examples/counts/shop.csv").splitlines()
write("counts_csv", "\n".join(shop[:40]) + "\n")
write("counts_csv", "timestamp,sli,bad,total\n2026-11-29T11:58:00Z,shop/availability,3,1000\n1795953540,availability,0,5\n")
write("counts_csv", "timestamp,sli,good,valid\n2026-11-29T11:59:00Z,shop/latency,\"10\",10\n")
pipeline = read("examples/counts/pipeline.ndjson").splitlines()
write("counts_ndjson", "\n".join(pipeline[:30]) + "\n")
rows = [
    {"timestamp": "2026-11-29T11:58:00Z", "sli": "shop/availability", "good": 990, "valid": 1000},
    {"ts": NOW - 60, "series": "availability", "bad": 2, "total": 7},
    {"time": (NOW - 120) * 1000, "sli": "shop/latency", "good": 1, "valid": 1},
]
write("counts_ndjson", "\n".join(json.dumps(r) for r in rows) + "\n")
write("counts_ndjson", json.dumps(rows))


# Remote write: protobuf WriteRequests built by hand (field numbers of prometheus/prompb).
def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def series(labels, samples):
    body = b"".join(field(1, field(1, k.encode()) + field(2, v.encode())) for k, v in labels)
    for value, ts in samples:
        body += field(2, b"\x09" + struct.pack("<d", value) + b"\x10" + varint(ts & (2**64 - 1)))
    return field(1, body)


def snappy(raw):
    """Snappy block format with literals only (valid, uncompressed)."""
    out = varint(len(raw))
    for i in range(0, len(raw), 60):
        piece = raw[i:i + 60]
        out += bytes([(len(piece) - 1) << 2]) + piece
    return out


T = NOW * 1000
requests = [
    series([("__name__", "http_requests_total"), ("job", "shop"), ("code", "200")],
           [(100, T - 120_000), (160, T - 60_000), (10, T)]) +
    series([("__name__", "http_requests_total"), ("job", "shop"), ("code", "503")],
           [(1, T - 120_000), (4, T - 60_000), (float("nan"), T)]),
    series([("__name__", "http_request_duration_seconds_bucket"), ("job", "shop"), ("le", "0.3")],
           [(5, T - 60_000), (9, T)]) +
    series([("__name__", "http_request_duration_seconds_bucket"), ("job", "shop"), ("le", "+Inf")],
           [(7, T - 60_000), (12, T)]) +
    series([("__name__", "http_request_duration_seconds_count"), ("job", "shop")],
           [(7, T - 60_000), (12, T)]),
    series([("__name__", "up"), ("job", "shop")], [(1, T)]),
]
for raw in requests:
    write("remote_write", b"\x01" + raw)
    write("remote_write", b"\x00" + snappy(raw))

# Access logs: combined-log lines (mode byte 0) and CSV events (mode byte 1).
log_lines = [l for l in literals(read("crates/nines-store/src/ingest/logs.rs")) if "[" in l and "]" in l]
write("access_log", b"\x00" + "\n".join(log_lines).encode())
write("access_log", b"\x02" + b'203.0.113.9 - - [29/Nov/2026:11:59:00 +0000] "POST /checkout HTTP/1.1" 200 12 "-" "curl/8" 120\n')
write("access_log", b"\x04" + b'203.0.113.9 - - [29/Nov/2026:12:59:00 +0100] "PUT /checkout?a=1 HTTP/2.0" 503 - "-" "-" rt=1250\n')
write("access_log", b"\x01" + b"timestamp,route,method,status,duration_seconds\n1795953540,/checkout,POST,200,0.1\n2026-11-29T11:59:30Z,/checkout,PUT,503,\n")


# Chunks: the encoding of chunk.rs (version 1, presence mask, varint or float cells).
def cell(value):
    if isinstance(value, int):
        return varint(value << 1)
    return b"\x01" + struct.pack("<d", value)


def chunk(cells):
    mask = 0
    body = b""
    for offset, good, valid in sorted(cells):
        mask |= 1 << offset
    for offset, good, valid in sorted(cells):
        body += cell(good) + cell(valid)
    return b"\x01" + struct.pack("<Q", mask) + body


write("chunk", chunk([(0, 990, 1000), (1, 5, 5), (63, 0, 3)]))
write("chunk", chunk([(i, i * 1000, i * 1001) for i in range(64)]))
write("chunk", chunk([(3, -2.0, 0.1), (9, 1e300, 2**53)]))
write("chunk", chunk([]))
