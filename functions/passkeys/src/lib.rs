//! The passkey routes (`/api/appuser/passkey/*` and `GET /api/appuser/passkeys`): one function,
//! since a ceremony's two halves and the management routes share their code and their table
//! access; `remove` checks a password, so the function is given Argon2's memory.

use keyturn::Result;
use keyturn::domain::passkeys::login::{PasskeyLoginRequest, login_begin, login_complete};
use keyturn::domain::passkeys::manage::{
    PasskeyRemoveRequest, PasskeyRenameRequest, list, remove, rename,
};
use keyturn::domain::passkeys::register::{
    PasskeyRegisterRequest, register_begin, register_complete,
};
use keyturn::wire::{Call, Reply};

#[utoipa::path(post, path = "/api/appuser/passkey/registerBegin", tag = "user", security(("access_token" = [])), responses((status = 200, description = "creation options for `navigator.credentials.create` (417 passkeys off, 642 limit reached, 615 too many ceremonies from this address)", body = keyturn::wire::passkeys::PasskeyOptions)))]
async fn register_begin_handle(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(register_begin(&state, &ctx).await?.into())
}

#[utoipa::path(post, path = "/api/appuser/passkey/registerComplete", tag = "user", security(("access_token" = [])), request_body = PasskeyRegisterRequest, responses((status = 200, description = "the new passkey (640 ceremony unknown or expired, 641 verification failed, 642 limit reached)", body = keyturn::wire::passkeys::PasskeyView)))]
async fn register_complete_handle(
    Call(state, input, ctx): Call<PasskeyRegisterRequest>,
) -> Result<Reply> {
    Ok(register_complete(&state, input, &ctx).await?.into())
}

#[utoipa::path(post, path = "/api/appuser/passkey/loginBegin", tag = "user", security(("app_token" = [])), responses((status = 200, description = "request options for a discoverable `navigator.credentials.get` (417 passkeys off, 615 too many ceremonies from this address)", body = keyturn::wire::passkeys::PasskeyOptions)))]
async fn login_begin_handle(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(login_begin(&state, &ctx).await?.into())
}

#[utoipa::path(post, path = "/api/appuser/passkey/loginComplete", tag = "user", security(("app_token" = [])), request_body = PasskeyLoginRequest, responses((status = 200, description = "a session, with no second-factor step (640 ceremony unknown or expired, 641 verification failed, 404 suspended, 615 too many failures from this address)", body = keyturn::wire::end_user::Session)))]
async fn login_complete_handle(
    Call(state, input, ctx): Call<PasskeyLoginRequest>,
) -> Result<Reply> {
    Ok(login_complete(&state, input, &ctx).await?.into())
}

#[utoipa::path(get, path = "/api/appuser/passkeys", tag = "user", security(("access_token" = [])), responses((status = 200, description = "the caller's passkeys, oldest first", body = keyturn::wire::passkeys::PasskeyList)))]
async fn list_handle(Call(state, _, ctx): Call<()>) -> Result<Reply> {
    Ok(list(&state, &ctx).await?.into())
}

#[utoipa::path(post, path = "/api/appuser/passkey/rename", tag = "user", security(("access_token" = [])), request_body = PasskeyRenameRequest, responses((status = 200, description = "the renamed passkey (643 unknown id)", body = keyturn::wire::passkeys::PasskeyView)))]
async fn rename_handle(Call(state, input, ctx): Call<PasskeyRenameRequest>) -> Result<Reply> {
    Ok(rename(&state, input, &ctx).await?.into())
}

#[utoipa::path(post, path = "/api/appuser/passkey/remove", tag = "user", security(("access_token" = [])), request_body = PasskeyRemoveRequest, responses((status = 200, description = "removed; `password` or `code` may be left out within 10 minutes of the login (643 unknown id, 403 no proof, 600 wrong password or code, 602 the account's last way to sign in)", body = keyturn::wire::openapi::True)))]
async fn remove_handle(Call(state, input, ctx): Call<PasskeyRemoveRequest>) -> Result<Reply> {
    Ok(remove(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("passkeys", hashes_passwords: true,
    "/api/appuser/passkey/registerBegin" => post(register_begin_handle),
    "/api/appuser/passkey/registerComplete" => post(register_complete_handle),
    "/api/appuser/passkey/loginBegin" => post(login_begin_handle),
    "/api/appuser/passkey/loginComplete" => post(login_complete_handle),
    "/api/appuser/passkeys" => get(list_handle),
    "/api/appuser/passkey/rename" => post(rename_handle),
    "/api/appuser/passkey/remove" => post(remove_handle));
