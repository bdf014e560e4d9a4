//! Self-service signup in the three flows (`none`, `code`, `link`) and its completion.
//!
//! Codes follow DESIGN §4: six digits from the OS CSPRNG, stored only as a keyed hash, valid for
//! 48 hours, at most five tries (then dead: 614), single use. A repeated signup issues a fresh
//! code and restarts the tries — the old code may have leaked, so it is not reused as the
//! original did. Link emails open a confirm page; only its POST completes, so mail scanners that
//! follow links cannot complete (or burn) a signup.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::AppState;
use crate::domain::app::{App, SignupFlow};
use crate::domain::html::{escape, render, url_encode};
use crate::domain::user::{ClientPassword, Handle, User, UserStatus, parse_locale};
use crate::domain::{auth, keys, metadata, repo, session};
use crate::error::{Error, Result};
use crate::mail::{Channel, Message};
use crate::store::{Condition, Item, StoreError, WriteOp};
use crate::wire::{Credentials, Reply};

/// Signup codes live this long (the original's 48 h, kept for compatibility).
pub const CODE_TTL_SECS: i64 = 48 * 3600;
/// Wrong tries before a code is dead.
pub const MAX_CODE_TRIES: i64 = 5;
/// Signup emails one handle may receive per window.
pub const MAX_MAILS_PER_WINDOW: i64 = 5;
/// The signup-email window.
pub const MAIL_WINDOW_SECS: i64 = 3600;
/// How long a pending signup is kept after its code expired (so 411 can still be answered).
const KEEP_AFTER_EXPIRY_SECS: i64 = 7 * 24 * 3600;

/// A signup request as the wire delivers it.
#[derive(Debug, Clone)]
pub struct SignupRequest {
    /// Raw handle.
    pub handle: String,
    /// Raw password field.
    pub password: String,
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
}

fn code_context(app_id: &str, handle: &str) -> String {
    format!("{app_id}/signup/{handle}")
}

/// `POST /signup`.
pub async fn signup(
    state: &AppState,
    creds: &Credentials,
    req: SignupRequest,
    origin: &str,
) -> Result<Reply> {
    let app = auth::app_from_token(state, creds).await?;
    if !app.settings.signup_enabled {
        return Err(Error::SignupDisabled);
    }
    let handle = Handle::parse(&req.handle)?;
    let password = ClientPassword::parse(&req.password)?;
    let locale = parse_locale(req.locale);
    if !app.offers_locale(&locale) {
        return Err(Error::invalid(format!(
            "locale {locale} is not offered by this app"
        )));
    }
    let meta_data = metadata::extract(&app.settings.meta_data, req.meta_data.as_ref())?;
    let claim = keys::handle_claim(&app.app_id, handle.as_str());
    if state.store.get(&claim).await?.is_some() {
        return Err(Error::HandleTaken);
    }
    let password_hash = state.passwords.hash(password.expose()).await?;
    let base = state.base_url(origin);
    match app.settings.signup_flow {
        SignupFlow::None => {
            let user = new_user(state, &app, &handle, password_hash, meta_data, locale);
            create_user(state, &user, Vec::new()).await?;
            send_welcome(state, &app, &user).await;
            Ok(Reply::Json(
                session::issue(state, &app, &user, &base).await?,
            ))
        }
        SignupFlow::Code | SignupFlow::Link => {
            limit_mails(state, &app, &handle).await?;
            let code = state.codes.six_digits();
            let now = state.clock.now_secs();
            let pending = PendingSignup {
                handle: handle.as_str().to_owned(),
                password_hash,
                meta_data,
                locale,
                code_hash: state
                    .code_hasher
                    .hash(&code_context(&app.app_id, handle.as_str()), &code),
                code_expires_at: now + CODE_TTL_SECS,
            };
            let item = repo::item(keys::signup(&app.app_id, handle.as_str()), &pending, 1)?
                .expiring_at(now + CODE_TTL_SECS + KEEP_AFTER_EXPIRY_SECS);
            let ops = vec![
                WriteOp::Check(claim, Condition::Absent),
                WriteOp::Put(item, Condition::Any),
                WriteOp::Delete(
                    keys::signup_tries(&app.app_id, handle.as_str()),
                    Condition::Any,
                ),
            ];
            match state.store.transact(ops).await {
                Ok(()) => {}
                Err(StoreError::Conflict { op: Some(0) }) => return Err(Error::HandleTaken),
                Err(e) => return Err(e.into()),
            }
            let message = signup_message(state, &app, &handle, &code, &base);
            state
                .mailer
                .send(&message)
                .await
                .map_err(|e| Error::Internal(format!("signup mail: {e}")))?;
            Ok(Reply::True)
        }
    }
}

