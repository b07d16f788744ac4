"""The v5 job API through the official SDK's v5 client, unchanged.

The walk (create, detail, update, actions start/stop/restart, show actions, stop job, delete) and the batch calls run
on a server of their own with fast executor steps (`start_demo_server`): they create and move jobs, and so does the
workflow through v5 alone (actions `network`, `precheck`, `skip_precheck`, detail `type=network|precheck|progress`,
a failed precheck of an unreachable host keeping the start refused until its item is skipped). The sorted
listings read the shared demo server and compare every page walk, for every sort key in both directions, with the
order the v3 all-items answer implies: the same jobs, once each, in order.
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
from huaweicloudsdkdrs.v5 import (
    ActionParams,
    ActionReq,
    BaseEndpoint,
    BatchDeleteJobReq,
    BatchDeleteJobsByIdRequest,
    BatchExecuteJobActionsRequest,
    BatchJobActionReq,
    BatchStopJobActionReq,
    BatchStopJobsActionRequest,
    CheckJobNameReq,
    CloudBaseInfo,
    CreateJobReq,
    CreateJobRequest,
    DeleteJobRequest,
    DrsClient,
    ExecuteJobActionRequest,
    JobActionReq,
    JobBaseInfo,
    JobEndpointInfo,
    JobNodeBaseInfo,
    JobNodeInfo,
    JobNodeSpecInfo,
    JobNodeVpcInfo,
    ListJobsRequest,
    ResourceTag,
    ShowActionsRequest,
    ShowEnterpriseProjectRequest,
    ShowJobDetailRequest,
    SingleCreateJobReq,
    SkipPreCheckInfo,
    SingleUpdateJobReq,
    StopJobActionInfo,
    StopJobActionReq,
    StopJobActionRequest,
    UpdateJob,
    UpdateJobReq,
    UpdateJobRequest,
    ValidateJobNameRequest,
)

from huaweicloudsdkdrs.v3 import (
    BatchCheckJobsRequest,
    BatchCheckResultsRequest,
    BatchPrecheckReq,
    BatchQueryPrecheckResultReq,
    PreCheckInfo,
)

from drs_helpers import SCENARIOS, Drs, assert_api_error

FAST_STEPS = {
    "OPENDRS_STEP_CREATE_MS": "200",
    "OPENDRS_STEP_START_MS": "200",
    "OPENDRS_STEP_FULL_TRANSFER_MS": "400",
    "OPENDRS_STEP_RELEASE_MS": "200",
    "OPENDRS_STEP_PRECHECK_MS": "200",
    "OPENDRS_EXECUTOR_POLL_MS": "50",
}
WAIT_S = 20.0
POLL_S = 0.1
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SORT_KEYS = ("create_time", "name", "status", "net_type", "job_direction", "pay_mode")
PAGE = 25
UNKNOWN_JOB = "00000000-0000-0000-0000-000000000jb000"
RUN = uuid.uuid4().hex[:8]
_serial = itertools.count()


def unique_name(label: str) -> str:
    return f"v5{RUN}-{label}-{next(_serial):04d}"


def client(endpoint: str, ak: str, sk: str, project_id: str) -> DrsClient:
    config = HttpConfig.get_default_config()
    config.timeout = (5, 60)
    config.retry_times = 0
    return (
        DrsClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(ak, sk, project_id))
        .with_endpoint(endpoint)
        .build()
    )


def create_req(name: str, source_ip: str = "192.168.0.10") -> CreateJobRequest:
    source = JobEndpointInfo(
        db_type="mysql",
        endpoint_type="offline",
        endpoint_role="so",
        endpoint=BaseEndpoint(endpoint_name="mysql", ip=source_ip, db_port="3306", db_user="root",
                              db_password="Secret-Pass-123"),
    )
    target = JobEndpointInfo(
        db_type="mysql",
        endpoint_type="cloud",
        endpoint_role="ta",
        endpoint=BaseEndpoint(endpoint_name="cloud_mysql", instance_id="rds-0001", db_user="root",
                              db_password="Secret-Pass-123"),
        cloud=CloudBaseInfo(region="cn-north-4", project_id="0123456789abcdef0123456789abcdef"),
    )
    job = CreateJobReq(
        base_info=JobBaseInfo(
            name=name, job_type="migration", engine_type="mysql", job_direction="up", net_type="vpc",
            task_type="FULL_INCR_TRANS", description="made by the v5 SDK", tags=[ResourceTag(key="suite", value="v5")],
        ),
        source_endpoint=[source],
        target_endpoint=[target],
        node_info=JobNodeInfo(
            spec=JobNodeSpecInfo(node_type="high"),
            vpc=JobNodeVpcInfo(vpc_id="vpc-0001", subnet_id="subnet-0001"),
            base_info=JobNodeBaseInfo(instance_type="single", arch="x86", availability_zone="cn-north-4a"),
        ),
    )
    return CreateJobRequest(body=SingleCreateJobReq(job=job))


class V5:
    """The SDK's v5 calls on one project."""

    def __init__(self, c: DrsClient, v3: Drs | None = None):
        self.c = c
        self.v3 = v3

    def prechecked(self, job_id: str) -> None:
        """A passed precheck through the v3 client (a created job starts only after one)."""
        self.v3.client.batch_check_jobs(
            BatchCheckJobsRequest(body=BatchPrecheckReq(jobs=[PreCheckInfo(job_id=job_id, precheck_mode="forStartJob")]))
        )
        deadline = time.monotonic() + WAIT_S
        while True:
            (r,) = self.v3.client.batch_check_results(
                BatchCheckResultsRequest(body=BatchQueryPrecheckResultReq(jobs=[job_id]))
            ).results
            if r.process == "100%":
                assert r.result is True, r
                return
            assert time.monotonic() < deadline, f"precheck of {job_id} not done: {r}"
            time.sleep(POLL_S)

    def create(self, name: str, source_ip: str = "192.168.0.10"):
        return self.c.create_job(create_req(name, source_ip))

    def precheck_done(self, job_id: str):
        """Polls the detail `type=precheck` until the latest run is complete; returns it."""
        deadline = time.monotonic() + WAIT_S
        while True:
            run = self.detail(job_id, "precheck").precheck_result
            if run.process == "100%":
                return run
            assert run.result is False, run
            assert time.monotonic() < deadline, f"precheck of {job_id} not done: {run}"
            time.sleep(POLL_S)

    def detail(self, job_id: str, kind: str = "detail"):
        return self.c.show_job_detail(ShowJobDetailRequest(job_id=job_id, type=kind)).job

    def status(self, job_id: str) -> str:
        return self.detail(job_id, "overview").status

    def action(self, job_id: str, name: str, **params):
        req = ActionReq(action_name=name, action_params=ActionParams(**params) if params else None)
        return self.c.execute_job_action(ExecuteJobActionRequest(job_id=job_id, body=JobActionReq(job=req)))

    def wait_until(self, job_id: str, path: tuple[str, ...]) -> None:
        """Poll the detail until the job reaches path[-1], passing only through path's statuses."""
        deadline = time.monotonic() + WAIT_S
        seen = []
        while True:
            status = self.status(job_id)
            if not seen or seen[-1] != status:
                seen.append(status)
            assert status in path, f"job {job_id} went {' -> '.join(seen)}; expected only {' -> '.join(path)}"
            if status == path[-1]:
                return
            assert time.monotonic() < deadline, f"job {job_id} not {path[-1]} after {WAIT_S:.0f} s: {seen}"
            time.sleep(POLL_S)

    def new_configured(self, label: str) -> str:
        resp = self.create(unique_name(label))
        assert resp.status == "CREATING", resp
        self.wait_until(resp.id, ("CREATING", "CONFIGURATION"))
        self.prechecked(resp.id)
        return resp.id


