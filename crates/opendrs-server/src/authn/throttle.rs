//! Per-project rate limiting: one token bucket per project, refilled continuously.

use opendrs_core::Error;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by project; `rate` 0 disables limiting.
pub struct Throttle {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl Throttle {
    pub fn new(rate_per_sec: u32, burst: u32) -> Self {
        Throttle {
            rate: rate_per_sec as f64,
            burst: burst.max(1) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `project`, or says how long until one is available.
    pub fn check(&self, project: i64) -> Result<(), Error> {
        self.check_at(project, Instant::now())
    }

    fn check_at(&self, project: i64, now: Instant) -> Result<(), Error> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let b = buckets.entry(project).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / self.rate;
            Err(Error::Throttled {
                retry_after: Duration::from_secs_f64(wait),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_then_refilled() {
        let t = Throttle::new(10, 3);
        let start = Instant::now();
        for _ in 0..3 {
            assert!(t.check_at(1, start).is_ok());
        }
        assert!(matches!(t.check_at(1, start), Err(Error::Throttled { .. })));
        assert!(t.check_at(1, start + Duration::from_millis(100)).is_ok());
    }

    #[test]
    fn projects_have_their_own_buckets() {
        let t = Throttle::new(1, 1);
        let now = Instant::now();
        assert!(t.check_at(1, now).is_ok());
        assert!(t.check_at(1, now).is_err());
        assert!(t.check_at(2, now).is_ok());
    }

    #[test]
    fn a_zero_rate_disables_limiting() {
        let t = Throttle::new(0, 1);
        let now = Instant::now();
        for _ in 0..100 {
            assert!(t.check_at(1, now).is_ok());
        }
    }
}
