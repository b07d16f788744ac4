"""Subtasks live only inside their parents; one project never sees another project's jobs."""

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
