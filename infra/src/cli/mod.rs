//! `keyturn app|user|invite|keys|template|audit|import|doctor …`: the admin API from a terminal or a script.
//!
//! Each subcommand is one (or, for `app delete`, a repeated) admin API call over HTTP
//! ([`client`]); the answer is printed as an aligned table ([`table`]) or, with `--json`, as the
//! API's own JSON. The admin key comes only from the `KEYTURN_ADMIN_KEY` environment variable:
//! a flag would show in `ps` and in shell history.
//!
//! Exit codes (see [`Exit`]): 0 success, 1 `doctor` found problems, 2 usage error (bad arguments, no admin key, unreadable
//! `--file`), 3 the API refused (its code and message are printed), 4 the API could not be
//! reached or did not answer like Keyturn.

mod client;
mod commands;
mod cosync_app;
mod doctor;
mod export_lines;
mod import;
mod import_csv;
mod import_hints;
mod table;

use std::process::ExitCode;

pub use commands::AdminCommand;

/// Where the admin API is and how to print its answers (flags every admin subcommand takes).
#[derive(Debug, Clone, clap::Args)]
pub struct ApiArgs {
    /// Base URL of the Keyturn deployment (API Gateway URL, or the local runner).
    #[arg(
        long,
        global = true,
        env = "KEYTURN_URL",
        default_value = "http://127.0.0.1:8787"
    )]
    pub url: String,
    /// Print the API's JSON as it is, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
}

/// How a CLI run ended, as its exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Done.
    Success = 0,
    /// `keyturn doctor` ran to the end and found broken invariants (printed).
    Findings = 1,
    /// The command line or its inputs were wrong (clap uses 2 for its own usage errors too).
    Usage = 2,
    /// The API answered with an error (`{"code", "message"}`).
    Api = 3,
    /// No answer from the API, or one that is not Keyturn's.
    Connection = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// One line of output. A reader that stops early (`keyturn app list | head`) closes the pipe:
/// that is not an error of the command, so the rest is dropped quietly instead of panicking as
/// `println!` would.
pub(super) fn out(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Why a CLI run failed: the message for stderr and the exit code.
#[derive(Debug)]
pub struct Failure {
    exit: Exit,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Usage,
            message: message.into(),
        }
    }
}

/// Runs one admin subcommand to completion and returns its exit code (messages to stderr,
/// results to stdout).
pub fn run(runtime: &tokio::runtime::Runtime, api: &ApiArgs, command: AdminCommand) -> ExitCode {
    let key = std::env::var("KEYTURN_ADMIN_KEY").unwrap_or_default();
    let outcome = if key.trim().is_empty() {
        Err(Failure::usage(
            "KEYTURN_ADMIN_KEY is not set: export the admin API key (it is never taken as a flag)",
        ))
    } else {
        client::Client::new(&api.url, key.trim())
            .and_then(|client| runtime.block_on(commands::execute(&client, api.json, command)))
    };
    match outcome {
        Ok(()) => Exit::Success.into(),
        Err(f) => {
            eprintln!("keyturn: {}", f.message);
            f.exit.into()
        }
    }
}
