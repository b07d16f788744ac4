//! The OpenDRS service: configuration, the HTTP edge (`http`), authentication (`authn`),
//! demo data, the `opendrs` command line (`cli`) and its DRS client (`client`).

pub mod admin;
pub mod app;
pub mod authn;
pub mod backup;
pub mod cli;
pub mod client;
pub mod config;
pub mod demo;
pub mod executor;
pub mod http;
pub mod lifecycle_admin;
pub mod metrics;
pub mod quota_admin;
pub mod secret_file;
pub mod serve;
pub mod telemetry;

pub use app::Application;
pub use config::Config;