def succeeded(resp) -> dict:
    """The body of a synchronous action's answer (the SDK models only `query_id` for it)."""
    assert resp.status_code == 200, resp
    body = resp.to_json_object()
    assert body["status"] == "success", body
    return body


# --- fixtures ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(start_demo_server):
    with start_demo_server("opendrs-v5", FAST_STEPS) as info:
        yield info


@pytest.fixture(scope="module")
def v5(server) -> V5:
    return V5(
        client(server["endpoint"], server["ak"], server["sk"], server["project_id"]),
        Drs(server["endpoint"], server["ak"], server["sk"], server["project_id"]),
    )


@pytest.fixture(scope="module")
def demo_v5(demo, demo_keys) -> DrsClient:
    return client(demo["endpoint"], *demo_keys, demo["project_id"])


# --- a job's life through the v5 client -----------------------------------------------------------------


def test_a_job_walks_through_the_v5_client_from_creation_to_deletion(v5):
    name = unique_name("walk")
    created = v5.create(name)
    assert (created.name, created.status) == (name, "CREATING"), created
    assert ISO_RE.match(created.create_time), created.create_time
    job_id = created.id
    v5.wait_until(job_id, ("CREATING", "CONFIGURATION"))
    v5.prechecked(job_id)

    detail = v5.detail(job_id)
    assert (detail.id, detail.status) == (job_id, "CONFIGURATION")
    assert (detail.base_info.name, detail.base_info.job_type, detail.base_info.net_type) == (name, "migration", "vpc")
    assert [(t.key, t.value) for t in detail.base_info.tags] == [("suite", "v5")]
    assert detail.source_endpoint[0].endpoint.db_port == "3306"
    assert detail.source_endpoint[0].endpoint.db_password is None, "no password is ever shown"
    assert detail.target_endpoint[0].endpoint.instance_id == "rds-0001"
    assert detail.node_info.spec.node_type == "high"

    renamed = unique_name("renamed")
    update = UpdateJobReq(type="name", params=UpdateJob(base_info=JobBaseInfo(name=renamed)))
    resp = v5.c.update_job(UpdateJobRequest(job_id=job_id, body=SingleUpdateJobReq(job=update)))
    assert (resp.id, resp.name, resp.status, resp.error_code) == (job_id, renamed, "success", None), resp
    assert v5.detail(job_id, "overview").base_info.name == renamed

    succeeded(v5.action(job_id, "start"))
    v5.wait_until(job_id, ("STARTJOBING", "FULL_TRANSFER_STARTED", "INCRE_TRANSFER_STARTED"))
    succeeded(v5.action(job_id, "stop", pause_mode="target"))
    assert v5.status(job_id) == "PAUSING"
    actions = v5.c.show_actions(ShowActionsRequest(job_id=job_id)).job_action
    assert "CONTINUE_JOB" in actions.available_actions and "PAUSE" in actions.unavailable_actions, actions
    succeeded(v5.action(job_id, "restart"))
    v5.wait_until(job_id, ("STARTJOBING", "INCRE_TRANSFER_STARTED"))
    actions = v5.c.show_actions(ShowActionsRequest(job_id=job_id)).job_action
    assert "PAUSE" in actions.available_actions, actions

    stop = v5.c.stop_job_action(StopJobActionRequest(job_id=job_id, body=StopJobActionReq(is_force_stop=False)))
    assert (stop.id, stop.name, stop.status) == (job_id, renamed, "success"), stop
    v5.wait_until(job_id, ("RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_COMPLETE"))
    deleted = v5.c.delete_job(DeleteJobRequest(job_id=job_id))
    assert deleted.status_code == 200
    with pytest.raises(ClientRequestException) as info:
        v5.detail(job_id)
    assert_api_error(info.value, 400, "DRS.10000010")


