use super::*;
use proptest::prelude::*;

fn tag(key: &str, value: Option<&str>) -> BatchResourceTag {
    BatchResourceTag {
        key: Some(key.into()),
        value: value.map(str::to_string),
    }
}

fn scope() -> TagScope {
    TagScope {
        db_use_type: DbUseType::Sync,
        enterprise_projects: None,
    }
}

#[test]
fn keys_of_letters_of_any_language_digits_and_the_allowed_signs_are_valid() {
    for key in [
        "env",
        "a b",
        "x_y.z:w=v+u-t@s",
        "环境",
        "Ключ1",
        &"k".repeat(128),
    ] {
        assert_eq!(validate_key(key), Ok(()), "{key:?}");
    }
}

#[test]
fn a_key_that_is_empty_too_long_or_badly_formed_is_refused_with_its_own_code() {
    assert_eq!(validate_key("").map_err(|e| e.code()), Err("DRS.M00201"));
    assert_eq!(validate_key(&"k".repeat(129)), Err(Error::TagTooLong));
    assert_eq!(validate_key(&"键".repeat(129)), Err(Error::TagTooLong));
    for key in [" env", "env ", "_sys_x", "a/b", "a,b", "a\tb", "a*"] {
        assert_eq!(
            validate_key(key),
            Err(Error::invalid("tags.key")),
            "{key:?}"
        );
    }
}

#[test]
fn a_value_may_be_empty_but_not_longer_than_255_characters_or_badly_formed() {
    assert_eq!(validate_value(""), Ok(()));
    assert_eq!(validate_value(&"v".repeat(255)), Ok(()));
    assert_eq!(validate_value(" padded "), Ok(()));
    assert_eq!(validate_value(&"v".repeat(256)), Err(Error::TagTooLong));
    assert_eq!(validate_value("a/b"), Err(Error::invalid("tags.value")));
}

#[test]
fn a_create_needs_one_to_twenty_tags_each_with_a_value_and_no_key_twice() {
    assert_eq!(validate_create(None), Err(Error::empty("tags")));
    assert_eq!(validate_create(Some(&[])), Err(Error::empty("tags")));
    let many: Vec<_> = (0..21).map(|i| tag(&format!("k{i}"), Some("v"))).collect();
    assert_eq!(
        validate_create(Some(&many)),
        Err(Error::TooManyTags { max: 20 })
    );
    assert_eq!(validate_create(Some(&many[..20])).map(|t| t.len()), Ok(20));
    assert_eq!(
        validate_create(Some(&[tag("k", None)])),
        Err(Error::empty("tags.value"))
    );
    assert_eq!(
        validate_create(Some(&[tag("k", Some("1")), tag("k", Some("2"))])),
        Err(Error::TagKeyDuplicate)
    );
    assert_eq!(
        validate_create(Some(&[tag("k", Some(""))])),
        Ok(vec![("k".into(), String::new())])
    );
}

#[test]
fn a_delete_may_omit_values_and_only_checks_their_length() {
    assert_eq!(
        validate_delete(Some(&[tag("a", None), tag("b", Some("x/y"))])),
        Ok(vec![("a".into(), None), ("b".into(), Some("x/y".into()))])
    );
    assert_eq!(
        validate_delete(Some(&[tag("a", Some(&"v".repeat(256)))])),
        Err(Error::TagTooLong)
    );
    assert_eq!(
        validate_delete(Some(&[tag("a", None), tag("a", Some("v"))])),
        Err(Error::TagKeyDuplicate)
    );
}

#[test]
fn the_deprecated_action_is_create_or_delete_exactly() {
    let req = |action: Option<&str>| BatchDealResourceTagReq {
        action: action.map(str::to_string),
        tags: Some(vec![tag("k", Some("v"))]),
    };
    assert_eq!(
        req(Some("create")).validate(),
        Ok(TagChange::Create(vec![("k".into(), "v".into())]))
    );
    assert_eq!(
        req(Some("delete")).validate(),
        Ok(TagChange::Delete(vec![("k".into(), Some("v".into()))]))
    );
    assert_eq!(req(None).validate(), Err(Error::empty("action")));
    assert_eq!(
        req(Some("Create")).validate().map_err(|e| e.code()),
        Err("DRS.M00202")
    );
}

