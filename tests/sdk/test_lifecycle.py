"""The job lifecycle through the SDK's own v3 batch methods: create, start, pause, resume, modify, terminate and
delete; per-item errors; the read-only role; and the history of a job through the v5 client's `show_timeline`.

These tests run on a server of their own (`start_demo_server`) with steps of a few hundred milliseconds: the jobs
they create and move would otherwise change the lists that the other files compare with their cached answers.
Every wait polls batch-status with a deadline and, once the job settles, checks that the list shows the same status.
"""

from __future__ import annotations

import itertools
import re
import time
import uuid

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdrs.v3 import (
    BatchCreateJobReq,
    BatchCreateJobsRequest,
    BatchDeleteJobReq,
    BatchDeleteJobsRequest,
    BatchListJobDetailsRequest,
    BatchListJobStatusRequest,
    BatchModifyJobReq,
    BatchCheckJobsRequest,
    BatchCheckResultsRequest,
    BatchPauseJobReq,
    BatchPrecheckReq,
    BatchQueryJobReqPage,
    BatchQueryPrecheckResultReq,
    BatchRestoreTaskRequest,
    BatchRetryReq,
    BatchStartJobReq,
    BatchStartJobsRequest,
    BatchStopJobsRequest,
    BatchUpdateJobRequest,
    CreateJobReq,
    DeleteJobReq,
    Endpoint,
    ModifyJobReq,
    PauseInfo,
    PreCheckInfo,
    RetryInfo,
    StartInfo,
)
from huaweicloudsdkdrs.v5 import DrsClient as DrsClientV5
from huaweicloudsdkdrs.v5 import ShowTimelineRequest

from drs_helpers import Drs, assert_api_error

FAST_STEPS = {
    "OPENDRS_STEP_CREATE_MS": "200",
    "OPENDRS_STEP_START_MS": "200",
    "OPENDRS_STEP_FULL_TRANSFER_MS": "400",
    "OPENDRS_STEP_RELEASE_MS": "200",
    "OPENDRS_STEP_PRECHECK_MS": "200",
    "OPENDRS_EXECUTOR_POLL_MS": "50",
}
WAIT_S = 20.0  # the longest any one wait may take
POLL_S = 0.1  # between two polls of batch-status
SCENARIO = "migration"
UNKNOWN_JOB = "00000000-0000-0000-0000-000000000jb000"

RUN = uuid.uuid4().hex[:8]
_serial = itertools.count()

# The paths the executor takes; a wait accepts only statuses of its path, in this order.
CREATED = ("CREATING", "CONFIGURATION")
STARTED_INCR = ("STARTJOBING", "FULL_TRANSFER_STARTED", "INCRE_TRANSFER_STARTED")
STARTED_FULL = ("STARTJOBING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_COMPLETE")
PAUSED = ("PAUSING",)
RESUMED_INCR = ("STARTJOBING", "INCRE_TRANSFER_STARTED")  # back where it paused, no second full transfer
TERMINATED = ("RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_COMPLETE")
DELETED = ("DELETED",)


def unique_name(label: str) -> str:
    """A valid job name (a letter first; letters, digits, - and _) unique to this run and this call."""
    return f"lc{RUN}-{label}-{next(_serial):04d}"


def endpoint(ip: str) -> Endpoint:
    return Endpoint(db_type="mysql", ip=ip, db_port=3306, db_user="root", db_password="Secret-Pass-123")


def create_req(name: str, task_type: str = "FULL_INCR_TRANS") -> CreateJobReq:
    return CreateJobReq(
        name=name,
        db_use_type=SCENARIO,
        engine_type="mysql",
        job_direction="up",
        net_type="vpc",
        node_type="high",
        task_type=task_type,
        customize_sutnet_id="subnet-0001",
        source_endpoint=endpoint("192.168.0.10"),
        target_endpoint=endpoint("192.168.0.20"),
    )


