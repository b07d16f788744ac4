"""Filters: each one selects exactly the jobs of the server's own all-items answer that match it."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import SdkException
from huaweicloudsdkdrs.v3 import BatchListJobDetailsRequest, BatchQueryJobReqPage, PageReq

from drs_helpers import NET_TYPES, SCENARIOS, STATUSES, assert_api_error


def ids_of(jobs):
    return [j.id for j in jobs]


def matching(jobs, predicate):
    """The IDs of the jobs that satisfy `predicate`, in the all-items order."""
    return [j.id for j in jobs if predicate(j)]


def mismatch_report(mismatches):
    return "\n".join(f"{what}: expected {len(exp)} {exp[:5]}..., got {len(got)} {got[:5]}..." for what, exp, got in mismatches)


# --- status, engine_type, net_type -------------------------------------------------------------------


def test_the_status_filter_returns_exactly_the_jobs_in_that_status(drs, all_jobs):
    mismatches = []
    for scenario in SCENARIOS:
        for status in STATUSES:
            if status == "DELETED":
                continue  # hidden from all-items; see test_deleted_jobs_*
            expected = matching(all_jobs[scenario], lambda j: j.status == status)
            got = drs.ids(scenario, status=status)
            if got != expected:
                mismatches.append((f"{scenario} status={status}", expected, got))
    assert not mismatches, mismatch_report(mismatches)


def test_the_engine_type_filter_returns_exactly_the_jobs_of_that_engine(drs, all_jobs):
    mismatches, engines = [], set()
    for scenario in SCENARIOS:
        for engine in sorted({j.engine_type for j in all_jobs[scenario]}):
            engines.add(engine)
            expected = matching(all_jobs[scenario], lambda j: j.engine_type == engine)
            got = drs.ids(scenario, engine_type=engine)
            if got != expected:
                mismatches.append((f"{scenario} engine_type={engine}", expected, got))
    assert not mismatches, mismatch_report(mismatches)
    assert len(engines) >= 3, f"the demo data should cover many engine types, saw {sorted(engines)}"


def test_the_net_type_filter_returns_exactly_the_jobs_on_that_network(drs, all_jobs):
    mismatches, seen = [], set()
    for scenario in SCENARIOS:
        for net in NET_TYPES:
            expected = matching(all_jobs[scenario], lambda j: j.net_type == net)
            got = drs.ids(scenario, net_type=net)
            seen.update([net] if got else [])
            if got != expected:
                mismatches.append((f"{scenario} net_type={net}", expected, got))
    assert not mismatches, mismatch_report(mismatches)
    assert seen == set(NET_TYPES), f"demo data should use every net type, listed only {sorted(seen)}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_net_type_totals_add_up_to_the_unfiltered_total(drs, scenario):
    unfiltered = drs.query(cur_page=1, per_page=1, db_use_type=scenario).total_record
    per_net = {net: drs.query(cur_page=1, per_page=1, db_use_type=scenario, net_type=net).total_record for net in NET_TYPES}
    assert sum(per_net.values()) == unfiltered, f"{per_net} vs unfiltered {unfiltered}"


def test_filters_combine_with_and(drs, all_jobs):
    jobs = all_jobs["migration"]
    # the most common (net_type, status) pair, so that the combination is not empty
    pairs = {}
    for j in jobs:
        pairs[(j.net_type, j.status)] = pairs.get((j.net_type, j.status), 0) + 1
    net, status = max(pairs, key=pairs.get)
    expected = matching(jobs, lambda j: j.net_type == net and j.status == status)
    assert drs.ids("migration", net_type=net, status=status) == expected


@pytest.mark.parametrize("field", ["status", "net_type", "engine_type"])
def test_an_empty_string_filter_means_no_filter(drs, all_jobs, field):
    assert drs.ids("cloudDataGuard", **{field: ""}) == ids_of(all_jobs["cloudDataGuard"])


# --- name ----------------------------------------------------------------------------------------------


def _cased_fragment(name: str):
    """A short inner piece of `name` that has a cased letter, with its letter case inverted; None if none."""
    for size in (6, 5, 4, 3):
        for start in range(1, max(1, len(name) - size) + 1):
            piece = name[start:start + size]
            if len(piece) == size and piece.swapcase() != piece:
                return piece.swapcase()
    return None


def name_or_id_matches(value: str):
    folded = value.casefold()
    return lambda j: folded in j.name.casefold() or j.id == value


def test_the_name_filter_is_a_case_insensitive_substring_of_the_name(drs, all_jobs):
    jobs = all_jobs["migration"]
    # a job from the middle of the list, so that the answer is not simply the first page
    candidates = jobs[len(jobs) // 2:] + jobs[: len(jobs) // 2]
    job, fragment = next(((j, f) for j in candidates if (f := _cased_fragment(j.name))), (None, None))
    assert job is not None, "no migration job has a name with letters in it"
    assert fragment not in job.name, "the fragment must differ from the name in letter case"

    got = drs.ids("migration", name=fragment)
    assert job.id in got, f"name={fragment!r} did not find job {job.id} named {job.name!r}"
    assert got == matching(jobs, name_or_id_matches(fragment))


@pytest.mark.parametrize("literal", ["%", "_", "\\"])
def test_like_wildcards_in_the_name_filter_are_literal_characters(drs, all_jobs, literal):
    jobs = all_jobs["migration"]
    expected = matching(jobs, lambda j: literal in j.name)
    got = drs.ids("migration", name=literal)
    assert got == expected, f"name={literal!r} returned {len(got)} jobs, expected {len(expected)} (names containing it)"


def test_the_name_filter_finds_a_job_by_its_exact_id(drs, all_jobs):
    jobs = all_jobs["sync"]
    job = jobs[len(jobs) // 2]
    resp = drs.query(cur_page=1, per_page=10, db_use_type="sync", name=job.id)
    assert ids_of(resp.jobs) == matching(jobs, name_or_id_matches(job.id))
    assert job.id in ids_of(resp.jobs)
    assert resp.total_record == len(resp.jobs)


def test_the_name_filter_is_trimmed(drs, all_jobs):
    job = all_jobs["sync"][-1]
    assert drs.ids("sync", name=f"  {job.id}\t ") == drs.ids("sync", name=job.id)
    assert job.id in drs.ids("sync", name=f"  {job.id}\t ")


def test_a_comma_separated_name_is_a_list_of_exact_ids(drs, all_jobs):
    jobs = all_jobs["migration"]
    chosen = [jobs[-1], jobs[0], jobs[len(jobs) // 2]]  # deliberately not in list order
    resp = drs.query(cur_page=0, db_use_type="migration", name=",".join(j.id for j in chosen))
    chosen_ids = {j.id for j in chosen}
    assert ids_of(resp.jobs) == [j.id for j in jobs if j.id in chosen_ids], "the three jobs, newest first"
    assert resp.total_record == 3


# --- tags ------------------------------------------------------------------------------------------------


def _team_of_some_job(drs, job_ids):
    """A `team` tag value of one of these jobs, read through batch-detail if this build serves it; else None."""
    try:
        resp = drs.client.batch_list_job_details(
            BatchListJobDetailsRequest(
                body=BatchQueryJobReqPage(jobs=job_ids[:10], page_req=PageReq(cur_page=1, per_page=10))
            )
        )
    except SdkException:
        return None
    for result in resp.results or []:
        for tag in result.tags or []:
            if tag.key == "team" and tag.value:
                return tag.value
    return None


@pytest.fixture(scope="module")
def prod(drs, all_jobs):
    """(scenario, ids) of the env=prod jobs in the first scenario that has some."""
    for scenario in SCENARIOS:
        ids = drs.ids(scenario, tags={"env": "prod"})
        if ids:
            return scenario, ids
    pytest.fail("no scenario has a job tagged env=prod")


def test_a_tag_filter_selects_a_non_empty_strict_subset(all_jobs, prod):
    scenario, prod_ids = prod
    everything = ids_of(all_jobs[scenario])
    assert set(prod_ids) < set(everything), f"env=prod should be a strict subset of all {scenario} jobs"
    assert prod_ids == [i for i in everything if i in set(prod_ids)], "tag-filtered jobs keep the newest-first order"


def test_jobs_carry_one_value_per_tag_key(drs, prod):
    scenario, prod_ids = prod
    for other in ("test", "dev"):
        overlap = set(prod_ids) & set(drs.ids(scenario, tags={"env": other}))
        assert not overlap, f"jobs tagged both env=prod and env={other}: {sorted(overlap)[:5]}"


def test_tag_pairs_are_anded(drs, prod):
    scenario, prod_ids = prod
    # A pair nobody has must empty the result: with OR it would leave the env=prod jobs.
    assert drs.ids(scenario, tags={"env": "prod", "team": "no-such-team-0c9f"}) == []

    team = _team_of_some_job(drs, prod_ids)
    if team is not None:  # a real team value of an env=prod job: the map form must AND-narrow to it
        both = drs.ids(scenario, tags={"env": "prod", "team": team})
        team_ids = drs.ids(scenario, tags={"team": team})
        assert both, f"env=prod AND team={team} found nothing although a prod job has team={team}"
        assert set(both) == set(prod_ids) & set(team_ids)
    else:  # no batch-detail yet: narrow by the key alone with the legacy array form
        both = drs.ids(scenario, tags=[{"key": "env", "value": "prod"}, {"key": "team"}])
        has_team = drs.ids(scenario, tags=[{"key": "team"}])
        assert has_team, "some jobs carry a `team` tag"
        assert set(both) == set(prod_ids) & set(has_team)
    assert set(both) <= set(prod_ids)


def test_the_legacy_tag_array_filters_like_the_map(drs, prod):
    scenario, prod_ids = prod
    assert drs.ids(scenario, tags=[{"key": "env", "value": "prod"}]) == prod_ids


# --- scenarios, deleted jobs, enterprise projects ------------------------------------------------------------


def test_all_three_scenarios_list_only_their_own_jobs(all_jobs):
    for scenario in SCENARIOS:
        assert all_jobs[scenario], f"no {scenario} jobs"
        assert {j.db_use_type for j in all_jobs[scenario]} == {scenario}


def test_deleted_jobs_are_listed_only_when_asked_for(drs, all_jobs):
    listed = {j.id for jobs in all_jobs.values() for j in jobs}
    deleted = {}
    for scenario in SCENARIOS:
        jobs = drs.all(scenario, status="DELETED")
        assert {j.status for j in jobs} <= {"DELETED"}
        deleted.update((j.id, scenario) for j in jobs)
    assert deleted, "the demo data has DELETED jobs"
    assert not listed & set(deleted), "DELETED jobs appear in the default list"


def test_the_demo_project_has_jobs_in_every_status(drs, all_jobs):
    seen = {j.status for jobs in all_jobs.values() for j in jobs}
    seen |= {c.status for jobs in all_jobs.values() for j in jobs for c in (j.children or [])}
    if any(drs.query(cur_page=1, per_page=1, db_use_type=s, status="DELETED").total_record for s in SCENARIOS):
        seen.add("DELETED")
    assert not set(STATUSES) - seen, f"statuses with no job: {sorted(set(STATUSES) - seen)}"


def test_the_default_enterprise_project_is_a_non_empty_strict_subset(drs, all_jobs):
    in_default, everything = set(), set()
    for scenario in SCENARIOS:
        ep_ids = drs.ids(scenario, enterprise_project_id="0")
        listed = ids_of(all_jobs[scenario])
        assert ep_ids == [i for i in listed if i in set(ep_ids)], f"{scenario}: not a subset in list order"
        in_default.update(ep_ids)
        everything.update(listed)
    assert in_default, "no job in enterprise project 0"
    assert in_default < everything, "every job is in enterprise project 0, the demo data has others too"


def test_an_unknown_enterprise_project_gives_an_empty_page(drs):
    resp = drs.query(cur_page=1, per_page=10, db_use_type="migration", enterprise_project_id="no-such-ep-7f3a")
    assert resp.jobs == [] and resp.total_record == 0


def test_an_empty_enterprise_project_id_is_invalid(drs):
    assert_api_error(drs.error(db_use_type="migration", enterprise_project_id=""), 400, "DRS.M00202")


def test_a_name_list_of_one_hundred_ids_is_accepted_and_one_more_is_rejected(drs, all_jobs):
    real = ids_of(all_jobs["migration"])[:3]
    padding = [f"00000000-0000-0000-0000-{i:07d}jb00" for i in range(97)]
    hundred = real + padding
    assert ids_of(drs.query(cur_page=0, db_use_type="migration", name=",".join(hundred)).jobs) == real
    exc = drs.error(cur_page=0, db_use_type="migration", name=",".join(hundred + ["00000000-0000-0000-0000-0000000xx000"]))
    assert_api_error(exc, 400, "DRS.M00202")
