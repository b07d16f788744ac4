//! The v5 tag APIs: writes (create, delete, the deprecated action) and their audit trail, the
//! tags of a job, the project's tags, and the resource-instance filter and count — which must
//! find the same jobs as the v3 list's `tags` filter.

use crate::helpers::{job, Answer, Cred, TestApp};
use opendrs_core::{
    enums::{DbUseType, JobStatus},
    job::Job,
};
use serde_json::{json, Value};

fn tagged(id: &str, name: &str, db: DbUseType, at: i64, tags: &[(&str, &str)]) -> Job {
    let mut j = job(id, name, db, JobStatus::Configuration, at);
    j.tags = tags
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    j
}

/// p1: four live migration jobs (one with a child), a deleted one, a sync one, one in e2.
async fn seeded() -> TestApp {
    let app = TestApp::spawn().await;
    let mut parent = tagged(
        "m-parent",
        "Orders-Sync",
        DbUseType::Migration,
        5,
        &[("env", "prod")],
    );
    let mut child = tagged("m-child", "orders-child", DbUseType::Migration, 6, &[]);
    child.status = JobStatus::ChildTransferStarted;
    child.tags = vec![("child-only".into(), "x".into())];
    parent.children = vec![child];
    let mut deleted = tagged(
        "m-deleted",
        "old orders",
        DbUseType::Migration,
        7,
        &[("env", "prod"), ("gone", "yes")],
    );
    deleted.status = JobStatus::Deleted;
    let mut hidden = tagged(
        "m-e2",
        "orders e2",
        DbUseType::Migration,
        8,
        &[("env", "prod")],
    );
    hidden.enterprise_project_id = "e2".into();
    let mut visible = tagged(
        "m-e1",
        "Orders e1",
        DbUseType::Migration,
        9,
        &[("env", "test")],
    );
    visible.enterprise_project_id = "e1".into();
    app.seed(
        &app.p1,
        &[
            tagged(
                "m-1",
                "Payments",
                DbUseType::Migration,
                1,
                &[("env", "prod"), ("team", "db")],
            ),
            tagged(
                "m-2",
                "payments-archive",
                DbUseType::Migration,
                2,
                &[("env", "test"), ("team", "api")],
            ),
            tagged("m-3", "untagged", DbUseType::Migration, 3, &[]),
            parent,
            deleted,
            hidden,
            visible,
            tagged(
                "s-1",
                "sync one",
                DbUseType::Sync,
                4,
                &[("env", "prod"), ("sync-only", "1")],
            ),
        ],
    )
    .await;
    app.seed(
        &app.p2,
        &[tagged(
            "p2-job",
            "other",
            DbUseType::Migration,
            1,
            &[("env", "prod")],
        )],
    )
    .await;
    app
}

impl TestApp {
    fn p1_path(&self, rest: &str) -> String {
        format!("/v5/{}/{rest}", self.p1.project_id())
    }

    async fn tag_post(&self, cred: &Cred, rest: &str, body: Value) -> Answer {
        self.send(
            "POST",
            &self.p1_path(rest),
            cred,
            &[],
            body.to_string().as_bytes(),
        )
        .await
    }

    async fn tag_get(&self, cred: &Cred, rest: &str) -> Answer {
        self.send("GET", &self.p1_path(rest), cred, &[], b"").await
    }

    /// The `{key: value}` tags of a job through `GET …/{type}/{id}/tags`.
    async fn tags_of(&self, db: &str, id: &str) -> Value {
        let a = self.tag_get(&self.admin, &format!("{db}/{id}/tags")).await;
        assert_eq!(a.status, 200, "{}", a.text);
        let mut out = serde_json::Map::new();
        for t in a.body["tags"].as_array().expect("tags") {
            out.insert(t["key"].as_str().expect("key").into(), t["value"].clone());
        }
        Value::Object(out)
    }

