"""The web console in a real browser: sign-in, filters, paging, a task's detail, operations and their
refusals, languages, the viewer's read-only view, and the way back to sign-in when the token fails."""

from __future__ import annotations

import os
import re
import time

from selenium.webdriver.common.by import By

RUNNING = {
    "STARTJOBING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE", "INCRE_TRANSFER_STARTED",
    "REBUILD_NODE_STARTED", "CHANGE_JOB_STARTED", "CHILD_TRANSFER_STARTING", "CHILD_TRANSFER_STARTED",
}


def job_with(console, status_filter: str, op: str):
    """Filters the migration list by `status_filter` and returns the ID of a row offering `op`."""
    console.open(f"#/list?scenario=migration&status={status_filter}&size=100")
    console.rows()
    buttons = console.all(f"op-{op}")
    assert buttons, f"no migration task in {status_filter} offers {op}"
    return buttons[0].get_attribute("data-job")


def show_only(console, job_id: str):
    """The list narrowed to one task by its ID, through the search box."""
    console.open("#/list?scenario=migration")
    console.rows()
    console.select("filter-status", "")
    console.type("filter-q", job_id)
    console.click("filter-apply")
    console.wait(lambda d: [j for j, _ in (console._settled_rows() or [])] == [job_id],
                 message=f"the list never showed only {job_id}")


def status_of(console, job_id: str) -> str | None:
    rows = console._settled_rows() or []
    return next((s for j, s in rows if j == job_id), None)


def test_an_admin_signs_in_and_sees_a_page_of_migration_tasks_with_the_total(console):
    rows = console.sign_in_and_list()
    assert len(rows) == 10
    assert re.search(r"\d+", console.text("total"))
    total = int(re.search(r"\d+", console.text("total")).group())
    assert total > 10
    assert console.find("tab-migration").get_attribute("aria-current") == "page"
    headers = [th.text for th in console.d.find_elements(By.CSS_SELECTOR, "table.tasks th")]
    assert headers[:2] == ["Task Name/ID", "Status"] and "Created" in headers and "Operation" in headers
    created = console.d.find_element(By.CSS_SELECTOR, "[data-testid='job-row'] td[data-label='Created']").text
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT[+-]\d\d:\d\d", created), created


def test_a_wrong_password_is_refused_in_words_on_the_sign_in_form(console):
    console.sign_in(password="not-the-password")
    error = console.find("signin-error")
    console.wait(lambda d: error.text.strip() != "", message="no sign-in error shown")
    assert "incorrect" in error.text


def test_filters_narrow_the_list_live_in_the_url_and_survive_a_reload(console):
    console.sign_in_and_list()
    console.click("tab-sync")
    console.wait(lambda d: "scenario=sync" in console.hash())
    console.select("filter-status", "g:running")
    console.select("filter-net", "vpc")
    console.click("filter-apply")
    console.wait(lambda d: "status=g%3Arunning" in console.hash() and "net=vpc" in console.hash())
    rows = console.rows()
    assert rows, "no running VPC sync task in the demo data"
    assert all(status in RUNNING for _, status in rows), rows
    nets = [td.text for td in console.d.find_elements(By.CSS_SELECTOR, "td[data-label='Network type']")]
    assert set(nets) == {"VPC"}, nets

    bookmark = console.hash()
    console.d.refresh()
    console.find("task-table")
    assert console.hash() == bookmark
    assert console.rows() == rows
    assert console.find("filter-status").get_attribute("value") == "g:running"

    console.click("filter-reset")
    console.wait(lambda d: "status" not in console.hash())


def test_the_name_search_finds_a_task_by_its_id(console):
    rows = console.sign_in_and_list()
    wanted = rows[3][0]
    console.type("filter-q", wanted)
    console.click("filter-apply")
    console.wait(lambda d: [j for j, _ in (console._settled_rows() or [])] == [wanted])
    assert console.text("total").endswith("1")