def test_an_action_the_status_does_not_allow_and_an_unknown_job_are_clear_errors(v5):
    job_id = v5.new_configured("refused")
    with pytest.raises(ClientRequestException) as info:
        v5.action(job_id, "stop")
    assert_api_error(info.value, 400, "DRS.M00304")
    assert "CONFIGURATION" in info.value.error_msg
    with pytest.raises(ClientRequestException) as info:
        v5.action(UNKNOWN_JOB, "start")
    assert_api_error(info.value, 400, "DRS.10000010")
    with pytest.raises(ClientRequestException) as info:
        v5.action(job_id, "create_compare")
    assert_api_error(info.value, 400, "DRS.M00202")
    assert "not supported" in info.value.error_msg


def test_batch_actions_stops_and_deletes_answer_per_job(v5):
    a, b = v5.new_configured("batch-a"), v5.new_configured("batch-b")
    resp = v5.c.batch_execute_job_actions(BatchExecuteJobActionsRequest(body=BatchJobActionReq(jobs=[
        ActionReq(job_id=a, action_name="start"),
        ActionReq(job_id=b, action_name="start"),
        ActionReq(job_id=UNKNOWN_JOB, action_name="start"),
    ])))
    assert [j.id for j in resp.jobs] == [a, b, UNKNOWN_JOB]
    items = resp.to_json_object()["jobs"]
    assert [(i["status"], i.get("error_code")) for i in items] == [
        ("success", None), ("success", None), ("failed", "DRS.10000010"),
    ], items
    for job_id in (a, b):
        v5.wait_until(job_id, ("STARTJOBING", "FULL_TRANSFER_STARTED", "INCRE_TRANSFER_STARTED"))

    stops = v5.c.batch_stop_jobs_action(BatchStopJobsActionRequest(body=BatchStopJobActionReq(jobs=[
        StopJobActionInfo(job_id=a), StopJobActionInfo(job_id=b, is_force_stop=True),
    ])))
    assert [(j.id, j.status) for j in stops.jobs] == [(a, "success"), (b, "success")], stops
    for job_id in (a, b):
        v5.wait_until(job_id, ("RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_COMPLETE"))

    deletes = v5.c.batch_delete_jobs_by_id(BatchDeleteJobsByIdRequest(body=BatchDeleteJobReq(jobs=[a, b, a + "x"])))
    assert [(j.id, j.status, j.error_code) for j in deletes.jobs] == [
        (a, "success", None), (b, "success", None), (a + "x", "failed", "DRS.10000010"),
    ], deletes


