//! The v5 tag service: one call per operation over a [`TagStore`], permission first, every
//! write audited.

use super::*;

/// The v5 tag operations over a tag store. Handlers call exactly one of these.
#[derive(Clone)]
pub struct Tags {
    store: Arc<dyn TagStore>,
}

/// The scope of `resource_type` for `caller`; `None` for a type that has no jobs here.
fn scope_of(caller: &Caller, resource_type: &str) -> Result<Option<TagScope>> {
    Ok(ResourceType::parse(resource_type)?
        .db_use_type()
        .map(|db_use_type| TagScope {
            db_use_type,
            enterprise_projects: caller.enterprise_projects.clone(),
        }))
}

impl Tags {
    pub fn new(store: Arc<dyn TagStore>) -> Self {
        Tags { store }
    }

    /// `tags/create`: adds tags to a job (an existing key gets the new value). Answer: 204.
    pub async fn tag_create(
        &self,
        caller: &Caller,
        actor: &Actor,
        resource_type: &str,
        resource_id: &str,
        body: &[u8],
    ) -> Result<()> {
        self.write(
            caller,
            actor,
            AUDIT_CREATE,
            resource_type,
            resource_id,
            || {
                let req = parse_json::<BatchTagReq>(body)?;
                Ok(TagChange::Create(validate_create(req.tags.as_deref())?))
            },
        )
        .await
    }

    /// `tags/delete`: removes tags from a job (absent keys are no error). Answer: 204.
    pub async fn tag_delete(
        &self,
        caller: &Caller,
        actor: &Actor,
        resource_type: &str,
        resource_id: &str,
        body: &[u8],
    ) -> Result<()> {
        self.write(
            caller,
            actor,
            AUDIT_DELETE,
            resource_type,
            resource_id,
            || {
                let req = parse_json::<BatchTagReq>(body)?;
                Ok(TagChange::Delete(validate_delete(req.tags.as_deref())?))
            },
        )
        .await
    }

    /// The deprecated `tags/action`: `create` or `delete`, as above. Answer: 204.
    pub async fn tag_action(
        &self,
        caller: &Caller,
        actor: &Actor,
        resource_type: &str,
        job_id: &str,
        body: &[u8],
    ) -> Result<()> {
        self.write(caller, actor, AUDIT_ACTION, resource_type, job_id, || {
            parse_json::<BatchDealResourceTagReq>(body)?.validate()
        })
        .await
    }

    /// The tags of one job.
    pub async fn tag_list(
        &self,
        caller: &Caller,
        resource_type: &str,
        resource_id: &str,
    ) -> Result<ListInstanceTagsResponse> {
        let scope = self.read_scope(caller, resource_type)?;
        let Some(scope) = scope else {
            return Err(Error::JobNotFound);
        };
        let tags = self
            .store
            .tag_list(&caller.tenant, &scope, resource_id)
            .await?
            .ok_or(Error::JobNotFound)?;
        Ok(ListInstanceTagsResponse { tags: infos(tags) })
    }

    /// The keys and values used by the project's jobs of one type.
    pub async fn tag_project_list(
        &self,
        caller: &Caller,
        resource_type: &str,
    ) -> Result<ListTagsResponse> {
        let pairs = match self.read_scope(caller, resource_type)? {
            Some(scope) => self.store.tag_project_list(&caller.tenant, &scope).await?,
            None => Vec::new(),
        };
        Ok(ListTagsResponse {
            tags: group_by_key(pairs),
        })
    }

    /// `resource-instances/filter`: one page of the jobs a tag filter finds, newest first.
    pub async fn tag_instance_filter(
        &self,
        caller: &Caller,
        resource_type: &str,
        query_string: Option<&str>,
        body: &[u8],
    ) -> Result<ListInstanceByTagsResponse> {
        let scope = self.read_scope(caller, resource_type)?;
        let window = window(query_string)?;
        let req = parse_json::<QueryInstanceByTagReq>(body)?;
        let Some(scope) = scope else {
            req.validate(TagScope {
                db_use_type: DbUseType::Migration,
                enterprise_projects: None,
            })?;
            return Ok(ListInstanceByTagsResponse {
                total_count: 0,
                resources: Vec::new(),
            });
        };
        let query = req.validate(scope)?;
        let page = self
            .store
            .tag_instance_page(&caller.tenant, &query, window)
            .await?;
        Ok(ListInstanceByTagsResponse {
            total_count: page.total,
            resources: page
                .jobs
                .into_iter()
                .map(|j| ResourceInstance {
                    resource_id: j.id,
                    resource_detail: String::new(),
                    resource_name: j.name,
                    tags: infos(j.tags),
                })
                .collect(),
        })
    }

    /// `resource-instances/count`: how many jobs a tag filter finds.
    pub async fn tag_instance_count(
        &self,
        caller: &Caller,
        resource_type: &str,
        body: &[u8],
    ) -> Result<CountInstanceByTagsResponse> {
        let scope = self.read_scope(caller, resource_type)?;
        let req = parse_json::<QueryInstanceByTagReq>(body)?;
        let total_count = match scope {
            Some(scope) => {
                let query = req.validate(scope)?;
                self.store
                    .tag_instance_count(&caller.tenant, &query)
                    .await?
            }
            None => {
                req.validate(TagScope {
                    db_use_type: DbUseType::Migration,
                    enterprise_projects: None,
                })?;
                0
            }
        };
        Ok(CountInstanceByTagsResponse { total_count })
    }

    fn read_scope(&self, caller: &Caller, resource_type: &str) -> Result<Option<TagScope>> {
        if !caller.can_read() {
            return Err(Error::Forbidden);
        }
        scope_of(caller, resource_type)
    }

    /// A write: permission, then validation (a refusal is audited on its own), then the change
    /// and its audit record in one store transaction.
    async fn write(
        &self,
        caller: &Caller,
        actor: &Actor,
        action: &'static str,
        resource_type: &str,
        job_id: &str,
        change: impl FnOnce() -> Result<TagChange>,
    ) -> Result<()> {
        let audit = TagAudit {
            actor: actor.clone(),
            project_id: caller.tenant.project_id().to_string(),
            action,
            job_id: job_id.to_string(),
            at_ms: crate::clock::now_ms(),
        };
        let prepared = if caller.can_write() {
            scope_of(caller, resource_type).and_then(|scope| Ok((scope, change()?)))
        } else {
            Err(Error::Forbidden)
        };
        let (scope, change) = match prepared {
            Ok(v) => v,
            Err(e) => {
                return Err(self
                    .record(audit.record(Outcome::Refused, Some(&e)), e)
                    .await)
            }
        };
        let Some(scope) = scope else {
            let e = Error::JobNotFound;
            return Err(self
                .record(audit.record(Outcome::Failure, Some(&e)), e)
                .await);
        };
        let write = TagWrite {
            job_id: job_id.to_string(),
            scope,
            change,
            audit,
        };
        crate::writes::tag_write(&*self.store, &caller.tenant, &write)
            .await?
            .into_result()
    }

    /// Commits a record of a write that ends without reaching the store's write; answers the
    /// error to return. As for the v3 writes, the refusal is the answer whether or not it could
    /// be recorded (a failure to record it is logged).
    async fn record(&self, record: AuditRecord, error: Error) -> Error {
        if let Err(e) = self.store.audit_append(record).await {
            tracing::error!(error = %e, "a refused tag write could not be audited");
        }
        error
    }
}
