//! What the client prints: aligned tables for people, the API's own JSON or YAML for scripts, and the
//! per-item failures of a batch answer.

use serde_json::Value;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns.
    Table,
    /// The API's answer, pretty-printed.
    Json,
    /// The API's answer as YAML.
    Yaml,
}

/// Prints `value` as JSON or YAML (for `Table`, the caller renders a table instead).
pub fn print_data(format: OutputFormat, value: &Value) -> anyhow::Result<()> {
    match format {
        OutputFormat::Yaml => emit(serde_norway::to_string(value)?.trim_end()),
        _ => emit(&serde_json::to_string_pretty(value)?),
    }
}

/// Writes `text` and a newline to stdout; a closed pipe (`| head`) ends the output quietly.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// A field as text (`a.b` reads a nested one): strings bare, absent or null empty, anything else as JSON.
pub fn cell(v: &Value, key: &str) -> String {
    let found = key.split('.').try_fold(v, |v, k| v.get(k));
    match found {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Columns padded to their widest cell, two spaces apart; no trailing spaces.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(w.saturating_sub(c.chars().count())));
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// The rows of `fields` for each object in `items`.
pub fn rows(items: &[Value], fields: &[&str]) -> Vec<Vec<String>> {
    items
        .iter()
        .map(|i| fields.iter().map(|f| cell(i, f)).collect())
        .collect()
}

/// The items of a batch answer (`results`).
pub fn results(answer: &Value) -> Vec<Value> {
    answer
        .get("results")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// An item's failure as `(error_code, message)`: a batch item failed when it carries an `error_code`.
pub fn item_error(item: &Value) -> Option<(String, String)> {
    let code = item.get("error_code")?.as_str()?.to_string();
    if code.is_empty() {
        return None;
    }
    let msg = ["error_msg", "error_message"]
        .iter()
        .find_map(|k| item.get(*k).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    Some((code, msg))
}

/// Lists the failed items of a batch answer on stderr; their number.
pub fn report_failures(items: &[Value]) -> usize {
    let mut n = 0;
    for item in items {
        if let Some((code, msg)) = item_error(item) {
            let id = ["id", "job_id", "precheck_id", "name"]
                .iter()
                .map(|k| cell(item, k))
                .find(|s| !s.is_empty())
                .unwrap_or_else(|| "?".into());
            eprintln!("{id}: {code}: {msg}");
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_table_aligns_columns_without_trailing_spaces() {
        let t = table(
            &["ID", "STATUS"],
            &[
                vec!["a".into(), "CONFIGURATION".into()],
                vec!["long-id".into(), "".into()],
            ],
        );
        assert_eq!(t, "ID       STATUS\na        CONFIGURATION\nlong-id");
    }

    #[test]
    fn an_item_with_an_error_code_is_a_failure() {
        assert_eq!(
            item_error(&json!({"id": "x", "error_code": "DRS.M05003", "error_message": "gone"})),
            Some(("DRS.M05003".into(), "gone".into()))
        );
        assert_eq!(item_error(&json!({"id": "x", "status": "success"})), None);
    }
}
