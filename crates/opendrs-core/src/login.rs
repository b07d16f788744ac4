//! `POST /v3/auth/tokens`: the Keystone-style password login, its request body, and the token
//! object it answers with.

use crate::{
    caller::Role,
    crypto::verify_password,
    error::{Error, Reason, Result},
    identity::{IdentitySnapshot, TokenClaims},
    json::{utf8_json, Strict},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    #[schema(value_type = Object)]
    pub auth: Auth,
}

#[derive(Debug, Deserialize)]
pub struct Auth {
    pub identity: IdentitySpec,
    #[serde(default)]
    pub scope: Option<ScopeSpec>,
}

#[derive(Debug, Deserialize)]
pub struct IdentitySpec {
    #[serde(default)]
    pub methods: Vec<String>,
    #[serde(default)]
    pub password: Option<PasswordSpec>,
}

#[derive(Debug, Deserialize)]
pub struct PasswordSpec {
    pub user: UserSpec,
}

#[derive(Debug, Deserialize)]
pub struct UserSpec {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub domain: Option<NamedRef>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NamedRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ScopeSpec {
    #[serde(default)]
    pub project: Option<ProjectRef>,
}

#[derive(Debug, Deserialize)]
pub struct ProjectRef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub domain: Option<NamedRef>,
}

/// `{id, name}` as the token object shows domains, projects and roles.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Named {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenProject {
    pub domain: Named,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenUser {
    pub domain: Named,
    pub id: String,
    pub name: String,
    pub password_expires_at: String,
}

/// The `token` object of the answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenBody {
    pub expires_at: String,
    pub issued_at: String,
    pub methods: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub catalog: Option<Vec<serde_json::Value>>,
    pub project: TokenProject,
    pub roles: Vec<Named>,
    pub user: TokenUser,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub token: TokenBody,
}

/// Parses the body of `POST /v3/auth/tokens`: anything that is not exactly one token request
/// object (UTF-8, nothing after it but whitespace, objects where objects belong: [`Strict`]) is
/// `DRS.M00300`, naming where it went wrong.
pub fn parse_token_request(body: &[u8]) -> Result<TokenRequest> {
    let invalid = |e: &dyn std::fmt::Display| {
        Error::request(format!("the body is not a valid token request: {e}"))
    };
    let mut de = serde_json::Deserializer::from_str(utf8_json(body)?);
    let request = serde_path_to_error::deserialize(Strict(&mut de)).map_err(|e| invalid(&e))?;
    de.end().map_err(|e| invalid(&e))?;
    Ok(request)
}

fn bad_credentials() -> Error {
    Error::Unauthenticated {
        reason: "the account, user name or password is incorrect".into(),
    }
}

/// A hash to verify against when the user does not exist, so that both cases take as long.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0i6ZKk1oCzLHl3kdxmDUkbzH/3y8yY2ZC3dOaTTHSMw";

fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .map(|s| s.replace('Z', ".000000Z"))
        .unwrap_or_default()
}

/// Who a login names, as the failed-login throttle counts it: the user ID, or the account and
/// user name as given (so that an unknown name is counted, and locked, like a known one).
/// `None` when the body names no user (it fails validation before any password is checked).
pub fn login_subject(req: &TokenRequest) -> Option<String> {
    let user = &req.auth.identity.password.as_ref()?.user;
    match (&user.id, &user.name, &user.domain) {
        (Some(id), _, _) => Some(format!("id:{id}")),
        (None, Some(name), Some(d)) => {
            let domain = d.name.as_deref().or(d.id.as_deref())?;
            Some(format!("name:{domain}/{name}"))
        }
        _ => None,
    }
}

