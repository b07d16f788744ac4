"""The v3 task workflow through the SDK's own v3 client, unchanged: create → connection test → objects → flow
control → precheck → precheck results → start → progress → (switchover and RPO/RTO for a DR task) → terminate →
delete; and a failed precheck that keeps a start refused.

A server of its own (`start_demo_server`) with steps of a few hundred milliseconds. No database is ever connected
to: a simulated database answers unless its host is under `.invalid` (or listed in the server's
`simulated_unreachable_hosts`).
"""

from __future__ import annotations

import itertools
import time
import uuid

import pytest
from huaweicloudsdkdrs.v3 import (
    BatchCheckJobsRequest,
    BatchCheckResultsRequest,
    BatchCreateJobReq,
    BatchCreateJobsRequest,
    BatchDeleteJobReq,
    BatchDeleteJobsRequest,
    BatchLimitSpeedReq,
    BatchListJobDetailsRequest,
    BatchListJobStatusRequest,
    BatchListProgressesRequest,
    BatchListRposAndRtosRequest,
    BatchPrecheckReq,
    BatchQueryJobReqPage,
    BatchQueryPrecheckResultReq,
    BatchQueryProgressReq,
    BatchQueryRpoAndRtoReq,
    BatchSetObjectsRequest,
    BatchSetSpeedRequest,
    BatchStartJobReq,
    BatchStartJobsRequest,
    BatchSwitchoverReq,
    BatchSwitchoverRequest,
    BatchTestConnectionReq,
    BatchUpdateDatabaseObjectReq,
    BatchValidateConnectionsRequest,
    CreateJobReq,
    DatabaseInfo,
    DeleteJobReq,
    Endpoint,
    LimitSpeedReq,
    PreCheckInfo,
    SpeedLimitInfo,
    StartInfo,
    UpdateDatabaseObjectReq,
)

from huaweicloudsdkdrs.v3 import TestEndPoint as ConnectionEndPoint  # not a pytest class

from drs_helpers import Drs

STEPS = {
    "OPENDRS_STEP_CREATE_MS": "200",
    "OPENDRS_STEP_START_MS": "200",
    "OPENDRS_STEP_FULL_TRANSFER_MS": "3000",
    "OPENDRS_STEP_RELEASE_MS": "200",
    "OPENDRS_STEP_PRECHECK_MS": "600",
    "OPENDRS_STEP_SWITCHOVER_MS": "600",
    "OPENDRS_EXECUTOR_POLL_MS": "50",
}
WAIT_S = 20.0
POLL_S = 0.1

RUN = uuid.uuid4().hex[:8]
_serial = itertools.count()


def unique_name(label: str) -> str:
    return f"wf{RUN}-{label}-{next(_serial):04d}"


def endpoint(ip: str) -> Endpoint:
    return Endpoint(db_type="mysql", ip=ip, db_port=3306, db_user="root", db_password="Secret-Pass-123")


