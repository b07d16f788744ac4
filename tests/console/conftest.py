"""Fixtures for the console's browser tests: one `opendrs serve --demo` of their own (fresh data directory,
loopback port 0, fast executor steps), and for each test a headless Chromium driven through Debian's
chromedriver on a free loopback port. A failing test leaves a screenshot in the screenshot folder
($OPENDRS_CONSOLE_SCREENSHOTS, default <target>/console-screenshots) and the server's log in its report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    ElementClickInterceptedException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = float(os.environ.get("OPENDRS_START_TIMEOUT", "60"))
WAIT_S = float(os.environ.get("OPENDRS_CONSOLE_WAIT", "45"))
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", REPO_ROOT / "target"))
SCREENSHOTS = Path(os.environ.get("OPENDRS_CONSOLE_SCREENSHOTS", TARGET / "console-screenshots"))

# Fast, but not instant: a test can see STARTJOBING before the transfer starts.
FAST_STEPS = {
    "OPENDRS_STEP_CREATE_MS": "1000",
    "OPENDRS_STEP_START_MS": "3000",
    "OPENDRS_STEP_FULL_TRANSFER_MS": "6000",
    "OPENDRS_STEP_RELEASE_MS": "3000",
    "OPENDRS_STEP_PRECHECK_MS": "500",
    "OPENDRS_EXECUTOR_POLL_MS": "500",
}

_SERVER_LOGS: list[Path] = []


def _binary() -> Path:
    configured = os.environ.get("OPENDRS_BIN")
    return Path(configured).resolve() if configured else TARGET / "debug" / "opendrs"


def _which(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.exit(f"none of {names} is installed (apt-get install chromium chromium-driver)", returncode=1)


def _accepts(endpoint: str) -> bool:
    parts = urlsplit(endpoint)
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1):
            return True
    except OSError:
        return False


def _log_tail(path: Path, lines: int = 60) -> str:
    try:
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", path.read_text(errors="replace"))
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """`opendrs serve --demo` on a free loopback port; yields demo.json; stops the server at the end."""
    binary = _binary()
    if not binary.is_file():
        pytest.exit(f"opendrs binary not found at {binary}: build it or set OPENDRS_BIN", returncode=1)
    base = tmp_path_factory.mktemp("opendrs-console")
    data = base / "data"
    data.mkdir()
    log_path = base / "server.log"
    _SERVER_LOGS.append(log_path)
    env = {**os.environ, "NO_COLOR": "1", **FAST_STEPS}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(binary), "serve", "--demo", "--data-dir", str(data), "--listen", "127.0.0.1:0"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=base, env=env,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        info = None
        while True:
            if proc.poll() is not None:
                pytest.exit(f"opendrs exited with {proc.returncode}:\n{_log_tail(log_path)}", returncode=1)
            try:
                info = json.loads((data / "demo.json").read_text())
            except (OSError, ValueError):
                info = None
            if info and info.get("endpoint") and _accepts(info["endpoint"]):
                break
            if time.monotonic() > deadline:
                pytest.exit(f"opendrs not ready after {START_TIMEOUT_S:.0f} s:\n{_log_tail(log_path)}", returncode=1)
            time.sleep(0.1)
        yield info
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        for path in _SERVER_LOGS:
            report.sections.append((f"opendrs log {path}", _log_tail(path)))


@pytest.fixture
def browser(request):
    """A headless Chromium (1280×800) driven through chromedriver on a free loopback port."""
    options = webdriver.ChromeOptions()
    options.binary_location = _which("chromium", "chromium-browser", "google-chrome")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,800",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=_which("chromedriver"), service_args=["--allowed-ips=127.0.0.1"])
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    yield driver
    rep = getattr(request.node, "rep_call", None)
    try:
        if rep is None or rep.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shot = SCREENSHOTS / f"{request.node.name}.png"
            driver.save_screenshot(str(shot))
            try:
                logs = "\n".join(str(e) for e in driver.get_log("browser"))
                (SCREENSHOTS / f"{request.node.name}.console.txt").write_text(logs)
            except Exception:  # noqa: BLE001 - the screenshot matters more than the log
                pass
            print(f"screenshot: {shot}")
    finally:
        driver.quit()


class Console:
    """The console as a user meets it, with explicit waits for every step."""

    def __init__(self, driver, demo):
        self.d = driver
        self.demo = demo
        self.base = demo["endpoint"].rstrip("/")

    # --- waiting -------------------------------------------------------------------------------

    def wait(self, condition, timeout: float = WAIT_S, message: str = ""):
        """Polls `condition` until it holds; an element the page redrew meanwhile is looked up again."""
        return WebDriverWait(self.d, timeout, poll_frequency=0.2,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
                             ).until(condition, message)

    def text(self, testid: str) -> str:
        """The text of a visible element, read again if the page redraws it while it is read."""
        return self.wait(lambda d: (self.find(testid).text,), message=f"no text of {testid}")[0]

    def find(self, testid: str, timeout: float = WAIT_S):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, f"[data-testid='{testid}']")), timeout,
                         f"no visible [data-testid={testid}]")

    def all(self, testid: str):
        return self.d.find_elements(By.CSS_SELECTOR, f"[data-testid='{testid}']")

    def click(self, testid: str, job: str | None = None):
        """Clicks the element (of row `job`), finding it again if the page redrew it meanwhile."""
        selector = f"[data-testid='{testid}']" + (f"[data-job='{job}']" if job else "")

        def attempt(d):
            try:
                el = d.find_element(By.CSS_SELECTOR, selector)
                if not (el.is_displayed() and el.is_enabled()):
                    return False
                el.click()
                return True
            except (StaleElementReferenceException, NoSuchElementException, ElementClickInterceptedException):
                return False

        self.wait(attempt, message=f"{selector} never clickable")

    def rows(self):
        """The rows of the task table once it has loaded: [(job id, status)]."""
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='task-table']").get_attribute("aria-busy") == "false",
                  message="the task table never finished loading")
        return [(r.get_attribute("data-job"), r.get_attribute("data-status")) for r in self.all("job-row")]

    def wait_rows_change(self, before):
        self.wait(lambda d: self._settled_rows() not in (None, before), message="the task list did not change")
        return self.rows()

    def _settled_rows(self):
        try:
            table = self.d.find_element(By.CSS_SELECTOR, "[data-testid='task-table']")
            if table.get_attribute("aria-busy") != "false":
                return None
            return [(r.get_attribute("data-job"), r.get_attribute("data-status")) for r in self.all("job-row")]
        except Exception:  # noqa: BLE001 - the page is being redrawn
            return None

    def hash(self) -> str:
        return self.d.execute_script("return location.hash")

    # --- doing ---------------------------------------------------------------------------------

    def open(self, fragment: str = ""):
        self.d.get(f"{self.base}/console/{fragment}")

    def sign_in(self, user: str | None = None, password: str | None = None, fragment: str | None = ""):
        """Opens the console at `fragment` (None: stays on the page shown) and signs in."""
        if fragment is not None:
            self.open(fragment)
        form = self.find("signin-form")
        values = {
            "domain": self.demo["domain"],
            "user": user or self.demo["user"],
            "password": password or self.demo["password"],
            "project": self.demo["project_name"],
        }
        for name, value in values.items():
            el = form.find_element(By.NAME, name)
            el.clear()
            el.send_keys(value)
        self.click("signin-submit")

    def sign_in_and_list(self, **kw):
        self.sign_in(**kw)
        self.find("task-table")
        return self.rows()

    def select(self, testid: str, value: str):
        from selenium.webdriver.support.ui import Select

        Select(self.find(testid)).select_by_value(value)

    def type(self, testid: str, text: str):
        el = self.find(testid)
        el.clear()
        el.send_keys(text)

    def token(self) -> str:
        return self.d.execute_script("return JSON.parse(sessionStorage.getItem('opendrs.session')).token")

    def api(self, method: str, path: str, body=None):
        """A direct API call with the browser's token (to change a job behind the console's back)."""
        req = urllib.request.Request(
            f"{self.base}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"X-Auth-Token": self.token(), "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read() or b"null")


@pytest.fixture
def console(browser, demo):
    return Console(browser, demo)
