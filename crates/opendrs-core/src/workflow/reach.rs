//! Whether a simulated database answers. OpenDRS never opens a connection to an address a user
//! typed: a connection test or a precheck decides by this rule alone, deterministically.
//!
//! An endpoint is unreachable when any of its addresses (`ip` may list several, `host` or
//! `host:port`, comma-separated) names a host under the reserved `.invalid` top-level domain
//! (RFC 6761: it never resolves anywhere), a host of `unreachable_hosts`, or a port (its own, or
//! the endpoint's `db_port`) of `unreachable_ports`. A cloud instance given only by its ID
//! (`inst_id`, no address) is unreachable when that ID is listed in `unreachable_hosts`; an
//! endpoint with neither address nor instance never answers. Everything else answers.

use serde::{Deserialize, Serialize};

/// The configurable part of the rule (`simulated_unreachable_hosts`, `…_ports`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reachability {
    /// Host names or addresses that never answer (compared case-insensitively).
    pub unreachable_hosts: Vec<String>,
    /// Ports on which nothing answers.
    pub unreachable_ports: Vec<u16>,
}

/// Why an endpoint does not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreachable {
    /// No address to connect to.
    NoAddress,
    /// The host is under `.invalid`.
    ReservedHost(String),
    /// The host is one of `unreachable_hosts`.
    ListedHost(String),
    /// Nothing listens on this port.
    ListedPort(u16),
}

impl Unreachable {
    /// The reason as the precheck's `failed_reason` and the stored result name it.
    pub fn reason(&self) -> String {
        match self {
            Unreachable::NoAddress => "NO_DB_ADDRESS".into(),
            Unreachable::ReservedHost(h) | Unreachable::ListedHost(h) => {
                format!("HOST_UNREACHABLE:{h}")
            }
            Unreachable::ListedPort(p) => format!("PORT_UNREACHABLE:{p}"),
        }
    }

    /// The host or port that does not answer, for messages.
    pub fn target(&self) -> String {
        match self {
            Unreachable::NoAddress => "the endpoint (no address)".into(),
            Unreachable::ReservedHost(h) | Unreachable::ListedHost(h) => h.clone(),
            Unreachable::ListedPort(p) => format!("port {p}"),
        }
    }
}

/// Splits `host:port`, `[v6]:port`, a bare host or a bare IPv6 address.
fn host_port(entry: &str) -> (String, Option<u16>) {
    let entry = entry.trim();
    if let Some(rest) = entry.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (host.to_string(), port);
        }
    }
    match entry.rsplit_once(':') {
        // One colon: host:port. More: a bare IPv6 address.
        Some((host, port)) if !host.contains(':') => (host.to_string(), port.parse().ok()),
        _ => (entry.to_string(), None),
    }
}

impl Reachability {
    /// Whether an endpoint answers: by its address when it has one, else by its instance ID.
    pub fn check_endpoint(
        &self,
        ip: Option<&str>,
        db_port: Option<u16>,
        inst_id: Option<&str>,
    ) -> Result<(), Unreachable> {
        match (ip.filter(|i| !i.trim().is_empty()), inst_id.map(str::trim)) {
            (Some(ip), _) => self.check(ip, db_port),
            (None, Some(inst)) if !inst.is_empty() => {
                if self
                    .unreachable_hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(inst))
                {
                    Err(Unreachable::ListedHost(inst.to_string()))
                } else {
                    Ok(())
                }
            }
            _ => Err(Unreachable::NoAddress),
        }
    }

    /// Whether the endpoint at `ip` (and `db_port`) answers.
    pub fn check(&self, ip: &str, db_port: Option<u16>) -> Result<(), Unreachable> {
        let entries: Vec<&str> = ip.split(',').filter(|e| !e.trim().is_empty()).collect();
        if entries.is_empty() {
            return Err(Unreachable::NoAddress);
        }
        for entry in entries {
            let (host, port) = host_port(entry);
            let host = host.trim_end_matches('.').to_lowercase();
            if host == "invalid" || host.ends_with(".invalid") {
                return Err(Unreachable::ReservedHost(host));
            }
            if self
                .unreachable_hosts
                .iter()
                .any(|h| h.trim_end_matches('.').eq_ignore_ascii_case(&host))
            {
                return Err(Unreachable::ListedHost(host));
            }
            if let Some(p) = port.or(db_port) {
                if self.unreachable_ports.contains(&p) {
                    return Err(Unreachable::ListedPort(p));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_under_the_reserved_invalid_domain_never_answer() {
        let r = Reachability::default();
        assert_eq!(r.check("192.168.0.10", Some(3306)), Ok(()));
        assert_eq!(
            r.check("db.example.INVALID.", Some(3306)),
            Err(Unreachable::ReservedHost("db.example.invalid".into()))
        );
        assert_eq!(r.check("  ", None), Err(Unreachable::NoAddress));
    }

    #[test]
    fn configured_hosts_and_ports_never_answer() {
        let r = Reachability {
            unreachable_hosts: vec!["10.9.9.9".into(), "Down.Example.com".into()],
            unreachable_ports: vec![3307],
        };
        assert!(r.check("10.9.9.9", Some(3306)).is_err());
        assert!(r.check("down.example.com:27017", None).is_err());
        assert_eq!(
            r.check("10.0.0.1", Some(3307)),
            Err(Unreachable::ListedPort(3307))
        );
        assert_eq!(
            r.check("10.0.0.1:3307,10.0.0.2:3306", Some(3306)),
            Err(Unreachable::ListedPort(3307)),
            "one address of a cluster that does not answer fails the endpoint"
        );
        assert_eq!(
            r.check("10.0.0.1:3306", Some(3307)),
            Ok(()),
            "the address's own port wins"
        );
    }

    #[test]
    fn a_cloud_instance_without_an_address_answers_unless_its_id_is_listed() {
        let r = Reachability {
            unreachable_hosts: vec!["rds-down".into()],
            unreachable_ports: vec![],
        };
        assert_eq!(r.check_endpoint(None, None, Some("rds-1")), Ok(()));
        assert!(r.check_endpoint(None, None, Some("rds-down")).is_err());
        assert_eq!(
            r.check_endpoint(Some(""), None, None),
            Err(Unreachable::NoAddress)
        );
        assert!(r
            .check_endpoint(Some("x.invalid"), None, Some("rds-1"))
            .is_err());
    }

    #[test]
    fn ipv6_addresses_are_read_with_and_without_a_port() {
        assert_eq!(host_port("[::1]:3306"), ("::1".into(), Some(3306)));
        assert_eq!(host_port("fe80::1"), ("fe80::1".into(), None));
        assert_eq!(host_port("h:27017"), ("h".into(), Some(27017)));
    }
}
