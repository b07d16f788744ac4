"""The v5 tag APIs through the official SDK's v5 DrsClient, checked against the v3 list's `tags` filter.

The demo jobs carry `env`, `team` and `cost-center` tags, which other tests read: these tests add and remove
only keys starting with `sdk-tags-`, and remove them again at the end.
"""

from __future__ import annotations

import warnings

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkdrs.v5 import (
    BatchAddTagReq,
    BatchCreateTagsRequest,
    BatchDealResourceTagReq,
    BatchDeleteTagReq,
    BatchDeleteTagsRequest,
    BatchResourceTag,
    BatchTagActionRequest,
    CountInstanceByTagsRequest,
    DrsClient,
    ListInstanceByTagsRequest,
    ListInstanceTagsRequest,
    ListProjectTagsRequest,
    ListTagsRequest,
    QueryInstanceByTagReq,
    ShowInstanceTagsRequest,
    Tag,
    TagMatch,
)

from drs_helpers import CJK_RE, assert_api_error

PREFIX = "sdk-tags-"


def v5_client(endpoint: str, ak: str, sk: str, project_id: str) -> DrsClient:
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


@pytest.fixture(scope="module")
def v5(demo, demo_keys):
    return v5_client(demo["endpoint"], *demo_keys, demo["project_id"])


@pytest.fixture(scope="module")
def live_jobs(drs):
    """Three live migration jobs (not deleted) to tag; `_cleanup` removes their test tags after each test."""
    jobs = [j for j in drs.all("migration") if j.status != "DELETED"][:3]
    assert len(jobs) == 3
    return jobs


@pytest.fixture(autouse=True)
def _cleanup(v5, live_jobs):
    yield
    for job in live_jobs:
        keys = [t.key for t in tags_of(v5, job.id) if t.key.startswith(PREFIX)]
        if keys:
            v5.batch_delete_tags(
                BatchDeleteTagsRequest(
                    resource_type="migration",
                    resource_id=job.id,
                    body=BatchDeleteTagReq(tags=[BatchResourceTag(key=k) for k in keys]),
                )
            )


def tags_of(v5, job_id: str, resource_type: str = "migration"):
    return v5.list_instance_tags(ListInstanceTagsRequest(resource_type=resource_type, resource_id=job_id)).tags or []


def as_dict(tags) -> dict:
    return {t.key: t.value for t in tags}


def create(v5, job_id: str, x_language: str | None = None, **tags):
    return v5.batch_create_tags(
        BatchCreateTagsRequest(
            resource_type="migration",
            resource_id=job_id,
            x_language=x_language,
            body=BatchAddTagReq(tags=[BatchResourceTag(key=k, value=v) for k, v in tags.items()]),
        )
    )


def filter_ids(v5, resource_type: str = "migration", limit=None, offset=None, **body) -> list[str]:
    resp = v5.list_instance_by_tags(
        ListInstanceByTagsRequest(
            resource_type=resource_type, limit=limit, offset=offset, body=QueryInstanceByTagReq(**body)
        )
    )
    return [r.resource_id for r in resp.resources or []]


def count(v5, resource_type: str = "migration", **body) -> int:
    return v5.count_instance_by_tags(
        CountInstanceByTagsRequest(resource_type=resource_type, body=QueryInstanceByTagReq(**body))
    ).total_count


