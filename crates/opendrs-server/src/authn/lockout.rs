//! Failed-login throttling, as IAM does it: after `max_failures` failed logins within `window`,
//! the login subject (a user ID, or an account and user name as given) is locked for `lock`;
//! a client address is locked likewise after its own, larger number of failures. State is in
//! memory, per instance, and bounded (least recently seen subjects are forgotten first).

use std::{
    hash::Hash,
    net::IpAddr,
    num::NonZeroUsize,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Most subjects (and, separately, addresses) remembered: bounds memory whatever an attacker
/// sends (each entry is well under 200 bytes).
const REMEMBERED: usize = 65_536;

/// Thresholds and durations; a `max` of 0 disables that half.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub max_failures: u32,
    pub address_max_failures: u32,
    pub window: Duration,
    pub lock: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

/// Failure counts per key within a window, and locks.
struct Counter<K: Hash + Eq> {
    max: u32,
    records: Mutex<lru::LruCache<K, Record>>,
}

impl<K: Hash + Eq> Counter<K> {
    fn new(max: u32) -> Self {
        Counter {
            max,
            records: Mutex::new(lru::LruCache::new(
                NonZeroUsize::new(REMEMBERED).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn is_locked(&self, key: &K, now: Instant) -> bool {
        if self.max == 0 {
            return false;
        }
        let Ok(records) = self.records.lock() else {
            return false;
        };
        records
            .peek(key)
            .and_then(|r| r.locked_until)
            .is_some_and(|until| now < until)
    }

    fn fail(&self, key: K, now: Instant, policy: &Policy) {
        if self.max == 0 {
            return;
        }
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        let r = records.get_or_insert_mut(key, || Record {
            failures: 0,
            since: now,
            locked_until: None,
        });
        if r.locked_until.is_some_and(|until| now < until) {
            return;
        }
        if now.saturating_duration_since(r.since) > policy.window || r.locked_until.is_some() {
            *r = Record {
                failures: 0,
                since: now,
                locked_until: None,
            };
        }
        r.failures += 1;
        if r.failures >= self.max {
            r.locked_until = Some(now + policy.lock);
        }
    }

    fn forget(&self, key: &K) {
        if let Ok(mut records) = self.records.lock() {
            records.pop(key);
        }
    }
}

/// The failed-login throttle of one instance.
pub struct Lockout {
    policy: Policy,
    subjects: Counter<String>,
    addresses: Counter<IpAddr>,
}

impl Lockout {
    pub fn new(policy: Policy) -> Self {
        Lockout {
            policy,
            subjects: Counter::new(policy.max_failures),
            addresses: Counter::new(policy.address_max_failures),
        }
    }

    /// Whether the client address is locked (its logins are refused without a password check).
    pub fn address_locked(&self, address: Option<IpAddr>, now: Instant) -> bool {
        address.is_some_and(|a| self.addresses.is_locked(&a, now))
    }

    /// Whether the subject is locked (its logins are refused whatever the password).
    pub fn subject_locked(&self, subject: Option<&str>, now: Instant) -> bool {
        subject.is_some_and(|s| self.subjects.is_locked(&s.to_string(), now))
    }

    /// Counts a failed login.
    pub fn failed(&self, subject: Option<&str>, address: Option<IpAddr>, now: Instant) {
        if let Some(s) = subject {
            self.subjects.fail(s.to_string(), now, &self.policy);
        }
        if let Some(a) = address {
            self.addresses.fail(a, now, &self.policy);
        }
    }

    /// A successful login resets its subject's count (failures must be consecutive); the
    /// address keeps its count, so one valid account does not unlock guessing at others.
    pub fn succeeded(&self, subject: Option<&str>) {
        if let Some(s) = subject {
            self.subjects.forget(&s.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy {
            max_failures: 3,
            address_max_failures: 5,
            window: Duration::from_secs(60),
            lock: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_subject_is_locked_after_the_maximum_failures_and_unlocked_after_the_lock() {
        let l = Lockout::new(policy());
        let t = Instant::now();
        for _ in 0..2 {
            l.failed(Some("alice"), None, t);
        }
        assert!(!l.subject_locked(Some("alice"), t));
        l.failed(Some("alice"), None, t);
        assert!(l.subject_locked(Some("alice"), t));
        assert!(!l.subject_locked(Some("bob"), t));
        assert!(!l.subject_locked(Some("alice"), t + Duration::from_secs(61)));
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let l = Lockout::new(policy());
        let t = Instant::now();
        l.failed(Some("alice"), None, t);
        l.failed(Some("alice"), None, t);
        l.failed(Some("alice"), None, t + Duration::from_secs(61));
        assert!(!l.subject_locked(Some("alice"), t + Duration::from_secs(61)));
    }

    #[test]
    fn a_success_resets_the_subject_but_not_the_address() {
        let l = Lockout::new(policy());
        let t = Instant::now();
        let ip: IpAddr = [127, 0, 0, 1].into();
        for i in 0..5 {
            l.failed(Some("alice"), Some(ip), t);
            if i % 2 == 0 {
                l.succeeded(Some("alice"));
            }
        }
        assert!(!l.subject_locked(Some("alice"), t));
        assert!(l.address_locked(Some(ip), t));
    }

    #[test]
    fn a_zero_maximum_disables_locking() {
        let l = Lockout::new(Policy {
            max_failures: 0,
            address_max_failures: 0,
            ..policy()
        });
        let t = Instant::now();
        let ip: IpAddr = [127, 0, 0, 1].into();
        for _ in 0..100 {
            l.failed(Some("alice"), Some(ip), t);
        }
        assert!(!l.subject_locked(Some("alice"), t) && !l.address_locked(Some(ip), t));
    }
}
