//! Unit tests of tokens and of the credential rules.

use super::*;

fn snapshot() -> IdentitySnapshot {
    let mut s = IdentitySnapshot::default();
    for (id, key) in [("p1", 1), ("p2", 2)] {
        s.projects.insert(
            id.into(),
            ProjectEntry {
                tenant: Tenant::new(id, key),
                name: format!("name-{id}"),
                domain_id: Some("d".into()),
            },
        );
    }
    s.users.insert(
        "u1".into(),
        UserEntry {
            id: "u1".into(),
            name: "alice".into(),
            domain_id: "d".into(),
            domain_name: "acme".into(),
            password_hash: String::new(),
            enabled: true,
            password_epoch: 3,
            roles: HashMap::from([("p1".to_string(), vec![Role::Viewer])]),
            enterprise_projects: HashMap::from([("p1".to_string(), vec!["e1".to_string()])]),
        },
    );
    s
}

fn claims() -> TokenClaims {
    TokenClaims {
        user_id: "u1".into(),
        project_id: "p1".into(),
        issued_at: 100,
        expires_at: 200,
        password_epoch: 3,
    }
}

#[test]
fn a_token_opens_to_the_claims_it_was_issued_with() {
    let key = MasterKey::generate();
    let t = token_issue(&key, &claims());
    assert!(t.starts_with("MII"));
    let sealed = URL_SAFE_NO_PAD
        .decode(t.trim_start_matches("MII"))
        .expect("base64");
    let readable = |needle: &[u8]| sealed.windows(needle.len()).any(|w| w == needle);
    assert!(
        !readable(b"user_id") && !readable(b"project_id"),
        "claims must not be readable"
    );
    assert_eq!(token_open(&key, &t), Some(claims()));
}

#[test]
fn a_tampered_or_foreign_token_does_not_open() {
    let key = MasterKey::generate();
    let t = token_issue(&key, &claims());
    let mut chars: Vec<char> = t.chars().collect();
    let i = chars.len() / 2;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    assert_eq!(
        token_open(&key, &chars.into_iter().collect::<String>()),
        None
    );
    assert_eq!(token_open(&MasterKey::generate(), &t), None);
    assert_eq!(token_open(&key, "MIIgarbage"), None);
    assert_eq!(token_open(&key, ""), None);
}

#[test]
fn a_valid_token_gives_the_users_roles_and_limits_on_its_project() {
    let c = token_caller(&snapshot(), &claims(), 150, "p1").expect("caller");
    assert_eq!(c.tenant.project_id(), "p1");
    assert_eq!(c.roles, vec![Role::Viewer]);
    assert_eq!(c.enterprise_projects, Some(vec!["e1".to_string()]));
    assert!(!c.can_write());
}

#[test]
fn an_expired_token_must_be_updated() {
    assert_eq!(
        token_caller(&snapshot(), &claims(), 200, "p1").err(),
        Some(Error::TokenExpired)
    );
}

#[test]
fn a_token_for_another_project_is_an_invalid_project() {
    assert_eq!(
        token_caller(&snapshot(), &claims(), 150, "p2").err(),
        Some(Error::ProjectMismatch)
    );
}

#[test]
fn a_password_change_revokes_earlier_tokens() {
    let mut s = snapshot();
    if let Some(u) = s.users.get_mut("u1") {
        u.password_epoch = 4;
    }
    assert!(matches!(
        token_caller(&s, &claims(), 150, "p1"),
        Err(Error::Unauthenticated { .. })
    ));
}

#[test]
fn a_disabled_user_is_refused() {
    let mut s = snapshot();
    if let Some(u) = s.users.get_mut("u1") {
        u.enabled = false;
    }
    assert!(matches!(
        token_caller(&s, &claims(), 150, "p1"),
        Err(Error::Unauthenticated { .. })
    ));
}

#[test]
fn a_user_without_a_role_on_the_project_gets_invalid_project() {
    let s = snapshot();
    let u = s.users.get("u1").expect("user");
    assert_eq!(s.caller(u, "p2").err(), Some(Error::ProjectMismatch));
    assert_eq!(s.caller(u, "nope").err(), Some(Error::ProjectMismatch));
}

#[test]
fn users_and_projects_are_found_by_name() {
    let s = snapshot();
    assert_eq!(
        s.user_by_name("acme", "alice").map(|u| u.id.as_str()),
        Some("u1")
    );
    assert_eq!(
        s.user_by_name("d", "alice").map(|u| u.id.as_str()),
        Some("u1")
    );
    assert!(s.user_by_name("other", "alice").is_none());
    assert_eq!(
        s.project_by_name(Some("d"), "name-p2")
            .map(|p| p.tenant.key()),
        Some(2)
    );
}

#[test]
fn a_user_lists_only_the_projects_it_holds_a_role_in() {
    let mut s = snapshot();
    assert_eq!(
        s.projects_of_user("u1"),
        vec![(
            "p1".to_string(),
            "name-p1".to_string(),
            Some("d".to_string())
        )]
    );
    if let Some(u) = s.users.get_mut("u1") {
        u.roles.insert("p2".into(), vec![Role::Admin]);
        u.roles.insert("gone".into(), vec![Role::Admin]);
    }
    let ids: Vec<String> = s.projects_of_user("u1").into_iter().map(|p| p.0).collect();
    assert_eq!(ids, ["p1", "p2"]);
    assert!(s.projects_of_user("nobody").is_empty());
    if let Some(u) = s.users.get_mut("u1") {
        u.enabled = false;
    }
    assert!(s.projects_of_user("u1").is_empty());
}
