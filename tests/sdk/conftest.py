"""Fixtures for the end-to-end suite: one shared `opendrs serve --demo` per session (and, through
`start_demo_server`, servers of their own for tests that need one), driven by the official SDK.

The server binary is `$OPENDRS_BIN`, or `target/debug/opendrs` under the repository root
(`scripts/sdk-tests.sh` builds it). The server runs on an ephemeral loopback port in a fresh temporary
directory; its stdout and stderr go to `server.log` in that directory, which is shown for every failing test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from drs_helpers import SCENARIOS, Drs

REPO_ROOT = Path(__file__).resolve().parents[2]

START_TIMEOUT_S = float(os.environ.get("OPENDRS_START_TIMEOUT", "30"))
STOP_TIMEOUT_S = 10.0
LOG_TAIL_LINES = 80
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
PLACEHOLDER_AK = "OPENDRSSDKTESTSNOAK00"
PLACEHOLDER_SK = "opendrs-sdk-tests-placeholder-secret-key"

# Every server started (log, cmd, env, endpoint once ready, how it stopped), for failure reports.
_SERVERS: list = []


# --- the server ----------------------------------------------------------------------------------------


def _binary() -> Path:
    configured = os.environ.get("OPENDRS_BIN")
    return Path(configured).resolve() if configured else REPO_ROOT / "target" / "debug" / "opendrs"


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    tail = ANSI_RE.sub("", text).splitlines()[-lines:]
    return "\n".join(tail) if tail else "<empty>"


def _read_demo(path: Path):
    """The parsed demo.json once it is complete, else None (it may be half-written)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    # Only what is needed to connect: test_demo_json_* checks the rest of the contract (ak, sk, ...).
    if not isinstance(data, dict) or not all(data.get(k) for k in ("endpoint", "project_id")):
        return None
    return data


def _accepts_connections(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> str:
    """SIGTERM, then SIGKILL after STOP_TIMEOUT_S. Returns how it ended, for the summary."""
    if proc.poll() is not None:
        return f"had already exited with code {proc.returncode}"
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=STOP_TIMEOUT_S)
        return f"stopped on SIGTERM (exit code {code})"
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT_S)
        return f"did not stop within {STOP_TIMEOUT_S:.0f} s of SIGTERM; killed"


def _abort(reason: str, log_path: Path):
    """No server, no suite: stop the whole session with one message instead of one error per test."""
    pytest.exit(f"{reason}\n--- {log_path} (last {LOG_TAIL_LINES} lines) ---\n{_log_tail(log_path)}", returncode=1)


def _fail(reason: str, log_path: Path):
    """No server of its own: fail the tests that asked for it, not the session."""
    pytest.fail(f"{reason}\n--- {log_path} (last {LOG_TAIL_LINES} lines) ---\n{_log_tail(log_path)}", pytrace=False)


