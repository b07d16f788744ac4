use super::*;

/// `name{labels}` → value, for every sample line; panics on a line that is not one.
fn samples(text: &str) -> Vec<(String, f64)> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("a sample is `series value`");
            (series.to_string(), value.parse().expect("a number"))
        })
        .collect()
}

fn value(text: &str, series: &str) -> Option<f64> {
    samples(text)
        .into_iter()
        .find(|(s, _)| s == series)
        .map(|(_, v)| v)
}

#[test]
fn a_request_is_counted_under_its_route_template_status_and_code() {
    let m = Metrics::new();
    let route = "/v3/{project_id}/jobs";
    m.request(route, "POST", 200, "", Duration::from_millis(3));
    m.request(route, "POST", 200, "", Duration::from_millis(4));
    m.request(route, "POST", 401, "APIGW.0301", Duration::from_micros(200));
    let text = m.render();
    assert_eq!(
        value(
            &text,
            r#"opendrs_http_requests_total{route="/v3/{project_id}/jobs",method="POST",status="200",code=""}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            r#"opendrs_http_requests_total{route="/v3/{project_id}/jobs",method="POST",status="401",code="APIGW.0301"}"#
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &text,
            r#"opendrs_http_request_duration_seconds_count{route="/v3/{project_id}/jobs",method="POST"}"#
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &text,
            r#"opendrs_http_request_duration_seconds_bucket{le="0.0025",route="/v3/{project_id}/jobs",method="POST"}"#
        )
        .or_else(|| value(
            &text,
            r#"opendrs_http_request_duration_seconds_bucket{route="/v3/{project_id}/jobs",method="POST",le="0.0025"}"#
        )),
        Some(1.0),
        "{text}"
    );
}

#[test]
fn every_line_of_the_text_is_a_comment_or_a_sample_and_every_family_is_typed() {
    let m = Metrics::new();
    m.watch_page_cache(Arc::new(PageCacheStats::default()));
    m.denied(Denial::BadSignature);
    m.throttled(Limit::ProjectRate);
    m.executor_ran(&RunReport {
        due: 3,
        applied: 2,
        purged: 1,
        next_due: None,
        lag_ms: Some(1500),
    });
    m.store_probe().write_wait(Duration::from_millis(2));
    let text = m.render();
    let typed: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    for (series, _) in samples(&text) {
        let name = series.split('{').next().unwrap_or("");
        assert!(
            typed.iter().any(|t| name == *t
                || name.strip_suffix("_total") == Some(t)
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| name.strip_suffix(s) == Some(t))),
            "{name} has no TYPE line:\n{text}"
        );
    }
    for (series, v) in [
        (
            r#"opendrs_auth_failures_total{reason="bad_signature"}"#,
            1.0,
        ),
        (r#"opendrs_throttled_total{limit="project_rate"}"#, 1.0),
        ("opendrs_executor_transitions_due_total", 3.0),
        ("opendrs_executor_transitions_applied_total", 2.0),
        ("opendrs_executor_jobs_purged_total", 1.0),
        ("opendrs_executor_runs_total", 1.0),
        ("opendrs_executor_lag_seconds_sum", 1.5),
        ("opendrs_db_write_wait_seconds_count", 1.0),
        ("opendrs_db_pool_wait_seconds_count", 0.0),
        ("opendrs_page_cache_hits_total", 0.0),
        ("opendrs_page_cache_misses_total", 0.0),
        ("opendrs_page_cache_entries", 0.0),
        ("opendrs_streams_open", 0.0),
    ] {
        assert_eq!(value(&text, series), Some(v), "{series}:\n{text}");
    }
}
