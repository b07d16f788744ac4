"""batch-status and batch-detail through the SDK's own batch methods."""

from __future__ import annotations

from huaweicloudsdkdrs.v3 import (
    BatchListJobDetailsRequest,
    BatchListJobStatusRequest,
    BatchQueryJobReqPage,
    PageReq,
)


def test_batch_status_gives_the_listed_status_of_each_job_and_an_item_error_for_an_unknown_one(drs):
    jobs = drs.all("migration")[:3]
    ids = [j.id for j in jobs] + ["00000000-0000-0000-0000-000000000jb000"]
    resp = drs.client.batch_list_job_status(
        BatchListJobStatusRequest(body=BatchQueryJobReqPage(jobs=ids, page_req=PageReq(cur_page=1, per_page=10)))
    )
    assert resp.count == 4
    assert [r.id for r in resp.results] == ids
    assert [r.status for r in resp.results[:3]] == [j.status for j in jobs]
    assert resp.results[3].error_code == "DRS.M05003"
    assert resp.results[3].status is None


def test_batch_detail_matches_the_list_for_the_same_jobs(drs):
    jobs = drs.all("sync")[:2]
    resp = drs.client.batch_list_job_details(
        BatchListJobDetailsRequest(body=BatchQueryJobReqPage(jobs=[j.id for j in jobs]))
    )
    assert resp.count == 2
    for job, detail in zip(jobs, resp.results):
        assert (detail.id, detail.name, detail.status) == (job.id, job.name, job.status)
        assert detail.db_use_type == "sync"
        assert detail.create_time.isdigit() and len(detail.create_time) == 13, detail.create_time
