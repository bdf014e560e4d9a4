//! `POST /api/appuser/completeSignup` (code, or the confirm page's form) and
//! `GET /api/appuser/completeSignup?appToken&handle&code` (the email link's confirm page).

use keyturn::Result;
use keyturn::domain::signup::self_service::{CompleteRequest, complete_signup, confirm_page};
use keyturn::wire::{MailLinkCall, Reply};

#[utoipa::path(post, path = "/api/appuser/completeSignup", tag = "user", security(("app_token" = []), ("access_token" = [])), request_body = CompleteRequest, responses((status = 200, description = "a session (code flow) or the landing page (link flow)", content((keyturn::wire::end_user::Session = "application/json"), (String = "text/html")))))]
async fn complete(MailLinkCall(state, input, ctx): MailLinkCall<CompleteRequest>) -> Result<Reply> {
    Ok(complete_signup(&state, input, &ctx).await?.into())
}

#[utoipa::path(get, path = "/api/appuser/completeSignup", tag = "user", params(("appToken" = String, Query, description = "the app token, from the email link"), ("handle" = String, Query), ("code" = String, Query)), responses((status = 200, description = "the confirm page, whose button POSTs", content_type = "text/html", body = String)))]
async fn confirm(MailLinkCall(state, input, ctx): MailLinkCall<CompleteRequest>) -> Result<Reply> {
    Ok(confirm_page(&state, input, &ctx).await?.into())
}

keyturn::route_crate!("complete-signup", hashes_passwords: false,
    "/api/appuser/completeSignup" => get(confirm).post(complete));
