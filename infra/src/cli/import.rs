//! `keyturn import cosync`: streams a CosyncJWT `mongoexport` directory to the admin API's
//! import route in batches, writes a JSON-lines report of every record's outcome, and can resume.
//!
//! The import logic (what each record becomes) is the domain's, behind
//! `POST /admin/apps/{appId}/import/cosync`, so a local runner and a deployed stack import the
//! same way. This side does what needs the whole export: it reads `signups.jsonl` and
//! `invites.jsonl` for the handles a verified signup or invite proves (`email_verified`), and
//! `users.jsonl` once before sending, so of two users whose handles differ only in case the one
//! with the newest `lastLogin` is sent and the others are reported as `conflict`. The same read
//! marks outranked phones and invites whose sender is in the export (`import_hints.rs`); the
//! original's CSV export zip is converted into these files first (`import_csv.rs`).
//!
//! **Resume.** After each acknowledged batch the last line sent of each file is written to
//! `<report>.state` (renamed into place, so a kill leaves the old or the new state, never half
//! of one); `--resume` skips what it names and appends to the report. A batch sent but not
//! acknowledged is sent again, which is harmless: the route is idempotent.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use clap::{Subcommand, ValueEnum};
use md5::Digest as _;
use reqwest::Method;
use serde_json::{Value, json};

use super::client::Client;
use super::export_lines::{for_each_line, handle_key, last_login};
use super::{Exit, Failure};

/// The files read, in the order they are sent (users first: they are what the import is for).
const COLLECTIONS: [&str; 6] = [
    "users",
    "signups",
    "invites",
    "emailtemplates",
    "resetpasswords",
    "apps",
];
/// Most records per request (the route's own limit).
const MAX_BATCH: usize = 50;
/// Most bytes of documents per request, under the API's 100 KiB body limit with room for the
/// envelope.
const MAX_BATCH_BYTES: usize = 90 * 1024;

/// `keyturn import …`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import a CosyncJWT deployment's users from a `mongoexport` directory (docs/operations.md).
    Cosync(CosyncArgs),
}

/// What to do with a user an earlier run imported whose record differs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnConflict {
    /// Report conflicts and go on.
    Skip,
    /// Rewrite the imported fields of users imported before.
    Update,
    /// Stop at the first conflict.
    Fail,
}

/// What happens to the original's TOTP secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Totp {
    /// Seal and keep them.
    Keep,
    /// Forget them (authenticator login off).
    Drop,
}

/// What happens to the original's phone numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Phones {
    /// Keep them: valid, verified numbers unique in the app stay verified, others unverified.
    Keep,
    /// Forget them (SMS login off).
    Drop,
}

/// What happens to the original's pending invites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Invites {
    /// Import them; the old code works for `--invite-ttl-days`.
    Keep,
    /// Leave them out (reported).
    Skip,
}

/// `keyturn import cosync` arguments.
#[derive(Debug, clap::Args)]
pub struct CosyncArgs {
    /// The directory holding `users.jsonl` (and optionally `signups.jsonl`, `invites.jsonl`,
    /// `emailtemplates.jsonl`, `resetpasswords.jsonl`, `apps.jsonl`), one `mongoexport` file per
    /// collection; or, as a lossy fallback, the original's CSV export zip (or its unpacked
    /// directory).
    #[arg(long)]
    dir: PathBuf,
    /// The Keyturn app to import into (it must exist).
    #[arg(
        long,
        required_unless_present = "create_app",
        conflicts_with = "create_app"
    )]
    app: Option<String>,
    /// Create the app from `apps.jsonl` first: the same id, settings, RSA key (the original's
    /// `ENCRYPT_KEY` in `COSYNC_ENCRYPT_KEY` opens it) and app token; `jwtSubject` = `handle`.
    #[arg(long)]
    create_app: bool,
    /// Check every record against the app and write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Continue after an interruption from `<report>.state`.
    #[arg(long)]
    resume: bool,
    /// The JSON-lines report of every record's outcome (default `<dir>/import-report.jsonl`).
    #[arg(long)]
    report: Option<PathBuf>,
    /// What to do with users imported before whose record differs now.
    #[arg(long, value_enum, default_value = "skip")]
    on_conflict: OnConflict,
    /// Keep or drop the original's TOTP secrets.
    #[arg(long, value_enum, default_value = "keep")]
    totp: Totp,
    /// Keep or drop the original's phone numbers.
    #[arg(long, value_enum, default_value = "keep")]
    phones: Phones,
    /// Keep or skip the original's pending invites.
    #[arg(long, value_enum, default_value = "keep")]
    invites: Invites,
    /// Days an imported invite's old code keeps working (the original's never expired).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=90))]
    invite_ttl_days: u32,
    /// Before anything else, verify one known account: `handle:password` (the password as the
    /// user types it) against that user's hash in the export.
    #[arg(long)]
    check: Option<String>,
}

