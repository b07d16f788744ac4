"""Shared constants, the SDK wrapper and assertions for the end-to-end suite (imported by conftest and tests)."""

from __future__ import annotations

import re

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdrs.v3 import DrsClient, QueryJobsReq, ShowJobListRequest

# --- the contract's enumerations (drs-v3-api.md §2.4) -------------------------------------------------

SCENARIOS = ("migration", "sync", "cloudDataGuard")
NET_TYPES = ("vpn", "vpc", "eip")
TASK_TYPES = ("FULL_TRANS", "FULL_INCR_TRANS", "INCR_TRANS")
JOB_DIRECTIONS = ("up", "down", "non-dbs")
STATUSES = (
    "CREATING", "CREATE_FAILED", "CONFIGURATION", "STARTJOBING", "WAITING_FOR_START", "START_JOB_FAILED",
    "PAUSING", "FULL_TRANSFER_STARTED", "FULL_TRANSFER_FAILED", "FULL_TRANSFER_COMPLETE",
    "INCRE_TRANSFER_STARTED", "INCRE_TRANSFER_FAILED", "NODE_UPGRADE_START", "NODE_UPGRADE_COMPLETE",
    "NODE_UPGRADE_FAILED", "RELEASE_RESOURCE_STARTED", "RELEASE_RESOURCE_FAILED", "RELEASE_RESOURCE_COMPLETE",
    "REBUILD_NODE_STARTED", "REBUILD_NODE_FAILED", "CHANGE_JOB_STARTED", "CHANGE_JOB_FAILED", "DELETED",
    "CHILD_TRANSFER_STARTING", "CHILD_TRANSFER_STARTED", "CHILD_TRANSFER_COMPLETE", "CHILD_TRANSFER_FAILED",
    "RELEASE_CHILD_TRANSFER_STARTED", "RELEASE_CHILD_TRANSFER_COMPLETE",
)
CREATE_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
PROJECT_ID_RE = re.compile(r"^[0-9a-f]{32}$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")


# --- the SDK -----------------------------------------------------------------------------------------


class Drs:
    """A thin wrapper over the official SDK's DrsClient for the v3 list call."""

    def __init__(self, endpoint: str, ak: str, sk: str, project_id: str):
        config = HttpConfig.get_default_config()
        config.timeout = (5, 60)
        config.retry_times = 0
        self.project_id = project_id
        self.client = (
            DrsClient.new_builder()
            .with_http_config(config)
            .with_credentials(BasicCredentials(ak, sk, project_id))
            .with_endpoint(endpoint)
            .build()
        )

    def query(self, x_language: str | None = None, **body):
        """One ShowJobList call; `body` are QueryJobsReq fields. Raises the SDK's exceptions."""
        request = ShowJobListRequest(body=QueryJobsReq(**body))
        if x_language is not None:
            request.x_language = x_language
        return self.client.show_job_list(request)

    def all(self, db_use_type: str, **filters):
        """Every match (cur_page 0), checking that the page holds exactly total_record jobs."""
        resp = self.query(cur_page=0, db_use_type=db_use_type, **filters)
        jobs = resp.jobs
        assert jobs is not None, f"no `jobs` in the all-items answer for {db_use_type} {filters}"
        assert resp.total_record == len(jobs), (
            f"all-items answer for {db_use_type} {filters}: total_record {resp.total_record} but {len(jobs)} jobs"
        )
        return jobs

    def ids(self, db_use_type: str, **filters) -> list[str]:
        return [j.id for j in self.all(db_use_type, **filters)]

    def error(self, x_language: str | None = None, **body) -> ClientRequestException:
        """Make a call that must fail with a 4xx and return the SDK's exception."""
        with pytest.raises(ClientRequestException) as info:
            self.query(x_language=x_language, **body)
        return info.value


def order_key(job):
    return (job.create_time, job.id)


def assert_newest_first(jobs, what: str):
    keys = [order_key(j) for j in jobs]
    for i, (a, b) in enumerate(zip(keys, keys[1:])):
        assert a > b, f"{what}: job #{i} {a} is not strictly newer than job #{i + 1} {b} (create_time, id desc)"


def assert_api_error(exc: ClientRequestException, status: int, code: str):
    assert (exc.status_code, exc.error_code) == (status, code), (
        f"expected {status} {code}, got {exc.status_code} {exc.error_code}: {exc.error_msg!r}"
    )
    assert isinstance(exc.error_msg, str) and exc.error_msg.strip(), f"empty error_msg for {code}"
    assert exc.request_id, f"{code}: no X-Request-Id reached the SDK (request_id={exc.request_id!r})"