    /// IDs found by `resource-instances/filter` (all pages) as `cred`.
    async fn filter_ids(&self, cred: &Cred, db: &str, body: Value) -> Vec<String> {
        let a = self
            .tag_post(cred, &format!("{db}/resource-instances/filter"), body)
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        let ids: Vec<String> = a.body["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .map(|r| r["resource_id"].as_str().expect("id").to_string())
            .collect();
        assert_eq!(a.body["total_count"].as_u64(), Some(ids.len() as u64));
        ids
    }

    async fn count(&self, cred: &Cred, db: &str, body: Value) -> u64 {
        let a = self
            .tag_post(cred, &format!("{db}/resource-instances/count"), body)
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.body["total_count"].as_u64().expect("total_count")
    }

    /// (action, job_ids, outcome, detail) of every audit record, oldest first.
    async fn audit_rows(&self) -> Vec<(String, String, String, String)> {
        self.audit()
            .await
            .into_iter()
            .map(|r| {
                let ids = serde_json::to_string(&r.job_ids).expect("ids");
                (r.action, ids, r.outcome.as_str().to_string(), r.detail)
            })
            .collect()
    }
}

#[tokio::test]
async fn created_tags_are_listed_by_both_paths_and_an_existing_key_gets_the_new_value() {
    let app = seeded().await;
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-3/tags/create",
            json!({"tags": [{"key": "env", "value": "dev"}, {"key": "项目", "value": "支付"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert!(a.text.is_empty());
    assert_eq!(
        app.tags_of("migration", "m-3").await,
        json!({"env": "dev", "项目": "支付"})
    );
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-3/tags/create",
            json!({"tags": [{"key": "env", "value": "prod"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    let old = app.tag_get(&app.admin, "jobs/migration/m-3/tags").await;
    assert_eq!(old.status, 200, "{}", old.text);
    assert_eq!(
        old.body,
        json!({"tags": [{"key": "env", "value": "prod"}, {"key": "项目", "value": "支付"}]})
    );
}

#[tokio::test]
async fn a_delete_removes_a_key_only_when_a_given_value_matches_and_ignores_absent_keys() {
    let app = seeded().await;
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-1/tags/delete",
            json!({"tags": [{"key": "env", "value": "test"}, {"key": "team"}, {"key": "nope"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_eq!(
        app.tags_of("migration", "m-1").await,
        json!({"env": "prod"}),
        "env kept: its value is not test"
    );
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-1/tags/delete",
            json!({"tags": [{"key": "env", "value": "prod"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_eq!(app.tags_of("migration", "m-1").await, json!({}));
}

#[tokio::test]
async fn the_deprecated_action_creates_and_deletes_and_refuses_another_action() {
    let app = seeded().await;
    let a = app
        .tag_post(
            &app.admin,
            "jobs/migration/m-3/tags/action",
            json!({"action": "create", "tags": [{"key": "k", "value": "v"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_eq!(app.tags_of("migration", "m-3").await, json!({"k": "v"}));
    let a = app
        .tag_post(
            &app.admin,
            "jobs/migration/m-3/tags/action",
            json!({"action": "delete", "tags": [{"key": "k"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_eq!(app.tags_of("migration", "m-3").await, json!({}));
    for (body, code) in [
        (
            json!({"action": "update", "tags": [{"key": "k"}]}),
            "DRS.M00202",
        ),
        (json!({"tags": [{"key": "k", "value": "v"}]}), "DRS.M00201"),
    ] {
        let a = app
            .tag_post(&app.admin, "jobs/migration/m-3/tags/action", body)
            .await;
        assert_eq!((a.status, a.code()), (400, code), "{}", a.text);
    }
}

#[tokio::test]
async fn a_job_carries_at_most_twenty_tags_and_a_refused_create_writes_nothing() {
    let app = seeded().await;
    let twenty: Vec<Value> = (0..20)
        .map(|i| json!({"key": format!("k{i:02}"), "value": "v"}))
        .collect();
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-3/tags/create",
            json!({"tags": twenty}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-3/tags/create",
            json!({"tags": [{"key": "k00", "value": "replaced"}, {"key": "k20", "value": "one too many"}]}),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00271"), "{}", a.text);
    let tags = app.tags_of("migration", "m-3").await;
    assert_eq!(tags.as_object().map(|o| o.len()), Some(20));
    assert_eq!(
        tags["k00"], "v",
        "nothing of the refused request was written"
    );
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-3/tags/create",
            json!({"tags": [{"key": "k00", "value": "replaced"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "replacing a value adds no tag: {}", a.text);
}

#[tokio::test]
async fn invalid_tags_are_refused_with_their_own_codes_in_both_languages() {
    let app = seeded().await;
    let many: Vec<Value> = (0..21)
        .map(|i| json!({"key": format!("k{i}"), "value": "v"}))
        .collect();
    let cases = [
        (
            json!({"tags": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}),
            "DRS.M00269",
        ),
        (
            json!({"tags": [{"key": "k".repeat(129), "value": "v"}]}),
            "DRS.M00270",
        ),
        (
            json!({"tags": [{"key": "k", "value": "v".repeat(256)}]}),
            "DRS.M00270",
        ),
        (
            json!({"tags": [{"key": "a/b", "value": "v"}]}),
            "DRS.M00202",
        ),
        (
            json!({"tags": [{"key": " lead", "value": "v"}]}),
            "DRS.M00202",
        ),
        (
            json!({"tags": [{"key": "_sys_x", "value": "v"}]}),
            "DRS.M00202",
        ),
        (
            json!({"tags": [{"key": "k", "value": "a*b"}]}),
            "DRS.M00202",
        ),
        (json!({"tags": many}), "DRS.M00271"),
        (json!({"tags": []}), "DRS.M00201"),
        (json!({"tags": [{"key": "k"}]}), "DRS.M00201"),
        (json!({"tags": "k"}), "DRS.M00202"),
    ];
    for (body, code) in cases {
        let a = app
            .tag_post(&app.admin, "migration/m-3/tags/create", body.clone())
            .await;
        assert_eq!((a.status, a.code()), (400, code), "{body}: {}", a.text);
        assert!(!a.msg().is_empty());
    }
    let path = app.p1_path("migration/m-3/tags/create");
    let body = json!({"tags": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]});
    let en = app
        .send("POST", &path, &app.admin, &[], body.to_string().as_bytes())
        .await;
    let zh = app
        .send(
            "POST",
            &path,
            &app.admin,
            &[("x-language", "zh-cn")],
            body.to_string().as_bytes(),
        )
        .await;
    assert_eq!(en.msg(), "The tag key must be unique.");
    assert_eq!(zh.code(), "DRS.M00269");
    assert!(zh.msg().contains("标签"), "{}", zh.msg());
    assert_eq!(app.tags_of("migration", "m-3").await, json!({}));
}

#[tokio::test]
async fn an_unknown_deleted_hidden_or_other_type_job_is_not_found() {
    let app = seeded().await;
    let create = json!({"tags": [{"key": "k", "value": "v"}]});
    for rest in [
        "migration/nope/tags/create",
        "migration/m-deleted/tags/create",
        "migration/s-1/tags/create",
        "sync/m-1/tags/create",
        "migration/p2-job/tags/create",
        "subscription/m-1/tags/create",
    ] {
        let a = app.tag_post(&app.admin, rest, create.clone()).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M05003"),
            "{rest}: {}",
            a.text
        );
    }
    for rest in [
        "migration/nope/tags",
        "migration/m-deleted/tags",
        "jobs/sync/m-1/tags",
        "replay/m-1/tags",
    ] {
        let a = app.tag_get(&app.admin, rest).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M05003"),
            "{rest}: {}",
            a.text
        );
    }
    let a = app.tag_get(&app.limited, "migration/m-e2/tags").await;
    assert_eq!(
        (a.status, a.code()),
        (400, "DRS.M05003"),
        "outside the caller's enterprise projects: {}",
        a.text
    );
    assert_eq!(
        app.tag_get(&app.limited, "migration/m-e1/tags")
            .await
            .status,
        200
    );
    let a = app
        .tag_post(&app.admin, "jobs/migration/m-1/tags/create", create)
        .await;
    assert_eq!(a.status, 404, "no such route: {}", a.text);
    for rest in ["vm/m-1/tags", "vm/tags", "jobs/vm/tags"] {
        let a = app.tag_get(&app.admin, rest).await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M00202"),
            "{rest}: {}",
            a.text
        );
        assert!(a.msg().contains("resource_type"), "{}", a.msg());
    }
}

#[tokio::test]
async fn the_tags_of_a_child_job_are_its_own() {
    let app = seeded().await;
    assert_eq!(
        app.tags_of("migration", "m-child").await,
        json!({"child-only": "x"})
    );
    let a = app
        .tag_post(
            &app.admin,
            "migration/m-child/tags/create",
            json!({"tags": [{"key": "c", "value": "1"}]}),
        )
        .await;
    assert_eq!(a.status, 204, "{}", a.text);
    assert_eq!(
        app.tags_of("migration", "m-parent").await,
        json!({"env": "prod"})
    );
}

#[tokio::test]
async fn a_viewer_reads_tags_but_every_write_is_refused() {
    let app = seeded().await;
    let body = json!({"tags": [{"key": "k", "value": "v"}]});
    for rest in [
        "migration/m-1/tags/create",
        "migration/m-1/tags/delete",
        "jobs/migration/m-1/tags/action",
    ] {
        let mut body = body.clone();
        body["action"] = json!("create");
        let a = app.tag_post(&app.viewer, rest, body).await;
        assert_eq!(
            (a.status, a.code()),
            (403, "DRS.M00102"),
            "{rest}: {}",
            a.text
        );
    }
    assert_eq!(
        app.tags_of("migration", "m-1").await,
        json!({"env": "prod", "team": "db"})
    );
    for rest in [
        "migration/m-1/tags",
        "jobs/migration/m-1/tags",
        "migration/tags",
    ] {
        assert_eq!(app.tag_get(&app.viewer, rest).await.status, 200, "{rest}");
    }
    let a = app
        .tag_post(&app.viewer, "migration/resource-instances/count", json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn every_tag_write_is_audited_with_its_outcome_and_error_code() {
    let app = seeded().await;
    let ok = json!({"tags": [{"key": "k", "value": "v"}]});
    app.tag_post(&app.admin, "migration/m-1/tags/create", ok.clone())
        .await;
    app.tag_post(&app.admin, "migration/nope/tags/delete", ok.clone())
        .await;
    app.tag_post(&app.viewer, "migration/m-1/tags/create", ok.clone())
        .await;
    app.tag_post(
        &app.admin,
        "jobs/migration/m-2/tags/action",
        json!({"action": "create", "tags": [{"key": "a/b", "value": "v"}]}),
    )
    .await;
    app.tag_post(&app.admin, "vm/m-1/tags/create", ok).await;
    let audit = app.audit_rows().await;
    let expect = [
        ("BatchCreateTags", r#"["m-1"]"#, "success", "{}"),
        (
            "BatchDeleteTags",
            r#"["nope"]"#,
            "failure",
            r#"{"error_code":"DRS.M05003"}"#,
        ),
        (
            "BatchCreateTags",
            r#"["m-1"]"#,
            "refused",
            r#"{"error_code":"DRS.M00102"}"#,
        ),
        (
            "BatchTagAction",
            r#"["m-2"]"#,
            "refused",
            r#"{"error_code":"DRS.M00202"}"#,
        ),
        (
            "BatchCreateTags",
            r#"["m-1"]"#,
            "refused",
            r#"{"error_code":"DRS.M00202"}"#,
        ),
    ];
    let got: Vec<(&str, &str, &str, &str)> = audit
        .iter()
        .map(|(a, j, o, d)| (a.as_str(), j.as_str(), o.as_str(), d.as_str()))
        .collect();
    assert_eq!(got, expect);
    let first = app.audit().await.into_iter().next().expect("first record");
    let (user, request_id, project) = (first.user_id, first.request_id, first.project_id);
    assert!(!user.is_empty() && !request_id.is_empty());
    assert_eq!(project, app.p1.project_id());
}

#[tokio::test]
async fn project_tags_list_each_key_with_its_values_over_live_top_level_jobs_of_the_type() {
    let app = seeded().await;
    let expected = json!({"tags": [
        {"key": "env", "values": ["prod", "test"]},
        {"key": "team", "values": ["api", "db"]},
    ]});
    for rest in ["migration/tags", "jobs/migration/tags"] {
        let a = app.tag_get(&app.admin, rest).await;
        assert_eq!(a.status, 200, "{}", a.text);
        assert_eq!(a.body, expected, "{rest}");
    }
    let a = app.tag_get(&app.limited, "migration/tags").await;
    assert_eq!(
        a.body,
        json!({"tags": [{"key": "env", "values": ["test"]}]}),
        "only the caller's enterprise projects"
    );
    let a = app.tag_get(&app.admin, "sync/tags").await;
    assert_eq!(
        a.body,
        json!({"tags": [{"key": "env", "values": ["prod"]}, {"key": "sync-only", "values": ["1"]}]})
    );
    for rest in ["subscription/tags", "jobs/backupMigration/tags"] {
        let a = app.tag_get(&app.admin, rest).await;
        assert_eq!((a.status, &a.body), (200, &json!({"tags": []})), "{rest}");
    }
}

#[tokio::test]
async fn the_filter_ors_values_within_a_key_ands_keys_and_matches_names_case_insensitively() {
    let app = seeded().await;
    let cases = [
        (
            json!({}),
            vec!["m-e1", "m-e2", "m-parent", "m-3", "m-2", "m-1"],
        ),
        (
            json!({"tags": [{"key": "env", "values": ["prod"]}]}),
            vec!["m-e2", "m-parent", "m-1"],
        ),
        (
            json!({"tags": [{"key": "env", "values": ["prod", "test"]}, {"key": "team"}]}),
            vec!["m-2", "m-1"],
        ),
        (
            json!({"tags": [{"key": "team", "values": []}]}),
            vec!["m-2", "m-1"],
        ),
        (
            json!({"tags": [{"key": "env", "values": ["nope"]}]}),
            vec![],
        ),
        (
            json!({"without_any_tag": true, "tags": [{"key": "env"}]}),
            vec!["m-3"],
        ),
        (
            json!({"matches": [{"key": "resource_name", "value": "PAYMENTS"}]}),
            vec!["m-2", "m-1"],
        ),
        (
            json!({"tags": [{"key": "env", "values": ["test"]}],
                   "matches": [{"key": "resource_name", "value": "orders"}]}),
            vec!["m-e1"],
        ),
    ];
    for (body, ids) in cases {
        let found = app.filter_ids(&app.admin, "migration", body.clone()).await;
        assert_eq!(found, ids, "{body}");
        assert_eq!(
            app.count(&app.admin, "migration", body.clone()).await,
            ids.len() as u64
        );
    }
    let a = app
        .tag_post(
            &app.admin,
            "migration/resource-instances/filter",
            json!({"tags": [{"key": "team", "values": ["db"]}]}),
        )
        .await;
    assert_eq!(
        a.body,
        json!({"total_count": 1, "resources": [{"resource_id": "m-1", "resource_detail": "",
            "resource_name": "Payments", "tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "db"}]}]})
    );
    assert_eq!(
        app.filter_ids(&app.limited, "migration", json!({})).await,
        vec!["m-e1"]
    );
    assert_eq!(app.count(&app.admin, "replay", json!({})).await, 0);
    assert!(app
        .filter_ids(&app.admin, "subscription", json!({}))
        .await
        .is_empty());
}

#[tokio::test]
async fn the_filter_finds_the_same_jobs_as_the_v3_list_tags_filter() {
    let app = seeded().await;
    let filters = [
        json!({"env": "prod"}),
        json!({"env": "test"}),
        json!({"env": "prod", "team": "db"}),
        json!({"team": "api"}),
        json!({"gone": "yes"}),
        json!({"sync-only": "1"}),
    ];
    for (cred, who) in [(&app.admin, "admin"), (&app.limited, "limited")] {
        for db in ["migration", "sync"] {
            for map in &filters {
                let v3 = app
                    .list_as(
                        &app.p1,
                        cred,
                        json!({"db_use_type": db, "cur_page": 0, "tags": map}),
                    )
                    .await;
                assert_eq!(v3.status, 200, "{}", v3.text);
                let v5_tags: Vec<Value> = map
                    .as_object()
                    .expect("map")
                    .iter()
                    .map(|(k, v)| json!({"key": k, "values": [v]}))
                    .collect();
                let v5 = app.filter_ids(cred, db, json!({"tags": v5_tags})).await;
                assert_eq!(v5, v3.ids(), "{who} {db} {map}");
            }
        }
    }
}

#[tokio::test]
async fn the_filter_pages_with_limit_and_offset_and_names_a_bad_parameter() {
    let app = seeded().await;
    let a = app
        .tag_post(
            &app.admin,
            "migration/resource-instances/filter?limit=2&offset=1",
            json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.body["total_count"], 6);
    let ids: Vec<&str> = a.body["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["resource_id"].as_str())
        .collect();
    assert_eq!(ids, ["m-e2", "m-parent"]);
    let a = app
        .tag_post(
            &app.admin,
            "migration/resource-instances/filter?offset=6",
            json!({}),
        )
        .await;
    assert_eq!(
        (
            a.body["total_count"].as_u64(),
            a.body["resources"].as_array().map(Vec::len)
        ),
        (Some(6), Some(0))
    );
    for (query, name) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
    ] {
        let a = app
            .tag_post(
                &app.admin,
                &format!("migration/resource-instances/filter?{query}"),
                json!({}),
            )
            .await;
        assert_eq!(
            (a.status, a.code()),
            (400, "DRS.M00202"),
            "{query}: {}",
            a.text
        );
        assert!(a.msg().contains(name), "{query}: {}", a.msg());
    }
    let a = app
        .tag_post(
            &app.admin,
            "migration/resource-instances/count",
            json!({"matches": [{"key": "resource_id", "value": "m-1"}]}),
        )
        .await;
    assert_eq!((a.status, a.code()), (400, "DRS.M00202"), "{}", a.text);
}

#[tokio::test]
async fn a_get_without_a_content_type_is_answered() {
    let app = seeded().await;
    let token = app.token("admin", app.p1.project_id()).await;
    let res = app
        .client
        .get(format!("{}{}", app.base, app.p1_path("migration/m-1/tags")))
        .header("x-auth-token", token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body,
        json!({"tags": [{"key": "env", "value": "prod"}, {"key": "team", "value": "db"}]})
    );
}
