//! Authentication of DRS requests: an IAM token (`X-Auth-Token`) or an AK/SK signature
//! (`Authorization: SDK-HMAC-SHA256 …`), checked against an in-memory identity snapshot that
//! follows the store's identity version, so no request waits on the database to authenticate.
//! Then the per-project rate limit.

pub mod master_key;
pub mod throttle;

use crate::config::Config;
use axum::http::request::Parts;
use opendrs_core::{
    caller::Caller,
    crypto::MasterKey,
    identity::{token_caller, token_issue, token_open, IdentitySnapshot, TokenClaims},
    login::{password_login, TokenBody, TokenRequest},
    signing,
    store::Store,
    Error,
};
use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

/// The snapshot with when it was loaded.
struct Loaded {
    snapshot: Arc<IdentitySnapshot>,
    at: Instant,
}

/// Verifies credentials; shared by every request.
pub struct Authenticator {
    store: Arc<dyn Store>,
    master: MasterKey,
    loaded: RwLock<Loaded>,
    reload: tokio::sync::Mutex<()>,
    skew: time::Duration,
    token_ttl: i64,
    throttle: throttle::Throttle,
    /// Unknown AKs trigger at most one reload per this interval.
    min_reload: Duration,
    last_miss_reload: Mutex<Option<Instant>>,
    disabled: bool,
    /// Tokens already opened: a token is immutable, so its claims are decrypted once. The
    /// revocation checks (user, password epoch, expiry, project) still run on every request.
    /// Read with `peek` under a read lock, so concurrent requests do not queue on it.
    opened: RwLock<lru::LruCache<String, TokenClaims>>,
}

