//! The `opendrs jobs …` handlers: build the request body, one API call (or a page loop, or a watch),
//! print the answer; a failed batch item makes the command fail after everything is printed.

use super::{
    http::{segment, Client},
    output::{self, print_data, OutputFormat},
    watch::{batch_read, precheck_watch, watch},
    CreateArgs, JobType, JobsCommand, ListArgs, WatchArgs,
};
use anyhow::Context as _;
use reqwest::Method;
use serde_json::{json, Map, Value};

/// Runs one `jobs` command.
pub async fn run(client: &Client, command: JobsCommand, out: OutputFormat) -> anyhow::Result<()> {
    match command {
        JobsCommand::List(args) => list(client, &args, out).await,
        JobsCommand::Show { ids } => {
            let items = batch_read(client, "batch-detail", &ids).await?;
            let columns = [
                ("ID", "id"),
                ("NAME", "name"),
                ("STATUS", "status"),
                ("TYPE", "db_use_type"),
                ("ENGINE", "inst_info.engine_type"),
                ("TASK", "task_type"),
            ];
            show_items(out, &items, &columns)?;
            fail_on(&items, 0)
        }
        JobsCommand::Status { ids, watch: w } => {
            let items = if w.watch {
                watch(client, &ids, &w).await?
            } else {
                batch_read(client, "batch-status", &ids).await?
            };
            show_items(out, &items, &[("ID", "id"), ("STATUS", "status")])?;
            fail_on(&items, failed_statuses(&items, w.watch))
        }
        JobsCommand::Create(args) => create(client, &args, out).await,
        JobsCommand::Precheck { ids, retry, watch } => {
            precheck(client, &ids, retry, &watch, out).await
        }
        JobsCommand::Start { ids, at, watch } => {
            let start_time = at
                .as_deref()
                .map(crate::lifecycle_admin::parse_time)
                .transpose()
                .context("--at")?;
            let items = per_job(&ids, |id| match start_time {
                Some(ms) => json!({"job_id": id, "start_time": ms.to_string()}),
                None => json!({"job_id": id}),
            });
            operate(client, Method::POST, "batch-starting", items, &watch, out).await
        }
        JobsCommand::Pause { ids, mode, watch } => {
            let items = per_job(&ids, |id| json!({"job_id": id, "pause_mode": mode}));
            operate(client, Method::POST, "batch-pause-task", items, &watch, out).await
        }
        JobsCommand::Resume { ids, watch } => {
            let items = per_job(&ids, |id| json!({"job_id": id}));
            operate(client, Method::POST, "batch-retry-task", items, &watch, out).await
        }
        JobsCommand::Modify {
            id,
            name,
            description,
        } => {
            let mut item = json!({"job_id": id});
            put(&mut item, "name", name.map(Value::String));
            put(&mut item, "description", description.map(Value::String));
            operate(
                client,
                Method::PUT,
                "batch-modification",
                vec![item],
                &no_watch(),
                out,
            )
            .await
        }
        JobsCommand::Terminate { ids, force, watch } => {
            let kind = if force {
                "force_terminate"
            } else {
                "terminate"
            };
            let items = per_job(&ids, |id| json!({"job_id": id, "delete_type": kind}));
            operate(client, Method::DELETE, "batch-jobs", items, &watch, out).await
        }
        JobsCommand::Delete { ids } => {
            let items = per_job(&ids, |id| json!({"job_id": id, "delete_type": "delete"}));
            operate(
                client,
                Method::DELETE,
                "batch-jobs",
                items,
                &no_watch(),
                out,
            )
            .await
        }
        JobsCommand::Tag {
            id,
            add,
            remove,
            job_type,
        } => tag(client, &id, &add, &remove, job_type, out).await,
    }
}

fn no_watch() -> WatchArgs {
    WatchArgs {
        watch: false,
        timeout: String::new(),
        interval: String::new(),
    }
}

fn per_job(ids: &[String], item: impl Fn(&str) -> Value) -> Vec<Value> {
    ids.iter().map(|id| item(id)).collect()
}

fn put(v: &mut Value, key: &str, value: Option<Value>) {
    if let (Some(obj), Some(value)) = (v.as_object_mut(), value) {
        obj.insert(key.to_string(), value);
    }
}