class Lifecycle:
    """The SDK's v3 batch calls for one project: item lists in, the SDK's responses out."""

    def __init__(self, drs: Drs):
        self.client = drs.client
        self.drs = drs

    # --- writes ---

    def create(self, *reqs: CreateJobReq):
        return self.client.batch_create_jobs(BatchCreateJobsRequest(body=BatchCreateJobReq(jobs=list(reqs))))

    def start(self, *ids: str):
        return self.client.batch_start_jobs(
            BatchStartJobsRequest(body=BatchStartJobReq(jobs=[StartInfo(job_id=i) for i in ids]))
        )

    def pause(self, *ids: str):
        return self.client.batch_stop_jobs(
            BatchStopJobsRequest(body=BatchPauseJobReq(jobs=[PauseInfo(job_id=i, pause_mode="target") for i in ids]))
        )

    def resume(self, *ids: str):
        return self.client.batch_restore_task(
            BatchRestoreTaskRequest(body=BatchRetryReq(jobs=[RetryInfo(job_id=i) for i in ids]))
        )

    def modify(self, *reqs: ModifyJobReq):
        return self.client.batch_update_job(BatchUpdateJobRequest(body=BatchModifyJobReq(jobs=list(reqs))))

    def delete(self, delete_type: str, *ids: str):
        return self.client.batch_delete_jobs(
            BatchDeleteJobsRequest(
                body=BatchDeleteJobReq(jobs=[DeleteJobReq(job_id=i, delete_type=delete_type) for i in ids])
            )
        )

    # --- reads ---

    def statuses(self, *ids: str):
        return self.client.batch_list_job_status(
            BatchListJobStatusRequest(body=BatchQueryJobReqPage(jobs=list(ids)))
        ).results

    def status(self, job_id: str) -> str:
        (result,) = self.statuses(job_id)
        assert (result.id, result.error_code) == (job_id, None), f"batch-status cannot read {job_id}: {result}"
        return result.status

    def detail(self, job_id: str):
        resp = self.client.batch_list_job_details(BatchListJobDetailsRequest(body=BatchQueryJobReqPage(jobs=[job_id])))
        assert resp.count == 1, resp
        return resp.results[0]

    def listed(self, job_id: str, status: str | None = None):
        """The list's entry for the job (looked up by ID, as the list's name filter allows), or None."""
        filters = {"status": status} if status else {}
        jobs = [j for j in self.drs.all(SCENARIO, name=job_id, **filters) if j.id == job_id]
        assert len(jobs) <= 1, f"job {job_id} listed {len(jobs)} times"
        return jobs[0] if jobs else None

    def named(self, name: str) -> list[str]:
        """IDs of the listed jobs named exactly `name` (the name filter matches substrings)."""
        return [j.id for j in self.drs.all(SCENARIO, name=name) if j.name == name]

    # --- the lifecycle ---

    def wait_until(self, job_id: str, path: tuple[str, ...]):
        """Poll batch-status until the job reaches path[-1], passing only through path's statuses in order.

        Returns the list's entry once there, after checking that the list shows the same status.
        """
        target, seen = path[-1], []
        deadline = time.monotonic() + WAIT_S
        while True:
            status = self.status(job_id)
            if not seen or seen[-1] != status:
                seen.append(status)
            trail = " -> ".join(seen)
            assert status in path, f"job {job_id} went {trail}; expected only {' -> '.join(path)}"
            assert [path.index(s) for s in seen] == sorted(path.index(s) for s in seen), (
                f"job {job_id} went {trail}, out of the order {' -> '.join(path)}"
            )
            if status == target:
                break
            assert time.monotonic() < deadline, f"job {job_id} not {target} after {WAIT_S:.0f} s: {trail}"
            time.sleep(POLL_S)
        entry = self.listed(job_id, status=target if target == "DELETED" else None)
        assert entry is not None, f"job {job_id} is {target} in batch-status but missing from the list"
        assert entry.status == target, f"job {job_id}: batch-status says {target}, the list {entry.status}"
        return entry

    def new_job(self, label: str, task_type: str = "FULL_INCR_TRANS") -> str:
        resp = self.create(create_req(unique_name(label), task_type))
        (result,) = resp.results
        assert (result.status, result.error_code) == ("CREATING", None), result
        return result.id

    def prechecked(self, job_id: str) -> None:
        """Precheck the job (forStartJob) and wait for a passed result: a created job starts only after one."""
        launched = self.client.batch_check_jobs(
            BatchCheckJobsRequest(body=BatchPrecheckReq(jobs=[PreCheckInfo(job_id=job_id, precheck_mode="forStartJob")]))
        )
        assert [(r.id, r.status) for r in launched.results] == [(job_id, "success")], launched
        deadline = time.monotonic() + WAIT_S
        while True:
            (result,) = self.client.batch_check_results(
                BatchCheckResultsRequest(body=BatchQueryPrecheckResultReq(jobs=[job_id]))
            ).results
            if result.process == "100%":
                assert result.result is True, result
                return
            assert time.monotonic() < deadline, f"precheck of {job_id} not done after {WAIT_S:.0f} s: {result}"
            time.sleep(POLL_S)

    def configured_job(self, label: str, task_type: str = "FULL_INCR_TRANS") -> str:
        job_id = self.new_job(label, task_type)
        self.wait_until(job_id, CREATED)
        self.prechecked(job_id)
        return job_id

    def running_job(self, label: str) -> str:
        job_id = self.configured_job(label)
        assert_succeeded(self.start(job_id), job_id)
        self.wait_until(job_id, STARTED_INCR)
        return job_id

    def deleted_job(self, label: str) -> str:
        job_id = self.configured_job(label)
        assert_succeeded(self.delete("delete", job_id), job_id)
        self.wait_until(job_id, DELETED)
        return job_id


