//! The soak's verdict from the per-minute samples.
//!
//! Minutes 1..=W are warm-up (W = 5 of 30, scaled: round(M/6), at least 1, at most M-1). Of the
//! minutes after it, the first window and the last window are each k = ceil(post/5) minutes
//! (5 of the 25 of a 30-minute run). The targets, each on the medians of a window:
//! - resident memory and open file descriptors: last window at most `growth_limit` (10 %)
//!   above the first;
//! - no 5xx answer and no request without an answer, in the whole run (warm-up included);
//! - p99 latency, of all requests and of the list requests alone: last window at most
//!   `p99_factor` times the first.

/// What the verdict needs of one minute.
#[derive(Debug, Clone, Default)]
pub struct MinuteRow {
    pub rss_kib: u64,
    pub fds: u64,
    pub s5xx: u64,
    pub transport_errors: u64,
    pub p99_ms: f64,
    pub list_p99_ms: f64,
}

/// A column of the minute rows.
type Field = fn(&MinuteRow) -> f64;

#[derive(Debug, Clone, Copy)]
pub struct Targets {
    /// Warm-up minutes; None: scaled from the run's length.
    pub warmup: Option<usize>,
    pub growth_limit: f64,
    pub p99_factor: f64,
}

#[derive(Debug)]
pub struct Verdict {
    pub lines: Vec<String>,
    pub passed: bool,
}

/// The warm-up of a run of `minutes` minutes.
pub fn warmup_minutes(minutes: usize) -> usize {
    if minutes < 2 {
        return 0;
    }
    ((minutes as f64 / 6.0).round() as usize).clamp(1, minutes - 1)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn judge(rows: &[MinuteRow], t: Targets) -> Verdict {
    let mut lines = Vec::new();
    let mut passed = true;
    let m = rows.len();
    if m == 0 {
        return Verdict {
            lines: vec!["FAIL no complete minute was sampled".into()],
            passed: false,
        };
    }
    let w = t.warmup.unwrap_or_else(|| warmup_minutes(m)).min(m - 1);
    let post = &rows[w..];
    let k = post.len().div_ceil(5).max(1);
    let (first, last) = (&post[..k], &post[post.len() - k..]);
    lines.push(format!(
        "warm-up minutes 1-{w}; first window minutes {}-{}, last window minutes {}-{} (medians)",
        w + 1,
        w + k,
        m - k + 1,
        m
    ));
    let window =
        |rows: &[MinuteRow], f: fn(&MinuteRow) -> f64| median(rows.iter().map(f).collect());
    let mut growth = |name: &str, unit: &str, f: Field| {
        let (a, b) = (window(first, f), window(last, f));
        let g = if a > 0.0 { b / a - 1.0 } else { 0.0 };
        let ok = g < t.growth_limit;
        passed &= ok;
        lines.push(format!(
            "{} {name} growth after warm-up {:+.1} % ({a:.1} -> {b:.1} {unit}; target < {:.0} %)",
            if ok { "PASS" } else { "FAIL" },
            g * 100.0,
            t.growth_limit * 100.0
        ));
    };
    growth("resident memory", "MiB", |r| r.rss_kib as f64 / 1024.0);
    growth("open file descriptors", "fds", |r| r.fds as f64);
    let s5xx: u64 = rows.iter().map(|r| r.s5xx).sum();
    let lost: u64 = rows.iter().map(|r| r.transport_errors).sum();
    let ok = s5xx == 0 && lost == 0;
    passed &= ok;
    lines.push(format!(
        "{} 5xx answers {s5xx}, requests without an answer {lost} (target 0 and 0)",
        if ok { "PASS" } else { "FAIL" }
    ));
    let p99s: [(&str, Field); 2] = [
        ("p99 latency", |r| r.p99_ms),
        ("list p99 latency", |r| r.list_p99_ms),
    ];
    for (name, f) in p99s {
        let (a, b) = (window(first, f), window(last, f));
        let ok = b <= a * t.p99_factor;
        passed &= ok;
        lines.push(format!(
            "{} {name} last window {b:.2} ms vs first {a:.2} ms: {:.2}x (target <= {:.1}x)",
            if ok { "PASS" } else { "FAIL" },
            if a > 0.0 { b / a } else { 0.0 },
            t.p99_factor
        ));
    }
    Verdict { lines, passed }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Targets = Targets {
        warmup: None,
        growth_limit: 0.10,
        p99_factor: 2.0,
    };

    fn flat(minutes: usize) -> Vec<MinuteRow> {
        (0..minutes)
            .map(|_| MinuteRow {
                rss_kib: 100 * 1024,
                fds: 40,
                p99_ms: 5.0,
                list_p99_ms: 2.0,
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn warm_up_is_five_of_thirty_minutes_and_scales_down() {
        assert_eq!(warmup_minutes(30), 5);
        assert_eq!(warmup_minutes(12), 2);
        assert_eq!(warmup_minutes(2), 1);
        assert_eq!(warmup_minutes(1), 0);
    }

    #[test]
    fn a_flat_run_passes() {
        let v = judge(&flat(30), T);
        assert!(v.passed, "{:?}", v.lines);
    }

    #[test]
    fn memory_growing_during_warm_up_only_passes() {
        let mut rows = flat(30);
        for (i, r) in rows.iter_mut().take(5).enumerate() {
            r.rss_kib = (20 + 16 * i as u64) * 1024;
        }
        assert!(judge(&rows, T).passed);
    }

    #[test]
    fn memory_climbing_after_warm_up_fails() {
        let mut rows = flat(30);
        for (i, r) in rows.iter_mut().enumerate() {
            r.rss_kib = (100 + i as u64) * 1024;
        }
        let v = judge(&rows, T);
        assert!(!v.passed);
        assert!(v
            .lines
            .iter()
            .any(|l| l.starts_with("FAIL resident memory")));
    }

    #[test]
    fn leaking_file_descriptors_fail() {
        let mut rows = flat(30);
        for (i, r) in rows.iter_mut().enumerate() {
            r.fds = 40 + 2 * i as u64;
        }
        assert!(!judge(&rows, T).passed);
    }

    #[test]
    fn a_single_5xx_or_lost_request_fails() {
        let mut rows = flat(30);
        rows[2].s5xx = 1;
        assert!(!judge(&rows, T).passed);
        let mut rows = flat(30);
        rows[29].transport_errors = 1;
        assert!(!judge(&rows, T).passed);
    }

    #[test]
    fn p99_beyond_the_factor_fails_and_within_it_passes() {
        let mut rows = flat(30);
        for r in rows.iter_mut().skip(25) {
            r.p99_ms = 9.9;
        }
        assert!(judge(&rows, T).passed);
        for r in rows.iter_mut().skip(25) {
            r.p99_ms = 10.1;
        }
        assert!(!judge(&rows, T).passed);
    }

    #[test]
    fn a_list_p99_beyond_the_factor_fails_even_when_the_overall_p99_holds() {
        let mut rows = flat(30);
        for r in rows.iter_mut().skip(25) {
            r.list_p99_ms = 4.5;
        }
        let v = judge(&rows, T);
        assert!(!v.passed);
        assert!(
            v.lines.iter().any(|l| l.starts_with("FAIL list p99")),
            "{:?}",
            v.lines
        );
    }

    #[test]
    fn a_two_minute_run_judges_its_second_minute() {
        let v = judge(&flat(2), T);
        assert!(v.passed);
        assert!(v.lines[0].contains("warm-up minutes 1-1"), "{}", v.lines[0]);
    }

    #[test]
    fn no_minutes_fail() {
        assert!(!judge(&[], T).passed);
    }
}
