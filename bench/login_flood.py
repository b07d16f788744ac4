#!/usr/bin/env python3
"""Login flood load generator (bench/login_flood.sh): CONCURRENCY connections send password logins
as fast as they are answered for DURATION seconds, while one other caller lists jobs with a token
and records each list's latency. Loopback only; bounded by the duration. Prints one JSON object."""
import asyncio, json, sys, time

HOST = "127.0.0.1"


async def request(reader, writer, method, path, headers, body):
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head += f"Content-Length: {len(body)}\r\n\r\n"
    writer.write(head.encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def flooder(port, deadline, body, counts):
    while time.monotonic() < deadline:
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            while time.monotonic() < deadline:
                s = await request(reader, writer, "POST", "/v3/auth/tokens", {}, body)
                counts[s] = counts.get(s, 0) + 1
            writer.close()
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            counts["error"] = counts.get("error", 0) + 1
            await asyncio.sleep(0.05)


async def lister(port, deadline, project, token, latencies, statuses):
    reader, writer = await asyncio.open_connection(HOST, port)
    body = b'{"db_use_type":"migration","per_page":10}'
    while time.monotonic() < deadline:
        t = time.monotonic()
        s = await request(reader, writer, "POST", f"/v3/{project}/jobs", {"X-Auth-Token": token}, body)
        latencies.append((time.monotonic() - t) * 1000)
        statuses[s] = statuses.get(s, 0) + 1
        await asyncio.sleep(0.01)
    writer.close()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] if values else None


async def main():
    port, duration, concurrency, project, token, domain = sys.argv[1:7]
    deadline = time.monotonic() + float(duration)
    counts, latencies, statuses = {}, [], {}
    body = json.dumps({"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": "admin", "password": "wrong-password", "domain": {"name": domain}}}},
        "scope": {"project": {"id": project}}}}).encode()
    tasks = [flooder(int(port), deadline, body, counts) for _ in range(int(concurrency))]
    tasks.append(lister(int(port), deadline, project, token, latencies, statuses))
    await asyncio.gather(*tasks)
    print(json.dumps({
        "logins": {str(k): v for k, v in counts.items()},
        "list": {"count": len(latencies), "statuses": {str(k): v for k, v in statuses.items()},
                 "p50_ms": pct(latencies, 0.50), "p99_ms": pct(latencies, 0.99),
                 "max_ms": max(latencies) if latencies else None},
    }))


asyncio.run(main())