def test_pages_and_page_sizes_move_through_the_list(console):
    first = console.sign_in_and_list()
    console.click("page-2")
    second = console.wait_rows_change(first)
    assert len(second) == 10 and not set(second) & set(first)
    assert "page=2" in console.hash()
    assert console.find("page-2").get_attribute("aria-current") == "page"
    console.select("page-size", "20")
    twenty = console.wait_rows_change(second)
    assert len(twenty) == 20
    assert "size=20" in console.hash() and "page=1" in console.hash()


def test_a_task_starts_from_the_list_and_its_status_moves_without_a_manual_refresh(console):
    console.sign_in_and_list()
    job = job_with(console, "CONFIGURATION", "START")
    show_only(console, job)
    assert status_of(console, job) == "CONFIGURATION"
    console.click("op-START", job)
    console.find("start-dialog")
    console.click("dialog-ok")
    console.wait(lambda d: "accepted" in console.text("flash"), message="no confirmation of the start")
    console.wait(lambda d: status_of(console, job) == "STARTJOBING", message="never STARTJOBING")
    console.wait(lambda d: status_of(console, job) in RUNNING - {"STARTJOBING"},
                 message="the list did not move on from STARTJOBING by itself")

    console.click("job-link")
    console.find("detail")
    assert console.text("detail-id") == job
    console.wait(lambda d: d.find_element(By.CSS_SELECTOR, "[data-testid='detail-status'] .badge")
                 .get_attribute("data-status") in RUNNING, message="the detail does not show a running status")
    console.wait(lambda d: "STARTJOBING" in history_names(console),
                 message="the history does not show the start made from the list")
    seeded = history_names(console)[-2:]
    assert seeded == ["CONFIGURATION", "CREATING"], f"the demo task's seeded history: {history_names(console)}"
    assert TIME_RE.fullmatch(console.text("detail-started")), console.text("detail-started")
    assert "password" not in console.text("detail").lower()


TIME_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT[+-]\d\d:\d\d")


def history(console) -> list[tuple[str, str, str]]:
    """(name, text, datetime) of each history entry on the detail page, as shown (newest first), read in one
    go in the page so that a redraw cannot leave a stale element behind."""
    return [tuple(e) for e in console.d.execute_script(
        "return [...document.querySelectorAll(\"[data-testid='history-entry']\")].map((li) =>"
        " [li.dataset.name, li.innerText, li.querySelector('time').getAttribute('datetime')]);")]


def history_names(console) -> list[str]:
    return [name for name, _, _ in history(console)]


def prechecked(console, job: str) -> None:
    """Precheck a created job through the API once it is configured, and wait for the passed result."""
    project = console.demo["project_id"]

    def reads(api: str, field: str):
        return console.api("POST", f"/v3/{project}/jobs/{api}", {"jobs": [job]})["results"][0].get(field)

    console.wait(lambda d: reads("batch-status", "status") == "CONFIGURATION", message="never CONFIGURATION")
    launched = console.api("POST", f"/v3/{project}/jobs/batch-precheck",
                           {"jobs": [{"job_id": job, "precheck_mode": "forStartJob"}]})
    assert launched["results"][0]["status"] == "success", launched
    console.wait(lambda d: reads("batch-precheck-result", "result") is True, message="the precheck never passed")


