//! `keyturn`: the local runner (`keyturn serve`), the admin CLI (`keyturn app|user|…`, see
//! `keyturn_infra::cli`), `keyturn migrate-table` and `keyturn secret` (the service secret's versions).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use keyturn_infra::cli::{AdminCommand, ApiArgs};

/// Keyturn — a serverless identity provider that speaks the CosyncJWT protocol.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    api: ApiArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run every function locally in one process over an embedded, persistent store.
    Serve {
        /// Address to listen on (loopback by default).
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: SocketAddr,
        /// Where the store, key file and outbox live.
        #[arg(long, default_value = "./.keyturn")]
        data_dir: PathBuf,
        /// Allow a non-loopback `--addr` (the local stack is for development: its outbox
        /// shows every code it sends).
        #[arg(long)]
        public: bool,
        /// Serve a fake Apple and Google on loopback (`/local/social/...`) and trust only them,
        /// to try social login with curl.
        #[arg(long)]
        fake_social: bool,
    },
    /// Convert a DynamoDB table written by an earlier release (records as one JSON string
    /// attribute `data`) to native attributes. Optional: items also convert on their next write.
    /// AWS settings come from the environment, as for the AWS CLI.
    MigrateTable {
        /// The table (the stack's `KEYTURN_TABLE`).
        #[arg(long, env = "KEYTURN_TABLE")]
        table: String,
    },
    /// The service secret (docs/operations.md, "Rotating the service secret").
    #[command(subcommand)]
    Secret(SecretCommand),
    #[command(flatten)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum SecretCommand {
    /// A new current version at once, the current one kept as previous: for `keyturn serve`
    /// (stop it first, start it after). In AWS, `stage` then `activate`.
    Rotate {
        #[command(flatten)]
        target: SecretTarget,
        /// How many previous versions to keep (default: all).
        #[arg(long)]
        keep: Option<usize>,
    },
    /// A new version that verifies at once but makes nothing until `activate`, so instances
    /// still on the old value never meet a token they cannot check.
    Stage {
        #[command(flatten)]
        target: SecretTarget,
    },
    /// The staged version becomes current; the current one is kept as previous.
    Activate {
        #[command(flatten)]
        target: SecretTarget,
        /// How many previous versions to keep (default: all).
        #[arg(long)]
        keep: Option<usize>,
    },
    /// Drop old versions (`keyturn doctor` says when no password hash or TOTP secret needs
    /// them; tokens and codes of a dropped version stop working).
    Retire {
        #[command(flatten)]
        target: SecretTarget,
        /// How many previous versions to keep.
        #[arg(long, default_value_t = 0)]
        keep: usize,
    },
}

/// Where the service secret is.
#[derive(clap::Args)]
struct SecretTarget {
    /// The local runner's data dir (its key file `secrets.json`).
    #[arg(long, default_value = "./.keyturn", conflicts_with = "stdin")]
    data_dir: PathBuf,
    /// Read the current value (Secrets Manager's SecretString) from stdin and print the next
    /// one on stdout, changing nothing.
    #[arg(long)]
    stdin: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("keyturn: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve {
            addr,
            data_dir,
            public,
            fake_social,
        } => serve(&runtime, addr, data_dir, public, fake_social),
        Command::Admin(command) => keyturn_infra::cli::run(&runtime, &cli.api, command),
        Command::MigrateTable { table } => migrate_table(&runtime, &table),
        Command::Secret(command) => {
            use keyturn_infra::secret::Step;
            let (target, step) = match command {
                SecretCommand::Rotate { target, keep } => (target, Step::Rotate { keep }),
                SecretCommand::Stage { target } => (target, Step::Stage),
                SecretCommand::Activate { target, keep } => (target, Step::Activate { keep }),
                SecretCommand::Retire { target, keep } => (target, Step::Retire { keep }),
            };
            secret(&runtime, &target, step)
        }
    }
}

/// `keyturn secret ...`: the key file rewritten, or the next value printed.
fn secret(
    runtime: &tokio::runtime::Runtime,
    target: &SecretTarget,
    step: keyturn_infra::secret::Step,
) -> ExitCode {
    let done = if target.stdin {
        keyturn_infra::secret::on_stdin(step).map(|(value, summary)| {
            println!("{value}");
            summary
        })
    } else {
        runtime.block_on(keyturn_infra::secret::on_key_file(&target.data_dir, step))
    };
    match done {
        Ok(summary) => {
            eprintln!("keyturn: {summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("keyturn: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `keyturn migrate-table`: converts an earlier release's items to native attributes.
fn migrate_table(runtime: &tokio::runtime::Runtime, table: &str) -> ExitCode {
    let converted = runtime.block_on(keyturn::store::dynamo::DynamoStore::convert_legacy_table(
        table,
    ));
    match converted {
        Ok(n) => {
            println!("{table}: {n} items converted to native attributes");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("keyturn: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(
    runtime: &tokio::runtime::Runtime,
    addr: SocketAddr,
    data_dir: PathBuf,
    public: bool,
    fake_social: bool,
) -> ExitCode {
    keyturn::http::init_logging();
    match keyturn_infra::serve::check_bind(addr, public) {
        Ok(None) => {}
        Ok(Some(warning)) => eprintln!("keyturn: {warning}"),
        Err(refusal) => {
            eprintln!("keyturn: {refusal}");
            return ExitCode::FAILURE;
        }
    }
    match runtime.block_on(keyturn_infra::serve::run(addr, &data_dir, fake_social)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keyturn: {e}");
            ExitCode::FAILURE
        }
    }
}