#[test]
fn every_documented_resource_type_parses_and_only_three_have_jobs() {
    let with_jobs: Vec<_> = RESOURCE_TYPES
        .iter()
        .filter_map(|t| ResourceType::parse(t).ok()?.db_use_type())
        .collect();
    assert_eq!(with_jobs, DbUseType::ALL.to_vec());
    assert_eq!(
        ResourceType::parse("jobs").map_err(|e| e.code()),
        Err("DRS.M00202")
    );
}

#[test]
fn the_window_defaults_to_the_first_thousand_and_names_a_bad_parameter() {
    assert_eq!(
        window(None),
        Ok(Window {
            offset: 0,
            limit: 1000
        })
    );
    assert_eq!(
        window(Some("limit=5&offset=10")),
        Ok(Window {
            offset: 10,
            limit: 5
        })
    );
    for (q, field) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=-1", "limit"),
        ("limit=x", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
    ] {
        assert!(
            matches!(window(Some(q)), Err(Error::InvalidParam { field: f, reason: Some(_) }) if f == field),
            "{q}"
        );
    }
}

#[test]
fn a_filter_keeps_every_key_sorts_its_values_and_ignores_tags_without_any_tag() {
    let req = QueryInstanceByTagReq {
        without_any_tag: None,
        tags: Some(vec![
            TagValues {
                key: Some("team".into()),
                values: Some(vec!["db".into(), "api".into(), "db".into()]),
            },
            TagValues {
                key: Some("env".into()),
                values: None,
            },
        ]),
        matches: Some(vec![TagMatch {
            key: Some("resource_name".into()),
            value: Some("Prod".into()),
        }]),
    };
    let q = req.validate(scope()).expect("valid");
    assert_eq!(
        q.tags,
        vec![
            ("env".into(), vec![]),
            ("team".into(), vec!["api".into(), "db".into()])
        ]
    );
    assert_eq!(q.name_contains, vec!["prod".to_string()]);
    let none = QueryInstanceByTagReq {
        without_any_tag: Some(true),
        ..req
    };
    let q = none.validate(scope()).expect("valid");
    assert!(q.without_any_tag && q.tags.is_empty());
}

#[test]
fn a_filter_refuses_unknown_match_keys_duplicate_keys_and_too_many_items() {
    let matches = QueryInstanceByTagReq {
        matches: Some(vec![TagMatch {
            key: Some("resource_id".into()),
            value: Some("x".into()),
        }]),
        ..Default::default()
    };
    assert_eq!(
        matches.validate(scope()).map_err(|e| e.code()),
        Err("DRS.M00202")
    );
    let dup = QueryInstanceByTagReq {
        tags: Some(vec![
            TagValues {
                key: Some("k".into()),
                values: None,
            },
            TagValues {
                key: Some("k".into()),
                values: Some(vec!["v".into()]),
            },
        ]),
        ..Default::default()
    };
    assert_eq!(dup.validate(scope()), Err(Error::TagKeyDuplicate));
    let many = QueryInstanceByTagReq {
        tags: Some(
            (0..21)
                .map(|i| TagValues {
                    key: Some(format!("k{i}")),
                    values: None,
                })
                .collect(),
        ),
        ..Default::default()
    };
    assert_eq!(
        many.validate(scope()),
        Err(Error::invalid_with("tags", Reason::TooMany(20)))
    );
}

#[test]
fn a_scope_admits_only_live_jobs_of_its_type_in_the_callers_enterprise_projects() {
    let limited = TagScope {
        db_use_type: DbUseType::Migration,
        enterprise_projects: Some(vec!["e1".into()]),
    };
    assert!(limited.admits("migration", "CONFIGURATION", "e1"));
    assert!(!limited.admits("migration", "CONFIGURATION", "e2"));
    assert!(!limited.admits("migration", "DELETED", "e1"));
    assert!(!limited.admits("sync", "CONFIGURATION", "e1"));
}