async fn limit_mails(state: &AppState, app: &App, handle: &Handle) -> Result<()> {
    let key = keys::signup_mails(&app.app_id, handle.as_str());
    let until = state.clock.now_secs() + MAIL_WINDOW_SECS;
    match state
        .store
        .add(&key, 1, Some(MAX_MAILS_PER_WINDOW), Some(until))
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::LimitReached) => Err(Error::RateLimited {
            retry_after_secs: retry_after(state, &key).await,
        }),
        Err(e) => Err(e.into()),
    }
}

/// Seconds until the counter at `key` expires (at least 1).
pub async fn retry_after(state: &AppState, key: &crate::store::Key) -> u64 {
    let now = state.clock.now_secs();
    let until = match state.store.get(key).await {
        Ok(Some(Item {
            expires_at: Some(t),
            ..
        })) => t,
        _ => now + 60,
    };
    u64::try_from((until - now).max(1)).unwrap_or(1)
}

fn new_user(
    state: &AppState,
    app: &App,
    handle: &Handle,
    password_hash: String,
    meta_data: Map<String, Value>,
    locale: String,
) -> User {
    let now = state.clock.now_ms();
    User {
        user_id: state.codes.random_hex(16),
        app_id: app.app_id.clone(),
        handle: handle.as_str().to_owned(),
        password_hash,
        status: UserStatus::Active,
        locale,
        meta_data,
        token_epoch: 0,
        created_at: now,
        updated_at: now,
    }
}

/// Creates the user and its handle claim in one transaction (plus `extra` operations, which run
/// after them); a taken handle is 601.
async fn create_user(state: &AppState, user: &User, extra: Vec<WriteOp>) -> Result<()> {
    let mut ops = vec![
        WriteOp::Put(repo::user_item(user, 1)?, Condition::Absent),
        WriteOp::Put(repo::handle_claim_item(user)?, Condition::Absent),
    ];
    ops.extend(extra);
    match state.store.transact(ops).await {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict { op: Some(1) }) => Err(Error::HandleTaken),
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
    pub code: String,
}

/// `POST /completeSignup` (also the confirm page's form).
pub async fn complete_signup(
    state: &AppState,
    creds: &Credentials,
    req: CompleteRequest,
    origin: &str,
) -> Result<Reply> {
    let app = auth::app_from_any(state, creds).await?;
    if !app.settings.signup_enabled {
        return Err(Error::SignupDisabled);
    }
    let handle = Handle::parse(&req.handle)?;
    let code = six_digit_code(&req.code)?;
    let code = code.as_str();
    let key = keys::signup(&app.app_id, handle.as_str());
    let Some(item) = state.store.get(&key).await? else {
        if state
            .store
            .get(&keys::handle_claim(&app.app_id, handle.as_str()))
            .await?
            .is_some()
        {
            return Err(Error::HandleTaken);
        }
        return Err(Error::invalid("no pending signup for this handle"));
    };
    let pending: PendingSignup = repo::record(&item)?;
    let now = state.clock.now_secs();
    if pending.code_expires_at <= now {
        return Err(Error::SignupCodeExpired);
    }
    let tries = keys::signup_tries(&app.app_id, handle.as_str());
    match state
        .store
        .add(
            &tries,
            1,
            Some(MAX_CODE_TRIES),
            Some(pending.code_expires_at),
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::LimitReached) => return Err(Error::CodeExhausted),
        Err(e) => return Err(e.into()),
    }
    let context = code_context(&app.app_id, handle.as_str());
    if !state.code_hasher.verify(&context, code, &pending.code_hash) {
        return Err(Error::invalid("wrong code"));
    }
    let user = new_user(
        state,
        &app,
        &handle,
        pending.password_hash,
        pending.meta_data,
        pending.locale,
    );
    create_user(
        state,
        &user,
        vec![
            WriteOp::Delete(key, Condition::Version(item.version)),
            WriteOp::Delete(tries, Condition::Any),
        ],
    )
    .await?;
    send_welcome(state, &app, &user).await;
    match app.settings.signup_flow {
        SignupFlow::Link => Ok(Reply::Html(landing_page(&app, &user))),
        SignupFlow::Code | SignupFlow::None => Ok(Reply::Json(
            session::issue(state, &app, &user, &state.base_url(origin)).await?,
        )),
    }
}

