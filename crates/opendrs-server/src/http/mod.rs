//! The HTTP edge: the one table of routes (each registered with its OpenAPI operation), shared
//! state, and the layers every request passes through. Only this module (and `authn`) knows the
//! web framework.

pub mod console;
pub mod context;
pub mod error;
pub mod extract;
pub mod job_writes;
pub mod jobs;
pub mod jobs_v5;
pub mod meta;
pub mod metrics;
pub mod openapi;
pub mod reply;
pub mod resources;
pub mod streams;
pub mod tags;
pub mod tokens;
pub mod workflow;

use crate::{authn::Authenticator, config::Config};
use axum::{middleware, routing::get, Router};
use opendrs_core::service::Jobs;
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub jobs: Jobs,
    pub tags: opendrs_core::tags::Tags,
    pub authn: Arc<Authenticator>,
    pub metrics: Arc<crate::metrics::Metrics>,
}

/// THE table of the API's operations. Each line registers a handler at the method and path of
/// its `#[utoipa::path]` and adds that operation to the OpenAPI document: a path is written once.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::base())
        .routes(routes!(tokens::token_create))
        .routes(routes!(tokens::auth_projects))
        .routes(routes!(jobs::job_list))
        .routes(routes!(jobs::job_batch_status))
        .routes(routes!(jobs::job_batch_detail))
        .routes(routes!(jobs::job_timeline))
        .routes(routes!(job_writes::job_create))
        .routes(routes!(job_writes::job_start))
        .routes(routes!(job_writes::job_pause))
        .routes(routes!(job_writes::job_retry))
        .routes(routes!(job_writes::job_modify))
        .routes(routes!(job_writes::job_delete))
        .routes(routes!(workflow::job_connect))
        .routes(routes!(workflow::job_select_objects))
        .routes(routes!(workflow::job_set_speed))
        .routes(routes!(workflow::job_precheck))
        .routes(routes!(workflow::job_precheck_results))
        .routes(routes!(workflow::job_progress))
        .routes(routes!(workflow::job_switchover))
        .routes(routes!(workflow::job_rpo_rto))
        .routes(routes!(tags::tag_create))
        .routes(routes!(tags::tag_delete))
        .routes(routes!(tags::tag_action))
        .routes(routes!(tags::tag_list))
        .routes(routes!(tags::tag_show))
        .routes(routes!(tags::tag_project_list))
        .routes(routes!(tags::tag_project_list_deprecated))
        .routes(routes!(tags::tag_instance_filter))
        .routes(routes!(tags::tag_instance_count))
        .routes(routes!(jobs_v5::job_list_v5))
        .routes(routes!(jobs_v5::job_create_v5))
        .routes(routes!(jobs_v5::job_batch_delete_v5))
        .routes(routes!(jobs_v5::job_detail_v5))
        .routes(routes!(jobs_v5::job_update_v5))
        .routes(routes!(jobs_v5::job_delete_v5))
        .routes(routes!(jobs_v5::job_action_v5))
        .routes(routes!(jobs_v5::job_actions_v5))
        .routes(routes!(jobs_v5::job_stop_v5))
        .routes(routes!(jobs_v5::job_batch_action_v5))
        .routes(routes!(jobs_v5::job_batch_stop_v5))
        .routes(routes!(jobs_v5::job_name_validate))
        .routes(routes!(jobs_v5::enterprise_project_list))
        .routes(routes!(resources::quota_show))
        .routes(routes!(resources::node_type_list))
}

/// Every route of the service: the API's operations, then the service routes outside it.
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
    let (api, _) = api().split_for_parts();
    let mut routes = api
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
