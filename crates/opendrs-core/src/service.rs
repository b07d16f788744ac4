//! The application layer: one call per API operation, taking the authenticated caller and
//! the raw input, returning domain results. HTTP handlers call exactly one of these.

use crate::{
    caller::Caller,
    error::{Error, Result},
    query::{parse_body, Paging},
    store::{JobPage, JobStream, Store},
};
use std::sync::Arc;

/// The answer to a list query: one page, or every match streamed.
pub enum JobListing {
    Page(JobPage),
    All(JobStream),
}

/// The DRS job operations over a store.
#[derive(Clone)]
pub struct Jobs {
    store: Arc<dyn Store>,
}

impl Jobs {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Jobs { store }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// "Querying Tasks of a Tenant": validates `body` and runs it in the caller's project.
    pub async fn job_list(&self, caller: &Caller, body: &[u8]) -> Result<JobListing> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let query = parse_body(body)?.validate(caller)?;
        Ok(match query.paging {
            Paging::All => JobListing::All(self.store.job_list_all(&caller.tenant, &query).await?),
            Paging::Page { .. } => {
                JobListing::Page(self.store.job_list(&caller.tenant, &query).await?)
            }
        })
    }
}
