#!/usr/bin/env python3
"""Turns the raw outputs of bench/run.sh (bench/out/) into a markdown summary on stdout.

    summarize.py OUT_DIR WRK_SIZE "STORES"

STORES: store keys, SIZE (SQLite) or pg-SIZE (PostgreSQL).

Cache-off figures are the figures of record for server time and memory (the engine's real
cost); cache-on figures are shown beside them.
"""

import glob
import json
import os
import re
import statistics
import sys

OUT, WRK_SIZE, SIZES = sys.argv[1], sys.argv[2], sys.argv[3].split()
MIB = 1024.0


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def fmt(v, nd=2):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


lines = []
p = lines.append

p("# OpenDRS benchmark results")
p("")
p(f"Raw outputs in `{OUT}`; produced by `bash bench/run.sh`.")
p("")
p("```")
try:
    p(open(os.path.join(OUT, "machine.txt")).read().rstrip())
except OSError:
    pass
p("```")
p("")

# 1. Stores -----------------------------------------------------------------------------------
p("## 1. Stores (`opendrs admin generate`, seed 1)")
p("")
p("| store | jobs | projects | big project jobs | small project jobs | generation s | jobs/s | data dir (PostgreSQL: database) MiB |")
p("|---|---:|---:|---:|---:|---:|---:|---:|")
for size in SIZES:
    d = os.path.join(OUT, "data", size)
    g, t = load(os.path.join(d, "generate.json")), load(os.path.join(d, "generate-time.json"))
    if not g:
        continue
    try:
        mib = int(open(os.path.join(d, "size-bytes.txt")).read()) / MIB / MIB
    except (OSError, ValueError):
        mib = None
    big = {"10k": 1000, "1m": 100000}.get(size.removeprefix("pg-"))
    p(f"| {size} | {fmt(g['jobs'])} | {fmt(g['projects'])} | {fmt(big)} | {fmt(g['small_project_jobs'])} "
      f"| {fmt(t and t['seconds'])} | {fmt(t and t['jobs_per_second'], 0)} | {fmt(mib, 0)} |")
p("")

# 2. Server time ------------------------------------------------------------------------------
CASES = ("filtered", "default", "name", "name-broad", "all")
LABEL = {"filtered": "filtered page (db_use_type+status)", "default": "default page",
         "name": "name contains `orders-1`", "name-broad": "name contains `payments`",
         "all": "all items (`cur_page` 0): p50/p99 = first byte, client = whole download"}
p("## 2. Server-side time (`Server-Timing: app;dur`, ms), sequential keep-alive requests, token auth")
p("")
p("p50/p99 with the page cache OFF (`OPENDRS_PAGE_CACHE_ENTRIES=0`). \"cached p50\": the same request"
  " repeated on a server with the cache ON (default, 256 entries). \"same answer\": the cache-on"
  " answer is byte-identical to the cache-off one.")
p("")
p("| store | project | case | n | p50 | p99 | client p50 | client p99 | cached n | cached p50 | cached p99 | same answer | total_record | bytes | statuses (off; on) |")
p("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|")
timing, cached = {}, {}
problems = []


def statuses(r):
    return ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items())) if r else "–"