# --- the workflow through the v5 client -----------------------------------------------------------------


def test_a_v5_client_tests_prechecks_starts_and_watches_a_job_move(v5):
    job_id = v5.create(unique_name("flow")).id
    v5.wait_until(job_id, ("CREATING", "CONFIGURATION"))
    assert v5.detail(job_id, "network").network_results == []
    succeeded(v5.action(job_id, "network"))
    tested = v5.detail(job_id, "network").network_results
    assert [(r.ip, r.success, r.status) for r in tested] == [
        ("192.168.0.10", True, "success"), ("rds-0001", True, "success"),
    ], tested

    with pytest.raises(ClientRequestException) as info:
        v5.action(job_id, "start")
    assert_api_error(info.value, 400, "DRS.M00304")
    succeeded(v5.action(job_id, "precheck", precheck_mode="forStartJob"))
    run = v5.precheck_done(job_id)
    assert (run.result, run.process, run.job_direction) == (True, "100%", "up"), run
    items = {i.item: i for i in run.precheck_results}
    assert items["srcDbConnection"].result == "PASSED", run
    assert items["dstDbConnection"].group == "network", run

    before = v5.detail(job_id, "progress").progress_info
    assert (before.progress, before.transfer_status, before.process_time) == ("0", "CONFIGURATION", "0"), before
    succeeded(v5.action(job_id, "start"))
    v5.wait_until(job_id, ("STARTJOBING", "FULL_TRANSFER_STARTED", "INCRE_TRANSFER_STARTED"))
    seen = []
    deadline = time.monotonic() + WAIT_S
    while True:
        info = v5.detail(job_id, "progress").progress_info
        seen.append(int(info.progress))
        if info.progress == "100":
            break
        assert time.monotonic() < deadline, f"progress of {job_id} stuck: {seen}"
        time.sleep(POLL_S)
    assert seen == sorted(seen), f"progress never goes back: {seen}"
    assert info.transfer_status == "INCRE_TRANSFER_STARTED" and info.task_mode == "FULL_INCR_TRANS", info
    assert info.incr_trans_delay != "-1", info