def test_created_tags_are_read_back_through_both_tag_paths_and_a_value_is_replaced(v5, live_jobs):
    job = live_jobs[0]
    resp = create(v5, job.id, **{PREFIX + "owner": "alice", PREFIX + "环境": "生产"})
    assert resp.status_code == 204
    assert as_dict(tags_of(v5, job.id))[PREFIX + "owner"] == "alice"
    create(v5, job.id, **{PREFIX + "owner": "bob"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = v5.show_instance_tags(ShowInstanceTagsRequest(resource_type="migration", job_id=job.id))
    mine = {k: v for k, v in as_dict(old.tags).items() if k.startswith(PREFIX)}
    assert mine == {PREFIX + "owner": "bob", PREFIX + "环境": "生产"}


def test_deleting_with_a_value_removes_only_a_matching_tag_and_absent_keys_are_no_error(v5, live_jobs):
    job = live_jobs[1]
    create(v5, job.id, **{PREFIX + "a": "1", PREFIX + "b": "2"})
    resp = v5.batch_delete_tags(
        BatchDeleteTagsRequest(
            resource_type="migration",
            resource_id=job.id,
            body=BatchDeleteTagReq(
                tags=[
                    BatchResourceTag(key=PREFIX + "a", value="not-1"),
                    BatchResourceTag(key=PREFIX + "b"),
                    BatchResourceTag(key=PREFIX + "never-there"),
                ]
            ),
        )
    )
    assert resp.status_code == 204
    mine = {k: v for k, v in as_dict(tags_of(v5, job.id)).items() if k.startswith(PREFIX)}
    assert mine == {PREFIX + "a": "1"}


def test_the_deprecated_tag_action_creates_and_deletes_tags(v5, live_jobs):
    job = live_jobs[2]

    def action(name, **tags):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return v5.batch_tag_action(
                BatchTagActionRequest(
                    resource_type="migration",
                    job_id=job.id,
                    body=BatchDealResourceTagReq(
                        action=name, tags=[BatchResourceTag(key=k, value=v) for k, v in tags.items()]
                    ),
                )
            )

    assert action("create", **{PREFIX + "via-action": "x"}).status_code == 204
    assert as_dict(tags_of(v5, job.id))[PREFIX + "via-action"] == "x"
    assert action("delete", **{PREFIX + "via-action": None}).status_code == 204
    assert PREFIX + "via-action" not in as_dict(tags_of(v5, job.id))
    with pytest.raises(ClientRequestException) as info:
        action("rename", **{PREFIX + "via-action": "x"})
    assert_api_error(info.value, 400, "DRS.M00202")


def test_project_tags_list_every_key_with_its_values_by_both_paths(v5, live_jobs, drs):
    create(v5, live_jobs[0].id, **{PREFIX + "p": "one"})
    create(v5, live_jobs[1].id, **{PREFIX + "p": "two"})
    resp = v5.list_tags(ListTagsRequest(resource_type="migration"))
    by_key = {t.key: t.values for t in resp.tags}
    assert by_key[PREFIX + "p"] == ["one", "two"]
    assert "env" in by_key and set(by_key["env"]) <= {"prod", "test", "dev"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = v5.list_project_tags(ListProjectTagsRequest(resource_type="migration"))
    assert [(t.key, t.values) for t in old.tags] == [(t.key, t.values) for t in resp.tags]
    assert v5.list_tags(ListTagsRequest(resource_type="subscription")).tags == []


@pytest.mark.parametrize("scenario", ["migration", "sync", "cloudDataGuard"])
def test_the_filter_finds_the_same_jobs_in_the_same_order_as_the_v3_list_tags_filter(v5, drs, scenario):
    for tags in ({"env": "prod"}, {"env": "test", "team": "db"}, {"team": "payments"}):
        v3 = drs.ids(scenario, tags=tags)
        v5_ids = filter_ids(v5, scenario, tags=[Tag(key=k, values=[v]) for k, v in tags.items()])
        assert v5_ids == v3, f"{scenario} {tags}"
        assert count(v5, scenario, tags=[Tag(key=k, values=[v]) for k, v in tags.items()]) == len(v3)


def test_values_of_one_key_are_alternatives_and_names_match_case_insensitively(v5, drs):
    prod, test = drs.ids("sync", tags={"env": "prod"}), drs.ids("sync", tags={"env": "test"})
    either = filter_ids(v5, "sync", tags=[Tag(key="env", values=["prod", "test"])])
    assert sorted(either) == sorted(prod + test)
    has_env = filter_ids(v5, "sync", tags=[Tag(key="env", values=[])])
    assert set(either) <= set(has_env)
    untagged = filter_ids(v5, "sync", without_any_tag=True)
    assert not set(untagged) & set(has_env)
    name = drs.all("sync")[0].name
    found = filter_ids(v5, "sync", matches=[TagMatch(key="resource_name", value=name.upper())])
    assert drs.all("sync")[0].id in found


def test_the_filter_pages_with_limit_and_offset(v5, drs):
    everything = filter_ids(v5, "migration", tags=[Tag(key="env", values=[])])
    assert filter_ids(v5, "migration", limit=3, offset=2, tags=[Tag(key="env", values=[])]) == everything[2:5]
    with pytest.raises(ClientRequestException) as info:
        filter_ids(v5, "migration", limit=1001)
    assert_api_error(info.value, 400, "DRS.M00202")
    assert "limit" in info.value.error_msg


def test_invalid_tags_are_refused_with_their_own_codes_in_both_languages(v5, live_jobs):
    job = live_jobs[0]
    cases = [
        ([BatchResourceTag(key=PREFIX + "d", value="1"), BatchResourceTag(key=PREFIX + "d", value="2")], "DRS.M00269"),
        ([BatchResourceTag(key=PREFIX + "k" * 130, value="v")], "DRS.M00270"),
        ([BatchResourceTag(key=PREFIX + "a/b", value="v")], "DRS.M00202"),
        ([BatchResourceTag(key=f"{PREFIX}{i}", value="v") for i in range(21)], "DRS.M00271"),
    ]
    for tags, code in cases:
        for lang in ("en-us", "zh-cn"):
            with pytest.raises(ClientRequestException) as info:
                v5.batch_create_tags(
                    BatchCreateTagsRequest(
                        resource_type="migration", resource_id=job.id, x_language=lang, body=BatchAddTagReq(tags=tags)
                    )
                )
            assert_api_error(info.value, 400, code)
            assert bool(CJK_RE.search(info.value.error_msg)) == (lang == "zh-cn"), info.value.error_msg


def test_an_unknown_or_deleted_job_and_an_unknown_resource_type_are_refused(v5, drs):
    deleted = drs.ids("migration", status="DELETED")
    assert deleted
    for job_id in ("00000000-0000-0000-0000-00000000dead", deleted[0]):
        with pytest.raises(ClientRequestException) as info:
            create(v5, job_id, **{PREFIX + "x": "y"})
        assert_api_error(info.value, 400, "DRS.M05003")
        with pytest.raises(ClientRequestException) as info:
            tags_of(v5, job_id)
        assert_api_error(info.value, 400, "DRS.M05003")
    with pytest.raises(ClientRequestException) as info:
        v5.list_tags(ListTagsRequest(resource_type="vm"))
    assert_api_error(info.value, 400, "DRS.M00202")


def test_a_viewer_may_read_tags_but_every_write_is_refused(demo, live_jobs):
    if not (demo.get("viewer_ak") and demo.get("viewer_sk")):
        pytest.skip("demo.json has no viewer key")
    viewer = v5_client(demo["endpoint"], demo["viewer_ak"], demo["viewer_sk"], demo["project_id"])
    job = live_jobs[0]
    assert isinstance(tags_of(viewer, job.id), list)
    with pytest.raises(ClientRequestException) as info:
        create(viewer, job.id, **{PREFIX + "x": "y"})
    assert_api_error(info.value, 403, "DRS.M00102")
