//! The v3 project-resource reads: ShowQuotas (the project's job quota and its use) and
//! ListAvailableNodeTypes (the flavours a scenario offers). Any role may read both.

use super::Jobs;
use crate::{
    caller::Caller,
    error::{Error, Result},
    node_types::{ListAvailableNodeTypesResponse, NodeTypeQuery},
    quota::ShowQuotasResponse,
};

impl Jobs {
    /// ShowQuotas: the quota that applies to the caller's project and its live top-level jobs.
    pub async fn quota_show(&self, caller: &Caller) -> Result<ShowQuotasResponse> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        let usage = self.store.quota_read(&caller.tenant).await?;
        Ok(ShowQuotasResponse::of(usage, self.default_quota))
    }

    /// The job quota of a project nobody configured one for.
    pub fn default_quota(&self) -> u64 {
        self.default_quota
    }

    /// ListAvailableNodeTypes: the flavours the query's scenario offers, none sold out.
    pub fn node_type_list(
        &self,
        caller: &Caller,
        query: Option<&str>,
    ) -> Result<ListAvailableNodeTypesResponse> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        Ok(NodeTypeQuery::parse(query)?.answer())
    }
}
