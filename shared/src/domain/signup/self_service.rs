//! Self-service signup in the three flows (`none`, `code`, `link`) and its completion.
//!
//! Codes are six digits from the OS CSPRNG, stored only as a keyed hash, valid for 48 hours,
//! single use, with five tries per client address and ten over all addresses (then dead: 614).
//! A repeated signup issues a fresh code and restarts the code's tries — the old code may have
//! leaked, so it is not reused as the original did — but not the handle's ten tries a day over
//! every code it is sent, and failed checks count on the app's daily cap (see
//! [`one_time_code::count_signup_try`]). Link emails open a confirm page; only its POST
//! completes, so mail scanners that follow links cannot complete (or burn) a signup.
//!
//! **A probe tells nothing and kills nothing for long.** `completeSignup` answers a handle with
//! a pending signup, one with an account and one with nothing exactly alike: tries are counted
//! for every handle (under a decoy code when none is pending), so the 614 after five wrong codes
//! comes for all of them, and an expired code is 411 only to whoever sends that very code. The
//! tries are kept per client address, so a stranger's five wrong codes from one address leave the
//! owner's five; strangers on two addresses reach the code's ceiling of ten (and the handle's ten
//! for the day), after which the owner signs up again the next day. That day is the price of the
//! daily budget, which keeps re-signups from buying five guesses each.
//!
//! **Nobody but the mailbox owner chooses the password.** Anyone can sign up any handle, so a
//! pending signup may see passwords from several people, and only one of them (if any) reads the
//! mailbox. A repeated signup with the *same* password (verified against the stored hash) is the
//! same person: it refreshes metadata and locale. One with a *different* password marks the
//! signup **contested** and changes nothing else. Completing a contested signup (which takes the
//! mailed code, so it is the mailbox owner) creates the account **without a usable password**
//! and, in the same transaction, a password reset whose code is mailed: the owner sets their own
//! password, and neither submitted password ever works.
//!
//! Limits are counted before any expensive or revealing step (Argon2, the 601 check): signup
//! mails per canonical mailbox, messages per client address, and the app's daily mail budget.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::crypto::service_token::ServiceTokens;
use crate::domain::accounts;
use crate::domain::common::caller;
use crate::domain::common::html::HtmlPage;
use crate::domain::common::html::{escape, render, url_encode};
use crate::domain::common::limits::{self, AddressFlow, Limit};
use crate::domain::common::one_time_code;
use crate::domain::common::repo;
use crate::domain::common::repo::{Attempt, retry_on_conflict};
use crate::domain::common::reset_code;
use crate::domain::common::session;
use crate::domain::common::session::{Proof, Session};
use crate::domain::common::templates::{self, TemplateName, Values};
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, Feature, SignupFlow};
use crate::domain::records::context::RequestContext;
use crate::domain::records::metadata;
use crate::domain::records::redacted::Redacted;
use crate::domain::records::table_keys;
use crate::domain::records::user::{ClientPassword, Handle, User};
use crate::error::{Error, Result};
use crate::store::{Condition, Item, StoreError, Transaction, WriteOp};

/// Signup codes live this long (the original's 48 h, kept for compatibility).
pub const CODE_TTL_SECS: i64 = 48 * 3600;
/// Signup emails one mailbox may receive: 5 per hour (any flow; `none` counts its welcome).
pub const MAIL_LIMIT: Limit = Limit {
    max: 5,
    window_secs: 3600,
};
/// How long a pending signup is kept after its code expired (so 411 can still be answered).
const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;

/// A signup request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    /// Raw handle.
    pub handle: String,
    /// Raw password field.
    pub password: Redacted,
    /// `metaData`, if given.
    pub meta_data: Option<Map<String, Value>>,
    /// `locale`, if given.
    pub locale: Option<String>,
}

/// A signup waiting for its code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PendingSignup {
    handle: String,
    password_hash: String,
    meta_data: Map<String, Value>,
    locale: String,
    code_hash: String,
    code_expires_at: i64,
    /// More than one distinct password was submitted: the account gets none of them.
    #[serde(default)]
    contested: bool,
}

fn code_context(app_id: &str, handle: &str) -> String {
    format!("{app_id}/signup/{handle}")
}

/// What a signup did.
#[derive(Debug)]
pub enum SignedUp {
    /// The code (or link) was emailed; the account exists once it comes back.
    CodeSent,
    /// Flow `none`: the account exists and is logged in.
    Session(Session),
}