/// One line to send.
struct Line {
    collection: &'static str,
    line: u64,
    doc: Value,
}

/// Runs `keyturn import …`.
pub async fn execute(client: &Client, command: ImportCommand) -> Result<(), Failure> {
    let ImportCommand::Cosync(mut args) = command;
    eprintln!(
        "keyturn: the export files hold plaintext TOTP secrets and password hashes: shred them after the import"
    );
    let report_path = args.report.clone().unwrap_or_else(|| {
        // Beside a CSV export zip, inside an export directory.
        match args.dir.parent().filter(|_| args.dir.is_file()) {
            Some(parent) => parent.join("import-report.jsonl"),
            None => args.dir.join("import-report.jsonl"),
        }
    });
    let work = report_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let dir = super::import_csv::prepare(&args.dir, &work)?.unwrap_or_else(|| args.dir.clone());
    let dir = dir.as_path();
    if let Some(check) = &args.check {
        check_password(dir, check)?;
    }
    if args.create_app {
        let app_id = super::cosync_app::create(client, dir, args.dry_run, args.resume).await?;
        if args.dry_run {
            // The users' dry run checks them against the app, which a dry run did not create.
            println!("users are checked against the app once it exists: run without --dry-run");
            return Ok(());
        }
        args.app = Some(app_id);
    }
    let state_path = PathBuf::from(format!("{}.state", report_path.display()));
    let mut acked: BTreeMap<String, u64> = if args.resume {
        read_state(&state_path)?
    } else {
        BTreeMap::new()
    };
    let mut report = open_report(&report_path, args.resume && !args.dry_run)?;
    let proven = proven_handles(dir)?;
    let losers = duplicate_losers(dir)?;
    let hints = super::import_hints::read(dir, &losers)?;
    super::import_hints::count_logs(dir)?;
    let lines = read_all(dir)?;
    let total = lines.len();
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut batch: Vec<&Line> = Vec::new();
    let mut batch_bytes = 0;
    let mut done = 0usize;
    let mut conflict_seen = false;
    let progress = std::io::stderr().is_terminal();
    for line in &lines {
        let skip = acked.get(line.collection).is_some_and(|&n| line.line <= n);
        if skip {
            done += 1;
            continue;
        }
        if line.collection == "users"
            && let Some(reason) = losers.get(&line.line)
        {
            let outcome = json!({"collection": "users", "line": line.line,
                "id": oid(&line.doc), "outcome": "conflict", "reason": reason, "lossy": []});
            record(&mut report, &mut counts, &outcome)?;
            conflict_seen = true;
            done += 1;
            continue;
        }
        let size = line.doc.to_string().len() + 96;
        if !batch.is_empty() && (batch.len() == MAX_BATCH || batch_bytes + size > MAX_BATCH_BYTES) {
            done += batch.len();
            conflict_seen |= send(
                client,
                &args,
                (&proven, &hints),
                &batch,
                &mut report,
                &mut counts,
            )
            .await?;
            acknowledge(&mut acked, &batch, &state_path, args.dry_run)?;
            batch.clear();
            batch_bytes = 0;
            if progress {
                eprint!("\r{done}/{total} records");
            }
        }
        if conflict_seen && args.on_conflict == OnConflict::Fail {
            break;
        }
        batch.push(line);
        batch_bytes += size;
    }
    // What came before a stop is sent too: those records are not in conflict.
    if !batch.is_empty() {
        conflict_seen |= send(
            client,
            &args,
            (&proven, &hints),
            &batch,
            &mut report,
            &mut counts,
        )
        .await?;
        acknowledge(&mut acked, &batch, &state_path, args.dry_run)?;
    }
    if progress {
        eprintln!();
    }
    report
        .flush()
        .map_err(|e| Failure::usage(format!("report: {e}")))?;
    print_summary(&counts, args.dry_run, &report_path);
    if conflict_seen && args.on_conflict == OnConflict::Fail {
        return Err(Failure {
            exit: Exit::Api,
            message: "stopped at a conflict (--on-conflict fail): see the report".to_owned(),
        });
    }
    Ok(())
}