for size in SIZES:
    for which in ("small", "big"):
        for case in CASES:
            r = load(os.path.join(OUT, size, f"timing-{which}-{case}.json"))
            c = load(os.path.join(OUT, size, f"timing-{which}-{case}-cached.json"))
            if not r and not c:
                continue
            timing[(size, which, case)] = r
            cached[(size, which, case)] = c
            for x in (r, c):
                if x and any(k[0] != "2" for k in x["statuses"]):
                    problems.append(f"{x['label']}: statuses {x['statuses']} {x.get('errors')}")
                if x and x.get("distinct_bodies", 1) > 1 and case != "all":
                    problems.append(f"{x['label']}: {x['distinct_bodies']} different answers to one repeated request")
            same = "–"
            if r and c and r.get("body_sha256") and c.get("body_sha256"):
                same = "yes" if r["body_sha256"] == c["body_sha256"] else "**NO**"
                if same != "yes":
                    problems.append(f"{size}/{which}/{case}: cache-on answer differs from cache-off answer")
            r = r or {}
            p(f"| {size} | {which} | {LABEL[case]} | {fmt(r.get('requests'))} | {fmt(r.get('server_p50_ms'), 3)} | "
              f"{fmt(r.get('server_p99_ms'), 3)} | {fmt(r.get('client_p50_ms'), 3)} | {fmt(r.get('client_p99_ms'), 3)} | "
              f"{fmt(c and c['requests'])} | {fmt(c and c['server_p50_ms'], 3)} | {fmt(c and c['server_p99_ms'], 3)} | {same} | "
              f"{fmt(r.get('total_record'))} | {fmt(r.get('response_bytes_p50'))} | {statuses(r or None)}; {statuses(c)} |")
p("")

# 2b. The v5 sorted listing ------------------------------------------------------------------
V5_KEYS = ("create_time", "name", "status", "net_type", "job_direction", "pay_mode")
v5_rows = []
for size in SIZES:
    for key in V5_KEYS:
        for d in ("asc", "desc"):
            first = load(os.path.join(OUT, size, f"v5sort-{key}-{d}-0.json"))
            deep = [load(f) for f in sorted(glob.glob(os.path.join(OUT, size, f"v5sort-{key}-{d}-*.json")))
                    if not f.endswith("-0.json")]
            deep = deep[0] if deep else None
            if not first and not deep:
                continue
            for x in (first, deep):
                if x and any(k[0] != "2" for k in x["statuses"]):
                    problems.append(f"{x['label']}: statuses {x['statuses']} {x.get('errors')}")
            offset = re.search(r"offset=(\d+)", (deep or {}).get("path", "")) if deep else None
            f, g = first or {}, deep or {}
            v5_rows.append(
                f"| {size} | {key} | {d} | {fmt(f.get('requests'))} | {fmt(f.get('server_p50_ms'), 3)} | "
                f"{fmt(f.get('server_p99_ms'), 3)} | {offset.group(1) if offset else '–'} | {fmt(g.get('server_p50_ms'), 3)} | "
                f"{fmt(g.get('server_p99_ms'), 3)} | {fmt(f.get('total_record'))} |"
            )
if v5_rows:
    p("## 2b. The v5 sorted listing (`GET /v5/{project}/jobs?job_type=migration&sort_key=…&sort_dir=…`, 10 a page), "
      "big project, server time ms, cache off, token auth")
    p("")
    p("| store | sort_key | sort_dir | n | first page p50 | p99 | deep offset | deep page p50 | p99 | total_count |")
    p("|---|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in v5_rows:
        p(row)
    p("")

# 3. Throughput -------------------------------------------------------------------------------
CSV = re.compile(r"^CSV,(.*)$", re.M)


def wrk_runs(name):
    runs = []
    for f in sorted(glob.glob(os.path.join(OUT, "wrk", f"{name}-[0-9].txt"))):
        m = CSV.search(open(f).read())
        if not m:
            runs.append(None)
            continue
        runs.append({k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split(","))})
    return runs


def mem_samples(name):
    rss, hwm = [], []
    for f in glob.glob(os.path.join(OUT, "wrk", f"{name}-[0-9].mem")):
        for line in open(f):
            parts = line.split()
            if len(parts) == 2:
                rss.append(int(parts[0]))
                hwm.append(int(parts[1]))
    return rss, hwm


secs = [r["seconds"] for r in (wrk_runs("ref-fixed") or []) if r]
p(f"## 3. Throughput, `wrk -t1 -c32 -d{round(secs[0]) if secs else '?'}s --latency`, {WRK_SIZE} store, big project = "
  f"{'100,000' if WRK_SIZE == '1m' else '1,000' if WRK_SIZE == '10k' else '?'} jobs")
