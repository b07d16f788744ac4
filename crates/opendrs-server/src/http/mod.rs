//! The HTTP edge: the one table of routes, shared state, and the layers every request
//! passes through. Only this module (and `authn`) knows the web framework.

pub mod console;
pub mod context;
pub mod error;
pub mod extract;
pub mod job_writes;
pub mod jobs;
pub mod meta;
pub mod metrics;
pub mod openapi;
pub mod streams;
pub mod tags;
pub mod tokens;

use crate::{authn::Authenticator, config::Config};
use axum::{
    middleware,
    routing::{delete, get, post, put},
    Router,
};
use opendrs_core::service::Jobs;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub jobs: Jobs,
    pub tags: opendrs_core::tags::Tags,
    pub authn: Arc<Authenticator>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// Every route of the service.
pub fn router(state: AppState) -> Router {
    let streams =
        streams::StreamGate::new(state.config.max_streams_per_project, state.metrics.clone());
    let state = AppState {
        jobs: state.jobs.clone().with_page_cache(
            state.config.page_cache_entries,
            state.config.page_cache_bytes,
        ),
        ..state
    };
    let mut routes = Router::new()
        .route("/v3/auth/tokens", post(tokens::token_create))
        .route("/v3/auth/projects", get(tokens::auth_projects))
        .route("/v3/{project_id}/jobs", post(jobs::job_list))
        .route(
            "/v3/{project_id}/jobs/batch-status",
            post(jobs::job_batch_status),
        )
        .route(
            "/v3/{project_id}/jobs/batch-detail",
            post(jobs::job_batch_detail),
        )
        .route(
            "/v3/{project_id}/jobs/batch-creation",
            post(job_writes::job_create),
        )
        .route(
            "/v3/{project_id}/jobs/batch-starting",
            post(job_writes::job_start),
        )
        .route(
            "/v3/{project_id}/jobs/batch-pause-task",
            post(job_writes::job_pause),
        )
        .route(
            "/v3/{project_id}/jobs/batch-retry-task",
            post(job_writes::job_retry),
        )
        .route(
            "/v3/{project_id}/jobs/batch-modification",
            put(job_writes::job_modify),
        )
        .route(
            "/v3/{project_id}/jobs/batch-jobs",
            delete(job_writes::job_delete),
        )
        .merge(tags::routes())
        .route("/health", get(meta::health))
        .route("/ready", get(meta::ready))
        .route("/openapi.json", get(meta::openapi))
        .route("/console", get(console::console_redirect))
        .route("/console/", get(console::console_index))
        .route("/console/{file}", get(console::console_file));
    if state.config.metrics_listen.is_none() {
        routes = routes.route(
            "/metrics",
            get(metrics::scrape).with_state(state.metrics.clone()),
        );
    }
    routes
        .fallback(meta::not_found)
        .method_not_allowed_fallback(meta::method_not_allowed)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::deadline,
        ))
        .layer(axum::Extension(streams))
        .layer(middleware::from_fn(context::limits))
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            metrics::track,
        ))
        .layer(middleware::from_fn(context::request_context))
        .with_state(state)
}
