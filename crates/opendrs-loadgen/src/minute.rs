//! One minute's request statistics: answers by kind and status class, transport errors, and
//! every latency (µs, from the request's scheduled send time), exact percentiles by sorting.
//!
//! A bounded rate keeps this small (300 requests/s are 18,000 latencies a minute), so no
//! histogram approximation is needed.

use crate::mix::Kind;

#[derive(Debug, Default, Clone)]
pub struct MinuteStats {
    pub list: u64,
    pub write: u64,
    pub login: u64,
    /// Answers by status class: index 0 = 1xx … 4 = 5xx.
    pub classes: [u64; 5],
    /// Requests that got no HTTP answer (connection refused or reset, timeout).
    pub transport_errors: u64,
    latencies_us: Vec<u64>,
    /// The list requests' latencies alone (a login's password check dominates the overall p99).
    list_latencies_us: Vec<u64>,
}

/// The q-quantile (0..=1) of `v`, ms (nearest rank); 0 when empty.
fn quantile_ms(v: &mut [u64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_unstable();
    let n = v.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
    v[rank - 1] as f64 / 1000.0
}

impl MinuteStats {
    /// Records one finished request: its kind, its status (None: no answer) and its latency.
    pub fn record(&mut self, kind: Kind, status: Option<u16>, latency_us: u64) {
        match kind {
            Kind::List => {
                self.list += 1;
                self.list_latencies_us.push(latency_us);
            }
            Kind::Write => self.write += 1,
            Kind::Login => self.login += 1,
        }
        match status {
            Some(s) if (100..600).contains(&s) => self.classes[usize::from(s / 100 - 1)] += 1,
            _ => self.transport_errors += 1,
        }
        self.latencies_us.push(latency_us);
    }

    pub fn requests(&self) -> u64 {
        self.list + self.write + self.login
    }

    /// The q-quantile (0..=1) of every latency of the minute, ms (nearest rank); 0 without requests.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        quantile_ms(&mut self.latencies_us, q)
    }

    /// The same over the list requests only.
    pub fn list_quantile_ms(&mut self, q: f64) -> f64 {
        quantile_ms(&mut self.list_latencies_us, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_nearest_rank_over_the_minutes_latencies() {
        let mut m = MinuteStats::default();
        for us in (1..=100).rev() {
            m.record(Kind::List, Some(200), us * 1000);
        }
        assert_eq!(m.quantile_ms(0.5), 50.0);
        assert_eq!(m.quantile_ms(0.99), 99.0);
        assert_eq!(m.quantile_ms(1.0), 100.0);
    }

    #[test]
    fn list_quantiles_leave_out_the_other_kinds() {
        let mut m = MinuteStats::default();
        m.record(Kind::List, Some(200), 1_000);
        m.record(Kind::Login, Some(201), 40_000);
        assert_eq!(m.list_quantile_ms(0.99), 1.0);
        assert_eq!(m.quantile_ms(0.99), 40.0);
    }

    #[test]
    fn answers_count_by_class_and_missing_answers_as_transport_errors() {
        let mut m = MinuteStats::default();
        m.record(Kind::List, Some(200), 1);
        m.record(Kind::Write, Some(202), 1);
        m.record(Kind::Login, Some(429), 1);
        m.record(Kind::List, Some(503), 1);
        m.record(Kind::List, None, 1);
        assert_eq!(m.classes, [0, 2, 0, 1, 1]);
        assert_eq!(m.transport_errors, 1);
        assert_eq!((m.list, m.write, m.login, m.requests()), (3, 1, 1, 5));
    }

    #[test]
    fn an_empty_minute_has_zero_latency() {
        assert_eq!(MinuteStats::default().quantile_ms(0.99), 0.0);
    }
}
