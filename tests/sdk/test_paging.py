"""Paging: pages concatenate to the all-items answer, pages past the end are empty, bad page values fail."""

import math

import pytest

from drs_helpers import SCENARIOS, assert_api_error

PAGE = 7


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_walking_pages_of_seven_gives_exactly_the_all_items_list_in_order(drs, all_jobs, scenario):
    expected = [j.id for j in all_jobs[scenario]]
    total = len(expected)
    pages = math.ceil(total / PAGE)
    walked, totals, sizes = [], set(), []
    for page in range(1, pages + 1):
        resp = drs.query(cur_page=page, per_page=PAGE, db_use_type=scenario)
        totals.add(resp.total_record)
        sizes.append(len(resp.jobs))
        walked.extend(j.id for j in resp.jobs)

    assert totals == {total}, f"total_record changed between pages or differs from all-items ({total}): {totals}"
    assert len(walked) == len(set(walked)), "a job appeared on two pages"
    assert walked == expected
    assert all(size == PAGE for size in sizes[:-1]) and 1 <= sizes[-1] <= PAGE, sizes


def test_a_page_past_the_end_is_empty_and_keeps_the_true_total(drs, all_jobs):
    total = len(all_jobs["migration"])
    past = math.ceil(total / PAGE) + 1
    resp = drs.query(cur_page=past, per_page=PAGE, db_use_type="migration")
    assert resp.status_code == 200
    assert resp.jobs == []
    assert resp.total_record == total


def test_per_page_zero_on_page_one_also_returns_every_match(drs, all_jobs):
    resp = drs.query(cur_page=1, per_page=0, db_use_type="sync")
    assert [j.id for j in resp.jobs] == [j.id for j in all_jobs["sync"]]
    assert resp.total_record == len(all_jobs["sync"])


def test_per_page_one_hundred_is_the_largest_page(drs, all_jobs):
    resp = drs.query(cur_page=1, per_page=100, db_use_type="migration")
    assert [j.id for j in resp.jobs] == [j.id for j in all_jobs["migration"][:100]]


@pytest.mark.parametrize(
    "page",
    [
        pytest.param({"per_page": 101}, id="per_page-101"),
        pytest.param({"per_page": -1}, id="per_page-negative"),
        pytest.param({"cur_page": -1}, id="cur_page-negative"),
        pytest.param({"cur_page": 2, "per_page": 0}, id="per_page-0-beyond-page-1"),
    ],
)
def test_an_out_of_range_page_value_is_rejected_with_m00210(drs, page):
    exc = drs.error(db_use_type="migration", **page)
    assert_api_error(exc, 400, "DRS.M00210")