def assert_succeeded(resp, *ids: str):
    assert resp.count == len(ids), resp
    assert [(r.id, r.status, r.error_code) for r in resp.results] == [(i, "success", None) for i in ids], resp


def assert_item_failed(result, job_id: str | None, code: str):
    assert (result.id, result.status, result.error_code) == (job_id, "failed", code), result
    assert isinstance(result.error_msg, str) and result.error_msg.strip(), f"{code} without an error_msg: {result}"


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(start_demo_server):
    with start_demo_server("opendrs-lifecycle", FAST_STEPS) as info:
        yield info


@pytest.fixture(scope="module")
def admin(server) -> Lifecycle:
    return Lifecycle(Drs(server["endpoint"], server["ak"], server["sk"], server["project_id"]))


@pytest.fixture(scope="module")
def viewer(server) -> Lifecycle:
    return Lifecycle(Drs(server["endpoint"], server["viewer_ak"], server["viewer_sk"], server["project_id"]))


# --- the whole walk --------------------------------------------------------------------------------------


def test_a_job_walks_from_creation_through_transfer_pause_and_resume_to_termination_and_deletion(admin):
    name = unique_name("walk")
    created = admin.create(create_req(name))
    assert created.status_code == 202
    assert created.count == 1
    (item,) = created.results
    assert (item.name, item.status, item.error_code) == (name, "CREATING", None), item
    assert item.id and item.create_time.isdigit(), item
    job_id = item.id

    entry = admin.listed(job_id)
    assert entry is not None, f"the new job {job_id} is not listed"
    assert (entry.name, entry.db_use_type, entry.task_type) == (name, SCENARIO, "FULL_INCR_TRANS"), entry
    assert entry.status in CREATED, entry.status
    admin.wait_until(job_id, CREATED)
    admin.prechecked(job_id)

    started = admin.start(job_id)
    assert started.status_code == 202
    assert_succeeded(started, job_id)
    running = admin.wait_until(job_id, STARTED_INCR)
    assert "PAUSE" in running.job_action.available_actions, running.job_action

    paused = admin.pause(job_id)
    assert paused.status_code == 200
    assert_succeeded(paused, job_id)
    pausing = admin.wait_until(job_id, PAUSED)
    assert "CONTINUE_JOB" in pausing.job_action.available_actions, pausing.job_action

    resumed = admin.resume(job_id)
    assert resumed.status_code == 200
    assert_succeeded(resumed, job_id)
    admin.wait_until(job_id, RESUMED_INCR)

    terminated = admin.delete("terminate", job_id)
    assert terminated.status_code == 202
    assert_succeeded(terminated, job_id)
    admin.wait_until(job_id, TERMINATED)

    deleted = admin.delete("delete", job_id)
    assert deleted.status_code == 202
    assert_succeeded(deleted, job_id)
    admin.wait_until(job_id, DELETED)  # also: listed when status DELETED is asked for

    assert admin.listed(job_id) is None, "a DELETED job must be hidden from the default list"
    assert admin.named(name) == [], "a DELETED job must not be found by its name in the default list"
    detail = admin.detail(job_id)
    assert (detail.id, detail.name, detail.status, detail.db_use_type) == (job_id, name, "DELETED", SCENARIO), detail


def test_a_full_transfer_only_job_settles_in_full_transfer_complete_and_can_be_terminated_there(admin):
    job_id = admin.configured_job("full", task_type="FULL_TRANS")
    assert_succeeded(admin.start(job_id), job_id)
    assert admin.wait_until(job_id, STARTED_FULL).task_type == "FULL_TRANS"
    assert_succeeded(admin.delete("terminate", job_id), job_id)
    admin.wait_until(job_id, TERMINATED)


# --- per-item errors ----------------------------------------------------------------------------------------


