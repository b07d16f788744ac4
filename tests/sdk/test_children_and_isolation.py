"""Subtasks live only inside their parents; one project never sees another project's jobs."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from drs_helpers import SCENARIOS, assert_api_error


def test_some_parent_job_lists_children_none_of_which_is_a_top_level_job(drs, all_jobs):
    top_level = {j.id for jobs in all_jobs.values() for j in jobs}
    top_level |= {i for s in SCENARIOS for i in drs.ids(s, status="DELETED")}
    children = {c.id: p.id for jobs in all_jobs.values() for p in jobs for c in (p.children or [])}

    assert children, "no job in any scenario has `children`"
    assert all(children), "a child without an id"
    both = sorted(set(children) & top_level)
    assert not both, f"child jobs listed as top-level jobs too: {both[:5]}"
    assert len(children) == sum(len(p.children or []) for jobs in all_jobs.values() for p in jobs), (
        "a child ID appears under two parents"
    )


def test_a_child_id_is_not_found_as_a_top_level_job(drs, all_jobs):
    parent = next((p for jobs in all_jobs.values() for p in jobs if p.children), None)
    assert parent is not None, "no job has `children`"
    child = parent.children[0]
    found = drs.ids(parent.db_use_type, name=child.id)
    assert child.id not in found, f"name={child.id} listed the child as a top-level job"


def test_the_other_project_sees_none_of_the_demo_projects_jobs(demo, demo_keys, make_drs, all_jobs):
    other = make_drs(*demo_keys, demo["other_project_id"])
    demo_ids = {j.id for jobs in all_jobs.values() for j in jobs}
    try:
        other_ids = {i for s in SCENARIOS for i in other.ids(s)}
    except ClientRequestException as exc:
        # With authentication on, the demo key belongs to the demo project only.
        assert_api_error(exc, 403, "DRS.M00261")
        return
    assert other_ids, "the other project has jobs of its own"
    assert not other_ids & demo_ids, f"demo-project jobs visible in the other project: {sorted(other_ids & demo_ids)[:5]}"
    # Looking the demo project's jobs up by ID from the other project finds nothing either.
    some = sorted(demo_ids)[:3]
    for scenario in SCENARIOS:
        assert other.ids(scenario, name=",".join(some)) == []
        assert other.ids(scenario, name=some[0]) == []


def test_the_other_projects_own_key_lists_only_its_own_jobs(demo, make_drs, all_jobs):
    if not (demo.get("other_ak") and demo.get("other_sk")):
        pytest.skip("demo.json has no key for the other project")
    other = make_drs(demo["other_ak"], demo["other_sk"], demo["other_project_id"])
    other_ids = {i for s in SCENARIOS for i in other.ids(s)}
    demo_ids = {j.id for jobs in all_jobs.values() for j in jobs}
    assert other_ids, "the other project has jobs of its own"
    assert not other_ids & demo_ids
    if demo.get("auth") is True:  # and that key does not open the demo project
        assert_api_error(make_drs(demo["other_ak"], demo["other_sk"], demo["project_id"]).error(db_use_type="migration"), 403, "DRS.M00261")


def test_a_viewer_key_can_list_the_demo_projects_jobs(demo, make_drs, all_jobs):
    if not (demo.get("viewer_ak") and demo.get("viewer_sk")):
        pytest.skip("demo.json has no viewer key")
    viewer = make_drs(demo["viewer_ak"], demo["viewer_sk"], demo["project_id"])
    seen = viewer.ids("migration")
    assert seen, "the viewer sees no migration job"
    everything = [j.id for j in all_jobs["migration"]]
    assert seen == [i for i in everything if i in set(seen)], "the viewer's list is a newest-first part of the admin's"
