"""Errors reach the SDK as ClientRequestException with status, code, message and request ID."""

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from drs_helpers import CJK_RE, assert_api_error


def test_per_page_over_one_hundred_is_a_400_m00210(drs):
    exc = drs.error(cur_page=1, per_page=101, db_use_type="migration")
    assert isinstance(exc, ClientRequestException)
    assert_api_error(exc, 400, "DRS.M00210")
    assert not CJK_RE.search(exc.error_msg), f"English is the default language: {exc.error_msg!r}"


def test_an_unknown_db_use_type_is_a_400_m00202(drs):
    exc = drs.error(cur_page=1, per_page=10, db_use_type="nope")
    assert_api_error(exc, 400, "DRS.M00202")
    assert "db_use_type" in exc.error_msg, f"the message names the field: {exc.error_msg!r}"


@pytest.mark.parametrize("db_use_type", [None, ""], ids=["absent", "empty"])
def test_a_missing_db_use_type_is_a_400_m00201(drs, db_use_type):
    exc = drs.error(cur_page=1, per_page=10, db_use_type=db_use_type)
    assert_api_error(exc, 400, "DRS.M00201")


@pytest.mark.parametrize(
    "field, value",
    [("status", "RUNNING"), ("net_type", "lan"), ("engine_type", "no-such-engine"), ("status", "deleted")],
)
def test_an_invalid_enumeration_value_is_a_400_m00202(drs, field, value):
    exc = drs.error(db_use_type="migration", **{field: value})
    assert_api_error(exc, 400, "DRS.M00202")


@pytest.mark.parametrize(
    "body, code",
    [
        ({"cur_page": 1, "per_page": 101, "db_use_type": "migration"}, "DRS.M00210"),
        ({"cur_page": 1, "per_page": 10, "db_use_type": "nope"}, "DRS.M00202"),
    ],
    ids=["per_page-101", "db_use_type-nope"],
)
def test_errors_in_zh_cn_are_chinese_and_keep_their_code(drs, body, code):
    english = drs.error(x_language="en-us", **body)
    chinese = drs.error(x_language="zh-cn", **body)
    assert_api_error(english, 400, code)
    assert_api_error(chinese, 400, code)
    assert CJK_RE.search(chinese.error_msg), f"zh-cn message has no Chinese: {chinese.error_msg!r}"
    assert not CJK_RE.search(english.error_msg), f"en-us message has Chinese: {english.error_msg!r}"


def test_an_unknown_language_is_a_400_m00202_in_english(drs):
    exc = drs.error(x_language="fr-fr", cur_page=1, per_page=10, db_use_type="migration")
    assert_api_error(exc, 400, "DRS.M00202")
    assert not CJK_RE.search(exc.error_msg)


def test_a_chinese_request_that_succeeds_is_not_affected(drs, all_jobs):
    resp = drs.query(x_language="zh-cn", cur_page=1, per_page=10, db_use_type="migration")
    assert [j.id for j in resp.jobs] == [j.id for j in all_jobs["migration"][:10]]


@pytest.mark.parametrize("wrong", ["sk", "ak"])
def test_a_wrong_key_is_a_401_apigw_0301_when_authentication_is_on(demo, make_drs, wrong):
    if demo.get("auth") is not True:
        pytest.skip("authentication not enabled in this build")
    ak = demo["ak"] + ("X" if wrong == "ak" else "")
    sk = demo["sk"][:-1] + ("0" if demo["sk"][-1] != "0" else "1") if wrong == "sk" else demo["sk"]
    assert (ak, sk) != (demo["ak"], demo["sk"])
    bad = make_drs(ak, sk, demo["project_id"])
    exc = bad.error(cur_page=1, per_page=10, db_use_type="migration")
    assert_api_error(exc, 401, "APIGW.0301")


def test_a_known_field_of_the_wrong_json_type_is_a_400_m00202_naming_it(drs):
    # The SDK does not check types, so a string reaches the server as a JSON string.
    exc = drs.error(cur_page=1, per_page="10", db_use_type="migration")
    assert_api_error(exc, 400, "DRS.M00202")
    assert "per_page" in exc.error_msg, exc.error_msg