#[test]
fn a_create_overflows_only_when_new_keys_pass_twenty() {
    let write = |n: usize| TagWrite {
        job_id: "j".into(),
        scope: scope(),
        change: TagChange::Create((0..n).map(|i| (format!("k{i}"), "v".into())).collect()),
        audit: TagAudit {
            actor: Actor {
                user_id: "u".into(),
                request_id: "r".into(),
            },
            project_id: "p".into(),
            action: AUDIT_CREATE,
            job_id: "j".into(),
            at_ms: 0,
        },
    };
    let existing: Vec<String> = (0..19).map(|i| format!("k{i}")).collect();
    assert!(!write(20).overflows(&existing), "19 replaced, one added");
    let other: Vec<String> = (0..19).map(|i| format!("x{i}")).collect();
    assert!(!write(1).overflows(&other));
    assert!(write(2).overflows(&other));
    let rec = write(1).audit_record(TagWriteResult::TooManyTags);
    assert_eq!(rec.outcome, Outcome::Failure);
    assert_eq!(rec.detail, r#"{"error_code":"DRS.M00271"}"#);
    assert_eq!(rec.job_ids, vec!["j".to_string()]);
}

#[test]
fn project_tags_are_grouped_by_key_in_order() {
    let pairs = vec![
        ("a".to_string(), "1".to_string()),
        ("a".to_string(), "2".to_string()),
        ("b".to_string(), "".to_string()),
    ];
    assert_eq!(
        group_by_key(pairs),
        vec![
            ProjectTag {
                key: "a".into(),
                values: vec!["1".into(), "2".into()]
            },
            ProjectTag {
                key: "b".into(),
                values: vec!["".into()]
            },
        ]
    );
}

proptest! {
    #[test]
    fn any_key_of_allowed_characters_within_the_limits_is_valid(
        key in "[a-zA-Z0-9_.:=+@\u{4e00}-\u{4e10}-][a-zA-Z0-9 _.:=+@\u{4e00}-\u{4e10}-]{0,126}[a-zA-Z0-9_.:=+@-]"
    ) {
        prop_assume!(!key.starts_with("_sys_"));
        prop_assert_eq!(validate_key(&key), Ok(()));
    }

    #[test]
    fn a_key_with_any_other_sign_is_invalid(
        prefix in "[a-z]{0,10}",
        bad in "[/,;!#$%^&*()<>?'\"\\[\\]{}|~`\t]",
        suffix in "[a-z]{0,10}",
    ) {
        let key = format!("{prefix}{bad}{suffix}");
        prop_assert_eq!(validate_key(&key), Err(Error::invalid("tags.key")));
    }

    #[test]
    fn a_create_is_refused_as_duplicate_exactly_when_a_key_repeats(
        keys in proptest::collection::vec("[a-c]{1,2}", 1..=20)
    ) {
        let tags: Vec<_> = keys.iter().map(|k| tag(k, Some("v"))).collect();
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        let result = validate_create(Some(&tags));
        if distinct.len() == keys.len() {
            prop_assert!(result.is_ok());
        } else {
            prop_assert_eq!(result, Err(Error::TagKeyDuplicate));
        }
    }

    #[test]
    fn every_limit_and_offset_in_range_is_accepted(limit in 1u64..=1000, offset in 0u64..u64::MAX) {
        let w = window(Some(&format!("offset={offset}&limit={limit}")));
        prop_assert_eq!(w, Ok(Window { offset, limit }));
    }
}

/// Found by fuzzing (`fuzz/corpus/tag_bodies/crash-not-utf8-in-an-ignored-field`): `value` is
/// not a field of a filter's tag (`values` is), so its bytes were skipped without a UTF-8 check.
#[test]
fn a_tag_body_that_is_not_utf8_is_refused_even_in_an_ignored_field() {
    let mut crash =
        b"{\"action\": \"create\", \"tags\": [{\"key\": \"owner\", \"value\": \"alic".to_vec();
    crash.extend([0xdc; 41]);
    crash.extend(b"e\"}]}");
    let filter = parse_json::<QueryInstanceByTagReq>(&crash);
    assert_eq!(filter.err().map(|e| e.code()), Some("DRS.M00300"));
    let action = parse_json::<BatchDealResourceTagReq>(&crash);
    assert_eq!(action.err().map(|e| e.code()), Some("DRS.M00300"));
}

/// Found by fuzzing the login body (an array where an object belongs was read by position).
#[test]
fn a_tag_given_as_an_array_is_a_wrong_type() {
    let err = parse_json::<BatchTagReq>(br#"{"tags": [["env", "prod"]]}"#).err();
    assert_eq!(err.map(|e| e.code()), Some("DRS.M00202"));
    let err =
        parse_json::<QueryInstanceByTagReq>(br#"{"matches": [["resource_name", "x"]]}"#).err();
    assert_eq!(err.map(|e| e.code()), Some("DRS.M00202"));
}