/// `POST /signup`.
pub async fn signup(
    state: &AppState,
    req: SignupRequest,
    ctx: &RequestContext,
) -> Result<SignedUp> {
    let app = caller::app_from_token(state, ctx).await?;
    app.require(Feature::Signup)?;
    let accounts::Credentials {
        handle,
        password,
        locale,
    } = accounts::Credentials::parse(&app, &req.handle, &req.password, req.locale)?;
    let meta_data = metadata::extract(&app.settings.meta_data, req.meta_data.as_ref())?;
    // Limits first: a refused request costs no Argon2 run and does not learn whether the handle
    // is taken (601).
    limits::hit_address(state, &app, &ctx.client, AddressFlow::Messages).await?;
    limits::spend_mail_from(
        state,
        &app,
        "SIGNUP",
        MAIL_LIMIT,
        handle.as_str(),
        &ctx.client,
    )
    .await?;
    let claim = table_keys::handle_claim(&app.app_id, handle.as_str());
    if state.store.get(&claim).await?.is_some() {
        return Err(Error::HandleTaken);
    }
    match app.settings.signup_flow {
        SignupFlow::None => {
            let password_hash = state.passwords.hash(password.expose()).await?;
            let user = accounts::new_user(
                state,
                &app,
                handle.as_str(),
                password_hash,
                meta_data,
                locale,
            );
            create_user(state, &user, Vec::new()).await?;
            templates::send_welcome(state, &app, &user.locale, &user.handle).await;
            let proof = Proof::Password;
            Ok(SignedUp::Session(
                session::issue(state, &app, &user, &ctx.base_url, proof).await?,
            ))
        }
        SignupFlow::Code | SignupFlow::Link => {
            let submitted = Submitted {
                password: &password,
                meta_data,
                locale,
            };
            let (pending, code) = write_pending(state, &app, &handle, submitted).await?;
            send_code(state, &app, &pending, &code, &ctx.base_url).await?;
            Ok(SignedUp::CodeSent)
        }
    }
}

/// What one signup request submits for a pending signup.
struct Submitted<'a> {
    password: &'a ClientPassword,
    meta_data: Map<String, Value>,
    locale: String,
}

