//! `Application`: opens the store, builds the router and binds the listener (port 0 works,
//! and `local_addr` tells the real one) and, with `metrics_listen`, the metrics listener; then
//! serves both until a shutdown signal.

use crate::{
    authn::{master_key, Authenticator},
    config::Config,
    http::{router, AppState},
    metrics::Metrics,
};
use opendrs_core::service::Jobs;
use opendrs_core::store::Backend;
use std::{future::Future, net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;

/// A bound, ready-to-run service.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    store: Arc<dyn Backend>,
    authn: Arc<Authenticator>,
    /// The lifecycle executor, stopped with the server.
    executor: Option<tokio::task::JoinHandle<()>>,
    /// `/metrics` on its own address (`metrics_listen`), when configured.
    metrics_listener: Option<(TcpListener, axum::Router)>,
    metrics: Arc<Metrics>,
}

impl Application {
    /// Opens (and migrates) the store in the data directory and binds `config.listen`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
        let metrics = Arc::new(Metrics::new());
        let store = config
            .open_database_probed(Some(metrics.store_probe()))
            .await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some((
                TcpListener::bind(addr).await.map_err(|e| {
                    anyhow::anyhow!("cannot listen on {addr} (metrics_listen): {e}")
                })?,
                crate::http::metrics::router(metrics.clone()),
            )),
            None => None,
        };
        let master = master_key::load(&config)?;
        let shared: Arc<dyn opendrs_core::store::Store> = store.clone();
        let authn =
            Arc::new(Authenticator::new(shared.clone(), master, &config, metrics.clone()).await?);
        authn.spawn_refresher();
        if config.auth_disabled {
            tracing::warn!(
                "authentication is DISABLED: every caller is an administrator of any project"
            );
        }
        let cached_pages = config.page_cache_entries;
        let settings = config.executor_settings();
        let reachability = config.reachability();
        let notify = Arc::new(tokio::sync::Notify::new());
        let executor = config.executor_enabled.then(|| {
            crate::executor::spawn(
                shared.clone(),
                settings,
                std::time::Duration::from_millis(config.executor_poll_ms),
                notify.clone(),
                metrics.clone(),
            )
        });
        let wake: opendrs_core::service::Wake = Arc::new(move || notify.notify_one());
        let jobs = Jobs::new(shared, cached_pages)
            .with_lifecycle(settings, Some(wake))
            .with_reachability(reachability)
            .with_default_quota(config.default_job_quota);
        metrics.watch_page_cache(jobs.page_cache_stats());
        let state = AppState {
            config: Arc::new(config),
            jobs,
            tags: opendrs_core::tags::Tags::new(store.clone()),
            authn: authn.clone(),
            metrics: metrics.clone(),
        };
        Ok(Application {
            listener,
            router: router(state),
            store,
            authn,
            executor,
            metrics_listener,
            metrics,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The metrics listener's address, when `/metrics` has one of its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|(l, _)| l.local_addr().ok())
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The store, for seeding before serving.
    pub fn store(&self) -> &Arc<dyn Backend> {
        &self.store
    }

    /// The authenticator, to reload identity after seeding.
    pub fn authenticator(&self) -> &Arc<Authenticator> {
        &self.authn
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let limits = crate::serve::Limits::of(self.authn.config());
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let metrics_server = self.metrics_listener.map(|(listener, router)| {
            let limits = crate::serve::Limits {
                max_connections: 16,
                ..limits
            };
            tokio::spawn(crate::serve::serve(listener, router, limits, async {
                let _ = metrics_stopped.await;
            }))
        });
        let served = crate::serve::serve(self.listener, self.router, limits, shutdown).await;
        let _ = stop_metrics.send(());
        if let Some(task) = metrics_server {
            if let Ok(Err(e)) = task.await {
                tracing::warn!(error = %e, "the metrics listener ended with an error");
            }
        }
        if let Some(executor) = self.executor {
            executor.abort();
        }
        served
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
