//! The one place wire fields become the domain's typed requests (the mirror of [`super::reply`]),
//! and [`Call`], the extractor every end-user handler takes: state, typed input and request
//! context in one.

use axum::extract::FromRequest;

use super::body::Fields;
use super::request::{Door, WireRequest};
use crate::domain::RequestContext;
use crate::domain::factors::phone::{SetPhoneRequest, VerifyPhoneRequest};
use crate::domain::factors::switch::SetTwoFactor;
use crate::domain::factors::undo::UndoRequest;
use crate::domain::invites::user_invites::{InviteRequest, RevokeRequest};
use crate::domain::login::anonymous::AnonymousRequest;
use crate::domain::login::complete::LoginCompleteRequest;
use crate::domain::login::password::LoginRequest;
use crate::domain::login::social::SocialLoginRequest;
use crate::domain::passkeys::login::PasskeyLoginRequest;
use crate::domain::passkeys::manage::{PasskeyRemoveRequest, PasskeyRenameRequest};
use crate::domain::passkeys::register::PasskeyRegisterRequest;
use crate::domain::passwords::change::ChangeRequest;
use crate::domain::passwords::reset::{ForgotRequest, ResetRequest};
use crate::domain::ports::AppState;
use crate::domain::profile::delete_account::DeleteRequest;
use crate::domain::profile::details::{LocaleRequest, MetadataRequest};
use crate::domain::profile::link_social::LinkSocialRequest;
use crate::domain::profile::user_name::UserNameRequest;
use crate::domain::signup::register::RegisterRequest;
use crate::domain::signup::self_service::{CompleteRequest, SignupRequest};
use crate::domain::signup::social::SocialSignupRequest;
use crate::error::{Error, Result};

/// A request the wire's fields decode into.
pub trait FromFields: Sized {
    /// Reads the fields by their wire names: 403 for a missing required one, 602 for a
    /// non-scalar, 604 for malformed metadata.
    fn from_fields(fields: &Fields) -> Result<Self>;
}

/// Routes that read no fields.
impl FromFields for () {
    fn from_fields(_: &Fields) -> Result<Self> {
        Ok(())
    }
}

/// The OpenAPI field kind of a `from_fields!` reader.
macro_rules! field_kind {
    (required) => {
        super::openapi::FieldKind::Required
    };
    (text) => {
        super::openapi::FieldKind::Text
    };
    (object) => {
        super::openapi::FieldKind::Object
    };
    (json) => {
        super::openapi::FieldKind::RequiredObject
    };
    (secret) => {
        super::openapi::FieldKind::Required
    };
    (secret_text) => {
        super::openapi::FieldKind::Text
    };
}

/// Each request type, field by field: `field: how "wireName"`, where `how` is `required` (a
/// scalar, 403 when absent), `text` (an optional scalar), `object` (`metaData`), or `secret` /
/// `secret_text` (a required / optional password, code or token, held in a
/// [`Redacted`](crate::domain::records::redacted::Redacted) so `{:?}` never prints it). The same list
/// gives the request's OpenAPI schema, so the document cannot drift from the decoding.
macro_rules! from_fields {
    ($($request:ident { $($field:ident: $how:ident $name:literal),* $(,)? })*) => {$(
        impl FromFields for $request {
            fn from_fields(f: &Fields) -> Result<Self> {
                Ok(Self { $($field: f.$how($name)?),* })
            }
        }

        impl utoipa::PartialSchema for $request {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                super::openapi::fields_schema(&[$(($name, field_kind!($how))),*])
            }
        }

        impl utoipa::ToSchema for $request {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($request))
            }
        }
    )*

        /// Every request type above, decoded from a body whose every field holds a marker:
        /// `{:?}` must show the markers of plain fields (so the check can see a leak) and never
        /// one of a password, code or token.
        #[cfg(test)]
        #[test]
        fn no_request_type_prints_a_secret_in_debug() {
            let mut secrets_checked = 0;
            $(
                let fields: &[(&str, &str)] = &[$(($name, stringify!($how))),*];
                let body: serde_json::Map<String, serde_json::Value> = fields
                    .iter()
                    .map(|(name, how)| {
                        let value = if *how == "object" || *how == "json" {
                            serde_json::json!({ "marker": format!("shown-{name}") })
                        } else {
                            serde_json::json!(format!("marker-{name}"))
                        };
                        ((*name).to_owned(), value)
                    })
                    .collect();
                let body = serde_json::Value::Object(body).to_string();
                let decoded = $request::from_fields(&Fields::from_json(body.as_bytes()).unwrap()).unwrap();
                let shown = format!("{decoded:?}");
                for (name, how) in fields {
                    let marker = format!("marker-{name}");
                    // A password, code or token field is a secret however it was declared.
                    let secret = how.starts_with("secret")
                        || ["password", "newPassword", "code", "token", "loginToken"].contains(name);
                    if secret {
                        secrets_checked += 1;
                        assert!(!shown.contains(&marker), "{} prints {name}: {shown}", stringify!($request));
                    } else if *how != "object" && *how != "json" {
                        assert!(shown.contains(&marker), "{} hides {name}: {shown}", stringify!($request));
                    }
                }
            )*
            assert!(secrets_checked >= 15, "{secrets_checked}");
        }
    };
}

