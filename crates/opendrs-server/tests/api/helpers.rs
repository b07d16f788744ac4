//! `TestApp`: a real server on a loopback port with a fresh data directory, an account with
//! two projects and users, and a client that signs its requests as the official SDK does.

use opendrs_core::{
    caller::{Role, Tenant},
    enums::{ChargingMode, DbUseType, JobDirection, JobStatus, NetType, TaskType},
    job::{Endpoint, Job},
};
use opendrs_server::{admin, config::Config, Application};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::sync::Arc;

pub const ACCOUNT: &str = "acme";

/// A credential a test acts with.
#[derive(Clone, Debug)]
pub enum Cred {
    None,
    Key { ak: String, sk: String },
    Token(String),
}

pub struct TestApp {
    pub base: String,
    /// `http://ADDR` of the metrics listener, when `metrics_listen` is set.
    pub metrics_base: Option<String>,
    pub p1: Tenant,
    pub p2: Tenant,
    pub admin: Cred,
    pub viewer: Cred,
    pub other: Cred,
    pub limited: Cred,
    pub store: Arc<dyn opendrs_core::store::Backend>,
    pub config: Config,
    pub client: reqwest::Client,
    pub authn: Arc<opendrs_server::authn::Authenticator>,
    _dir: tempfile::TempDir,
    /// A database of its own on PostgreSQL (`OPENDRS_TEST_DATABASE=postgres`); on SQLite the
    /// data directory's file.
    _db: Option<opendrs_store::testing::TestDatabase>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// What an AK/SK signature covers.
pub struct Signing<'a> {
    pub signed_body: &'a [u8],
    pub at: time::OffsetDateTime,
}

