//! `GET /api/appuser/undoTwoFactor?userId&token` (the confirm page the notice's "this wasn't me"
//! link opens) and `POST /api/appuser/undoTwoFactor` (its button). The link is the credential:
//! no app or access token, since the owner it serves may have neither any more.

use keyturn::Result;
use keyturn::domain::factors::undo::{UndoRequest, undo, undo_page};
use keyturn::wire::{Call, Reply};

#[utoipa::path(get, path = "/api/appuser/undoTwoFactor", tag = "user", params(("userId" = String, Query, description = "from the notice's link"), ("token" = String, Query, description = "from the notice's link")), responses((status = 200, description = "the confirm page, whose button POSTs", content_type = "text/html", body = String)))]
async fn confirm(Call(_, input, _): Call<UndoRequest>) -> Result<Reply> {
    Ok(undo_page(input)?.into())
}

#[utoipa::path(post, path = "/api/appuser/undoTwoFactor", tag = "user", request_body = UndoRequest, responses((status = 200, description = "the factor is off and every session ended (a page)", content_type = "text/html", body = String)))]
async fn submit(Call(state, input, ctx): Call<UndoRequest>) -> Result<Reply> {
    Ok(undo(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("undo-two-factor", hashes_passwords: false,
    "/api/appuser/undoTwoFactor" => get(confirm).post(submit));