/// Verifies a password login against the snapshot and returns the claims to seal and the token
/// object. Unknown account, unknown user, wrong password, disabled user and a subject that is
/// `locked` (by the failed-login throttle) all get the same answer after one Argon2
/// verification, so neither the answer nor its timing tells them apart. Argon2 makes this
/// deliberately slow: call it off the async threads.
pub fn password_login(
    snap: &IdentitySnapshot,
    req: &TokenRequest,
    now: i64,
    ttl_secs: i64,
    locked: bool,
) -> Result<(TokenClaims, TokenBody)> {
    let auth = &req.auth;
    if !auth.identity.methods.iter().any(|m| m == "password") {
        return Err(Error::invalid_with(
            "auth.identity.methods",
            Reason::OneOf(&["password"]),
        ));
    }
    let spec = auth
        .identity
        .password
        .as_ref()
        .ok_or_else(|| Error::empty("auth.identity.password"))?;
    let password = spec.user.password.as_deref().unwrap_or_default();
    let project_ref = auth
        .scope
        .as_ref()
        .and_then(|s| s.project.as_ref())
        .ok_or_else(|| Error::empty("auth.scope.project"))?;
    let user = match (&spec.user.id, &spec.user.name, &spec.user.domain) {
        (Some(id), _, _) => snap.users.get(id),
        (None, Some(name), Some(d)) => d
            .name
            .as_deref()
            .or(d.id.as_deref())
            .and_then(|domain| snap.user_by_name(domain, name)),
        (None, Some(_), None) => return Err(Error::empty("auth.identity.password.user.domain")),
        (None, None, _) => return Err(Error::empty("auth.identity.password.user.name")),
    };
    if locked {
        verify_password(password, DUMMY_HASH);
        return Err(bad_credentials());
    }
    let Some(user) = user.filter(|u| verify_password(password, &u.password_hash) && u.enabled)
    else {
        if user.is_none() {
            verify_password(password, DUMMY_HASH);
        }
        return Err(bad_credentials());
    };
    let project = match (&project_ref.id, &project_ref.name) {
        (Some(id), _) => snap.projects.get(id),
        (None, Some(name)) => {
            let domain_id = project_ref.domain.as_ref().and_then(|d| {
                d.id.clone().or_else(|| {
                    d.name.as_deref().and_then(|n| {
                        snap.users
                            .values()
                            .find(|u| u.domain_name == n)
                            .map(|u| u.domain_id.clone())
                    })
                })
            });
            snap.project_by_name(Some(domain_id.as_deref().unwrap_or(&user.domain_id)), name)
        }
        (None, None) => return Err(Error::empty("auth.scope.project.id")),
    }
    .ok_or_else(bad_credentials)?;
    let pid = project.tenant.project_id().to_string();
    let caller = snap.caller(user, &pid).map_err(|_| bad_credentials())?;
    let claims = TokenClaims {
        user_id: user.id.clone(),
        project_id: pid.clone(),
        issued_at: now,
        expires_at: now + ttl_secs,
        password_epoch: user.password_epoch,
    };
    let domain = Named {
        id: user.domain_id.clone(),
        name: user.domain_name.clone(),
    };
    let body = TokenBody {
        expires_at: iso(claims.expires_at),
        issued_at: iso(now),
        methods: vec!["password".into()],
        catalog: None,
        project: TokenProject {
            domain: domain.clone(),
            id: pid,
            name: project.name.clone(),
        },
        roles: caller
            .roles
            .iter()
            .map(|r: &Role| Named {
                id: r.as_str().into(),
                name: r.as_str().into(),
            })
            .collect(),
        user: TokenUser {
            domain,
            id: user.id.clone(),
            name: user.name.clone(),
            password_expires_at: String::new(),
        },
    };
    Ok((claims, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        caller::Tenant,
        crypto::hash_password,
        identity::{ProjectEntry, UserEntry},
    };
    use std::collections::HashMap;

    fn snap() -> IdentitySnapshot {
        let mut s = IdentitySnapshot::default();
        s.projects.insert(
            "p1".into(),
            ProjectEntry {
                tenant: Tenant::new("p1", 1),
                name: "cn-north-4".into(),
                domain_id: Some("d1".into()),
            },
        );
        s.users.insert(
            "u1".into(),
            UserEntry {
                id: "u1".into(),
                name: "alice".into(),
                domain_id: "d1".into(),
                domain_name: "acme".into(),
                password_hash: hash_password("pw"),
                enabled: true,
                password_epoch: 0,
                roles: HashMap::from([("p1".to_string(), vec![Role::Admin])]),
                enterprise_projects: HashMap::new(),
            },
        );
        s
    }

    fn req(user: &str, pw: &str, project: serde_json::Value) -> TokenRequest {
        serde_json::from_value(serde_json::json!({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {"name": user, "password": pw, "domain": {"name": "acme"}}}},
            "scope": {"project": project}}}))
        .expect("request")
    }

    #[test]
    fn a_correct_password_gives_a_project_scoped_token_for_24_hours() {
        let (claims, body) = password_login(
            &snap(),
            &req("alice", "pw", serde_json::json!({"name": "cn-north-4"})),
            1000,
            86400,
            false,
        )
        .expect("login");
        assert_eq!(claims.project_id, "p1");
        assert_eq!(claims.expires_at - claims.issued_at, 86400);
        assert_eq!(body.roles[0].name, "drs_admin");
        assert!(body.expires_at.ends_with('Z'));
    }

    #[test]
    fn the_project_can_be_named_by_id() {
        let r = req("alice", "pw", serde_json::json!({"id": "p1"}));
        assert!(password_login(&snap(), &r, 0, 10, false).is_ok());
    }

    #[test]
    fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
        let p = serde_json::json!({"id": "p1"});
        let a = password_login(&snap(), &req("alice", "nope", p.clone()), 0, 10, false).err();
        let b = password_login(&snap(), &req("bob", "pw", p), 0, 10, false).err();
        assert_eq!(a, b);
        assert_eq!(a.map(|e| e.code()), Some("APIGW.0301"));
    }

    #[test]
    fn a_locked_subject_is_refused_even_with_the_right_password() {
        let r = req("alice", "pw", serde_json::json!({"id": "p1"}));
        let locked = password_login(&snap(), &r, 0, 10, true).err();
        let wrong = password_login(
            &snap(),
            &req("alice", "nope", serde_json::json!({"id": "p1"})),
            0,
            10,
            false,
        )
        .err();
        assert_eq!(locked, wrong);
        assert_eq!(login_subject(&r).as_deref(), Some("name:acme/alice"));
    }

    #[test]
    fn a_disabled_user_cannot_log_in() {
        let mut s = snap();
        if let Some(u) = s.users.get_mut("u1") {
            u.enabled = false;
        }
        let r = req("alice", "pw", serde_json::json!({"id": "p1"}));
        assert_eq!(
            password_login(&s, &r, 0, 10, false).err().map(|e| e.code()),
            Some("APIGW.0301")
        );
    }

    #[test]
    fn a_project_without_a_role_is_refused_like_bad_credentials() {
        let mut s = snap();
        s.projects.insert(
            "p2".into(),
            ProjectEntry {
                tenant: Tenant::new("p2", 2),
                name: "other".into(),
                domain_id: Some("d1".into()),
            },
        );
        let r = req("alice", "pw", serde_json::json!({"id": "p2"}));
        assert_eq!(
            password_login(&s, &r, 0, 10, false).err().map(|e| e.code()),
            Some("APIGW.0301")
        );
    }

    /// Found by fuzzing (`fuzz/corpus/login_body/crash-trailing-characters`): the parser stopped
    /// at the end of the object and never looked at what followed.
    #[test]
    fn a_login_body_with_characters_after_the_object_is_refused() {
        let crash = br#"{"auth": {"identity": {"methods": ["password"], "passwo": "0123456789abcdef0123456789abcdef"}}}}"#;
        let err = parse_token_request(crash).err();
        assert_eq!(err.as_ref().map(Error::code), Some("DRS.M00300"));
        let body = r#"{"auth": {"identity": {"methods": ["password"]}}}"#;
        assert!(parse_token_request(format!("{body} \n").as_bytes()).is_ok());
        assert!(parse_token_request(format!("{body} {{}}").as_bytes()).is_err());
    }

    /// Found by fuzzing (`fuzz/corpus/login_body/crash-user-given-as-an-array`): serde's derive
    /// read `"user": ["password"]` as a user whose ID is `password`.
    #[test]
    fn a_login_body_with_an_array_where_an_object_belongs_is_refused() {
        let crash = br#"{"auth":{"identity":{"me:thods":["password'"],"password":{"user":["password"], "domain":{"name":"acme"}}}}}"#;
        let err = parse_token_request(crash).err();
        assert_eq!(err.as_ref().map(Error::code), Some("DRS.M00300"));
        let by_object = br#"{"auth":{"identity":{"password":{"user":{"id":"password"}}}}}"#;
        let user = parse_token_request(by_object)
            .ok()
            .and_then(|r| r.auth.identity.password);
        assert_eq!(user.and_then(|p| p.user.id).as_deref(), Some("password"));
    }

    #[test]
    fn a_login_body_that_is_not_utf8_is_refused_even_in_an_ignored_field() {
        let body = b"{\"auth\": {\"identity\": {\"methods\": [\"password\"]}, \"x\": \"\xff\"}}";
        let err = parse_token_request(body).err();
        assert_eq!(err.as_ref().map(Error::code), Some("DRS.M00300"));
    }

    #[test]
    fn a_login_without_a_project_scope_is_an_empty_parameter() {
        let r: TokenRequest = serde_json::from_value(serde_json::json!({"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": "alice", "password": "pw", "domain": {"name": "acme"}}}}}}))
        .expect("request");
        assert_eq!(
            password_login(&snap(), &r, 0, 10, false)
                .err()
                .map(|e| e.code()),
            Some("DRS.M00201")
        );
    }
}
