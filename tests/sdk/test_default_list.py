"""The default list call, the shape of every JobInfo, and the demo server's handshake file."""

from urllib.parse import urlsplit

from huaweicloudsdkdrs.v3 import JobInfo

from drs_helpers import (
    CREATE_TIME_RE,
    JOB_DIRECTIONS,
    NET_TYPES,
    PROJECT_ID_RE,
    SCENARIOS,
    STATUSES,
    TASK_TYPES,
    assert_newest_first,
)

# Every attribute of the SDK's JobInfo model except `children`, which only parent jobs carry.
ALWAYS_PRESENT = [name for name in JobInfo.openapi_types if name != "children"]


def test_demo_json_names_a_loopback_endpoint_and_two_distinct_projects(demo):
    assert "other_project_id" in demo, f"demo.json has only {sorted(demo)}"
    endpoint = urlsplit(demo["endpoint"])
    assert endpoint.scheme == "http"
    assert endpoint.hostname in ("127.0.0.1", "localhost")
    assert endpoint.port and endpoint.port > 0, "demo.json must carry the real bound port, not 0"
    assert PROJECT_ID_RE.match(demo["project_id"]), demo["project_id"]
    assert PROJECT_ID_RE.match(demo["other_project_id"]), demo["other_project_id"]
    assert demo["project_id"] != demo["other_project_id"]


def test_demo_json_holds_the_demo_projects_access_key_and_secret(demo):
    missing = [k for k in ("ak", "sk") if not demo.get(k)]
    assert not missing, f"demo.json lacks {missing}; it has {sorted(demo)}"


def test_the_default_page_is_the_ten_newest_migration_jobs(drs, all_jobs):
    resp = drs.query(db_use_type="migration")  # no cur_page, no per_page: the defaults 1 and 10

    assert resp.status_code == 200
    assert resp.total_record > 10
    assert len(resp.jobs) == 10
    assert all(j.db_use_type == "migration" for j in resp.jobs), [j.db_use_type for j in resp.jobs]
    assert_newest_first(resp.jobs, "default page")
    assert resp.total_record == len(all_jobs["migration"])
    assert [j.id for j in resp.jobs] == [j.id for j in all_jobs["migration"][:10]]


def test_every_field_of_the_sdk_job_model_is_populated_on_the_default_page(drs):
    jobs = drs.query(db_use_type="migration").jobs
    assert ALWAYS_PRESENT, "the SDK's JobInfo model lists no attributes"
    for job in jobs:
        missing = [name for name in ALWAYS_PRESENT if getattr(job, name) is None]
        assert not missing, f"job {job.id}: fields absent from the response: {missing}"
        empty = [n for n in ALWAYS_PRESENT if isinstance(getattr(job, n), str) and n != "description" and not getattr(job, n)]
        assert not empty, f"job {job.id}: empty strings in {empty}"
        assert isinstance(job.description, str)
        assert isinstance(job.billing_tag, bool) and isinstance(job.node_new_framework, bool), (
            f"job {job.id}: billing_tag={job.billing_tag!r} node_newFramework={job.node_new_framework!r} "
            "must be JSON booleans"
        )
        action = job.job_action
        assert isinstance(action.available_actions, list) and isinstance(action.unavailable_actions, list), (
            f"job {job.id}: job_action {action}"
        )


def test_every_listed_job_has_valid_enumerations_and_a_utc_create_time(all_jobs):
    bad = []
    for scenario, jobs in all_jobs.items():
        for j in jobs:
            problems = []
            if j.db_use_type != scenario:
                problems.append(f"db_use_type={j.db_use_type!r}")
            if j.status not in STATUSES or j.status == "DELETED":
                problems.append(f"status={j.status!r}")
            if j.net_type not in NET_TYPES:
                problems.append(f"net_type={j.net_type!r}")
            if j.task_type not in TASK_TYPES:
                problems.append(f"task_type={j.task_type!r}")
            if j.job_direction not in JOB_DIRECTIONS:
                problems.append(f"job_direction={j.job_direction!r}")
            if not (isinstance(j.create_time, str) and CREATE_TIME_RE.match(j.create_time)):
                problems.append(f"create_time={j.create_time!r}")
            if problems:
                bad.append((scenario, j.id, problems))
    assert not bad, f"{len(bad)} jobs with invalid values, first ones: {bad[:5]}"


def test_every_scenario_lists_jobs_newest_first(all_jobs):
    for scenario in SCENARIOS:
        jobs = all_jobs[scenario]
        assert jobs, f"no {scenario} jobs in the demo project"
        assert_newest_first(jobs, f"all {scenario} jobs")


def test_the_demo_project_holds_at_least_300_top_level_jobs(drs, all_jobs):
    listed = sum(len(jobs) for jobs in all_jobs.values())
    deleted = sum(drs.query(cur_page=0, db_use_type=s, status="DELETED").total_record for s in SCENARIOS)
    assert listed + deleted >= 300, f"{listed} listed + {deleted} deleted top-level jobs"


def test_job_ids_are_unique_across_scenarios(all_jobs):
    ids = [j.id for jobs in all_jobs.values() for j in jobs]
    assert len(ids) == len(set(ids))


def test_the_raw_json_has_every_sdk_key_json_booleans_and_error_msg_on_failed_jobs(drs):
    # The SDK turns any value into a bool (bool("false") is True), so read the body it received as well.
    keys = [JobInfo.attribute_map[name] for name in ALWAYS_PRESENT]
    failed_with_msg, described, bad = 0, 0, []
    for scenario in SCENARIOS:
        body = drs.query(cur_page=0, db_use_type=scenario).to_json_object()
        for job in body["jobs"]:
            missing = [k for k in keys if k not in job]
            if missing:
                bad.append((job.get("id"), f"missing keys {missing}"))
            for k in ("billing_tag", "node_newFramework"):
                if type(job.get(k)) is not bool:
                    bad.append((job.get("id"), f"{k}={job.get(k)!r} is not a JSON boolean"))
            if "error_msg" in job:
                if not (isinstance(job["error_msg"], str) and job["error_msg"]):
                    bad.append((job.get("id"), f"error_msg={job['error_msg']!r} present but empty"))
                elif job.get("status", "").endswith("_FAILED"):
                    failed_with_msg += 1
            described += bool(job.get("description"))
    assert not bad, f"{len(bad)} problems, first ones: {bad[:5]}"
    assert failed_with_msg > 0, "no failed job carries an error_msg"
    assert described > 0, "no job has a description"
