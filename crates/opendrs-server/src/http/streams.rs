//! All-items (`cur_page: 0`) lists: at most `max_streams_per_project` at once per project, and
//! each written through a pump that ends the stream when the client stops taking chunks for
//! `stream_write_timeout_secs` — so a stalled reader holds neither the store's producer nor a
//! stream slot for longer than that.

use crate::metrics::{Limit, Metrics};
use axum::body::{Body, Bytes};
use futures::{Stream, StreamExt};
use opendrs_core::Error;
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

/// Streams running per project.
pub struct StreamGate {
    max: usize,
    running: Mutex<HashMap<i64, usize>>,
    metrics: Arc<Metrics>,
}

/// A stream slot of one project, given back when dropped.
pub struct StreamPermit {
    gate: Arc<StreamGate>,
    project: i64,
}

impl StreamGate {
    /// `max` 0: no limit. Open streams and refusals are counted in `metrics`.
    pub fn new(max: usize, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(StreamGate {
            max,
            running: Mutex::new(HashMap::new()),
            metrics,
        })
    }

    /// A slot for `project`, or 429 `APIGW.0308` when it already runs `max` streams.
    pub fn enter(self: &Arc<Self>, project: i64) -> Result<StreamPermit, Error> {
        let mut running = self.running.lock().map_err(Error::internal)?;
        let n = running.entry(project).or_insert(0);
        if self.max > 0 && *n >= self.max {
            self.metrics.throttled(Limit::Streams);
            return Err(Error::TooManyStreams { max: self.max });
        }
        *n += 1;
        self.metrics.streams_open().inc();
        Ok(StreamPermit {
            gate: self.clone(),
            project,
        })
    }

    /// Streams running in `project`.
    pub fn running(&self, project: i64) -> usize {
        self.running
            .lock()
            .map_or(0, |r| r.get(&project).copied().unwrap_or(0))
    }
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        self.gate.metrics.streams_open().dec();
        if let Ok(mut running) = self.gate.running.lock() {
            if let Some(n) = running.get_mut(&self.project) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    running.remove(&self.project);
                }
            }
        }
    }
}

/// A response body fed by `chunks` through a pump task holding `permit`. When the client
/// does not take the next chunk within `write_timeout`, the pump stops (dropping `chunks`,
/// which ends the producer) and the body ends with an error, so the connection is cut rather
/// than the answer looking complete.
pub fn pumped<S>(chunks: S, permit: StreamPermit, write_timeout: Duration) -> Body
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(1);
    let aborted = Arc::new(AtomicBool::new(false));
    let flag = aborted.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let mut chunks = std::pin::pin!(chunks);
        while let Some(chunk) = chunks.next().await {
            let last = chunk.is_err();
            match tokio::time::timeout(write_timeout, tx.send(chunk)).await {
                Ok(Ok(())) if !last => {}
                Ok(_) => return,
                Err(_) => {
                    tracing::warn!(
                        secs = write_timeout.as_secs_f64(),
                        "a streamed list was ended: the client took no data within the write timeout"
                    );
                    flag.store(true, Ordering::Relaxed);
                    return;
                }
            }
        }
    });
    let received = tokio_stream::wrappers::ReceiverStream::new(rx).map(Some);
    let end = futures::stream::once(async move {
        aborted.load(Ordering::Relaxed).then(|| {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client stopped reading",
            ))
        })
    });
    Body::from_stream(received.chain(end).filter_map(futures::future::ready))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[test]
    fn a_project_runs_at_most_max_streams_and_a_slot_frees_when_dropped() {
        let metrics = Arc::new(Metrics::new());
        let gate = StreamGate::new(2, metrics.clone());
        let a = gate.enter(1).expect("first");
        let _b = gate.enter(1).expect("second");
        assert!(matches!(
            gate.enter(1),
            Err(Error::TooManyStreams { max: 2 })
        ));
        assert_eq!(metrics.streams_open().get(), 2, "two streams open");
        assert!(gate.enter(2).is_ok(), "another project has its own slots");
        assert_eq!(
            metrics.streams_open().get(),
            2,
            "the third was dropped at once"
        );
        drop(a);
        assert_eq!(metrics.streams_open().get(), 1);
        assert!(gate.enter(1).is_ok());
        assert!(metrics
            .render()
            .contains("opendrs_throttled_total{limit=\"streams\"} 1"));
    }

    #[tokio::test]
    async fn a_stream_nobody_reads_is_ended_after_the_write_timeout_and_its_slot_freed() {
        let gate = StreamGate::new(1, Arc::new(Metrics::new()));
        let permit = gate.enter(7).expect("slot");
        let chunks =
            futures::stream::iter((0..1000).map(|_| Ok(Bytes::from_static(b"0123456789"))));
        let body = pumped(chunks, permit, Duration::from_millis(50));
        let mut waited = 0;
        while gate.running(7) > 0 && waited < 200 {
            tokio::time::sleep(Duration::from_millis(25)).await;
            waited += 1;
        }
        assert_eq!(gate.running(7), 0, "the pump gave its slot back");
        let read = body.collect().await;
        assert!(
            read.is_err(),
            "the body ends with an error, not as if complete"
        );
    }

    #[tokio::test]
    async fn a_stream_that_is_read_arrives_whole() {
        let gate = StreamGate::new(1, Arc::new(Metrics::new()));
        let permit = gate.enter(7).expect("slot");
        let chunks = futures::stream::iter((0..100).map(|_| Ok(Bytes::from_static(b"ab"))));
        let body = pumped(chunks, permit, Duration::from_secs(30));
        let bytes = body.collect().await.expect("body").to_bytes();
        assert_eq!(bytes.len(), 200);
    }
}