/// The list body without paging: every filter given.
fn list_filters(args: &ListArgs) -> Value {
    let mut body = json!({"db_use_type": args.job_type.as_str()});
    let text = |v: &Option<String>| v.clone().map(Value::String);
    put(&mut body, "status", text(&args.status));
    put(&mut body, "engine_type", text(&args.engine));
    put(&mut body, "net_type", text(&args.net_type));
    put(&mut body, "name", text(&args.name));
    put(
        &mut body,
        "enterprise_project_id",
        text(&args.enterprise_project),
    );
    put(&mut body, "instance_ip", text(&args.instance_ip));
    if !args.tags.is_empty() {
        let tags: Map<String, Value> = args
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        put(&mut body, "tags", Some(Value::Object(tags)));
    }
    if !args.instance_ids.is_empty() {
        put(&mut body, "instance_ids", Some(json!(args.instance_ids)));
    }
    body
}

const LIST_FIELDS: [&str; 7] = [
    "id",
    "name",
    "status",
    "db_use_type",
    "engine_type",
    "net_type",
    "create_time",
];

async fn list(client: &Client, args: &ListArgs, out: OutputFormat) -> anyhow::Result<()> {
    let per_page = args.per_page.unwrap_or(if args.all { 100 } else { 10 });
    let mut body = list_filters(args);
    put(&mut body, "per_page", Some(json!(per_page)));
    let mut page = if args.all { 1 } else { args.page };
    let mut jobs: Vec<Value> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let total = loop {
        put(&mut body, "cur_page", Some(json!(page)));
        let answer = client.v3(Method::POST, "", &body).await?;
        let total = answer
            .get("total_record")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let got = answer
            .get("jobs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let empty = got.is_empty();
        for j in got {
            // A job created while paging shifts the pages: never list one twice.
            if seen.insert(output::cell(&j, "id")) {
                jobs.push(j);
            }
        }
        if !args.all || empty || jobs.len() as u64 >= total || per_page <= 0 {
            break total;
        }
        page += 1;
    };
    if out != OutputFormat::Table {
        return print_data(out, &json!({"total_record": total, "jobs": jobs}));
    }
    let headers = ["ID", "NAME", "STATUS", "TYPE", "ENGINE", "NET", "CREATED"];
    output::emit(&output::table(&headers, &output::rows(&jobs, &LIST_FIELDS)))?;
    if args.all {
        output::emit(&format!("{} of {total} jobs", jobs.len()))
    } else {
        output::emit(&format!("page {page}: {} of {total} jobs", jobs.len()))
    }
}

async fn create(client: &Client, args: &CreateArgs, out: OutputFormat) -> anyhow::Result<()> {
    let body = match &args.file {
        Some(path) => create_body_from_file(path)?,
        None => json!({"jobs": [create_item(args)]}),
    };
    let answer = client.v3(Method::POST, "batch-creation", &body).await?;
    let items = output::results(&answer);
    if out == OutputFormat::Table {
        let columns = [("ID", "id"), ("NAME", "name"), ("STATUS", "status")];
        show_items(out, &items, &columns)?;
    } else {
        print_data(out, &answer)?;
    }
    fail_on(&items, 0)
}

/// A file holding `{"jobs": [...]}`, a list of jobs or one job, as the batch-creation body.
fn create_body_from_file(path: &std::path::Path) -> anyhow::Result<Value> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let v: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    Ok(match v {
        Value::Object(o) if o.contains_key("jobs") => Value::Object(o),
        Value::Array(a) => json!({ "jobs": a }),
        one => json!({ "jobs": [one] }),
    })
}

fn create_item(a: &CreateArgs) -> Value {
    let mut item = json!({
        "name": a.name,
        "db_use_type": a.job_type.as_str(),
        "engine_type": a.engine,
        "job_direction": a.direction,
        "net_type": a.net_type,
        "node_type": a.node_type,
        "task_type": a.task_type,
    });
    let text = |v: &Option<String>| v.clone().map(Value::String);
    put(&mut item, "customize_sutnet_id", text(&a.subnet_id));
    put(&mut item, "description", text(&a.description));
    put(
        &mut item,
        "enterprise_project_id",
        text(&a.enterprise_project),
    );
    let s = &a.source;
    let source = endpoint(
        &a.engine,
        &s.source_ip,
        s.source_port,
        &s.source_user,
        &s.source_instance,
        &s.source_password,
    );
    let t = &a.target;
    let target = endpoint(
        &a.engine,
        &t.target_ip,
        t.target_port,
        &t.target_user,
        &t.target_instance,
        &t.target_password,
    );
    put(&mut item, "source_endpoint", source);
    put(&mut item, "target_endpoint", target);
    if !a.tags.is_empty() {
        let tags: Vec<Value> = a
            .tags
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        put(&mut item, "tags", Some(Value::Array(tags)));
    }
    item
}

