//! OpenDRS core: the domain (jobs, statuses, the list query), errors and their messages,
//! request signing, and the tenant-scoped store contract. Knows nothing of HTTP frameworks.

pub mod audit;
pub mod batch;
pub mod caller;
pub mod clock;
pub mod crypto;
pub mod enums;
pub mod error;
pub mod executor;
pub mod identity;
pub mod job;
pub mod json;
pub mod lang;
pub mod lifecycle;
pub mod login;
pub mod messages;
pub mod node_types;
pub mod ops;
pub mod query;
pub mod quota;
pub mod service;
pub mod signing;
pub mod store;
pub mod tags;
pub mod timeline;
pub mod v5;
pub mod window;
pub mod workflow;
pub mod writes;

pub use error::{Error, Result};
