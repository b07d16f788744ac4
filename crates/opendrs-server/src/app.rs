//! `Application`: opens the store, builds the router and binds the listener (port 0 works,
//! and `local_addr` tells the real one), then serves until a shutdown signal.

use crate::{
    authn::{master_key, Authenticator},
    config::Config,
    http::{router, AppState},
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
        let store = config.open_database().await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let master = master_key::load(&config)?;
        let shared: Arc<dyn opendrs_core::store::Store> = store.clone();
        let authn = Arc::new(Authenticator::new(shared.clone(), master, &config).await?);
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
            )
        });
        let wake: opendrs_core::service::Wake = Arc::new(move || notify.notify_one());
        let state = AppState {
            config: Arc::new(config),
            jobs: Jobs::new(shared, cached_pages)
                .with_lifecycle(settings, Some(wake))
                .with_reachability(reachability),
            tags: opendrs_core::tags::Tags::new(store.clone()),
            authn: authn.clone(),
        };
        Ok(Application {
            listener,
            router: router(state),
            store,
            authn,
            executor,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
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
        let served = crate::serve::serve(self.listener, self.router, limits, shutdown).await;
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