/// Posts one batch and writes its outcomes to the report; whether any was a conflict.
async fn send(
    client: &Client,
    args: &CosyncArgs,
    (proven, hints): (&HashSet<String>, &super::import_hints::Hints),
    batch: &[&Line],
    report: &mut Box<dyn std::io::Write>,
    counts: &mut BTreeMap<(String, String), u64>,
) -> Result<bool, Failure> {
    let records: Vec<Value> = batch
        .iter()
        .map(|l| {
            let handle_proven =
                l.collection == "users" && handle_key(&l.doc).is_some_and(|h| proven.contains(&h));
            let mut record = json!({"collection": l.collection, "line": l.line, "doc": l.doc,
                   "handleProven": handle_proven});
            hints.mark(l.collection, l.line, &l.doc, &mut record);
            record
        })
        .collect();
    let body = json!({
        "dryRun": args.dry_run,
        "onConflict": match args.on_conflict {
            OnConflict::Skip => "skip",
            OnConflict::Update => "update",
            OnConflict::Fail => "fail",
        },
        "totp": match args.totp { Totp::Keep => "keep", Totp::Drop => "drop" },
        "phones": match args.phones { Phones::Keep => "keep", Phones::Drop => "drop" },
        "invites": match args.invites { Invites::Keep => "keep", Invites::Skip => "skip" },
        "inviteTtlDays": args.invite_ttl_days,
        "records": records,
    });
    let path = [
        "admin",
        "apps",
        args.app.as_deref().unwrap_or_default(),
        "import",
        "cosync",
    ];
    let answer = client.call(Method::POST, &path, &[], Some(&body)).await?;
    let results = answer
        .body
        .get("results")
        .and_then(Value::as_array)
        .ok_or_else(|| Failure {
            exit: Exit::Connection,
            message: "the import route answered without results".to_owned(),
        })?;
    let mut conflict = false;
    for r in results {
        conflict |= r.get("outcome").and_then(Value::as_str) == Some("conflict");
        record(report, counts, r)?;
    }
    Ok(conflict)
}

/// Writes one outcome to the report and counts it by outcome and reason.
fn record(
    report: &mut Box<dyn std::io::Write>,
    counts: &mut BTreeMap<(String, String), u64>,
    outcome: &Value,
) -> Result<(), Failure> {
    writeln!(report, "{outcome}").map_err(|e| Failure::usage(format!("report: {e}")))?;
    let name = outcome
        .get("outcome")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let reason = outcome.get("reason").and_then(Value::as_str).unwrap_or("");
    *counts
        .entry((name.to_owned(), reason.to_owned()))
        .or_default() += 1;
    if let Some(lossy) = outcome.get("lossy").and_then(Value::as_array) {
        for l in lossy.iter().filter_map(Value::as_str) {
            *counts
                .entry(("lossy".to_owned(), l.to_owned()))
                .or_default() += 1;
        }
    }
    Ok(())
}

/// Remembers the batch's last line of each file (not in a dry run: nothing was written).
fn acknowledge(
    acked: &mut BTreeMap<String, u64>,
    batch: &[&Line],
    state_path: &Path,
    dry_run: bool,
) -> Result<(), Failure> {
    if dry_run {
        return Ok(());
    }
    for l in batch {
        let last = acked.entry(l.collection.to_owned()).or_default();
        *last = (*last).max(l.line);
    }
    let tmp = state_path.with_extension("state.tmp");
    let text = serde_json::to_string(&*acked).unwrap_or_default();
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, state_path))
        .map_err(|e| Failure::usage(format!("{}: {e}", state_path.display())))
}

fn read_state(path: &Path) -> Result<BTreeMap<String, u64>, Failure> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| Failure::usage(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(Failure::usage(format!("{}: {e}", path.display()))),
    }
}

/// The report: appended to on a resume, started afresh otherwise; a dry run writes it too (it
/// is the list of what would happen).
fn open_report(path: &Path, append: bool) -> Result<Box<dyn std::io::Write>, Failure> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(path)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    Ok(Box::new(std::io::BufWriter::new(file)))
}

