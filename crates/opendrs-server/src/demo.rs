//! `serve --demo`: an account with two projects full of realistic jobs (every scenario, status
//! and net type, tags, children, enterprise projects, each job with a plausible recorded
//! history), users with AK/SK pairs, created once; and `demo.json` describing them. A later start
//! reuses the data and the credentials.

use crate::admin;
use opendrs_core::store::Backend;
use opendrs_core::{
    caller::{Role, Tenant},
    crypto::MasterKey,
    enums::{DbUseType, JobStatus},
    writes::{history_seed, Seeded},
};
use opendrs_store::generate::{enterprise_projects, Factory, Names};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The fixed seed: the demo jobs are the same on every machine.
const SEED: u64 = 2026;
const DEMO_JOBS: usize = 360;
/// At least every status in every scenario (3 × 29) once, as [`fill`] seeds first.
const OTHER_JOBS: usize = 90;
const ACCOUNT: &str = "demo";

/// What the demo created, as written to `demo.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoInfo {
    pub endpoint: String,
    /// Requests must be authenticated (always true; lets clients detect the capability).
    pub auth: bool,
    pub domain: String,
    pub project_id: String,
    pub project_name: String,
    pub other_project_id: String,
    pub other_project_name: String,
    /// Admin of the demo project.
    pub user: String,
    pub password: String,
    pub ak: String,
    pub sk: String,
    /// Read-only user of the demo project.
    pub viewer_user: String,
    pub viewer_password: String,
    pub viewer_ak: String,
    pub viewer_sk: String,
    /// Admin of the other project only.
    pub other_ak: String,
    pub other_sk: String,
    pub jobs: usize,
    pub other_jobs: usize,
}

/// Inserts `n` jobs into `tenant`'s project, then records each job's history (the insert
/// writes none).
async fn fill(
    store: &dyn Backend,
    f: &mut Factory,
    tenant: &Tenant,
    n: usize,
) -> anyhow::Result<()> {
    let eps = enterprise_projects();
    let mut names = Names::default();
    let mut jobs = Vec::with_capacity(n);
    // Every status in every scenario first, then a realistic mix.
    for db in DbUseType::ALL {
        for st in JobStatus::ALL {
            jobs.push(names.unique(f.job_with(&eps, *db, *st, true)));
        }
    }
    while jobs.len() < n {
        jobs.push(names.unique(f.job(&eps)));
    }
    for ep in &eps {
        store.enterprise_project_upsert(tenant, ep, ep).await?;
    }
    store.jobs_insert(tenant, &jobs).await?;
    history_seed(
        store,
        tenant,
        Seeded::all(&jobs),
        opendrs_core::clock::now_ms(),
    )
    .await?;
    Ok(())
}