p("")
p("| case | cache | runs req/s | median req/s | median p50 ms | median p99 ms | non-2xx | socket errors |")
p("|---|---|---|---:|---:|---:|---:|---:|")
cases = [
    ("ref-fixed", "ref-axum, fixed response", "–"),
    ("opendrs-unauth-cache-on", "opendrs page, small project, no auth", "on"),
    ("opendrs-signed-cache-on", "opendrs page, small project, AK/SK signed", "on"),
    ("opendrs-token-cache-on", "opendrs page, small project, token", "on"),
    ("opendrs-unauth-cache-off", "opendrs page, small project, no auth", "off"),
    ("opendrs-signed-cache-off", "opendrs page, small project, AK/SK signed", "off"),
    ("opendrs-token-cache-off", "opendrs page, small project, token", "off"),
    ("opendrs-big-filtered-cache-off", "opendrs filtered page, big project, token", "off"),
    ("opendrs-big-filtered-cache-on", "opendrs filtered page, big project, token", "on"),
    ("pg-unauth-cache-off", "PostgreSQL: page, small project, no auth", "off"),
    ("pg-unauth-cache-on", "PostgreSQL: page, small project, no auth", "on"),
    ("pg-big-filtered-cache-off", "PostgreSQL: filtered page, big project, token", "off"),
    ("pg-big-filtered-cache-on", "PostgreSQL: filtered page, big project, token", "on"),
    ("ref-fixed-end", "ref-axum, fixed response, again at the end (drift check)", "–"),
    ("mix-ref", "random mixed load: ref-axum (fixed response)", "–"),
    ("mix-sqlite", "random mixed load: SQLite, no auth", "on (misses)"),
    ("mix-pg", "random mixed load: PostgreSQL, no auth", "on (misses)"),
]
RL = re.compile(r"^RL,(.*)$", re.M)


def rl_runs(name):
    out = []
    for f in sorted(glob.glob(os.path.join(OUT, "wrk", f"{name}-[0-9].txt"))):
        m = RL.search(open(f).read())
        if m:
            out.append({k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split(","))})
    return out

med, p99s = {}, {}
for name, label, cache in cases:
    runs = [r for r in wrk_runs(name) if r]
    if not runs:
        p(f"| {label} | {cache} | (no output) | | | | | |")
        continue
    rps = statistics.median(r["rps"] for r in runs)
    p50 = statistics.median(r["p50_us"] for r in runs) / 1000
    p99 = statistics.median(r["p99_us"] for r in runs) / 1000
    non2xx = int(sum(r["errors_status"] for r in runs))
    sock = int(sum(r["errors_connect"] + r["errors_read"] + r["errors_write"] + r["errors_timeout"] for r in runs))
    if non2xx or sock:
        problems.append(f"wrk {name}: non-2xx {non2xx}, socket errors {sock}")
    for r in rl_runs(name):
        if r["not_200"]:
            problems.append(f"wrk {name}: {r['not_200']} answers not 200 out of {r['answers']}")
    med[name] = rps
    p99s[name] = p99
    p(f"| {label} | {cache} | {' / '.join(format(r['rps'], ',.0f') for r in runs)} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {non2xx} | {sock} |")
p("")


def ratio(a, b):
    return med[a] / med[b] if a in med and b in med and med[b] else None


ratios = {}
for cache in ("on", "off"):
    for who in ("unauth", "signed", "token"):
        ratios[f"{who} (cache {cache}) / ref-axum"] = ratio(f"opendrs-{who}-cache-{cache}", "ref-fixed")
    ratios[f"big filtered (cache {cache}) / ref-axum"] = ratio(f"opendrs-big-filtered-cache-{cache}", "ref-fixed")
for cache in ("on", "off"):
    ratios[f"signed / unauth (cache {cache})"] = ratio(f"opendrs-signed-cache-{cache}", f"opendrs-unauth-cache-{cache}")
    ratios[f"token / unauth (cache {cache})"] = ratio(f"opendrs-token-cache-{cache}", f"opendrs-unauth-cache-{cache}")