/// An endpoint object, when any of its fields is given.
fn endpoint(
    engine: &str,
    ip: &Option<String>,
    port: Option<u16>,
    user: &Option<String>,
    instance: &Option<String>,
    password: &Option<String>,
) -> Option<Value> {
    if ip.is_none() && port.is_none() && user.is_none() && instance.is_none() {
        return None;
    }
    let mut e = json!({"db_type": engine});
    put(&mut e, "ip", ip.clone().map(Value::String));
    put(&mut e, "db_port", port.map(|p| json!(p)));
    put(&mut e, "db_user", user.clone().map(Value::String));
    put(&mut e, "inst_id", instance.clone().map(Value::String));
    put(&mut e, "db_password", password.clone().map(Value::String));
    Some(e)
}

/// A batch write: one request for `items` (100 a request), the per-item outcome, then with `--watch` the
/// statuses of the jobs it accepted until they settle.
async fn operate(
    client: &Client,
    method: Method,
    api: &str,
    items: Vec<Value>,
    w: &WatchArgs,
    out: OutputFormat,
) -> anyhow::Result<()> {
    let mut results = Vec::with_capacity(items.len());
    for chunk in items.chunks(super::watch::BATCH) {
        let answer = client
            .v3(method.clone(), api, &json!({"jobs": chunk}))
            .await?;
        results.extend(output::results(&answer));
    }
    let accepted: Vec<String> = results
        .iter()
        .filter(|r| output::item_error(r).is_none())
        .map(|r| output::cell(r, "id"))
        .collect();
    let statuses = if w.watch && !accepted.is_empty() {
        Some(watch(client, &accepted, w).await?)
    } else {
        None
    };
    if out == OutputFormat::Table {
        let rows = results
            .iter()
            .map(|r| {
                let error = output::item_error(r)
                    .map(|(c, m)| format!("{c}: {m}"))
                    .unwrap_or_default();
                vec![output::cell(r, "id"), output::cell(r, "status"), error]
            })
            .collect::<Vec<_>>();
        output::emit(&output::table(&["ID", "RESULT", "ERROR"], &rows))?;
        if let Some(s) = &statuses {
            let rows = output::rows(s, &["id", "status"]);
            output::emit(&format!("\n{}", output::table(&["ID", "STATUS"], &rows)))?;
        }
    } else {
        let mut v = json!({"results": results, "count": results.len()});
        put(&mut v, "statuses", statuses.clone().map(Value::Array));
        print_data(out, &v)?;
    }
    let failed_after = statuses.as_deref().map_or(0, |s| failed_statuses(s, true));
    fail_on(&results, failed_after)
}

/// After a watch: the jobs that settled in a failure status (`…_FAILED`).
fn failed_statuses(items: &[Value], watched: bool) -> usize {
    if !watched {
        return 0;
    }
    items
        .iter()
        .filter(|i| {
            let s = output::cell(i, "status");
            if s.ends_with("_FAILED") {
                eprintln!("{}: settled in {s}", output::cell(i, "id"));
                true
            } else {
                false
            }
        })
        .count()
}