def test_a_failed_v5_precheck_of_an_unreachable_host_keeps_the_start_refused(v5):
    job_id = v5.create(unique_name("down"), source_ip="db.example.invalid").id
    v5.wait_until(job_id, ("CREATING", "CONFIGURATION"))
    with pytest.raises(ClientRequestException) as info:
        v5.action(job_id, "network")
    assert_api_error(info.value, 400, "DRS.M05011")
    (source, target) = v5.detail(job_id, "network").network_results
    assert (source.status, source.success, source.error_code) == ("failed", False, "DRS.M05011"), source
    assert target.status == "success", target
    other = JobEndpointInfo(endpoint_role="so", endpoint=BaseEndpoint(ip="192.168.0.11", db_port="3306"))
    succeeded(v5.action(job_id, "network", endpoints=[other]))

    succeeded(v5.action(job_id, "precheck"))
    run = v5.precheck_done(job_id)
    assert run.result is False, run
    failed = [(i.item, i.failed_reason) for i in run.precheck_results if i.result == "FAILED"]
    assert failed == [("srcDbConnection", "HOST_UNREACHABLE:db.example.invalid")], run
    with pytest.raises(ClientRequestException) as info:
        v5.action(job_id, "start")
    assert_api_error(info.value, 400, "DRS.M00304")
    resp = v5.c.batch_execute_job_actions(BatchExecuteJobActionsRequest(body=BatchJobActionReq(jobs=[
        ActionReq(job_id=job_id, action_name="start"),
        ActionReq(job_id=job_id + "x", action_name="reset"),
    ])))
    items = resp.to_json_object()["jobs"]
    assert [(i["status"], i.get("error_code")) for i in items] == [
        ("failed", "DRS.M00304"), ("failed", "DRS.10000010"),
    ], items
    assert v5.status(job_id) == "CONFIGURATION"

    # Skipping the failed item lets the job start.
    skip = SkipPreCheckInfo(skipped_precheck_list=["srcDbConnection"], skip_reason="known outage")
    succeeded(v5.action(job_id, "skip_precheck", skip_precheck_info=skip))
    run = v5.detail(job_id, "precheck").precheck_result
    (src,) = [i for i in run.precheck_results if i.item == "srcDbConnection"]
    assert (run.result, src.result, src.is_skipped) == (True, "FAILED", True), run
    succeeded(v5.action(job_id, "start"))
    v5.wait_until(job_id, ("STARTJOBING", "FULL_TRANSFER_STARTED", "INCRE_TRANSFER_STARTED"))


# --- reads on the shared demo server ---------------------------------------------------------------------


def list_page(c: DrsClient, **params):
    return c.list_jobs(ListJobsRequest(**params))


def walk(c: DrsClient, job_type: str, sort_key: str, sort_dir: str, page: int = PAGE) -> tuple[list, int]:
    """Every job of a sorted v5 listing, page by page (offset += limit) until an empty page."""
    jobs, offset, totals = [], 0, set()
    for _ in range(1000):
        resp = list_page(c, job_type=job_type, sort_key=sort_key, sort_dir=sort_dir, offset=offset, limit=page)
        totals.add(resp.total_count)
        if not resp.jobs:
            break
        jobs.extend(resp.jobs)
        offset += page
    assert len(totals) == 1, f"total_count changed while paging: {totals}"
    return jobs, totals.pop()