ratios["ref-axum end / ref-axum start (drift)"] = ratio("ref-fixed-end", "ref-fixed")
for cache in ("on", "off"):
    ratios[f"PostgreSQL / SQLite, small page no auth (cache {cache})"] = ratio(f"pg-unauth-cache-{cache}", f"opendrs-unauth-cache-{cache}")
    ratios[f"PostgreSQL / SQLite, big filtered token (cache {cache})"] = ratio(f"pg-big-filtered-cache-{cache}", f"opendrs-big-filtered-cache-{cache}")
ratios["random mix: SQLite / ref-axum"] = ratio("mix-sqlite", "mix-ref")
ratios["random mix: PostgreSQL / ref-axum"] = ratio("mix-pg", "mix-ref")
ratios["random mix: PostgreSQL / SQLite"] = ratio("mix-pg", "mix-sqlite")
mixes = [(n, rl_runs(n)) for n in ("mix-ref", "mix-sqlite", "mix-pg")]
if any(r for _, r in mixes):
    p("Random mixed load (`bench/wrk/random.lua`), requests by filter kind and answers not 200, per run:")
    p("")
    for n, rs in mixes:
        for r in rs:
            p(f"- {n}: " + ", ".join(f"{k}={v:,}" for k, v in r.items()))
    p("")
p("| ratio of median req/s | value |")
p("|---|---:|")
for k, v in ratios.items():
    p(f"| {k} | {fmt(v and v * 100, 1)} % |")
p("")

# 4. Memory -----------------------------------------------------------------------------------
p(f"## 4. Memory ({WRK_SIZE} store), VmRSS/VmHWM sampled every 0.5 s during each wrk run")
p("")
p("| opendrs under wrk load | cache | process | samples | max VmRSS MiB | max VmHWM MiB |")
p("|---|---|---|---:|---:|---:|")
proc = {"unauth": "own process", "signed": "shared with token (runs first)", "token": "shared with signed (runs second)",
        "big-filtered": "own, fresh process"}
mem = {}
for name, label, cache in cases:
    if not name.startswith(("opendrs-", "pg-", "mix-sqlite", "mix-pg")):
        continue
    rss, hwm = mem_samples(name)
    if rss:
        mem[name] = (max(rss) / MIB, max(hwm) / MIB)
        who = name.split("-", 1)[1].rsplit("-cache-", 1)[0]
        p(f"| {label} | {cache} | {proc.get(who, '')} | {len(rss)} | {max(rss) / MIB:.1f} | {max(hwm) / MIB:.1f} |")
p("")
sm, sc = load(os.path.join(OUT, "wrk", "stream-mem.json")), load(os.path.join(OUT, "wrk", "stream-curl.json"))
growth = None
if sm and sc:
    growth = (sm["hwm_after_kb"] - sm["hwm_before_kb"]) / MIB
    p("One `{\"cur_page\":0,\"db_use_type\":\"migration\"}` request over the big project on a fresh cache-off"
      " server (after 50 filtered-page requests), streamed with curl to /dev/null:")
    p("")
    p("| VmHWM before MiB | VmHWM after MiB | growth MiB | VmRSS before → after MiB | HTTP | response bytes | time to first byte s | total s |")
    p("|---:|---:|---:|---|---:|---:|---:|---:|")
    p(f"| {sm['hwm_before_kb'] / MIB:.1f} | {sm['hwm_after_kb'] / MIB:.1f} | {growth:.1f} | "
      f"{sm['rss_before_kb'] / MIB:.1f} → {sm['rss_after_kb'] / MIB:.1f} | {sc['http_code']} | "
      f"{sc['size_download']:,} | {sc['time_starttransfer']:.3f} | {sc['time_total']:.3f} |")
    p("")
    if sc["http_code"] != 200:
        problems.append(f"stream: HTTP {sc['http_code']}")

# 5. Targets ----------------------------------------------------------------------------------
p("## 5. Targets")
p("")
p("| target | measured | met? |")
p("|---|---|---|")