class Workflow:
    """The SDK's v3 workflow calls for one project."""

    def __init__(self, drs: Drs):
        self.client = drs.client
        self.drs = drs

    def create(self, label: str, scenario: str = "migration", source_ip: str = "192.168.0.10") -> str:
        req = CreateJobReq(
            name=unique_name(label),
            db_use_type=scenario,
            engine_type="cloudDataGuard-mysql" if scenario == "cloudDataGuard" else "mysql",
            job_direction="up",
            net_type="vpc",
            node_type="high",
            task_type="FULL_INCR_TRANS",
            customize_sutnet_id="subnet-0001",
            source_endpoint=endpoint(source_ip),
            target_endpoint=endpoint("192.168.0.20"),
            is_target_readonly=True,
        )
        resp = self.client.batch_create_jobs(BatchCreateJobsRequest(body=BatchCreateJobReq(jobs=[req])))
        (item,) = resp.results
        assert (item.status, item.error_code) == ("CREATING", None), item
        self.wait_for(item.id, "CONFIGURATION")
        return item.id

    def status(self, job_id: str) -> str:
        (r,) = self.client.batch_list_job_status(
            BatchListJobStatusRequest(body=BatchQueryJobReqPage(jobs=[job_id]))
        ).results
        return r.status

    def wait_for(self, job_id: str, target: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while (status := self.status(job_id)) != target:
            assert time.monotonic() < deadline, f"{job_id} is {status}, not {target}, after {WAIT_S:.0f} s"
            time.sleep(POLL_S)

    def detail(self, job_id: str):
        (r,) = self.client.batch_list_job_details(
            BatchListJobDetailsRequest(body=BatchQueryJobReqPage(jobs=[job_id]))
        ).results
        return r

    def test_connections(self, job_id: str, source_ip: str, target_ip: str):
        def ep(kind: str, ip: str) -> ConnectionEndPoint:
            return ConnectionEndPoint(
                id=job_id, net_type="vpc", db_type="mysql", ip=ip, db_port=3306, db_user="root",
                db_password="Secret-Pass-123", end_point_type=kind,
            )

        return self.client.batch_validate_connections(
            BatchValidateConnectionsRequest(body=BatchTestConnectionReq(jobs=[ep("so", source_ip), ep("ta", target_ip)]))
        )

    def precheck(self, job_id: str):
        return self.client.batch_check_jobs(
            BatchCheckJobsRequest(body=BatchPrecheckReq(jobs=[PreCheckInfo(job_id=job_id, precheck_mode="forStartJob")]))
        )

    def precheck_result(self, job_id: str):
        (r,) = self.client.batch_check_results(
            BatchCheckResultsRequest(body=BatchQueryPrecheckResultReq(jobs=[job_id]))
        ).results
        return r

    def precheck_done(self, job_id: str):
        """Polls the result as Terraform does: until `process` is 100 %."""
        deadline = time.monotonic() + WAIT_S
        seen = []
        while True:
            r = self.precheck_result(job_id)
            seen.append(r.process)
            if r.process == "100%":
                return r, seen
            assert r.result is False, "no result before the run is complete"
            assert time.monotonic() < deadline, f"precheck of {job_id} still at {r.process}"
            time.sleep(POLL_S)

    def start(self, job_id: str):
        (r,) = self.client.batch_start_jobs(
            BatchStartJobsRequest(body=BatchStartJobReq(jobs=[StartInfo(job_id=job_id)]))
        ).results
        return r

    def progress(self, job_id: str):
        resp = self.client.batch_list_progresses(BatchListProgressesRequest(body=BatchQueryProgressReq(jobs=[job_id])))
        assert resp.status_code == 202
        (r,) = resp.results
        return r

    def delete(self, delete_type: str, job_id: str):
        (r,) = self.client.batch_delete_jobs(
            BatchDeleteJobsRequest(body=BatchDeleteJobReq(jobs=[DeleteJobReq(job_id=job_id, delete_type=delete_type)]))
        ).results
        assert (r.id, r.status, r.error_code) == (job_id, "success", None), r

    def listed(self, scenario: str, job_id: str):
        (entry,) = [j for j in self.drs.all(scenario, name=job_id) if j.id == job_id]
        return entry


@pytest.fixture(scope="module")
def server(start_demo_server):
    with start_demo_server("opendrs-workflow", STEPS) as info:
        yield info


@pytest.fixture(scope="module")
def wf(server) -> Workflow:
    return Workflow(Drs(server["endpoint"], server["ak"], server["sk"], server["project_id"]))


def terminate_and_delete(wf: Workflow, job_id: str) -> None:
    wf.delete("terminate", job_id)
    wf.wait_for(job_id, "RELEASE_RESOURCE_COMPLETE")
    wf.delete("delete", job_id)
    wf.wait_for(job_id, "DELETED")


def test_a_migration_walks_the_whole_workflow_through_the_sdk(wf):
    job_id = wf.create("walk")

    tested = wf.test_connections(job_id, "192.168.0.10", "192.168.0.20")
    assert tested.status_code == 200
    assert tested.count == 2
    assert [(r.id, r.status, r.success) for r in tested.results] == [(job_id, "success", True)] * 2, tested

    objects = wf.client.batch_set_objects(
        BatchSetObjectsRequest(
            body=BatchUpdateDatabaseObjectReq(
                jobs=[
                    UpdateDatabaseObjectReq(
                        job_id=job_id,
                        selected=True,
                        job=[
                            DatabaseInfo(id="shop", object_type="database", object_name="shop", select="partial"),
                            DatabaseInfo(id="shop-*-*-orders", parent_id="shop", object_type="table",
                                         object_name="orders", select="true"),
                        ],
                    )
                ]
            )
        )
    )
    assert objects.status_code == 202
    assert objects.all_counts == 1
    assert [(r.job_id, r.status) for r in objects.results] == [(job_id, True)], objects
    shown = wf.detail(job_id)
    assert [(o.id, o.type) for o in shown.object_infos] == [("shop", "database"), ("shop-*-*-orders", "table")]

    speed = wf.client.batch_set_speed(
        BatchSetSpeedRequest(
            body=BatchLimitSpeedReq(
                speed_limits=[
                    LimitSpeedReq(job_id=job_id, speed_limit=[SpeedLimitInfo(begin="01:00", end="06:59", speed="20")])
                ]
            )
        )
    )
    assert speed.status_code == 200
    assert [(r.id, r.status) for r in speed.results] == [(job_id, "success")], speed
    assert [(s.begin, s.end, s.speed) for s in wf.detail(job_id).speed_limit] == [("01:00", "06:59", "20")]

    refused = wf.start(job_id)
    assert (refused.status, refused.error_code) == ("failed", "DRS.M00304"), "no start before a precheck"

    launched = wf.precheck(job_id)
    assert launched.status_code == 200
    assert [(r.id, r.precheck_id, r.status) for r in launched.results] == [(job_id, job_id, "success")]
    result, seen = wf.precheck_done(job_id)
    assert (result.result, result.total_passed_rate, result.job_direction) == (True, "100%", "up"), result
    assert any(p != "100%" for p in seen), f"the run was never seen before it completed: {seen}"
    items = {i.item: i for i in result.precheck_result}
    assert items["srcDbConnection"].result == "PASSED" and items["dstDbConnection"].result == "PASSED"
    assert items["isUserRequireSslLink"].result == "ALARM", "an alarm does not fail the precheck"

    started = wf.start(job_id)
    assert (started.status, started.error_code) == ("success", None), started
    wf.wait_for(job_id, "FULL_TRANSFER_STARTED")
    first = wf.progress(job_id)
    assert (first.job_id, first.transfer_status, first.task_mode) == (job_id, "FULL_TRANSFER_STARTED", "FULL_INCR_TRANS")
    time.sleep(1.0)
    later = wf.progress(job_id)
    assert int(later.progress) > int(first.progress), (first.progress, later.progress)
    assert int(later.remaining_time) <= int(first.remaining_time)
    assert set(later.progress_map) == {"struct", "data", "index"}
    wf.wait_for(job_id, "INCRE_TRANSFER_STARTED")
    done = wf.progress(job_id)
    assert (done.progress, done.incre_trans_delay != "-1") == ("100", True), done

    terminate_and_delete(wf, job_id)


def test_a_dr_task_switches_over_and_reports_rpo_and_rto_through_the_sdk(wf):
    job_id = wf.create("dr", scenario="cloudDataGuard")
    tested = wf.test_connections(job_id, "192.168.0.10", "192.168.0.20")
    assert all(r.success for r in tested.results), tested
    wf.precheck(job_id)
    result, _ = wf.precheck_done(job_id)
    assert result.result is True, result
    assert wf.start(job_id).status == "success"
    wf.wait_for(job_id, "INCRE_TRANSFER_STARTED")

    rpo = wf.client.batch_list_rpos_and_rtos(BatchListRposAndRtosRequest(body=BatchQueryRpoAndRtoReq(jobs=[job_id])))
    assert rpo.status_code == 202
    (r,) = rpo.results
    assert r.job_id == job_id and r.error_code is None, r
    assert r.rpo_info.check_point.startswith("mysql-bin.") and r.rto_info.gtid_set == "NA", r
    assert int(r.rto_info.delay) >= 0

    switched = wf.client.batch_switchover(BatchSwitchoverRequest(body=BatchSwitchoverReq(jobs=[job_id])))
    assert switched.status_code == 202
    (s,) = switched.results
    assert (s.job_id, s.source_db.ip, s.target_db.ip, s.job_direction) == (job_id, "192.168.0.20", "192.168.0.10", "down"), s
    assert s.error_code is None
    # Terraform's wait: the list shows SWITCH_OVER until the switchover is over.
    deadline = time.monotonic() + WAIT_S
    seen = []
    while (current := wf.listed("cloudDataGuard", job_id).job_action.current_action) == "SWITCH_OVER":
        seen.append(current)
        assert time.monotonic() < deadline, "still switching over"
        time.sleep(POLL_S)
    assert seen, "the switchover was never seen running"
    detail = wf.detail(job_id)
    assert (detail.source_endpoint.ip, detail.job_direction, detail.status) == ("192.168.0.20", "down", "INCRE_TRANSFER_STARTED")

    terminate_and_delete(wf, job_id)


def test_a_failed_precheck_keeps_the_start_refused(wf):
    job_id = wf.create("unreachable", source_ip="db.source.invalid")
    tested = wf.test_connections(job_id, "db.source.invalid", "192.168.0.20")
    assert [(r.status, r.success, r.error_code) for r in tested.results] == [
        ("failed", False, "DRS.M05011"),
        ("success", True, None),
    ], tested
    wf.precheck(job_id)
    result, _ = wf.precheck_done(job_id)
    assert result.result is False and result.total_passed_rate != "100%", result
    failed = [(i.item, i.result) for i in result.precheck_result if i.result == "FAILED"]
    assert failed == [("srcDbConnection", "FAILED")], failed
    refused = wf.start(job_id)
    assert (refused.status, refused.error_code) == ("failed", "DRS.M00304"), refused
    assert "precheck" in refused.error_msg
    assert wf.status(job_id) == "CONFIGURATION"
    wf.delete("delete", job_id)
    wf.wait_for(job_id, "DELETED")