/// `jobs precheck`: launches the prechecks; with `--watch`, waits for their results and fails
/// unless every job passed.
async fn precheck(
    client: &Client,
    ids: &[String],
    retry: bool,
    w: &WatchArgs,
    out: OutputFormat,
) -> anyhow::Result<()> {
    let mode = if retry { "forRetryJob" } else { "forStartJob" };
    let mut launched = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(super::watch::BATCH) {
        let items: Vec<Value> = chunk
            .iter()
            .map(|id| json!({"job_id": id, "precheck_mode": mode}))
            .collect();
        let answer = client
            .v3(Method::POST, "batch-precheck", &json!({"jobs": items}))
            .await?;
        launched.extend(output::results(&answer));
    }
    let accepted: Vec<String> = launched
        .iter()
        .filter(|r| output::item_error(r).is_none())
        .map(|r| output::cell(r, "id"))
        .collect();
    if !w.watch || accepted.is_empty() {
        show_items(out, &launched, &[("ID", "id"), ("STATUS", "status")])?;
        return fail_on(&launched, 0);
    }
    let results = precheck_watch(client, &accepted, w).await?;
    let columns = [
        ("ID", "precheck_id"),
        ("RESULT", "result"),
        ("PROCESS", "process"),
        ("PASSED", "total_passed_rate"),
    ];
    show_items(out, &results, &columns)?;
    let not_passed = results
        .iter()
        .filter(|r| output::item_error(r).is_none())
        .filter(|r| r.get("result").and_then(Value::as_bool) != Some(true))
        .inspect(|r| {
            let failed: Vec<String> = r
                .get("precheck_result")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|i| output::cell(i, "result") == "FAILED")
                .map(|i| {
                    format!(
                        "{} ({})",
                        output::cell(i, "item"),
                        output::cell(i, "failed_reason")
                    )
                })
                .collect();
            eprintln!(
                "{}: precheck not passed: {}",
                output::cell(r, "precheck_id"),
                failed.join(", ")
            );
        })
        .count();
    let launch_failures = output::report_failures(&launched);
    fail_on(&results, not_passed + launch_failures)
}

/// Lists the failed items; an error naming how many failed, when any did.
fn fail_on(items: &[Value], more: usize) -> anyhow::Result<()> {
    let n = output::report_failures(items) + more;
    if n > 0 {
        anyhow::bail!("{n} of {} jobs failed", items.len());
    }
    Ok(())
}

/// A batch read's items: the answer as JSON/YAML, or a table of the items that did not fail (the
/// failures are listed on stderr by [`fail_on`]).
fn show_items(out: OutputFormat, items: &[Value], columns: &[(&str, &str)]) -> anyhow::Result<()> {
    if out != OutputFormat::Table {
        return print_data(out, &json!({"results": items, "count": items.len()}));
    }
    let ok: Vec<Value> = items
        .iter()
        .filter(|i| output::item_error(i).is_none())
        .cloned()
        .collect();
    let headers: Vec<&str> = columns.iter().map(|c| c.0).collect();
    let fields: Vec<&str> = columns.iter().map(|c| c.1).collect();
    output::emit(&output::table(&headers, &output::rows(&ok, &fields)))
}

async fn tag(
    client: &Client,
    id: &str,
    add: &[(String, String)],
    remove: &[String],
    job_type: Option<JobType>,
    out: OutputFormat,
) -> anyhow::Result<()> {
    let resource_type = match job_type {
        Some(t) => t.as_str().to_string(),
        None => {
            let items = batch_read(client, "batch-detail", &[id.to_string()]).await?;
            let item = items.first().cloned().unwrap_or_default();
            if let Some((code, msg)) = output::item_error(&item) {
                anyhow::bail!("{id}: {code}: {msg}");
            }
            let t = output::cell(&item, "db_use_type");
            if t.is_empty() {
                anyhow::bail!("{id}: the service did not say the job's type: pass --type");
            }
            t
        }
    };
    let base = format!("{}/{}", segment(&resource_type), segment(id));
    if !add.is_empty() {
        let tags: Vec<Value> = add
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        client
            .v5(
                Method::POST,
                &format!("{base}/tags/create"),
                Some(&json!({ "tags": tags })),
            )
            .await?;
    }
    if !remove.is_empty() {
        let tags: Vec<Value> = remove.iter().map(|k| json!({"key": k})).collect();
        client
            .v5(
                Method::POST,
                &format!("{base}/tags/delete"),
                Some(&json!({ "tags": tags })),
            )
            .await?;
    }
    let answer = client
        .v5(Method::GET, &format!("{base}/tags"), None)
        .await?;
    if out != OutputFormat::Table {
        return print_data(out, &answer);
    }
    let tags = answer
        .get("tags")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    output::emit(&output::table(
        &["KEY", "VALUE"],
        &output::rows(&tags, &["key", "value"]),
    ))
}
