//! `StoreProbe`: how a backend reports its own waiting (for a pooled connection, for the write
//! transaction) to whoever measures it, without knowing any metrics library. The server gives one
//! to the backend at open; a backend without one measures nothing.

use std::{sync::Arc, time::Duration};

/// Receives a backend's waits. Called on the request path: an implementation records and returns
/// at once (atomics, no I/O, nothing that can block).
pub trait StoreProbe: Send + Sync + 'static {
    /// A pooled connection was handed out after `waited` (zero when one was free).
    fn pool_wait(&self, waited: Duration);

    /// A write transaction began after `waited`: on SQLite the process's writer queue, a
    /// connection and `BEGIN IMMEDIATE`; on PostgreSQL a connection and `BEGIN`.
    fn write_wait(&self, waited: Duration);
}

/// An optional probe, as a backend holds it.
#[derive(Clone, Default)]
pub struct Probe(Option<Arc<dyn StoreProbe>>);

impl Probe {
    pub fn new(probe: Option<Arc<dyn StoreProbe>>) -> Self {
        Probe(probe)
    }

    pub fn pool_wait(&self, waited: Duration) {
        if let Some(p) = &self.0 {
            p.pool_wait(waited);
        }
    }

    pub fn write_wait(&self, waited: Duration) {
        if let Some(p) = &self.0 {
            p.write_wait(waited);
        }
    }
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Probe(set)"
        } else {
            "Probe(none)"
        })
    }
}