fn unauthenticated(reason: impl Into<String>) -> Error {
    Error::Unauthenticated {
        reason: reason.into(),
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Authenticator {
    /// Loads the first snapshot.
    pub async fn new(
        store: Arc<dyn Store>,
        master: MasterKey,
        config: &Config,
    ) -> Result<Self, Error> {
        let mut snapshot = store.identity_snapshot().await?;
        let dropped = snapshot.open_secrets(&master);
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "access keys sealed under another master key were ignored"
            );
        }
        Ok(Authenticator {
            store,
            master,
            loaded: RwLock::new(Loaded {
                snapshot: Arc::new(snapshot),
                at: Instant::now(),
            }),
            reload: tokio::sync::Mutex::new(()),
            skew: time::Duration::seconds(config.clock_skew_secs as i64),
            token_ttl: config.token_ttl_secs as i64,
            throttle: throttle::Throttle::new(config.throttle_rate, config.throttle_burst),
            min_reload: Duration::from_millis(config.identity_refresh_ms.max(50)),
            last_miss_reload: Mutex::new(None),
            disabled: config.auth_disabled,
            opened: RwLock::new(lru::LruCache::new(
                std::num::NonZeroUsize::MIN.saturating_add(4095),
            )),
        })
    }

    fn snapshot(&self) -> Arc<IdentitySnapshot> {
        match self.loaded.read() {
            Ok(l) => l.snapshot.clone(),
            Err(poisoned) => poisoned.into_inner().snapshot.clone(),
        }
    }

    /// Reloads the snapshot if the store's identity version moved.
    pub async fn refresh(&self) -> Result<(), Error> {
        let _one_at_a_time = self.reload.lock().await;
        let current = self.snapshot().version;
        if self.store.identity_version().await? == current {
            if let Ok(mut l) = self.loaded.write() {
                l.at = Instant::now();
            }
            return Ok(());
        }
        let mut snapshot = self.store.identity_snapshot().await?;
        snapshot.open_secrets(&self.master);
        tracing::info!(version = snapshot.version, "identity snapshot reloaded");
        if let Ok(mut l) = self.loaded.write() {
            *l = Loaded {
                snapshot: Arc::new(snapshot),
                at: Instant::now(),
            };
        }
        Ok(())
    }

    /// Keeps the snapshot fresh until the process ends.
    pub fn spawn_refresher(self: &Arc<Self>) {
        let me = Arc::downgrade(self);
        let every = self.min_reload;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let Some(a) = me.upgrade() else { break };
                if let Err(e) = a.refresh().await {
                    tracing::warn!(error = %e, "identity refresh failed");
                }
            }
        });
    }

    /// Authenticates a request to `/v3/{project_id}/…` and applies the rate limit.
    pub async fn authenticate(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Error> {
        let path_project = path_project(parts).unwrap_or_default();
        if let Some(pid) = header(parts, "x-project-id")? {
            if pid != path_project {
                return Err(Error::ProjectMismatch);
            }
        }
        let caller = if self.disabled {
            self.anonymous(path_project)?
        } else if let Some(token) = header(parts, "x-auth-token")? {
            let claims = self.token_claims(token)?;
            token_caller(&self.snapshot(), &claims, now_unix(), path_project)?
        } else if let Some(auth) = header(parts, "authorization")? {
            self.signed(parts, auth, body, path_project).await?
        } else {
            return Err(unauthenticated("no X-Auth-Token or Authorization header"));
        };
        self.throttle.check(caller.tenant.key())?;
        Ok(caller)
    }

    async fn signed(
        &self,
        parts: &Parts,
        auth: &str,
        body: &[u8],
        path_project: &str,
    ) -> Result<Caller, Error> {
        let parsed =
            signing::parse_authorization(auth).map_err(|e| unauthenticated(e.to_string()))?;
        let date = signing::sdk_date(&parts.headers).map_err(|e| unauthenticated(e.to_string()))?;
        signing::check_skew(date, time::OffsetDateTime::now_utc(), self.skew)
            .map_err(|e| unauthenticated(e.to_string()))?;
        let mut snap = self.snapshot();
        if !snap.keys.contains_key(&parsed.access_key) && self.may_reload_on_miss() {
            self.refresh().await?;
            snap = self.snapshot();
        }
        let key = snap
            .keys
            .get(&parsed.access_key)
            .ok_or_else(|| unauthenticated("Get secretKey failed"))?;
        signing::verify(
            &parsed,
            &key.secret,
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
            body,
        )
        .map_err(|e| unauthenticated(e.to_string()))?;
        let user = snap
            .users
            .get(&key.user_id)
            .ok_or_else(|| unauthenticated("Get secretKey failed"))?;
        snap.caller(user, path_project)
    }

    fn token_claims(&self, token: &str) -> Result<TokenClaims, Error> {
        if let Some(claims) = self.opened.read().ok().and_then(|c| c.peek(token).cloned()) {
            return Ok(claims);
        }
        let claims =
            token_open(&self.master, token).ok_or_else(|| unauthenticated("decrypt token fail"))?;
        if let Ok(mut c) = self.opened.write() {
            c.put(token.to_string(), claims.clone());
        }
        Ok(claims)
    }

    /// With authentication disabled: an administrator of the path's project, if it exists.
    fn anonymous(&self, path_project: &str) -> Result<Caller, Error> {
        let snap = self.snapshot();
        let project = snap
            .projects
            .get(path_project)
            .ok_or(Error::ProjectMismatch)?;
        Ok(Caller {
            tenant: project.tenant.clone(),
            user_id: "anonymous".into(),
            roles: vec![opendrs_core::caller::Role::Admin],
            enterprise_projects: None,
        })
    }

    fn may_reload_on_miss(&self) -> bool {
        let Ok(mut last) = self.last_miss_reload.lock() else {
            return false;
        };
        let due = last.is_none_or(|t| t.elapsed() >= self.min_reload);
        if due {
            *last = Some(Instant::now());
        }
        due
    }

    /// `POST /v3/auth/tokens`: checks the password and seals a token.
    pub async fn token_issue(&self, req: TokenRequest) -> Result<(String, TokenBody), Error> {
        let snap = self.snapshot();
        let ttl = self.token_ttl;
        let (claims, body): (TokenClaims, TokenBody) =
            tokio::task::spawn_blocking(move || password_login(&snap, &req, now_unix(), ttl))
                .await
                .map_err(Error::internal)??;
        Ok((token_issue(&self.master, &claims), body))
    }
}

/// A header's trimmed, non-empty text; a value that is not visible ASCII is malformed.
fn header<'a>(parts: &'a Parts, name: &str) -> Result<Option<&'a str>, Error> {
    match parts.headers.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|t| Some(t.trim()).filter(|t| !t.is_empty()))
            .map_err(|_| unauthenticated(format!("malformed {name} header"))),
    }
}

/// The `{project_id}` segment of a `/v3/{project_id}/…` path.
pub fn path_project(parts: &Parts) -> Option<&str> {
    let mut seg = parts.uri.path().split('/').skip(1);
    match (seg.next(), seg.next()) {
        (Some(_version), Some(project)) if !project.is_empty() => Some(project),
        _ => None,
    }
}