def test_a_name_already_in_use_fails_only_its_own_item_with_m00277(admin):
    first, other = unique_name("dup"), unique_name("dup-other")
    resp = admin.create(create_req(first), create_req(other), create_req(first))
    assert resp.status_code == 202
    assert resp.count == 3
    ok_first, ok_other, duplicate = resp.results
    assert (ok_first.name, ok_first.status) == (first, "CREATING"), ok_first
    assert (ok_other.name, ok_other.status) == (other, "CREATING"), ok_other
    assert_item_failed(duplicate, None, "DRS.M00277")
    assert duplicate.name == first, duplicate

    again = admin.create(create_req(first))
    assert_item_failed(again.results[0], None, "DRS.M00277")
    assert admin.named(first) == [ok_first.id], "only the first job of that name exists"
    assert admin.named(other) == [ok_other.id], "the good item of the call with a duplicate was created"


def test_pausing_a_job_in_configuration_is_m00304_while_a_running_job_in_the_same_call_pauses(admin):
    configured = admin.configured_job("cfg")
    running = admin.running_job("run")
    resp = admin.pause(configured, running)
    assert resp.count == 2
    assert_item_failed(resp.results[0], configured, "DRS.M00304")
    assert (resp.results[1].id, resp.results[1].status, resp.results[1].error_code) == (running, "success", None)
    admin.wait_until(running, PAUSED)
    assert admin.status(configured) == "CONFIGURATION"


def test_an_unknown_job_id_is_m05003_and_the_known_job_in_the_same_call_still_starts(admin):
    job_id = admin.configured_job("known")
    resp = admin.start(UNKNOWN_JOB, job_id)
    assert resp.count == 2
    assert_item_failed(resp.results[0], UNKNOWN_JOB, "DRS.M05003")
    assert (resp.results[1].id, resp.results[1].status, resp.results[1].error_code) == (job_id, "success", None)
    admin.wait_until(job_id, STARTED_INCR)


WRITES_ON = {
    "start": lambda lc, job_id: lc.start(job_id),
    "pause": lambda lc, job_id: lc.pause(job_id),
    "resume": lambda lc, job_id: lc.resume(job_id),
    "modify": lambda lc, job_id: lc.modify(ModifyJobReq(job_id=job_id, description="changed")),
    "terminate": lambda lc, job_id: lc.delete("terminate", job_id),
    "force_terminate": lambda lc, job_id: lc.delete("force_terminate", job_id),
    "delete": lambda lc, job_id: lc.delete("delete", job_id),
}


@pytest.mark.parametrize("write", list(WRITES_ON))
def test_every_write_on_an_unknown_job_id_is_an_item_m05003(admin, write):
    resp = WRITES_ON[write](admin, UNKNOWN_JOB)
    assert resp.count == 1
    assert_item_failed(resp.results[0], UNKNOWN_JOB, "DRS.M05003")


def test_deleting_a_deleted_job_again_is_m05004_while_another_job_in_the_same_call_is_deleted(admin):
    gone = admin.deleted_job("gone")
    job_id = admin.configured_job("to-delete")
    resp = admin.delete("delete", gone, job_id)
    assert resp.count == 2
    assert_item_failed(resp.results[0], gone, "DRS.M05004")
    assert (resp.results[1].id, resp.results[1].status, resp.results[1].error_code) == (job_id, "success", None)
    admin.wait_until(job_id, DELETED)
    assert admin.status(gone) == "DELETED"


@pytest.fixture(scope="module")
def deleted_job(admin) -> str:
    return admin.deleted_job("deleted")


@pytest.mark.parametrize("write", list(WRITES_ON))
def test_every_write_on_a_deleted_job_is_an_item_m05004(admin, deleted_job, write):
    resp = WRITES_ON[write](admin, deleted_job)
    assert resp.count == 1
    assert_item_failed(resp.results[0], deleted_job, "DRS.M05004")
    assert admin.status(deleted_job) == "DELETED"


# --- the read-only role -----------------------------------------------------------------------------------


@pytest.mark.parametrize("write", ["create", *WRITES_ON])
def test_a_viewer_is_refused_every_write_with_a_403_m00102_and_the_job_is_unchanged(admin, viewer, write):
    job_id = admin.configured_job("viewer")
    name = admin.detail(job_id).name
    new_name = unique_name("by-viewer")
    with pytest.raises(ClientRequestException) as info:
        if write == "create":
            viewer.create(create_req(new_name))
        else:
            WRITES_ON[write](viewer, job_id)
    assert_api_error(info.value, 403, "DRS.M00102")

    assert viewer.status(job_id) == "CONFIGURATION", "the viewer may still read the job, which did not change"
    detail = admin.detail(job_id)
    assert (detail.status, detail.name, detail.description or "") == ("CONFIGURATION", name, ""), detail
    assert admin.named(new_name) == [], "the viewer's creation made a job"