/// A response, read whole.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.body["error_code"].as_str().unwrap_or("")
    }

    pub fn msg(&self) -> &str {
        self.body["error_msg"].as_str().unwrap_or("")
    }

    pub fn total(&self) -> u64 {
        self.body["total_record"].as_u64().unwrap_or(u64::MAX)
    }

    pub fn ids(&self) -> Vec<String> {
        self.body["jobs"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|j| j["id"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A job to seed; `at` is seconds after a fixed base time.
pub fn job(id: &str, name: &str, db: DbUseType, status: JobStatus, at: i64) -> Job {
    Job {
        id: id.into(),
        name: name.into(),
        status,
        description: String::new(),
        create_time_ms: 1_700_000_000_000 + at * 1000,
        engine_type: "mysql".into(),
        net_type: NetType::Eip,
        billing_tag: false,
        job_direction: JobDirection::Up,
        db_use_type: db,
        task_type: TaskType::FullIncrTrans,
        node_new_framework: false,
        error_msg: status.is_failure().then(|| "it failed".to_string()),
        enterprise_project_id: "0".into(),
        charging_mode: ChargingMode::OnDemand,
        is_multi_az: false,
        tags: Vec::new(),
        source_endpoint: Endpoint::default(),
        target_endpoint: Endpoint::default(),
        children: Vec::new(),
        running: None,
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Starts a server whose configuration `tweak` may change.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config {
            listen: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().to_path_buf(),
            throttle_rate: 0,
            ..Config::default()
        };
        use opendrs_store::testing::{Engine, TestDatabase};
        let own_db = match Engine::from_env() {
            Engine::Sqlite => None,
            Engine::Postgres => Some(TestDatabase::fresh().await),
        };
        config.database_url = own_db.as_ref().map(TestDatabase::url_string);
        tweak(&mut config);
        let app = Application::build(config.clone()).await.expect("build");
        let store = app.store().clone();
        let db = &*store;
        let master = opendrs_server::authn::master_key::load(&config).expect("master key");
        admin::account_create(db, ACCOUNT).await.expect("account");
        let p1 = admin::project_create(db, ACCOUNT, "cn-north-4", None)
            .await
            .expect("p1");
        let p2 = admin::project_create(db, ACCOUNT, "eu-west-101", None)
            .await
            .expect("p2");
        for ep in ["e1", "e2"] {
            admin::enterprise_project_create(db, p1.project_id(), ep, ep)
                .await
                .expect("ep");
        }
        let mut creds = Vec::new();
        for (user, project, role) in [
            ("admin", &p1, Role::Admin),
            ("viewer", &p1, Role::Viewer),
            ("other", &p2, Role::Admin),
            ("limited", &p1, Role::Viewer),
        ] {
            admin::user_create(db, ACCOUNT, user, Some("pw-secret-1"))
                .await
                .expect("user");
            admin::role_set(db, ACCOUNT, user, project.project_id(), role, true)
                .await
                .expect("role");
            let k = admin::key_create(db, &master, ACCOUNT, user)
                .await
                .expect("key");
            creds.push(Cred::Key { ak: k.ak, sk: k.sk });
        }
        admin::user_limit(db, ACCOUNT, "limited", p1.project_id(), &["e1".to_string()])
            .await
            .expect("limit");
        let authn = app.authenticator().clone();
        authn.refresh().await.expect("refresh");
        let base = format!("http://{}", app.local_addr().expect("addr"));
        let metrics_base = app.metrics_addr().map(|a| format!("http://{a}"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        let mut creds = creds.into_iter();
        let mut next = || creds.next().unwrap_or(Cred::None);
        TestApp {
            base,
            metrics_base,
            p1,
            p2,
            admin: next(),
            viewer: next(),
            other: next(),
            limited: next(),
            store,
            config,
            client: reqwest::Client::new(),
            authn,
            _dir: dir,
            _db: own_db,
            _stop: tx,
        }
    }

    /// Another instance of the service on the same database, data directory and master key
    /// (as a second `opendrs serve` behind a load balancer would be); its base URL. It stops
    /// when the returned sender is dropped.
    pub async fn peer(
        &self,
        tweak: impl FnOnce(&mut Config),
    ) -> (String, tokio::sync::oneshot::Sender<()>) {
        let mut config = self.config.clone();
        tweak(&mut config);
        let app = Application::build(config).await.expect("build the peer");
        let base = format!("http://{}", app.local_addr().expect("addr"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        (base, tx)
    }

    /// The data directory.
    pub fn store_dir(&self) -> std::path::PathBuf {
        self._dir.path().to_path_buf()
    }

    /// Inserts jobs into a project and makes sure the server sees the latest identity.
    pub async fn seed(&self, tenant: &Tenant, jobs: &[Job]) {
        self.store.jobs_insert(tenant, jobs).await.expect("seed");
    }

    /// Every audit record, oldest first.
    pub async fn audit(&self) -> Vec<opendrs_core::audit::AuditRecord> {
        let filter = opendrs_core::audit::AuditFilter {
            limit: 100_000,
            ..Default::default()
        };
        let records = self.store.audit_list(&filter).await.expect("audit");
        records.into_iter().map(|(r, _)| r).collect()
    }

    /// Sends a request with the given credential, extra headers and raw body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        cred: &Cred,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let signing = Signing {
            signed_body: body,
            at: time::OffsetDateTime::now_utc(),
        };
        self.send_with(method, path, cred, headers, body, signing)
            .await
    }

    /// As [`send`](Self::send), but an AK/SK signature covers `signing.signed_body` at
    /// `signing.at`, whatever `body` is sent: for stale dates and tampered bodies.
    pub async fn send_with(
        &self,
        method: &str,
        path: &str,
        cred: &Cred,
        headers: &[(&str, &str)],
        body: &[u8],
        signing: Signing<'_>,
    ) -> Answer {
        self.send_to(&self.base, method, path, cred, headers, body, signing)
            .await
    }

    /// As [`send_with`](Self::send_with), to the instance at `base` (see [`peer`](Self::peer)).
    #[allow(clippy::too_many_arguments)]
    pub async fn send_to(
        &self,
        base: &str,
        method: &str,
        path: &str,
        cred: &Cred,
        headers: &[(&str, &str)],
        body: &[u8],
        signing: Signing<'_>,
    ) -> Answer {
        let url = format!("{base}{path}");
        let mut h = HeaderMap::new();
        let host = base.trim_start_matches("http://").to_string();
        h.insert(
            HeaderName::from_static("host"),
            HeaderValue::from_str(&host).expect("host"),
        );
        h.insert(
            HeaderName::from_static("content-type"),
            HeaderValue::from_static("application/json"),
        );
        for (k, v) in headers {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        match cred {
            Cred::None => {}
            Cred::Token(t) => {
                h.insert(
                    HeaderName::from_static("x-auth-token"),
                    HeaderValue::from_str(t).expect("token"),
                );
            }
            Cred::Key { ak, sk } => {
                let (p, q) = path
                    .split_once('?')
                    .map(|(p, q)| (p, Some(q)))
                    .unwrap_or((path, None));
                opendrs_core::signing::sign_request(
                    ak,
                    sk.as_bytes(),
                    method,
                    p,
                    q,
                    &mut h,
                    signing.signed_body,
                    signing.at,
                )
                .expect("sign");
            }
        }
        let res = self
            .client
            .request(method.parse().expect("method"), url)
            .headers(h)
            .body(body.to_vec())
            .send()
            .await
            .expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    /// Lists jobs of `tenant` as `cred`.
    pub async fn list_as(&self, tenant: &Tenant, cred: &Cred, body: Value) -> Answer {
        let path = format!("/v3/{}/jobs", tenant.project_id());
        self.send("POST", &path, cred, &[], body.to_string().as_bytes())
            .await
    }

    /// Lists jobs of the first project as its administrator.
    pub async fn list(&self, body: Value) -> Answer {
        self.list_as(&self.p1, &self.admin, body).await
    }

    /// A token for `user` (password `pw-secret-1`) on `project_id`.
    pub async fn token(&self, user: &str, project_id: &str) -> String {
        let body = serde_json::json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": user, "password": "pw-secret-1", "domain": {"name": ACCOUNT}}}},
            "scope": {"project": {"id": project_id}}}});
        let a = self
            .send(
                "POST",
                "/v3/auth/tokens",
                &Cred::None,
                &[],
                body.to_string().as_bytes(),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.text);
        a.headers["x-subject-token"]
            .to_str()
            .expect("token")
            .to_string()
    }
}
