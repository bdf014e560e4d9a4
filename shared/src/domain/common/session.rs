//! What a successful login or signup hands out: the user JWT for the app's backend (RS256, per-app
//! key) and Keyturn's own access token.

use serde_json::{Map, Value};

use crate::crypto::jws::RsaSigner;
use crate::crypto::service_token::ServiceTokens;
use crate::crypto::signing_key::KeyRing;
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::{App, JwtSubject};
use crate::domain::records::metadata::{get_path, set_path};
use crate::domain::records::table_keys;
use crate::domain::records::user::User;
use crate::error::{Context, Error, Result};
use crate::secrets::SecretStore as _;
use crate::store::{Condition, Item};

/// The key that signs the app's new JWTs (the kid its record names, see
/// [`App::signing_kid`]) and that kid. The ring secret is cached per process and each key's PEM
/// parsed once per warm instance (see [`crate::crypto::signing_key::ParsedKeys`]); when the
/// cached ring lacks the kid (a rotation happened since it was read) the ring is read again
/// from the secrets backend, once.
async fn current_key(state: &AppState, app: &App) -> Result<std::sync::Arc<(RsaSigner, String)>> {
    let name = state.config.app_key_secret_name(&app.app_id);
    let missing = || Error::internal(format!("signing key of app {} missing", app.app_id));
    let kid = app.signing_kid().ok_or_else(missing)?;
    let cached = state
        .secrets
        .get(&name)
        .await
        .context(format!("read the signing key of app {}", app.app_id))?
        .ok_or_else(missing)?;
    let mut ring = KeyRing::from_secret(&cached)?;
    if ring.find(kid).is_none() {
        let fresh = state
            .secrets
            .get_fresh(&name)
            .await
            .context(format!("re-read the signing key of app {}", app.app_id))?
            .ok_or_else(missing)?;
        ring = KeyRing::from_secret(&fresh)?;
    }
    let private = ring.find(kid).ok_or_else(missing)?;
    state
        .signing_keys
        .get_or_parse(&format!("{name}#{kid}"), &private.pem, |pem| {
            let key = RsaSigner::from_pkcs8(&crate::crypto::signing_key::private_der(pem)?)?;
            Ok((key, kid.to_owned()))
        })
}

/// Reads and parses the app's current signing key into the per-process caches, ignoring
/// failures (the signing that follows reports them).
pub async fn prefetch_key(state: &AppState, app: &App) {
    let _ = current_key(state, app).await;
}

/// How the holder of a new session proved who they are. The user JWT says it in `amr` (RFC 8176
/// method names where one fits) with `auth_time`, so the app's backend can require a second
/// factor (`otp` or `sms`) or a real account (`pwd`) for what matters; the access token carries
/// the time, so switching a factor on can tell a fresh login from a stolen old token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// The account's password: a login, or a signup or registration that set it in the same
    /// request (`["pwd"]`).
    Password,
    /// The password, then an authenticator code, TOTP or recovery code (`["pwd", "otp"]`): both
    /// prove the authenticator enrolment.
    PasswordAndAuthenticator,
    /// The password, then a texted code (`["pwd", "sms"]`).
    PasswordAndSms,
    /// A code mailed to the handle, with no password (`completeSignup`; `["email"]`: RFC 8176
    /// names no mailbox proof, and `otp` would read as a second factor).
    MailedCode,
    /// Nothing but the `ANON_` handle (`["anonymous"]`: no RFC 8176 method proves nothing, and
    /// an empty list would read as "not said").
    Anonymous,
    /// An Apple or Google ID token (`["fed"]`: a federated login; RFC 8176 names none, and the
    /// provider's own methods are not told).
    Provider,
    /// A user-verified passkey (`["hwk", "mfa"]`: a hardware-bound key, unlocked by the
    /// user's biometrics or PIN, is two factors at once, so no `otp` step follows).
    Passkey,
}

impl Proof {
    /// The JWT's `amr` values.
    pub const fn amr(self) -> &'static [&'static str] {
        match self {
            Proof::Password => &["pwd"],
            Proof::PasswordAndAuthenticator => &["pwd", "otp"],
            Proof::PasswordAndSms => &["pwd", "sms"],
            Proof::MailedCode => &["email"],
            Proof::Anonymous => &["anonymous"],
            Proof::Provider => &["fed"],
            Proof::Passkey => &["hwk", "mfa"],
        }
    }
}

