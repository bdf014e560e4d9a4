//! The admin subcommands: their arguments (clap) and the API call each one makes.

use clap::Subcommand;
use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Answer, Client};
use super::{Failure, out, table};

/// An admin subcommand (each talks to the admin API at `--url`).
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Apps: create, list, show, change settings, delete, rotate the app token.
    #[command(subcommand)]
    App(AppCommand),
    /// An app's users.
    #[command(subcommand)]
    User(UserCommand),
    /// An app's invites.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// An app's signing keys: rotate (stage), activate, retire (docs/operations.md has the runbook).
    Keys {
        /// rotate, activate or retire.
        #[arg(value_enum)]
        step: KeyStep,
        /// The app id.
        app: String,
    },
    /// An app's message templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// An app's audit trail, newest first.
    Audit {
        /// The app id.
        app: String,
        /// Only the entries about this user.
        #[arg(long)]
        user_id: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Check the table's invariants, read-only, page by page: `doctor [--app ID]`.
    Doctor(super::doctor::DoctorArgs),
    /// Import users from another deployment: `import cosync --dir … --app …`.
    #[command(subcommand)]
    Import(super::import::ImportCommand),
}

/// `keyturn app …`.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Create an app: `keyturn app create "My app" signupFlow=link`.
    Create {
        /// Display name.
        name: String,
        /// Settings as `key=value` (values parsed as JSON when they parse, else strings).
        settings: Vec<String>,
        /// A JSON object of settings, applied before the `key=value` pairs.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// List apps, a page at a time.
    List {
        #[command(flatten)]
        page: Page,
    },
    /// Show an app's settings, token and issuer.
    Show {
        /// The app id.
        app: String,
    },
    /// Change settings: `keyturn app set <app> signupFlow=code userJWTExpiration=2`.
    Set {
        /// The app id.
        app: String,
        /// Settings as `key=value` (values parsed as JSON when they parse, else strings).
        settings: Vec<String>,
        /// A JSON object of settings, applied before the `key=value` pairs.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// Delete an app and everything it owns, repeating the call until it is gone.
    Delete {
        /// The app id.
        app: String,
        /// Units deleted per call (1 to 100).
        #[arg(long)]
        batch: Option<u32>,
        /// Make one call only and print what remains.
        #[arg(long)]
        once: bool,
    },
    /// Issue a new app token; the old one works `--grace` more seconds (default 0).
    RotateToken {
        /// The app id.
        app: String,
        /// Seconds the old token keeps working (at most 604800).
        #[arg(long)]
        grace: Option<u32>,
    },
}

/// `keyturn user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List users, by handle.
    List {
        /// The app id.
        app: String,
        /// Handle prefix.
        #[arg(long)]
        search: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Show a user.
    Show {
        /// The app id.
        app: String,
        /// The user id.
        user: String,
    },
    /// Suspend a user (ends their sessions).
    Suspend {
        /// The app id.
        app: String,
        /// The user id.
        user: String,
    },
    /// Reactivate a suspended user.
    Reactivate {
        /// The app id.
        app: String,
        /// The user id.
        user: String,
    },
    /// End every session of a user.
    Revoke {
        /// The app id.
        app: String,
        /// The user id.
        user: String,
    },
    /// Delete a user and everything of theirs.
    Delete {
        /// The app id.
        app: String,
        /// The user id.
        user: String,
    },
}

/// `keyturn invite …`.
#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Invite (or re-invite) a handle as the developer.
    Create {
        /// The app id.
        app: String,
        /// The invited email.
        handle: String,
        /// Invite metadata as `key=value` (values parsed as JSON when they parse).
        meta_data: Vec<String>,
        /// Language of the invite email.
        #[arg(long)]
        locale: Option<String>,
    },
    /// List pending invites.
    List {
        /// The app id.
        app: String,
        #[command(flatten)]
        page: Page,
    },
    /// Withdraw every invite to a handle.
    Revoke {
        /// The app id.
        app: String,
        /// The invited email.
        handle: String,
    },
}

