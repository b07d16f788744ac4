#!/usr/bin/env python3
"""Sequential keep-alive requests to OpenDRS; reports the server's own time per request.

Every OpenDRS response carries `Server-Timing: app;dur=<ms>` (for a streamed answer: the time
to the first byte). This sends COUNT requests one after another on one keep-alive connection
(after WARMUP unrecorded ones), reads each answer to the end, and prints one JSON object:
p50/p99 of that header, the client-observed round trip (for a streamed answer: the whole
download), the status codes, the response size, a SHA-256 of the first recorded answer and how
many different answers were seen (to compare the cache-on and cache-off answers), and, for
answers small enough to parse, `total_record`.

Stdlib only. Traffic to 127.0.0.1 only; bounded by COUNT and by --max-seconds.

    server_timing.py --port 28081 --project PID --body-file F [--header 'X-Auth-Token: T']
                     [--count 300] [--warmup 10] [--max-seconds 120] [--label NAME]
                     [--method GET --path '/v5/{project}/jobs?job_type=migration&sort_key=name']

The default request is the v3 list, `POST /v3/{project}/jobs` with the body file; `--method` and
`--path` (`{project}` is replaced) send another, a GET without a body. The total is read from
`total_record` (v3) or `total_count` (v5).
"""

import argparse
import hashlib
import http.client
import json
import re
import sys
import time

TIMING = re.compile(r"app;dur=([0-9.]+)")
PARSE_LIMIT = 4 * 1024 * 1024  # parse total_record only from answers below 4 MiB


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("--body-file")
    ap.add_argument("--method", default="POST")
    ap.add_argument("--path", default="/v3/{project}/jobs")
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    if a.host not in ("127.0.0.1", "localhost"):
        sys.exit("server_timing.py: 127.0.0.1 only")

    body = b""
    if a.body_file:
        with open(a.body_file, "rb") as f:
            body = f.read().rstrip()
    elif a.method == "POST":
        sys.exit("server_timing.py: a POST needs --body-file")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    for h in a.header:
        k, _, v = h.partition(":")
        headers[k.strip()] = v.strip()
    path = a.path.replace("{project}", a.project)

    conn = http.client.HTTPConnection(a.host, a.port, timeout=60)
    server_ms, client_ms, statuses = [], [], {}
    sizes, total_record, errors = [], None, []
    digests = []
    started = time.monotonic()
    sent = 0
    for i in range(a.warmup + a.count):
        if time.monotonic() - started > a.max_seconds:
            break
        t0 = time.perf_counter()
        conn.request(a.method, path, body=body if a.method != "GET" else None, headers=headers)
        resp = conn.getresponse()
        size = 0
        head = bytearray()
        digest = hashlib.sha256()
        while True:
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            digest.update(chunk)
            if size <= PARSE_LIMIT:
                head += chunk
        t1 = time.perf_counter()
        st = resp.getheader("Server-Timing") or ""
        m = TIMING.search(st)
        if i < a.warmup:
            continue
        sent += 1
        statuses[str(resp.status)] = statuses.get(str(resp.status), 0) + 1
        if resp.status // 100 != 2 and len(errors) < 3:
            errors.append(bytes(head[:300]).decode("utf-8", "replace"))
        if m:
            server_ms.append(float(m.group(1)))
        client_ms.append((t1 - t0) * 1000.0)
        sizes.append(size)
        digests.append(digest.hexdigest())
        if size <= PARSE_LIMIT and resp.status == 200 and total_record is None:
            try:
                doc = json.loads(bytes(head))
                total_record = doc.get("total_record", doc.get("total_count"))
                jobs_in_answer = len(doc.get("jobs", []))
            except ValueError:
                pass
    conn.close()

    out = {
        "label": a.label,
        "project": a.project,
        "method": a.method,
        "path": path,
        "body": body.decode(),
        "requests": sent,
        "statuses": statuses,
        "with_server_timing": len(server_ms),
        "server_p50_ms": percentile(server_ms, 50) if server_ms else None,
        "server_p99_ms": percentile(server_ms, 99) if server_ms else None,
        "client_p50_ms": percentile(client_ms, 50) if client_ms else None,
        "client_p99_ms": percentile(client_ms, 99) if client_ms else None,
        "response_bytes_p50": percentile(sizes, 50) if sizes else None,
        "total_record": total_record,
        "body_sha256": digests[0] if digests else None,
        "distinct_bodies": len(set(digests)),
        "errors": errors,
        "seconds": round(time.monotonic() - started, 2),
    }
    if total_record is not None:
        out["jobs_in_answer"] = jobs_in_answer
    print(json.dumps(out))


if __name__ == "__main__":
    main()