def test_a_started_tasks_history_shows_its_creation_and_start_with_times_and_who(console):
    console.sign_in_and_list()
    name = f"history-{int(time.time() * 1000)}"
    created = console.api("POST", f"/v3/{console.demo['project_id']}/jobs/batch-creation", {"jobs": [{
        "name": name, "db_use_type": "migration", "engine_type": "mysql", "job_direction": "up",
        "net_type": "vpc", "node_type": "high", "task_type": "FULL_INCR_TRANS", "customize_sutnet_id": "subnet-1",
        "source_endpoint": {"db_type": "mysql", "ip": "192.168.0.10", "db_port": 3306, "db_user": "root",
                            "db_password": "Secret-Pass-123"},
        "target_endpoint": {"db_type": "mysql", "inst_id": "rds-1", "db_password": "Secret-Pass-123"},
    }]})
    job = created["results"][0]["id"]
    console.open(f"#/task?id={job}&scenario=migration")
    console.find("detail")
    console.wait(lambda d: history_names(console)[-1:] == ["CREATING"], message="no creation entry")
    prechecked(console, job)  # a job created through the API starts after a passed precheck
    console.click("op-START", job)
    console.find("start-dialog")
    console.click("dialog-ok")
    console.wait(lambda d: {"CREATING", "STARTJOBING"} <= set(history_names(console)),
                 message=f"the history never showed the creation and the start: {history_names(console)}")
    shown = history(console)
    names = [name for name, _, _ in shown]
    assert names.index("STARTJOBING") < names.index("CREATING"), f"not newest first: {names}"
    entries = {name: text for name, text, _ in shown}
    for status, label in [("CREATING", "Creating"), ("STARTJOBING", "Starting")]:
        text = entries[status]
        assert label in text and f"by {console.demo['user']}" in text, text
        assert TIME_RE.search(text), text
    configured = entries.get("CONFIGURATION", "")
    assert configured and "by " not in configured, f"the executor's step names no user: {configured!r}"
    times = [at for _, _, at in shown]
    assert times == sorted(times, reverse=True), times

    console.click("language")
    console.wait(lambda d: "创建中" in console.text("history") and "操作人：" in console.text("history"))
    console.click("language")
    console.wait(lambda d: "Creating" in console.text("history"))


def test_pause_stop_and_delete_ask_first_and_move_the_task_to_its_end(console):
    console.sign_in_and_list()
    job = job_with(console, "INCRE_TRANSFER_STARTED", "PAUSE")
    show_only(console, job)

    console.click("op-PAUSE", job)
    console.find("confirm-dialog")
    console.click("dialog-cancel")
    console.wait(lambda d: not console.all("confirm-dialog"))
    assert status_of(console, job) == "INCRE_TRANSFER_STARTED"

    console.click("op-PAUSE", job)
    console.click("dialog-ok")
    console.wait(lambda d: status_of(console, job) == "PAUSING", message="never paused")

    console.click("op-STOP_JOB", job)
    console.click("dialog-ok")
    console.wait(lambda d: status_of(console, job) == "RELEASE_RESOURCE_COMPLETE", message="never completed")

    console.click("op-DELETE", job)
    console.click("dialog-ok")
    console.find("no-tasks")


def test_a_refused_operation_is_explained_in_words(console):
    console.sign_in_and_list()
    job = job_with(console, "CONFIGURATION", "START")
    show_only(console, job)
    # Behind the console's back the task is started; the row still offers Start.
    answer = console.api("POST", f"/v3/{console.demo['project_id']}/jobs/batch-starting", {"jobs": [{"job_id": job}]})
    assert answer["results"][0]["status"] == "success"
    console.click("op-START", job)
    console.click("dialog-ok")
    console.wait(lambda d: "refused" in console.text("flash"), message="the refusal was not shown")
    assert "flash-error" in console.find("flash").get_attribute("class")
    message = console.text("flash")
    assert "STARTJOBING" in message or "status" in message.lower(), message


def test_a_task_is_renamed_described_and_tagged_on_its_detail_page(console):
    rows = console.sign_in_and_list()
    job = rows[0][0]
    console.open(f"#/task?id={job}&scenario=migration")
    console.find("detail")
    console.click("edit")
    console.type("edit-name", "renamed-in-console")
    console.type("edit-description", "set by the browser test")
    console.click("dialog-ok")
    console.wait(lambda d: console.text("detail-name") == "renamed-in-console")
    assert console.text("detail-description") == "set by the browser test"

    console.type("tag-key", "owner")
    console.type("tag-value", "console-test")
    console.click("tag-add")
    console.wait(lambda d: any(t.text.startswith("owner=console-test") for t in console.all("tag")))

    console.click("back")
    console.find("task-table")
    assert "scenario=migration" in console.hash()