/// `keyturn template …`.
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Show the template in force.
    Get {
        /// The app id.
        app: String,
        /// Two-letter locale.
        locale: String,
        /// signUp, signUpLink, clickThrough, resetPassword, invite, signUpSuccess or sms.
        name: String,
    },
    /// Store the app's own template.
    Put {
        /// The app id.
        app: String,
        /// Two-letter locale.
        locale: String,
        /// Template name.
        name: String,
        /// Subject line.
        #[arg(long)]
        subject: Option<String>,
        /// Plain-text body.
        #[arg(long)]
        text: Option<String>,
        /// HTML body.
        #[arg(long)]
        html: Option<String>,
        /// A JSON object `{subject, text, html}`, overridden by the flags.
        #[arg(long)]
        file: Option<std::path::PathBuf>,
    },
    /// Remove the app's own template (the fallback applies again).
    Delete {
        /// The app id.
        app: String,
        /// Two-letter locale.
        locale: String,
        /// Template name.
        name: String,
    },
}

/// A signing-key rotation step.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum KeyStep {
    /// Stage a new key (published at once, not signing).
    Rotate,
    /// Make the staged key sign.
    Activate,
    /// Unpublish the keys that no longer sign.
    Retire,
}

/// Which page of a listing: the options every `list` command (and `audit`) takes.
#[derive(Debug, clap::Args)]
pub struct Page {
    /// Page size (1 to 100).
    #[arg(long)]
    limit: Option<u32>,
    /// The cursor a previous page printed.
    #[arg(long)]
    cursor: Option<String>,
}

/// GETs one page of an admin listing and prints it: `field` holds the items, `columns` are the
/// table's (the page's cursor is printed as the next command's `--cursor`). `filters` are the
/// listing's own query parameters.
async fn list_page(
    client: &Client,
    json: bool,
    path: &[&str],
    page: Page,
    filters: &[(&str, Option<String>)],
    field: &'static str,
    columns: &'static [&'static str],
) -> Result<(), Failure> {
    let mut query = vec![("limit", num(page.limit)), ("cursor", page.cursor)];
    query.extend(filters.iter().cloned());
    let answer = client.call(Method::GET, path, &query, None).await?;
    print(&answer, json, Shape::Listing(field, columns));
    Ok(())
}

/// An optional number as a query value.
fn num(n: Option<u32>) -> Option<String> {
    n.map(|n| n.to_string())
}

/// A settings object from `--file` (if any) and `key=value` pairs; a value is JSON when it
/// parses as JSON (`true`, `2`, `["EN","FR"]`, `"quoted"`), else the string as typed.
pub fn settings(
    file: Option<&std::path::Path>,
    pairs: &[String],
) -> Result<Map<String, Value>, Failure> {
    let mut map = match file {
        None => Map::new(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("--file {}: {e}", path.display())))?;
            match serde_json::from_str(&text) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(Failure::usage(format!(
                        "--file {}: not a JSON object",
                        path.display()
                    )));
                }
            }
        }
    };
    for pair in pairs {
        let (key, raw) = pair
            .split_once('=')
            .filter(|(k, _)| !k.trim().is_empty())
            .ok_or_else(|| Failure::usage(format!("{pair:?} is not key=value")))?;
        let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
        map.insert(key.trim().to_owned(), value);
    }
    Ok(map)
}