def v3_key(sort_key: str, charging: dict):
    """A job's sort value as the v3 all-items answer (and, for pay_mode, the v5 list) shows it."""
    return {
        "name": lambda j: j.name.lower(),
        "status": lambda j: j.status,
        "net_type": lambda j: j.net_type,
        "job_direction": lambda j: j.job_direction,
        "pay_mode": lambda j: charging[j.id],
    }[sort_key]


@pytest.mark.parametrize("sort_dir", ("asc", "desc"))
@pytest.mark.parametrize("sort_key", SORT_KEYS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_sorted_v5_listing_paged_end_to_end_gives_every_job_once_in_order(
    demo_v5, all_jobs, scenario, sort_key, sort_dir
):
    newest_first = all_jobs[scenario]  # the server's exact order: create_time, then ID, descending
    walked, total = walk(demo_v5, scenario, sort_key, sort_dir)
    ids = [j.id for j in walked]
    assert total == len(newest_first), (total, len(newest_first))
    assert len(ids) == len(set(ids)), "a job appeared on two pages"
    assert set(ids) == {j.id for j in newest_first}, "jobs missing or extra"
    # (key, create_time, ID) all in sort_dir: a stable sort of the v3 order by the key alone gives it.
    base = newest_first if sort_dir == "desc" else list(reversed(newest_first))
    if sort_key == "create_time":
        expected = base
    else:
        charging = {j.id: j.charging_mode for j in walked}
        expected = sorted(base, key=v3_key(sort_key, charging), reverse=(sort_dir == "desc"))
    assert ids == [j.id for j in expected]
    assert all(ISO_RE.match(j.create_time) for j in walked)


def test_a_v5_listing_filters_as_the_v3_list_does(demo_v5, drs):
    v3 = drs.all("sync", net_type="eip")
    v5 = list_page(demo_v5, job_type="sync", net_type="eip", limit=1000)
    assert v5.total_count == len(v3)
    assert [j.id for j in v5.jobs] == [j.id for j in v3]
    some = [i for j in v3[:3] for i in (j.id,)]
    named = list_page(demo_v5, job_type="sync", name=",".join(some), limit=1000)
    assert sorted(j.id for j in named.jobs) == sorted(some)
    first = v5.jobs[0]
    assert (first.job_type, first.net_type, first.job_mode) == ("sync", "eip", first.job_mode)
    assert first.charging_mode in ("on_demand", "period") and first.job_action.available_actions is not None


def test_a_bad_sort_key_or_limit_is_m00202_naming_it(demo_v5):
    for params, field in (({"sort_key": "engine_type"}, "sort_key"), ({"limit": 1001}, "limit")):
        with pytest.raises(ClientRequestException) as info:
            list_page(demo_v5, job_type="migration", **params)
        assert_api_error(info.value, 400, "DRS.M00202")
        assert field in info.value.error_msg


def test_a_demo_job_s_name_is_taken_and_a_new_one_is_valid(demo_v5, all_jobs):
    taken = all_jobs["migration"][0].name
    with pytest.raises(ClientRequestException) as info:
        demo_v5.validate_job_name(ValidateJobNameRequest(body=CheckJobNameReq(name=taken, type="trans")))
    assert_api_error(info.value, 422, "DRS.M00277")
    resp = demo_v5.validate_job_name(ValidateJobNameRequest(body=CheckJobNameReq(name=unique_name("free"), type="trans")))
    assert resp.is_valid is True


def test_the_demo_project_s_enterprise_projects_are_listed(demo_v5):
    resp = demo_v5.show_enterprise_project(ShowEnterpriseProjectRequest(limit=1000))
    ids = [e.id for e in resp.enterprise_project_list]
    assert resp.count == len(ids) >= 1 and "0" in ids, resp
    assert all(e.status == "1" and ISO_RE.match(e.created_at) for e in resp.enterprise_project_list)
    page = demo_v5.show_enterprise_project(ShowEnterpriseProjectRequest(offset=0, limit=1))
    assert page.count == resp.count and len(page.enterprise_project_list) == 1
