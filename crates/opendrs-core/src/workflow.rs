//! The v3 task workflow around the lifecycle: connection tests, object selection, flow control,
//! prechecks, progress, DR switchover and RPO/RTO. What a job's workflow state is
//! ([`state`]), how requests are read ([`bodies`]), the deterministic simulation of databases
//! that OpenDRS never connects to ([`reach`], [`precheck`], [`progress`]) and the wire
//! answers ([`answers`]). The writes themselves are `crate::writes`'s.

pub mod answers;
pub mod bodies;
pub mod precheck;
pub mod progress;
pub mod reach;
pub mod state;

pub use reach::Reachability;
pub use state::{PrecheckGate, WorkflowState};