from_fields! {
    SignupRequest { handle: required "handle", password: secret "password", meta_data: object "metaData", locale: text "locale" }
    CompleteRequest { handle: required "handle", code: secret "code" }
    LoginRequest { handle: required "handle", password: secret "password" }
    LoginCompleteRequest { login_token: secret "loginToken", code: secret "code" }
    AnonymousRequest { handle: required "handle" }
    InviteRequest { handle: required "handle", sender_user_id: text "senderUserId", meta_data: object "metaData" }
    RevokeRequest { handle: required "handle" }
    RegisterRequest { handle: required "handle", password: secret "password", code: secret "code", meta_data: object "metaData", locale: text "locale" }
    ForgotRequest { handle: required "handle" }
    ResetRequest { handle: required "handle", password: secret "password", code: secret "code" }
    ChangeRequest { password: secret "password", new_password: secret "newPassword" }
    DeleteRequest { handle: text "handle", password: secret_text "password", token: secret_text "token", nonce: text "nonce" }
    MetadataRequest { meta_data: object "metaData" }
    LocaleRequest { locale: required "locale" }
    UserNameRequest { user_name: required "userName" }
    SetPhoneRequest { phone: required "phone", password: secret_text "password" }
    VerifyPhoneRequest { code: secret "code" }
    SetTwoFactor { two_factor: required "twoFactor", password: secret_text "password", code: secret_text "code" }
    UndoRequest { user_id: required "userId", token: secret "token" }
    SocialLoginRequest { token: secret "token", provider: required "provider", nonce: text "nonce" }
    LinkSocialRequest { token: secret "token", provider: required "provider", nonce: text "nonce", password: secret_text "password", code: secret_text "code" }
    SocialSignupRequest { token: secret "token", provider: required "provider", handle: required "handle", meta_data: object "metaData", locale: text "locale", nonce: text "nonce" }
    PasskeyRegisterRequest { credential: json "credential", name: text "name" }
    PasskeyLoginRequest { credential: json "credential" }
    PasskeyRenameRequest { id: required "id", name: required "name" }
    PasskeyRemoveRequest { id: required "id", password: secret_text "password", code: secret_text "code" }
}

/// One end-user call, `Call(state, input, context)`: the shared state, the typed request and the
/// request context (credentials, base URL, client address). A handler destructures it in its
/// signature and hands the parts to its use case.
pub struct Call<T>(pub AppState, pub T, pub RequestContext);

impl<T: FromFields> FromRequest<AppState> for Call<T> {
    type Rejection = Error;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (input, ctx) = decode(req, state, Door::Headers).await?;
        Ok(Call(state.clone(), input, ctx))
    }
}

/// [`Call`] for the routes the signup mail link reaches (`completeSignup`, GET and POST), and
/// only those: the app token may also travel in `?appToken=` and `Origin: null` counts as no
/// origin ([`Door::MailLink`] says why no other route may take them).
pub struct MailLinkCall<T>(pub AppState, pub T, pub RequestContext);

impl<T: FromFields> FromRequest<AppState> for MailLinkCall<T> {
    type Rejection = Error;

    async fn from_request(
        req: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (input, ctx) = decode(req, state, Door::MailLink).await?;
        Ok(MailLinkCall(state.clone(), input, ctx))
    }
}

/// The typed input and the context of `req`, read through `door`.
async fn decode<T: FromFields>(
    req: axum::extract::Request,
    state: &AppState,
    door: Door,
) -> Result<(T, RequestContext)> {
    let wire = WireRequest::read(req, state, door).await?;
    let input = T::from_fields(&wire.fields)?;
    Ok((input, wire.context))
}
