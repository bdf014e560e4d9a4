//! The one place wire fields become the domain's typed requests (the mirror of [`super::reply`]),
//! and [`Call`], the extractor every end-user handler takes: state, typed input and request
//! context in one.

use axum::extract::FromRequest;

use super::body::Fields;
use super::request::WireRequest;
use crate::AppState;
use crate::domain::RequestContext;
use crate::domain::anonymous::AnonymousRequest;
use crate::domain::delete_account::DeleteRequest;
use crate::domain::invite::{InviteRequest, RevokeRequest};
use crate::domain::login::LoginRequest;
use crate::domain::password::{ChangeRequest, ForgotRequest, ResetRequest};
use crate::domain::profile::{LocaleRequest, MetadataRequest};
use crate::domain::register::RegisterRequest;
use crate::domain::signup::{CompleteRequest, SignupRequest};
use crate::domain::user_name::UserNameRequest;
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
}

/// Each request type, field by field: `field: how "wireName"`, where `how` is `required` (a
/// scalar, 403 when absent), `text` (an optional scalar) or `object` (`metaData`). The same list
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
    )*};
}

from_fields! {
    SignupRequest { handle: required "handle", password: required "password", meta_data: object "metaData", locale: text "locale" }
    CompleteRequest { handle: required "handle", code: required "code" }
    LoginRequest { handle: required "handle", password: required "password" }
    AnonymousRequest { handle: required "handle" }
    InviteRequest { handle: required "handle", sender_user_id: text "senderUserId", meta_data: object "metaData" }
    RevokeRequest { handle: required "handle" }
    RegisterRequest { handle: required "handle", password: required "password", code: required "code", meta_data: object "metaData", locale: text "locale" }
    ForgotRequest { handle: required "handle" }
    ResetRequest { handle: required "handle", password: required "password", code: required "code" }
    ChangeRequest { password: required "password", new_password: required "newPassword" }
    DeleteRequest { handle: text "handle", password: text "password", token: text "token" }
    MetadataRequest { meta_data: object "metaData" }
    LocaleRequest { locale: required "locale" }
    UserNameRequest { user_name: required "userName" }
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
        let wire = WireRequest::from_request(req, state).await?;
        let input = T::from_fields(&wire.fields)?;
        Ok(Call(state.clone(), input, wire.context))
    }
}
