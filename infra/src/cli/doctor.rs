//! `keyturn doctor [--app ID] [--limit N] [--json]`: the table checker, every page of it.
//!
//! Each page is one `GET /admin/doctor` (or `/admin/apps/{appId}/doctor`) that reads at most
//! `--limit` items and answers a cursor; this command follows the cursors to the end, so a
//! check of a large table is many short calls (none near a Lambda's timeout) and can be
//! resumed from the last cursor printed with `--cursor`. Read-only. Exit code 1 when something
//! was found, so a script or a cron job can alert on it.

use reqwest::Method;
use serde_json::{Value, json};

use super::client::Client;
use super::{Exit, Failure};

/// The arguments of `keyturn doctor`.
#[derive(Debug, Clone, clap::Args)]
pub struct DoctorArgs {
    /// Check one app (its users, claims, pending items, counters, audit trail); without it,
    /// every item of the table.
    #[arg(long)]
    app: Option<String>,
    /// Items each call reads, 1 to 1000 (the API's default: 200).
    #[arg(long)]
    limit: Option<u32>,
    /// Resume from the cursor a previous run printed.
    #[arg(long)]
    cursor: Option<String>,
}

/// Runs the check page by page; prints a line per finding as it comes (or, with `--json`, one
/// document at the end: `{"findings": [...], "checked": n, "pages": n}`).
pub async fn execute(client: &Client, json: bool, args: DoctorArgs) -> Result<(), Failure> {
    let path: Vec<&str> = match &args.app {
        Some(app) => vec!["admin", "apps", app, "doctor"],
        None => vec!["admin", "doctor"],
    };
    let mut cursor = args.cursor;
    let (mut findings, mut checked, mut pages) = (Vec::new(), 0u64, 0u64);
    loop {
        let query = [
            ("limit", args.limit.map(|n| n.to_string())),
            ("cursor", cursor.take()),
        ];
        let answer = client.call(Method::GET, &path, &query, None).await?;
        pages += 1;
        checked += answer
            .body
            .get("checked")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let page = answer
            .body
            .get("findings")
            .and_then(Value::as_array)
            .cloned()
            .ok_or_else(|| Failure {
                exit: Exit::Connection,
                message: "the doctor route answered without findings".to_owned(),
            })?;
        if !json {
            for finding in &page {
                super::out(&line(finding));
            }
        }
        findings.extend(page);
        cursor = answer
            .body
            .get("cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    if json {
        let doc = json!({ "findings": findings, "checked": checked, "pages": pages });
        super::out(&doc.to_string());
    } else {
        super::out(&format!(
            "checked {checked} items in {pages} pages: {} problem(s)",
            findings.len()
        ));
    }
    if findings.is_empty() {
        Ok(())
    } else {
        Err(Failure {
            exit: Exit::Findings,
            message: format!("{} problem(s) found", findings.len()),
        })
    }
}

/// `problem  pk / sk  detail`.
fn line(finding: &Value) -> String {
    let field = |name: &str| finding.get(name).and_then(Value::as_str).unwrap_or("");
    format!(
        "{:<26} {} / {}  {}",
        field("problem"),
        field("pk"),
        field("sk"),
        field("detail")
    )
}