def _fresh_postgres_database() -> dict:
    """With OPENDRS_TEST_DATABASE=postgres: a new database on the cluster OPENDRS_TEST_PG_URL names (one
    per server, as each SQLite server has its own file), as the environment that points a server at it."""
    if os.environ.get("OPENDRS_TEST_DATABASE") not in ("postgres", "postgresql"):
        return {}
    admin = os.environ.get("OPENDRS_TEST_PG_URL")
    if not admin:
        pytest.exit("OPENDRS_TEST_DATABASE=postgres needs OPENDRS_TEST_PG_URL (scripts/pg.sh start DIR)", returncode=1)
    name = "sdk_" + os.urandom(6).hex()
    subprocess.run(["psql", admin, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {name}"],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return {"OPENDRS_DATABASE_URL": admin.rsplit("/", 1)[0] + "/" + name}


@contextlib.contextmanager
def demo_server(base: Path, env: dict | None = None, fatal: bool = True):
    """Run `opendrs serve --demo` in the fresh directory `base`, with `env` added to the environment.

    Yields the parsed demo.json once the server accepts connections; stops the server on exit. A server that
    does not come up ends the whole session when `fatal`, else fails only the tests that asked for it.
    """
    binary = _binary()
    if not binary.is_file():
        pytest.exit(
            f"opendrs binary not found at {binary}; build it with `cargo build --bin opendrs` "
            "or set OPENDRS_BIN (scripts/sdk-tests.sh does this)",
            returncode=1,
        )
    data_dir = base / "data"
    data_dir.mkdir()
    log_path = base / "server.log"
    demo_path = data_dir / "demo.json"
    cmd = [str(binary), "serve", "--demo", "--data-dir", str(data_dir), "--listen", "127.0.0.1:0"]
    server = {"log": log_path, "cmd": cmd, "env": {**_fresh_postgres_database(), **(env or {})}}
    _SERVERS.append(server)
    fail = _abort if fatal else _fail

    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=base,
            env={**os.environ, "NO_COLOR": "1", **server["env"]},
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        info = None
        while True:
            if proc.poll() is not None:
                fail(f"`{' '.join(cmd)}` exited with code {proc.returncode} before it was ready.", log_path)
            if info is None:
                info = _read_demo(demo_path)
            if info is not None and _accepts_connections(info["endpoint"]):
                break
            if time.monotonic() > deadline:
                if info is not None:
                    state = f"endpoint {info['endpoint']} refused connections"
                elif demo_path.exists():
                    state = f"{demo_path} lacks endpoint/project_id or is not JSON: {demo_path.read_text()[:500]!r}"
                else:
                    state = f"no {demo_path}"
                fail(f"`{' '.join(cmd)}` not ready after {START_TIMEOUT_S:.0f} s ({state}).", log_path)
            time.sleep(0.1)
        server["endpoint"] = info["endpoint"]
        # Where `opendrs admin …` finds the same store (the data directory and, on PostgreSQL, the URL).
        yield {**info, "data_dir": str(data_dir), "server_env": server["env"]}
    finally:
        server["stopped"] = _stop(proc)


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """Start `opendrs serve --demo` once; yield the parsed demo.json; stop the server at session end."""
    with demo_server(tmp_path_factory.mktemp("opendrs")) as info:
        yield info


@pytest.fixture(scope="session")
def start_demo_server(tmp_path_factory):
    """Factory for a server of one's own: `with start_demo_server("name", {"OPENDRS_X": "1"}) as info: ...`.

    For tests that change data the shared `demo` server's tests count, or need other settings; each call runs a
    separate `opendrs serve --demo` in a fresh temporary directory.
    """

    def start(name: str, env: dict | None = None):
        return demo_server(tmp_path_factory.mktemp(name), env, fatal=False)

    return start


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in _SERVERS:
            if "endpoint" in server and "stopped" not in server:  # the servers running during this test
                report.sections.append(
                    (f"opendrs server log, last {LOG_TAIL_LINES} lines ({server['log']})", _log_tail(server["log"]))
                )


def pytest_terminal_summary(terminalreporter):
    for server in _SERVERS:
        env = "".join(f"{k}={v} " for k, v in sorted(server["env"].items()))
        terminalreporter.write_line(
            f"opendrs: {env}{' '.join(server['cmd'])} -> {server.get('endpoint', 'never ready')}; "
            f"{server.get('stopped', 'still running')}; log: {server['log']}"
        )


# --- SDK fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def make_drs(demo):
    """Factory: a Drs for any AK/SK and project on the demo server."""

    def make(ak: str, sk: str, project_id: str) -> Drs:
        return Drs(demo["endpoint"], ak, sk, project_id)

    return make


@pytest.fixture(scope="session")
def demo_keys(demo) -> tuple:
    """(ak, sk) of the demo project.

    A demo.json without keys is a contract failure that test_demo_json_* reports; the other tests still run
    with placeholder keys, which a server without authentication accepts.
    """
    return demo.get("ak") or PLACEHOLDER_AK, demo.get("sk") or PLACEHOLDER_SK


@pytest.fixture(scope="session")
def drs(demo, demo_keys, make_drs) -> Drs:
    """The SDK client for the demo project with the demo AK/SK."""
    return make_drs(*demo_keys, demo["project_id"])


@pytest.fixture(scope="session")
def all_jobs(drs) -> dict:
    """The server's own all-items answer (cur_page=0) for each scenario: the reference for consistency checks."""
    return {scenario: drs.all(scenario) for scenario in SCENARIOS}


