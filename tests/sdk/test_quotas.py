"""Quotas and node types through the official SDK's v3 client: `show_quotas` counts the project's live tasks
against its quota, a `batch_create_jobs` over the quota (set with `opendrs admin quota set`) is refused per item,
and `list_available_node_types` lists the flavours of a scenario, or names the parameter it refuses.

A server of its own: the test creates tasks, which the shared demo server's tests count.
"""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkdrs.v3 import (
    BatchCreateJobReq,
    BatchCreateJobsRequest,
    CreateJobReq,
    Endpoint,
    ListAvailableNodeTypesRequest,
    ShowQuotasRequest,
)

from conftest import _binary
from drs_helpers import CJK_RE, Drs

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def server(start_demo_server):
    with start_demo_server("opendrs-quotas") as info:
        yield info


@pytest.fixture(scope="module")
def drs(server) -> Drs:
    return Drs(server["endpoint"], server["ak"], server["sk"], server["project_id"])


def set_quota(server, instances: int) -> None:
    """`opendrs admin quota set` on the server's own store, while it runs."""
    out = subprocess.run(
        [str(_binary()), "admin", "quota", "set", "--project", server["project_id"],
         "--instances", str(instances), "--data-dir", server["data_dir"], "--json"],
        env={**os.environ, "NO_COLOR": "1", "OPENDRS_LOG_LEVEL": "warn", **server["server_env"]},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert f'"quota": {instances}' in out.stdout, out.stdout


def quota(drs: Drs):
    return drs.client.show_quotas(ShowQuotasRequest()).quotas.resource


def job(name: str) -> CreateJobReq:
    ep = Endpoint(db_type="mysql", ip="192.168.0.10", db_port=3306, db_user="root", db_password="Secret-Pass-1")
    return CreateJobReq(
        name=f"q{RUN}-{name}", db_use_type="migration", engine_type="mysql", job_direction="up",
        net_type="vpc", node_type="high", task_type="FULL_INCR_TRANS", customize_sutnet_id="subnet-0001",
        source_endpoint=ep, target_endpoint=ep,
    )


def test_show_quotas_counts_live_tasks_and_a_creation_over_the_quota_is_refused_per_item(server, drs):
    before = quota(drs)
    assert (before.type, before.min) == ("instances", 0)
    assert before.quota <= before.max
    assert before.used > 0, "the demo's tasks count"

    set_quota(server, before.used + 2)
    resp = drs.client.batch_create_jobs(
        BatchCreateJobsRequest(body=BatchCreateJobReq(jobs=[job("a"), job("b"), job("c")]))
    )
    got = [(r.status, r.error_code) for r in resp.results]
    assert got == [("CREATING", None), ("CREATING", None), ("failed", "DRS.M05067")], resp
    assert "at most" in resp.results[2].error_msg

    after = quota(drs)
    assert (after.quota, after.used) == (before.used + 2, before.used + 2)

    # The refusal in Chinese.
    request = BatchCreateJobsRequest(body=BatchCreateJobReq(jobs=[job("d")]), x_language="zh-cn")
    (item,) = drs.client.batch_create_jobs(request).results
    assert item.error_code == "DRS.M05067"
    assert CJK_RE.search(item.error_msg), item.error_msg


def test_list_available_node_types_answers_the_flavours_of_each_scenario(drs):
    def flavours(scenario: str, **extra) -> list:
        resp = drs.client.list_available_node_types(ListAvailableNodeTypesRequest(
            engine_type="cloudDataGuard-mysql" if scenario == "cloudDataGuard" else "mysql",
            db_use_type=scenario, job_direction="up", **extra,
        ))
        assert all(n.is_sellout is False for n in resp.node_types), resp
        return [n.node_type for n in resp.node_types]

    assert flavours("migration") == ["micro", "small", "medium", "high", "xlarge"]
    assert flavours("sync", is_use_sellout_info=True) == ["micro", "small", "medium", "high", "xlarge", "2xlarge"]
    assert flavours("cloudDataGuard", is_multi_write=True) == ["high"]


def test_list_available_node_types_names_a_bad_parameter(drs):
    with pytest.raises(ClientRequestException) as info:
        drs.client.list_available_node_types(ListAvailableNodeTypesRequest(
            engine_type="mysql", db_use_type="migration", job_direction="sideways", x_language="zh-cn",
        ))
    e = info.value
    assert (e.status_code, e.error_code) == (400, "DRS.M00202")
    assert "job_direction" in e.error_msg and CJK_RE.search(e.error_msg), e.error_msg
