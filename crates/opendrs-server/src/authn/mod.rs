//! Authentication of DRS requests: an IAM token (`X-Auth-Token`) or an AK/SK signature
//! (`Authorization: SDK-HMAC-SHA256 …`), checked against an in-memory identity snapshot that
//! follows the store's identity version, so no request waits on the database to authenticate.
//! Authentication comes first: a request whose one credential does not verify is 401 whatever
//! else is wrong with it; `X-Project-Id`, roles and the per-project rate limit come after.
//! Password logins are bounded (a few Argon2 checks at once) and throttled per user and per
//! client address (`lockout`).

pub mod lockout;
pub mod master_key;
pub mod throttle;

use crate::{
    config::Config,
    metrics::{Denial, Limit, Metrics},
};
use axum::http::request::Parts;
use opendrs_core::{
    caller::Caller,
    crypto::MasterKey,
    error::Ambiguity,
    identity::{token_caller, token_issue, token_open, IdentitySnapshot, TokenClaims},
    login::{login_subject, password_login, TokenBody, TokenRequest},
    signing,
    store::Store,
    Error,
};
use std::{
    net::IpAddr,
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
    /// Password checks running at once (each Argon2 verification holds ~19 MiB).
    login_slots: Arc<tokio::sync::Semaphore>,
    /// How long a login waits for a slot before 429.
    login_queue: Duration,
    lockout: lockout::Lockout,
    /// The configuration it was built with (the serving loop reads its connection limits).
    config: Arc<Config>,
    /// Where refusals are counted.
    metrics: Arc<Metrics>,
}