/// Writes (or renews) the pending signup with a fresh code, under a condition on the version
/// read, so concurrent signups of one handle cannot slip a password past the contest check.
async fn write_pending(
    state: &AppState,
    app: &App,
    handle: &Handle,
    submitted: Submitted<'_>,
) -> Result<(PendingSignup, String)> {
    let key = table_keys::signup(&app.app_id, handle.as_str());
    let claim = table_keys::handle_claim(&app.app_id, handle.as_str());
    let (key, claim, submitted) = (&key, &claim, &submitted);
    retry_on_conflict("pending signup", || async move {
        let now = state.clock.now_secs();
        let existing = state.store.get(key).await?;
        let live = match &existing {
            Some(item) => {
                Some(repo::record::<PendingSignup>(item)?).filter(|p| p.code_expires_at > now)
            }
            None => None,
        };
        let issued = one_time_code::issue(state, &code_context(&app.app_id, handle.as_str()));
        let pending = match live {
            // A signup nobody can complete any more starts afresh.
            None => PendingSignup {
                handle: handle.as_str().to_owned(),
                password_hash: state.passwords.hash(submitted.password.expose()).await?,
                meta_data: submitted.meta_data.clone(),
                locale: submitted.locale.clone(),
                code_hash: issued.hash,
                code_expires_at: now + CODE_TTL_SECS,
                contested: false,
            },
            Some(previous) => {
                let same_password = state
                    .passwords
                    .verify(submitted.password.expose(), Some(&previous.password_hash))
                    .await;
                let mut next = PendingSignup {
                    code_hash: issued.hash,
                    code_expires_at: now + CODE_TTL_SECS,
                    ..previous
                };
                if same_password {
                    next.meta_data = submitted.meta_data.clone();
                    next.locale = submitted.locale.clone();
                } else {
                    next.contested = true;
                }
                next
            }
        };
        let (condition, version) = match &existing {
            Some(item) => (Condition::Version(item.version), item.version + 1),
            None => (Condition::Absent, 1),
        };
        let item: Item = repo::item(key.clone(), &pending, version)?
            .expiring_at(now + CODE_TTL_SECS + KEEP_AFTER_EXPIRY_SECS);
        let mut tx = Transaction::new();
        let unclaimed = tx.push(WriteOp::Check(claim.clone(), Condition::Absent));
        tx.push(WriteOp::Put(item, condition));
        tx.push(WriteOp::Delete(
            table_keys::signup_tries(&app.app_id, handle.as_str()),
            Condition::Any,
        ));
        match state.store.transact(tx.into_ops()).await {
            Ok(()) => {
                if pending.contested {
                    tracing::warn!(app_id = %app.app_id, "signup contested: a second password was submitted");
                }
                Ok(Attempt::Done((pending, issued.code)))
            }
            Err(StoreError::Conflict { op }) if op == unclaimed => Err(Error::HandleTaken),
            // Another signup of this handle wrote first: read it and decide again.
            Err(StoreError::Conflict { .. }) => Ok(Attempt::Conflict),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// Creates the user and its handle claim in one transaction (plus `extra` operations, which run
/// after them); a taken handle is 601.
async fn create_user(state: &AppState, user: &User, extra: Vec<WriteOp>) -> Result<()> {
    let (mut tx, claim) = accounts::creation(user)?;
    for op in extra {
        tx.push(op);
    }
    match state.store.transact(tx.into_ops()).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { op }) if op == claim => Err(Error::HandleTaken),
        // The pending signup changed underneath us (a concurrent completion or re-signup).
        Err(StoreError::Conflict { .. }) => Err(Error::invalid("signup changed; try again")),
        Err(e) => Err(e.into()),
    }
}

/// A completion request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct CompleteRequest {
    /// Raw handle.
    pub handle: String,
    /// Raw code.
    pub code: Redacted,
}

/// What a completed signup answers.
#[derive(Debug)]
pub enum Completed {
    /// Code flow: the new account's session.
    Session(Session),
    /// Link flow: the landing page.
    Landing(HtmlPage),
}

/// `POST /completeSignup` (also the confirm page's form).
///
/// A malformed code costs no try and is 602 for every handle. Any other code is a counted try
/// whether or not a signup is pending ([`check_code`]), so the answers (602, then 614) do not
/// tell whether a signup is pending or an account exists.
pub async fn complete_signup(
    state: &AppState,
    req: CompleteRequest,
    ctx: &RequestContext,
) -> Result<Completed> {
    let app = caller::app_from_any(state, ctx).await?;
    app.require(Feature::Signup)?;
    let handle = Handle::parse(&req.handle)?;
    let code = one_time_code::parse(req.code.expose())?;
    limits::hit_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await?;
    let counted = one_time_code::count_signup_try(state, &app, handle.as_str()).await?;
    let key = table_keys::signup(&app.app_id, handle.as_str());
    let stored = state.store.get(&key).await?;
    let pending = match &stored {
        Some(item) => Some(repo::record::<PendingSignup>(item)?),
        None => None,
    };
    check_code(state, &app, &handle, &code, pending.as_ref(), ctx).await?;
    let (Some(item), Some(pending)) = (stored, pending) else {
        return Err(Error::internal(
            "a signup code was proven without a pending signup",
        ));
    };
    let tries = table_keys::signup_tries(&app.app_id, handle.as_str());
    limits::give_back_address(state, &app, &ctx.client, AddressFlow::FailedChecks).await;
    limits::refund(state, counted).await;
    let contested = pending.contested;
    // A contested signup's account has no usable password (an empty hash verifies nothing)
    // until the owner sets one with the reset code created with it.
    let password_hash = if contested {
        String::new()
    } else {
        pending.password_hash
    };
    let mut user = accounts::new_user(
        state,
        &app,
        handle.as_str(),
        password_hash,
        pending.meta_data,
        pending.locale,
    );
    // The code (or link) reached the handle's mailbox: the address is proven.
    user.email_verified = true;
    let mut extra = vec![
        WriteOp::Delete(key, Condition::Version(item.version)),
        WriteOp::Delete(tries, Condition::Any),
    ];
    let reset = if contested {
        let (ops, code) = reset_code::issue(state, &app.app_id, &user.handle, &user.user_id)?;
        extra.extend(ops);
        Some(code)
    } else {
        None
    };
    create_user(state, &user, extra).await?;
    match reset {
        Some(code) => {
            // The welcome mail is replaced by the mail that lets the owner set a password.
            if let Err(e) = reset_code::mail(state, &app, &user.locale, &user.handle, &code).await {
                tracing::error!(error = %e.report(), app_id = %app.app_id, "contested signup: reset mail not sent");
            }
        }
        None => templates::send_welcome(state, &app, &user.locale, &user.handle).await,
    }
    match app.settings.signup_flow {
        SignupFlow::Link => Ok(Completed::Landing(landing_page(state, &app, &user).await?)),
        SignupFlow::Code | SignupFlow::None => Ok(Completed::Session(
            session::issue(state, &app, &user, &ctx.base_url, Proof::MailedCode).await?,
        )),
    }
}

/// The digest prefix that names a live signup code in its per-address try counters, so a new
/// code starts every address afresh (a handle without one counts under [`NO_CODE`]).
fn code_name(pending: &PendingSignup) -> &str {
    pending.code_hash.get(..16).unwrap_or(&pending.code_hash)
}

/// The name of the decoy code whose tries a handle without a live signup code counts.
const NO_CODE: &str = "NONE";

/// Counts one try at the signup code of `handle` from the caller's address, then compares
/// `code`, alike whether or not a signup is pending: with no live code the tries are counted
/// under [`NO_CODE`] (so the 614 after five wrong codes comes as it would), and the code is
/// still compared (with the expired code's digest, or none). 411 only when `code` is the
/// pending signup's own, expired code: whoever sends it holds the mailbox.
async fn check_code(
    state: &AppState,
    app: &App,
    handle: &Handle,
    code: &str,
    pending: Option<&PendingSignup>,
    ctx: &RequestContext,
) -> Result<()> {
    let now = state.clock.now_secs();
    let live = pending.filter(|p| p.code_expires_at > now);
    let (name, expires_at) = match live {
        Some(p) => (code_name(p), p.code_expires_at),
        None => (NO_CODE, now + CODE_TTL_SECS),
    };
    let tries = one_time_code::SpreadTries {
        from_address: table_keys::signup_tries_from(
            &app.app_id,
            ctx.client.as_str(),
            name,
            handle.as_str(),
        ),
        in_all: table_keys::signup_tries(&app.app_id, handle.as_str()),
        expires_at,
    };
    one_time_code::count_spread_try(state, &tries).await?;
    let digest = pending.map_or("", |p| p.code_hash.as_str());
    let right = state
        .code_hasher
        .verify(&code_context(&app.app_id, handle.as_str()), code, digest);
    match (right, live) {
        (true, Some(_)) => Ok(()),
        (true, None) => Err(Error::CodeExpired),
        (false, _) => Err(one_time_code::wrong_code()),
    }
}

/// `GET /completeSignup?appToken&handle&code`: the confirm page. Nothing changes until its
/// button posts the form back, so a link scanner's GET is harmless.
pub async fn confirm_page(
    state: &AppState,
    req: CompleteRequest,
    ctx: &RequestContext,
) -> Result<HtmlPage> {
    let app = caller::app_from_token(state, ctx).await?;
    app.require(Feature::Signup)?;
    let handle = Handle::parse(&req.handle)?;
    let token = ctx.credentials.app_token.clone().unwrap_or_default();
    let page = render(
        CONFIRM_PAGE,
        &[
            ("APP_NAME", app.name.as_str()),
            ("HANDLE", handle.as_str()),
            ("CODE", req.code.expose().trim()),
        ],
        &[(
            "ACTION",
            &escape(&format!(
                "/api/appuser/completeSignup?appToken={}",
                url_encode(&token)
            )),
        )],
        true,
    );
    Ok(HtmlPage(page))
}

async fn landing_page(state: &AppState, app: &App, user: &User) -> Result<HtmlPage> {
    let (template, _) =
        templates::effective(state, app, &user.locale, TemplateName::ClickThrough).await?;
    let values = Values {
        handle: &user.handle,
        ..Values::default()
    };
    Ok(HtmlPage(templates::render_parts(&template, app, values).2))
}

/// Emails the signup code, or in the link flow a link carrying the app token, handle and code.
async fn send_code(
    state: &AppState,
    app: &App,
    pending: &PendingSignup,
    code: &str,
    base: &str,
) -> Result<()> {
    let (name, link) = match app.settings.signup_flow {
        SignupFlow::Link => {
            let token = state
                .tokens
                .issue_app(&ServiceTokens::app_claims(&app.app_id, app.token_issued_at))?;
            let link = format!(
                "{base}/api/appuser/completeSignup?appToken={}&handle={}&code={code}",
                url_encode(&token),
                url_encode(&pending.handle)
            );
            (TemplateName::SignUpLink, link)
        }
        SignupFlow::Code | SignupFlow::None => (TemplateName::SignUp, String::new()),
    };
    let values = Values {
        handle: &pending.handle,
        code,
        link: &link,
    };
    templates::send(state, app, &pending.locale, name, &pending.handle, values).await
}

const CONFIRM_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Confirm your %APP_NAME% account</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>Confirm your %APP_NAME% account</h1>
<p>Confirm that <b>%HANDLE%</b> is your email address.</p>
<form method="post" action="%ACTION%">
<input type="hidden" name="handle" value="%HANDLE%">
<input type="hidden" name="code" value="%CODE%">
<button type="submit">Confirm my email</button>
</form></body></html>
"#;
