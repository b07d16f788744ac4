//! The service's integration tests, one binary: each test starts a real server on port 0 with
//! its own fresh data directory and talks to it over HTTP.

mod abuse;
mod auth;
mod errors;
mod helpers;
mod instances;
mod jobs_batch;
mod jobs_list;
mod jobs_v5;
mod jobs_v5_workflow;
mod lifecycle;
mod metrics;
mod openapi;
mod outage;
mod quotas;
mod tags;
mod timeline;
mod tokens;
mod workflow;