/// Every line of every collection file present, users first. A line that is not JSON is kept as
/// `null`, which the route reports as `invalid`.
fn read_all(dir: &Path) -> Result<Vec<Line>, Failure> {
    let mut lines = Vec::new();
    for collection in COLLECTIONS {
        for_each_line(dir, collection, |line, doc| {
            lines.push(Line {
                collection,
                line,
                doc,
            });
        })?;
    }
    if !dir.join("users.jsonl").exists() {
        return Err(Failure::usage(format!(
            "{} has no users.jsonl (see docs/operations.md for the mongoexport loop)",
            dir.display()
        )));
    }
    Ok(lines)
}

fn oid(doc: &Value) -> Option<String> {
    let id = doc.get("_id")?;
    id.get("$oid")
        .unwrap_or(id)
        .as_str()
        .map(str::to_ascii_lowercase)
}

/// The handles a verified signup or a verified (used) invite in the export proves.
fn proven_handles(dir: &Path) -> Result<HashSet<String>, Failure> {
    let mut proven = HashSet::new();
    for collection in ["signups", "invites"] {
        for_each_line(dir, collection, |_, doc| {
            if doc.get("status").and_then(Value::as_str) == Some("verified")
                && let Some(h) = handle_key(&doc)
            {
                proven.insert(h);
            }
        })?;
    }
    Ok(proven)
}

/// Lines of `users.jsonl` whose handle, once lower-cased, another line holds with a newer
/// `lastLogin` (the first line wins a tie), each with the reason for the report.
fn duplicate_losers(dir: &Path) -> Result<HashMap<u64, String>, Failure> {
    let mut best: HashMap<String, (String, u64)> = HashMap::new();
    let mut all: Vec<(String, String, u64)> = Vec::new();
    for_each_line(dir, "users", |line, doc| {
        if let Some(h) = handle_key(&doc) {
            let at = last_login(&doc);
            all.push((h.clone(), at.clone(), line));
            match best.get(&h) {
                Some((best_at, _)) if *best_at >= at => {}
                _ => {
                    best.insert(h, (at, line));
                }
            }
        }
    })?;
    Ok(all
        .into_iter()
        .filter_map(|(h, _, line)| {
            let (_, winner) = best.get(&h)?;
            (*winner != line).then(|| {
                (
                    line,
                    format!(
                        "handle duplicates users.jsonl line {winner} once lower-cased; the newest lastLogin is kept"
                    ),
                )
            })
        })
        .collect())
}

/// `--check handle:password`: the export's hash of that user verifies the password's MD5 the
/// way the Cosync clients sent it (catches an encoding mistake before the cut-over).
fn check_password(dir: &Path, check: &str) -> Result<(), Failure> {
    let (handle, password) = check
        .split_once(':')
        .ok_or_else(|| Failure::usage("--check takes handle:password"))?;
    let wanted = handle.trim().to_lowercase();
    let mut stored = None;
    for_each_line(dir, "users", |_, doc| {
        if handle_key(&doc).is_some_and(|h| h.to_lowercase() == wanted) {
            stored = doc
                .get("password")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
    })?;
    let stored = stored
        .ok_or_else(|| Failure::usage(format!("--check: no user {handle} in users.jsonl")))?;
    let md5 = hex_lower(&md5::Md5::digest(password.as_bytes()));
    if keyturn::crypto::password::verify_legacy(&md5, &stored) {
        eprintln!("keyturn: --check {handle}: the password verifies against the exported hash");
        Ok(())
    } else {
        Err(Failure {
            exit: Exit::Api,
            message: format!(
                "--check {handle}: the password does NOT verify against the exported hash: stop and look before importing"
            ),
        })
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Counts by outcome and reason, then what was lossy.
fn print_summary(counts: &BTreeMap<(String, String), u64>, dry_run: bool, report: &Path) {
    let mut out = std::io::stdout().lock();
    let head = if dry_run { "would be" } else { "records" };
    let mut by_outcome: BTreeMap<&str, u64> = BTreeMap::new();
    for ((outcome, _), n) in counts {
        if outcome != "lossy" {
            *by_outcome.entry(outcome).or_default() += n;
        }
    }
    for (outcome, n) in &by_outcome {
        let _ = writeln!(out, "{head} {outcome}: {n}");
    }
    for ((outcome, reason), n) in counts {
        if !reason.is_empty() {
            let _ = writeln!(out, "  {outcome} ({reason}): {n}");
        }
    }
    let _ = writeln!(out, "report: {}", report.display());
}