/// Creates the demo account, projects, jobs and users unless they exist, and (re)uses the
/// credentials of an earlier `demo.json` in `dir`. The endpoint is left for the caller.
pub async fn ensure(
    store: &dyn Backend,
    master: &MasterKey,
    dir: &Path,
) -> anyhow::Result<DemoInfo> {
    let mut f = Factory::new(SEED);
    let project_id = f.project_id();
    let other_project_id = f.project_id();
    let exists = store.project_find(&project_id).await?.is_some();
    if exists {
        if let Some(previous) = read_file(dir).filter(|p| p.project_id == project_id && p.auth) {
            return Ok(previous);
        }
        tracing::warn!("demo data exists but demo.json is missing: issuing new demo credentials");
    } else {
        admin::account_create(store, ACCOUNT).await?;
        let t = admin::project_create(store, ACCOUNT, "cn-north-4", Some(&project_id)).await?;
        let o =
            admin::project_create(store, ACCOUNT, "eu-west-101", Some(&other_project_id)).await?;
        fill(store, &mut f, &t, DEMO_JOBS).await?;
        fill(store, &mut f, &o, OTHER_JOBS).await?;
        for (user, project, role) in [
            ("admin", &project_id, Role::Admin),
            ("viewer", &project_id, Role::Viewer),
            ("other-admin", &other_project_id, Role::Admin),
        ] {
            admin::user_create(store, ACCOUNT, user, None).await?;
            admin::role_set(store, ACCOUNT, user, project, role, true).await?;
        }
    }
    let password = admin::user_set_password(store, ACCOUNT, "admin", None).await?;
    let viewer_password = admin::user_set_password(store, ACCOUNT, "viewer", None).await?;
    let key = admin::key_create(store, master, ACCOUNT, "admin").await?;
    let viewer = admin::key_create(store, master, ACCOUNT, "viewer").await?;
    let other = admin::key_create(store, master, ACCOUNT, "other-admin").await?;
    Ok(DemoInfo {
        endpoint: String::new(),
        auth: true,
        domain: ACCOUNT.into(),
        project_id,
        project_name: "cn-north-4".into(),
        other_project_id,
        other_project_name: "eu-west-101".into(),
        user: "admin".into(),
        password,
        ak: key.ak,
        sk: key.sk,
        viewer_user: "viewer".into(),
        viewer_password,
        viewer_ak: viewer.ak,
        viewer_sk: viewer.sk,
        other_ak: other.ak,
        other_sk: other.sk,
        jobs: DEMO_JOBS,
        other_jobs: OTHER_JOBS,
    })
}

fn read_file(dir: &Path) -> Option<DemoInfo> {
    serde_json::from_slice(&std::fs::read(dir.join("demo.json")).ok()?).ok()
}

/// Writes `demo.json` atomically (a temp file created with mode 0600 and synced, then
/// renamed), readable by the owner only from its first byte.
pub fn write_file(dir: &Path, info: &DemoInfo) -> anyhow::Result<()> {
    crate::secret_file::replace(&dir.join("demo.json"), &serde_json::to_vec_pretty(info)?)?;
    Ok(())
}

/// The "try it" block printed at start.
pub fn try_it(info: &DemoInfo) -> String {
    format!(
        r#"
OpenDRS demo is running at {ep}
  account {dom}: project {pid} (cn-north-4, {n} jobs), project {oid} (eu-west-101, {m} jobs)
  admin user {user} / {pw}, AK {ak}; credentials in demo.json

Web console: {ep}/console/  (account {dom}, user {user}, project {pname})

Try it — get a token, then list tasks:
  TOKEN=$(curl -si -X POST {ep}/v3/auth/tokens -H 'Content-Type: application/json' \
    -d '{{"auth":{{"identity":{{"methods":["password"],"password":{{"user":{{"name":"{user}","password":"{pw}","domain":{{"name":"{dom}"}}}}}}}},"scope":{{"project":{{"id":"{pid}"}}}}}}}}' \
    | sed -n 's/^[Xx]-[Ss]ubject-[Tt]oken: //p' | tr -d '\r')
  curl -s -X POST {ep}/v3/{pid}/jobs -H 'Content-Type: application/json' -H "X-Auth-Token: $TOKEN" \
    -d '{{"db_use_type":"migration","per_page":5}}'

  # Python, with the official SDK (pip install huaweicloudsdkdrs==3.1.219), signed with AK/SK:
  from huaweicloudsdkcore.auth.credentials import BasicCredentials
  from huaweicloudsdkdrs.v3 import DrsClient, ShowJobListRequest, QueryJobsReq
  client = DrsClient.new_builder().with_credentials(BasicCredentials("{ak}", "{sk}", "{pid}")) \
      .with_endpoint("{ep}").build()
  print(client.show_job_list(ShowJobListRequest(body=QueryJobsReq(db_use_type="migration", per_page=5))))
"#,
        ep = info.endpoint,
        dom = info.domain,
        pname = info.project_name,
        pid = info.project_id,
        oid = info.other_project_id,
        n = info.jobs,
        m = info.other_jobs,
        user = info.user,
        pw = info.password,
        ak = info.ak,
        sk = info.sk,
    )
}