/// How to print an answer as a table: the listing's array field and its columns, or a plain
/// object.
enum Shape {
    Listing(&'static str, &'static [&'static str]),
    Object,
}

fn print(answer: &Answer, json: bool, shape: Shape) {
    let body = &answer.body;
    if json {
        out(&body.to_string());
        return;
    }
    match (shape, body) {
        (Shape::Listing(field, columns), _) => {
            let items = body
                .get(field)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            out(&table::rows(&items, columns));
            if let Some(cursor) = body.get("cursor").and_then(Value::as_str) {
                out(&format!("next page: --cursor {cursor}"));
            }
        }
        (Shape::Object, Value::Bool(true)) => out("done"),
        (Shape::Object, _) => out(&table::object(body)),
    }
}

/// Runs `command`: one API call (a loop of them for `app delete` and `doctor`), its answer
/// printed.
pub async fn execute(client: &Client, json: bool, command: AdminCommand) -> Result<(), Failure> {
    use AdminCommand as C;
    match command {
        C::App(app) => app_command(client, json, app).await,
        C::User(user) => user_command(client, json, user).await,
        C::Invite(invite) => invite_command(client, json, invite).await,
        C::Keys { step, app } => {
            let step = match step {
                KeyStep::Rotate => "rotate",
                KeyStep::Activate => "activate",
                KeyStep::Retire => "retire",
            };
            let path = ["admin", "apps", &app, "keys", step];
            let answer = client.call(Method::POST, &path, &[], None).await?;
            print(&answer, json, Shape::Object);
            Ok(())
        }
        C::Template(t) => template_command(client, json, t).await,
        C::Import(i) => super::import::execute(client, i).await,
        C::Doctor(args) => super::doctor::execute(client, json, args).await,
        C::Audit { app, user_id, page } => {
            let columns = &["at", "event", "userId", "client", "adminKey"];
            let path = ["admin", "apps", &app, "audit"];
            let filters = [("userId", user_id)];
            list_page(client, json, &path, page, &filters, "entries", columns).await
        }
    }
}

async fn app_command(client: &Client, json: bool, command: AppCommand) -> Result<(), Failure> {
    use AppCommand as A;
    match command {
        A::Create {
            name,
            settings: pairs,
            file,
        } => {
            let mut body = settings(file.as_deref(), &pairs)?;
            body.insert("name".into(), Value::String(name));
            let body = Value::Object(body);
            let answer = client
                .call(Method::POST, &["admin", "apps"], &[], Some(&body))
                .await?;
            print(&answer, json, Shape::Object);
        }
        A::List { page } => {
            let columns = &["appId", "name", "status", "createdAt"];
            list_page(client, json, &["admin", "apps"], page, &[], "apps", columns).await?;
        }
        A::Show { app } => {
            let answer = client
                .call(Method::GET, &["admin", "apps", &app], &[], None)
                .await?;
            print(&answer, json, Shape::Object);
        }
        A::Set {
            app,
            settings: pairs,
            file,
        } => {
            let body = Value::Object(settings(file.as_deref(), &pairs)?);
            let answer = client
                .call(Method::PATCH, &["admin", "apps", &app], &[], Some(&body))
                .await?;
            print(&answer, json, Shape::Object);
        }
        A::Delete { app, batch, once } => loop {
            let query = [("batch", num(batch))];
            let answer = client
                .call(Method::DELETE, &["admin", "apps", &app], &query, None)
                .await?;
            if answer.status == 202 && !once {
                eprintln!("keyturn: deleting, remaining {}", answer.body["remaining"]);
                continue;
            }
            print(&answer, json, Shape::Object);
            return Ok(());
        },
        A::RotateToken { app, grace } => {
            let body = serde_json::json!({ "graceSeconds": grace.unwrap_or(0) });
            let path = ["admin", "apps", &app, "app-token", "rotate"];
            let answer = client.call(Method::POST, &path, &[], Some(&body)).await?;
            print(&answer, json, Shape::Object);
        }
    }
    Ok(())
}

async fn user_command(client: &Client, json: bool, command: UserCommand) -> Result<(), Failure> {
    use UserCommand as U;
    let (method, app, user, action) = match command {
        U::List { app, search, page } => {
            let columns = &["userId", "handle", "status", "userName", "createdAt"];
            let path = ["admin", "apps", &app, "users"];
            let filters = [("search", search)];
            list_page(client, json, &path, page, &filters, "users", columns).await?;
            return Ok(());
        }
        U::Show { app, user } => (Method::GET, app, user, None),
        U::Delete { app, user } => (Method::DELETE, app, user, None),
        U::Suspend { app, user } => (Method::POST, app, user, Some("suspend")),
        U::Reactivate { app, user } => (Method::POST, app, user, Some("reactivate")),
        U::Revoke { app, user } => (Method::POST, app, user, Some("revoke-sessions")),
    };
    let mut path = vec!["admin", "apps", &app, "users", &user];
    path.extend(action);
    let answer = client.call(method, &path, &[], None).await?;
    print(&answer, json, Shape::Object);
    Ok(())
}

async fn invite_command(
    client: &Client,
    json: bool,
    command: InviteCommand,
) -> Result<(), Failure> {
    use InviteCommand as I;
    match command {
        I::Create {
            app,
            handle,
            meta_data,
            locale,
        } => {
            let mut body = Map::new();
            body.insert("handle".into(), Value::String(handle));
            body.insert(
                "metaData".into(),
                Value::Object(settings(None, &meta_data)?),
            );
            if let Some(l) = locale {
                body.insert("locale".into(), Value::String(l));
            }
            let path = ["admin", "apps", &app, "invites"];
            let body = Value::Object(body);
            let answer = client.call(Method::POST, &path, &[], Some(&body)).await?;
            print(&answer, json, Shape::Object);
        }
        I::List { app, page } => {
            let columns = &["handle", "sender", "senderHandle", "expiresAt"];
            let path = ["admin", "apps", &app, "invites"];
            list_page(client, json, &path, page, &[], "invites", columns).await?;
        }
        I::Revoke { app, handle } => {
            let path = ["admin", "apps", &app, "invites", &handle];
            let answer = client.call(Method::DELETE, &path, &[], None).await?;
            print(&answer, json, Shape::Object);
        }
    }
    Ok(())
}

async fn template_command(
    client: &Client,
    json: bool,
    command: TemplateCommand,
) -> Result<(), Failure> {
    use TemplateCommand as T;
    let (method, app, locale, name, body) = match command {
        T::Get { app, locale, name } => (Method::GET, app, locale, name, None),
        T::Delete { app, locale, name } => (Method::DELETE, app, locale, name, None),
        T::Put {
            app,
            locale,
            name,
            subject,
            text,
            html,
            file,
        } => {
            let mut pairs = Vec::new();
            for (k, v) in [("subject", subject), ("text", text), ("html", html)] {
                if let Some(v) = v {
                    // Always a string, even when it would parse as JSON.
                    pairs.push((k, v));
                }
            }
            let mut body = settings(file.as_deref(), &[])?;
            for (k, v) in pairs {
                body.insert(k.to_owned(), Value::String(v));
            }
            (Method::PUT, app, locale, name, Some(Value::Object(body)))
        }
    };
    let path = ["admin", "apps", &app, "templates", &locale, &name];
    let answer = client.call(method, &path, &[], body.as_ref()).await?;
    print(&answer, json, Shape::Object);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_values_are_json_when_they_parse_and_strings_otherwise() {
        let pairs = [
            "signupFlow=link".to_owned(),
            "userJWTExpiration=2".to_owned(),
            "locales=[\"EN\",\"FR\"]".to_owned(),
            "realmAppId=\"42\"".to_owned(),
            "googleAppName=My app=1".to_owned(),
        ];
        let map = settings(None, &pairs).unwrap();
        assert_eq!(
            Value::Object(map),
            serde_json::json!({
                "signupFlow": "link",
                "userJWTExpiration": 2,
                "locales": ["EN", "FR"],
                "realmAppId": "42",
                "googleAppName": "My app=1",
            })
        );
    }

    #[test]
    fn a_pair_without_equals_is_a_usage_error() {
        let err = settings(None, &["signupFlow".to_owned()]).unwrap_err();
        assert_eq!(err.exit, super::super::Exit::Usage);
    }
}
