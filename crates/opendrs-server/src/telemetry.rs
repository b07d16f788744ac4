//! Structured logs: text or JSON, filtered by the configured level (or `RUST_LOG`).

use crate::config::{Config, LogFormat};
use tracing_subscriber::{fmt, EnvFilter};

/// Installs the global subscriber once; later calls (as in tests) are ignored.
pub fn init(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_level));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}