/// The claims of a user's JWT: registered claims first, then the email claims and metadata at
/// their dot paths. A required `metaData` field without a value is 604, as in the original.
///
/// - `metaDataInvite` fields are emitted too (the specification bundles them into the invited
///   user's JWT), at their paths; they are optional in the JWT, since users who were not invited
///   have none. `metaData` and `metaDataInvite` are validated together, so their paths never
///   overlap and neither touches a reserved claim.
/// - `email` and `email_verified` are emitted when the app asks for the email: `email_verified`
///   is `true` only when the handle was proven by a code or link sent to it (signup code or link,
///   invite code, password reset), `false` for flow `none`. Anonymous users have no email, so
///   neither claim (nor an `email` metadata field) is emitted for them.
/// - `amr` says how the session was earned (`proof`) and `auth_time` when: now, since a JWT is
///   only ever issued by the login, signup or registration that proved it.
pub fn user_claims(
    app: &App,
    user: &User,
    base_url: &str,
    now_secs: i64,
    proof: Proof,
) -> Result<Value> {
    let s = &app.settings;
    let mut claims = Map::new();
    let mut emits_email = false;
    for f in &s.meta_data {
        let value = if f.field_name == "email" {
            if user.anonymous {
                continue;
            }
            emits_email = true;
            Some(Value::String(user.handle.clone()))
        } else {
            get_path(&user.meta_data, &f.path).cloned()
        };
        match value {
            Some(v) => set_path(&mut claims, &f.path, v),
            None if f.required => {
                return Err(Error::InvalidMetadata(format!("{} is required", f.path)));
            }
            None => {}
        }
    }
    for f in &s.meta_data_invite {
        if s.meta_data.iter().any(|m| m.path == f.path) {
            continue;
        }
        if let Some(v) = get_path(&user.meta_data, &f.path) {
            set_path(&mut claims, &f.path, v.clone());
        }
    }
    if s.user_names_enabled
        && let Some(name) = &user.user_name
    {
        claims.insert("userName".into(), Value::String(name.clone()));
    }
    // Registered claims are written last, so nothing above can overwrite them even if a
    // reserved path slipped into stored settings.
    if s.meta_data_email && !user.anonymous && !emits_email {
        claims.insert("email".into(), Value::String(user.handle.clone()));
        emits_email = true;
    }
    if emits_email {
        claims.insert("email_verified".into(), Value::Bool(user.email_verified));
    }
    claims.insert("iss".into(), Value::String(app.issuer(base_url)));
    // `handle` keeps backends keyed on CosyncJWT's `sub` working after a migration.
    let subject = match s.jwt_subject {
        JwtSubject::UserId => &user.user_id,
        JwtSubject::Handle => &user.handle,
    };
    claims.insert("sub".into(), Value::String(subject.clone()));
    claims.insert("aud".into(), Value::String(app.audience()));
    claims.insert("iat".into(), Value::from(now_secs));
    claims.insert(
        "exp".into(),
        Value::from(now_secs + i64::from(s.user_jwt_expiration) * 3600),
    );
    claims.insert("auth_time".into(), Value::from(now_secs));
    claims.insert("amr".into(), Value::from(proof.amr().to_vec()));
    Ok(Value::Object(claims))
}

/// What a login, signup or registration hands out.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// The user JWT for the app's backend.
    pub jwt: String,
    /// Keyturn's access token for the user-scoped routes.
    pub access_token: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Both are bearer secrets.
        f.write_str("Session(..)")
    }
}

/// Signs the user JWT and an access token for a user who just proved themselves by `proof`, and
/// records the login time.
pub async fn issue(
    state: &AppState,
    app: &App,
    user: &User,
    base_url: &str,
    proof: Proof,
) -> Result<Session> {
    let (session, last_login) = sign(state, app, user, base_url, proof).await?;
    if let Err(e) = state.store.put(last_login, Condition::Any).await {
        // Losing a last-login timestamp must not fail a login.
        tracing::warn!(error = %e, "could not record last login");
    }
    Ok(session)
}

/// Signs the user JWT and an access token, and returns with them the last-login record for the
/// caller to write: a password login commits it in the same transaction as its limit checks,
/// so a warm login costs one write.
pub async fn sign(
    state: &AppState,
    app: &App,
    user: &User,
    base_url: &str,
    proof: Proof,
) -> Result<(Session, Item)> {
    let now = state.clock.now_secs();
    let claims = user_claims(app, user, base_url, now, proof)?;
    let signing = current_key(state, app).await?;
    let (key, kid) = &*signing;
    let jwt = key.sign(kid, &claims)?;
    let sid = state.codes.random_hex(8);
    let access = state.tokens.issue(&ServiceTokens::access_claims(
        &app.app_id,
        &user.user_id,
        user.token_epoch,
        &sid,
        now,
        i64::from(app.settings.access_token_expiration) * 3600,
    ))?;
    let last = repo::item(
        table_keys::last_login(&user.user_id),
        &serde_json::json!({ "at": state.clock.now_ms() }),
        1,
    )?;
    Ok((
        Session {
            jwt,
            access_token: access,
        },
        last,
    ))
}