def target(desc, value, limit, unit, le=True, nd=3, strict=False):
    if value is None:
        p(f"| {desc} | not measured | – |")
        return
    if strict:
        ok = value < limit
    else:
        ok = value <= limit if le else value >= limit
    p(f"| {desc} | {value:,.{nd}f} {unit} | {'met' if ok else 'MISSED'} |")


def server_p50(key):
    r = timing.get(key)
    return r and r["server_p50_ms"]


target("filtered page, 100k project (1m store), server p50 ≤ 1 ms, cache off",
       server_p50(("1m", "big", "filtered")), 1.0, "ms")
target("name search `orders-1`, 100k project, server p50 ≤ 5 ms, cache off", server_p50(("1m", "big", "name")), 5.0, "ms")
target("name search `payments`, 100k project, server p50 ≤ 5 ms, cache off", server_p50(("1m", "big", "name-broad")), 5.0, "ms")
for cache in ("on", "off"):
    for who in ("unauth", "signed", "token"):
        r = ratios[f"{who} (cache {cache}) / ref-axum"]
        target(f"small-project page ({who}, cache {cache}) ≥ 50 % of ref-axum fixed", r and r * 100, 50, "%", le=False, nd=1)
big_rss = [v[0] for k, v in mem.items()]
target(f"max VmRSS under any opendrs wrk load, {WRK_SIZE} store ≤ 150 MiB", max(big_rss) if big_rss else None, 150, "MiB", nd=1)
target(f"max VmRSS under the big-project load (cache off), {WRK_SIZE} store ≤ 150 MiB",
       mem.get("opendrs-big-filtered-cache-off", (None,))[0], 150, "MiB", nd=1)
target("all-items stream over the 100k project grows VmHWM < 20 MiB", growth, 20, "MiB", nd=1, strict=True)
for cache in ("on", "off"):
    r = ratios[f"signed / unauth (cache {cache})"]
    target(f"signed ≥ 90 % of unauthenticated (cache {cache})", r and r * 100, 90, "%", le=False, nd=1)
    r = ratios[f"token / unauth (cache {cache})"]
    target(f"token ≥ 90 % of unauthenticated (cache {cache})", r and r * 100, 90, "%", le=False, nd=1)
target("PostgreSQL: filtered page, 100k project, server p50 ≤ 1 ms, cache off",
       server_p50(("pg-1m", "big", "filtered")), 1.0, "ms")
target("PostgreSQL: name search `orders-1`, 100k project, server p50 ≤ 5 ms, cache off", server_p50(("pg-1m", "big", "name")), 5.0, "ms")
target("PostgreSQL: name search `payments`, 100k project, server p50 ≤ 5 ms, cache off", server_p50(("pg-1m", "big", "name-broad")), 5.0, "ms")
r = ratios["PostgreSQL / SQLite, small page no auth (cache off)"]
target("PostgreSQL small-project page (no auth, cache off) ≥ 60 % of SQLite's", r and r * 100, 60, "%", le=False, nd=1)
r = ratios["random mix: SQLite / ref-axum"]
target("random mix: SQLite ≥ 30 % of ref-axum", r and r * 100, 30, "%", le=False, nd=1)
target("random mix: SQLite p99 ≤ 10 ms (median of runs)", p99s.get("mix-sqlite"), 10, "ms", nd=2)
r = ratios["random mix: PostgreSQL / SQLite"]
target("random mix: PostgreSQL ≥ 50 % of SQLite", r and r * 100, 50, "%", le=False, nd=1)
p("")

# 6. Problems ---------------------------------------------------------------------------------
p("## 6. Server exits, logged problems, and non-2xx/errors seen by the clients")
p("")
p("```")
for name in ("server-exits.txt", "server-problems.txt"):
    try:
        text = open(os.path.join(OUT, name)).read().rstrip()
    except OSError:
        text = ""
    p(f"{name}:")
    p(text if text else "(empty)")
p("client-side problems:")
p("\n".join(problems) if problems else "(none)")
p("```")

print("\n".join(lines))