/// The one credential a request carries.
enum Credential<'a> {
    Token(&'a str),
    Signature(&'a str),
}

fn unauthenticated(reason: impl Into<String>) -> Error {
    Error::Unauthenticated {
        reason: reason.into(),
    }
}

/// A refusal and why, for `opendrs_auth_failures_total`; `why` is `None` for what is no refusal
/// of the caller (the store failing during a reload).
struct Denied {
    why: Option<Denial>,
    error: Error,
}

fn denied(why: Denial) -> impl FnOnce(Error) -> Denied {
    move |error| Denied {
        why: Some(why),
        error,
    }
}

impl From<Error> for Denied {
    fn from(error: Error) -> Self {
        Denied { why: None, error }
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Authenticator {
    /// Loads the first snapshot. Refuses to start when the master key is not the one the
    /// database's secrets were sealed with (see [`master_key::check_against`]).
    pub async fn new(
        store: Arc<dyn Store>,
        master: MasterKey,
        config: &Config,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
        let mut snapshot = store.identity_snapshot().await?;
        master_key::check_against(&snapshot, &master, config)?;
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
            login_slots: Arc::new(tokio::sync::Semaphore::new(config.login_slots())),
            login_queue: Duration::from_millis(config.login_queue_ms),
            lockout: lockout::Lockout::new(config.lockout_policy()),
            config: Arc::new(config.clone()),
            metrics,
        })
    }

    /// The configuration the service was started with.
    pub fn config(&self) -> &Config {
        &self.config
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

    /// Authenticates a request to `/v3/{project_id}/…`, then checks `X-Project-Id`, the
    /// caller's role on the path's project, and the rate limit — in that order, so that
    /// credentials that do not verify are 401 whatever else is wrong. Every refusal is counted.
    pub async fn authenticate(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Error> {
        let caller = self.admit(parts, body).await.map_err(|d| self.refused(d))?;
        self.throttle.check(caller.tenant.key()).inspect_err(|_| {
            self.metrics.throttled(Limit::ProjectRate);
        })?;
        Ok(caller)
    }

    /// Counts a refusal; the error to answer.
    fn refused(&self, d: Denied) -> Error {
        if let Some(why) = d.why {
            self.metrics.denied(why);
        }
        d.error
    }

    /// The caller, before the rate limit.
    async fn admit(&self, parts: &Parts, body: &[u8]) -> Result<Caller, Denied> {
        let path_project = path_project(parts).unwrap_or_default();
        let caller = if self.disabled {
            None
        } else {
            Some(match credential(parts)? {
                Credential::Token(token) => {
                    let claims = self.token_claims(token)?;
                    let snap = self.snapshot();
                    let user = verified_token_user(&snap, &claims, now_unix())?;
                    (snap, user, Some(claims.project_id))
                }
                Credential::Signature(auth) => {
                    let (snap, user) = self.signed(parts, auth, body).await?;
                    (snap, user, None)
                }
            })
        };
        let mismatch = || denied(Denial::ProjectMismatch)(Error::ProjectMismatch);
        if let Some(pid) = header(parts, "x-project-id").map_err(denied(Denial::Malformed))? {
            if pid != path_project {
                return Err(mismatch());
            }
        }
        Ok(match caller {
            None => self
                .anonymous(path_project)
                .map_err(denied(Denial::ProjectMismatch))?,
            Some((snap, user_id, scope)) => {
                if scope.is_some_and(|p| p != path_project) {
                    return Err(mismatch());
                }
                let user = snap.users.get(&user_id).ok_or_else(|| {
                    denied(Denial::Revoked)(unauthenticated("the user no longer exists"))
                })?;
                snap.caller(user, path_project).map_err(|e| match e {
                    Error::ProjectMismatch => denied(Denial::ProjectMismatch)(e),
                    _ => denied(Denial::UserDisabled)(e),
                })?
            }
        })
    }

    /// `GET /v3/auth/projects`: the projects the token's user holds a role in, as
    /// `(project ID, name, domain ID)`. Only a token (an unexpired, unrevoked one) is accepted.
    pub fn token_projects(
        &self,
        parts: &Parts,
    ) -> Result<Vec<(String, String, Option<String>)>, Error> {
        let user = (|| {
            let Credential::Token(token) = credential(parts)? else {
                return Err(denied(Denial::Missing)(unauthenticated(
                    "this call takes an X-Auth-Token",
                )));
            };
            let claims = self.token_claims(token)?;
            verified_token_user(&self.snapshot(), &claims, now_unix())
        })()
        .map_err(|d| self.refused(d))?;
        Ok(self.snapshot().projects_of_user(&user))
    }

    /// Verifies an AK/SK signature; the snapshot it was checked against and the key's user.
    async fn signed(
        &self,
        parts: &Parts,
        auth: &str,
        body: &[u8],
    ) -> Result<(Arc<IdentitySnapshot>, String), Denied> {
        let refusal =
            |why| move |e: signing::SigningError| denied(why)(unauthenticated(e.to_string()));
        let parsed = signing::parse_authorization(auth).map_err(refusal(Denial::Malformed))?;
        let date = signing::sdk_date(&parts.headers).map_err(refusal(Denial::Malformed))?;
        signing::check_skew(date, time::OffsetDateTime::now_utc(), self.skew)
            .map_err(refusal(Denial::ClockSkew))?;
        let mut snap = self.snapshot();
        if !snap.keys.contains_key(&parsed.access_key) && self.may_reload_on_miss() {
            self.refresh().await?;
            snap = self.snapshot();
        }
        let unknown = || denied(Denial::UnknownKey)(unauthenticated("Get secretKey failed"));
        let key = snap.keys.get(&parsed.access_key).ok_or_else(unknown)?;
        signing::verify(
            &parsed,
            &key.secret,
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
            body,
        )
        .map_err(refusal(Denial::BadSignature))?;
        let user = snap.users.get(&key.user_id).ok_or_else(unknown)?;
        if !user.enabled {
            return Err(denied(Denial::UserDisabled)(unauthenticated(
                "the user is disabled",
            )));
        }
        let user_id = user.id.clone();
        Ok((snap, user_id))
    }

    fn token_claims(&self, token: &str) -> Result<TokenClaims, Denied> {
        if let Some(claims) = self.opened.read().ok().and_then(|c| c.peek(token).cloned()) {
            return Ok(claims);
        }
        let claims = token_open(&self.master, token)
            .ok_or_else(|| denied(Denial::BadToken)(unauthenticated("decrypt token fail")))?;
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

    /// `POST /v3/auth/tokens`: checks the password and seals a token. At most
    /// `login_concurrency` checks run at once; a login that waits longer than `login_queue_ms`
    /// for one is 429. A locked subject gets the same answer as a wrong password, after the same
    /// work; a locked client address gets it at once (that says nothing about any user).
    pub async fn token_issue(
        &self,
        req: TokenRequest,
        address: Option<IpAddr>,
    ) -> Result<(String, TokenBody), Error> {
        let subject = login_subject(&req);
        if self.lockout.address_locked(address, Instant::now()) {
            self.metrics.denied(Denial::LoginLocked);
            return Err(unauthenticated(
                "the account, user name or password is incorrect",
            ));
        }
        let slot = tokio::time::timeout(self.login_queue, self.login_slots.clone().acquire_owned())
            .await
            .map_err(|_| {
                self.metrics.throttled(Limit::LoginQueue);
                Error::Throttled {
                    retry_after: Duration::from_secs(1),
                }
            })?
            .map_err(Error::internal)?;
        let locked = self
            .lockout
            .subject_locked(subject.as_deref(), Instant::now());
        let snap = self.snapshot();
        let ttl = self.token_ttl;
        let outcome = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            password_login(&snap, &req, now_unix(), ttl, locked)
        })
        .await
        .map_err(Error::internal)?;
        match outcome {
            Ok((claims, body)) => {
                self.lockout.succeeded(subject.as_deref());
                Ok((token_issue(&self.master, &claims), body))
            }
            Err(e) => {
                if matches!(e, Error::Unauthenticated { .. }) {
                    self.metrics.denied(if locked {
                        Denial::LoginLocked
                    } else {
                        Denial::LoginFailed
                    });
                    self.lockout
                        .failed(subject.as_deref(), address, Instant::now());
                }
                Err(e)
            }
        }
    }
}

/// A token's user, if the token is still valid (the user exists and is enabled, the password
/// epoch matches, not expired). The project is checked later, with the roles.
fn verified_token_user(
    snap: &IdentitySnapshot,
    claims: &TokenClaims,
    now: i64,
) -> Result<String, Denied> {
    // `token_caller` checks the user, epoch and expiry before the project: with the token's
    // own project it can fail only on those, or on a role removed since.
    match token_caller(snap, claims, now, &claims.project_id) {
        Ok(_) | Err(Error::ProjectMismatch) => {}
        Err(e @ Error::TokenExpired) => return Err(denied(Denial::TokenExpired)(e)),
        Err(e) => return Err(denied(Denial::Revoked)(e)),
    }
    Ok(claims.user_id.clone())
}

/// The request's one credential. Two of a kind, or one of each, is 401: the answer must not
/// depend on which one a proxy or the server happens to read.
fn credential(parts: &Parts) -> Result<Credential<'_>, Denied> {
    let tokens = parts.headers.get_all("x-auth-token").iter().count();
    let signatures = parts.headers.get_all("authorization").iter().count();
    let ambiguous = |a| Err(denied(Denial::Ambiguous)(Error::AmbiguousCredentials(a)));
    let missing = |what: &str| denied(Denial::Missing)(unauthenticated(what));
    let malformed = denied(Denial::Malformed);
    match (tokens, signatures) {
        (2.., _) => ambiguous(Ambiguity::TwoTokens),
        (_, 2..) => ambiguous(Ambiguity::TwoSignatures),
        (1, 1) => ambiguous(Ambiguity::TokenAndSignature),
        (1, 0) => header(parts, "x-auth-token")
            .map_err(malformed)?
            .map(Credential::Token)
            .ok_or_else(|| missing("the X-Auth-Token header is empty")),
        (0, 1) => header(parts, "authorization")
            .map_err(malformed)?
            .map(Credential::Signature)
            .ok_or_else(|| missing("the Authorization header is empty")),
        _ => Err(missing("no X-Auth-Token or Authorization header")),
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