# --- batch-modification ------------------------------------------------------------------------------------


def test_batch_modification_renames_a_job_and_the_list_finds_it_by_the_new_name(admin):
    job_id = admin.configured_job("before")
    old_name = admin.detail(job_id).name
    new_name = unique_name("after")
    resp = admin.modify(ModifyJobReq(job_id=job_id, name=new_name))
    assert resp.status_code == 200
    assert_succeeded(resp, job_id)

    assert admin.named(new_name) == [job_id]
    assert admin.named(old_name) == []
    entry = admin.listed(job_id)
    assert (entry.name, entry.status) == (new_name, "CONFIGURATION"), entry
    assert admin.detail(job_id).name == new_name


def test_renaming_a_job_to_a_name_in_use_is_m00277_and_keeps_its_name(admin):
    taken = admin.detail(admin.configured_job("taken")).name
    job_id = admin.configured_job("renamed")
    name = admin.detail(job_id).name
    resp = admin.modify(ModifyJobReq(job_id=job_id, name=taken))
    assert resp.count == 1
    assert_item_failed(resp.results[0], job_id, "DRS.M00277")
    assert admin.named(name) == [job_id]
    assert admin.detail(job_id).name == name


# --- the timeline (v5 ShowTimeline) ------------------------------------------------------------------------

OPERATION_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest.fixture(scope="module")
def v5_viewer(server) -> DrsClientV5:
    """The SDK's v5 client for the demo project, as its read-only user (viewers may read a timeline)."""
    config = HttpConfig.get_default_config()
    config.timeout = (5, 60)
    config.retry_times = 0
    return (
        DrsClientV5.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(server["viewer_ak"], server["viewer_sk"], server["project_id"]))
        .with_endpoint(server["endpoint"])
        .build()
    )


def timeline(v5: DrsClientV5, job_id: str, **page):
    return v5.show_timeline(ShowTimelineRequest(job_id=job_id, x_language="en-us", **page))


def test_show_timeline_records_a_jobs_creation_and_start_newest_first_as_they_happen(server, admin, v5_viewer):
    job_id = admin.new_job("timeline")
    first = timeline(v5_viewer, job_id)
    assert first.status_code == 200
    oldest = first.timelines[-1]
    assert (oldest.name, oldest.status, oldest.user_name) == ("CREATING", "success", server["user"]), first
    assert first.count == len(first.timelines) >= 1, first

    admin.wait_until(job_id, CREATED)
    admin.prechecked(job_id)
    assert_succeeded(admin.start(job_id), job_id)
    admin.wait_until(job_id, STARTED_INCR)
    resp = timeline(v5_viewer, job_id)
    entries = [(t.name, t.status, t.user_name) for t in resp.timelines]
    assert entries == [
        ("INCRE_TRANSFER_STARTED", "success", None),
        ("FULL_TRANSFER_STARTED", "success", None),
        ("STARTJOBING", "success", server["user"]),
        ("CONFIGURATION", "success", None),
        ("CREATING", "success", server["user"]),
    ], resp
    assert resp.count == 5, resp
    times = [t.operation_time for t in resp.timelines]
    assert all(OPERATION_TIME_RE.match(t) for t in times), times
    assert times == sorted(times, reverse=True), f"not newest first: {times}"

    page = timeline(v5_viewer, job_id, offset=1, limit=2)
    assert page.count == 5
    assert [t.name for t in page.timelines] == ["FULL_TRANSFER_STARTED", "STARTJOBING"], page


def test_show_timeline_of_an_unknown_job_is_10000010_and_a_bad_limit_m00202(v5_viewer, admin):
    with pytest.raises(ClientRequestException) as info:
        timeline(v5_viewer, UNKNOWN_JOB)
    assert_api_error(info.value, 400, "DRS.10000010")
    job_id = admin.new_job("timeline-limit")
    with pytest.raises(ClientRequestException) as info:
        timeline(v5_viewer, job_id, limit=1001)
    assert_api_error(info.value, 400, "DRS.M00202")
    assert "limit" in info.value.error_msg