def test_the_console_switches_to_chinese_and_the_api_answers_in_chinese(console):
    console.sign_in_and_list()
    console.click("language")
    console.wait(lambda d: console.text("tab-migration") == "实时迁移")
    assert console.d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    assert "总条数" in console.text("total")
    # An API error comes back in Chinese: an enterprise project filter that is not a valid ID.
    console.type("filter-ep", "x" * 300)
    console.click("filter-apply")
    error = console.find("list-error")
    assert re.search(r"[\u4e00-\u9fff]", error.text), error.text
    console.click("language")
    console.wait(lambda d: console.text("tab-migration") == "Online Migration")


def test_a_viewer_sees_the_tasks_but_no_write_operation(console):
    rows = console.sign_in_and_list(user=console.demo["viewer_user"], password=console.demo["viewer_password"])
    assert rows
    assert console.find("read-only")
    assert not console.d.find_elements(By.CSS_SELECTOR, "[data-testid^='op-']")
    headers = [th.text for th in console.d.find_elements(By.CSS_SELECTOR, "table.tasks th")]
    assert "Operation" not in headers
    console.click("job-link")
    console.find("detail")
    assert not console.all("edit") and not console.all("tag-form")


def test_an_expired_session_returns_to_sign_in_and_back_to_the_same_view(console):
    console.sign_in_and_list()
    console.open("#/list?scenario=sync&page=2")
    console.rows()
    console.d.execute_script(
        "const s = JSON.parse(sessionStorage.getItem('opendrs.session'));"
        "s.expiresAt = '2000-01-01T00:00:00Z'; sessionStorage.setItem('opendrs.session', JSON.stringify(s));")
    console.click("refresh")
    assert "expired" in console.text("signin-notice")
    rows = console.sign_in_and_list(fragment=None)
    assert "scenario=sync" in console.hash() and "page=2" in console.hash()
    assert len(rows) == 10


def test_a_token_the_server_refuses_returns_to_sign_in(console):
    console.sign_in_and_list()
    console.d.execute_script(
        "const s = JSON.parse(sessionStorage.getItem('opendrs.session'));"
        "s.token = 'MIIforged'; sessionStorage.setItem('opendrs.session', JSON.stringify(s));")
    console.click("refresh")
    console.find("signin-form")
    assert console.text("signin-notice")
    assert console.d.execute_script("return sessionStorage.getItem('opendrs.session')") is None


def test_the_list_is_readable_and_usable_at_390_pixels_wide(console):
    console.d.set_window_size(390, 844)
    rows = console.sign_in_and_list()
    assert len(rows) == 10
    width = console.d.execute_script("return document.documentElement.clientWidth")
    scroll = console.d.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"the page scrolls sideways: {scroll} > {width}"
    console.click("page-next")
    console.wait(lambda d: "page=2" in console.hash())


def test_the_list_is_usable_by_keyboard(console):
    from selenium.webdriver.common.keys import Keys

    console.sign_in_and_list()
    search = console.find("filter-q")
    search.send_keys("orders", Keys.ENTER)
    console.wait(lambda d: "q=orders" in console.hash())
    console.rows()
    focused = console.d.switch_to.active_element
    focused.send_keys(Keys.TAB)
    assert console.d.switch_to.active_element.tag_name in ("button", "a", "select", "input")


def test_the_readme_screenshot_is_written_when_asked(console):
    target = os.environ.get("OPENDRS_CONSOLE_README_SHOT")
    console.sign_in_and_list()
    if target:
        console.d.set_window_size(1280, 800)
        console.rows()
        console.d.save_screenshot(target)