/// The code as six digits. Codes are drawn from 000000–999999, but the wire coerces a JSON
/// number to its string form and the original compared codes as integers, so a client posting
/// `12345` for `012345` must be understood: up to six digits are left-padded with zeros (the same
/// code, not a wider match).
fn six_digit_code(raw: &str) -> Result<String> {
    let code = raw.trim();
    if code.is_empty() || code.len() > 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid("code must be 6 digits"));
    }
    Ok(format!("{code:0>6}"))
}

/// `GET /completeSignup?appToken&handle&code`: the confirm page. Nothing changes until its
/// button posts the form back, so a link scanner's GET is harmless.
pub async fn confirm_page(
    state: &AppState,
    creds: &Credentials,
    req: CompleteRequest,
) -> Result<Reply> {
    let app = auth::app_from_token(state, creds).await?;
    if !app.settings.signup_enabled {
        return Err(Error::SignupDisabled);
    }
    let handle = Handle::parse(&req.handle)?;
    let token = creds.app_token.clone().unwrap_or_default();
    let page = render(
        CONFIRM_PAGE,
        &[
            ("APP_NAME", app.name.as_str()),
            ("HANDLE", handle.as_str()),
            ("CODE", req.code.trim()),
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
    Ok(Reply::Html(page))
}

fn landing_page(app: &App, user: &User) -> String {
    let template = app
        .settings
        .link_landing_page
        .as_deref()
        .unwrap_or(LANDING_PAGE);
    render(
        template,
        &[
            ("APP_NAME", app.name.as_str()),
            ("HANDLE", user.handle.as_str()),
        ],
        &[],
        true,
    )
}

fn signup_message(state: &AppState, app: &App, handle: &Handle, code: &str, base: &str) -> Message {
    let values = [
        ("APP_NAME", app.name.as_str()),
        ("HANDLE", handle.as_str()),
        ("CODE", code),
    ];
    match app.settings.signup_flow {
        SignupFlow::Link => {
            let token = state
                .tokens
                .issue(&crate::crypto::service_token::ServiceTokens::app_claims(
                    &app.app_id,
                    app.token_issued_at,
                ))
                .unwrap_or_default();
            let link = format!(
                "{base}/api/appuser/completeSignup?appToken={}&handle={}&code={code}",
                url_encode(&token),
                url_encode(handle.as_str())
            );
            let anchor = format!("<a href=\"{}\">Confirm your email</a>", escape(&link));
            Message {
                channel: Channel::Email,
                to: handle.as_str().to_owned(),
                subject: render("Verify your account for %APP_NAME%", &values, &[], false),
                text: render(
                    "Open this link to confirm your %APP_NAME% account: %LINK%",
                    &values,
                    &[("LINK", &link)],
                    false,
                ),
                html: render(
                    "<p>Welcome to %APP_NAME%, %HANDLE%.</p><p>%LINK%</p>",
                    &values,
                    &[("LINK", &anchor)],
                    true,
                ),
            }
        }
        SignupFlow::Code | SignupFlow::None => Message {
            channel: Channel::Email,
            to: handle.as_str().to_owned(),
            subject: render("Verify your email for %APP_NAME%", &values, &[], false),
            text: render(
                "Your %APP_NAME% verification code is %CODE%. It expires in 48 hours.",
                &values,
                &[],
                false,
            ),
            html: render(
                "<p>Hello %HANDLE%,</p><p>Your %APP_NAME% verification code is <b>%CODE%</b>.</p><p>It expires in 48 hours.</p>",
                &values,
                &[],
                true,
            ),
        },
    }
}

async fn send_welcome(state: &AppState, app: &App, user: &User) {
    let values = [
        ("APP_NAME", app.name.as_str()),
        ("HANDLE", user.handle.as_str()),
    ];
    let message = Message {
        channel: Channel::Email,
        to: user.handle.clone(),
        subject: render("Welcome to %APP_NAME%", &values, &[], false),
        text: render(
            "Your %APP_NAME% account %HANDLE% is ready.",
            &values,
            &[],
            false,
        ),
        html: render(
            "<p>Your %APP_NAME% account %HANDLE% is ready.</p>",
            &values,
            &[],
            true,
        ),
    };
    if let Err(e) = state.mailer.send(&message).await {
        // The account exists either way; a lost welcome mail is not worth failing the request.
        tracing::warn!(error = %e, "welcome mail not sent");
    }
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

const LANDING_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>%APP_NAME%</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>You're signed up</h1>
<p>%HANDLE% is confirmed. Go back to %APP_NAME% and log in.</p>
</body></html>
"#;
