//! The mail a user gets when a second factor of theirs changes, so a change they did not make
//! does not go unnoticed. A factor switched on comes with its "this wasn't me" link
//! ([`crate::domain::factors::undo`]). Best effort: a lost notice never fails the change.

use crate::domain::common::html::escape;
use crate::domain::factors::undo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::user::User;
use crate::mail::{Channel, Message};

/// Mails the user that a second factor changed (best effort: a lost notice never fails the
/// change). Carries no secret: the TOTP secret is never mailed. The "this wasn't me"
/// link of a factor switched on (`undo_link`), which lets the owner take it back without a support desk.
pub async fn notify_change(
    state: &AppState,
    app: &App,
    user: &User,
    what: &str,
    undo_link: Option<&str>,
) {
    let name = escape(&app.name);
    let (text, html) = match undo_link {
        Some(link) => (
            format!(
                "{what} for your {} account {}.\n\nIf this was not you, open this link within 72 \
                 hours: it switches the factor off again and signs your account out everywhere. \
                 Then reset your password.\n\n{link}\n",
                app.name, user.handle
            ),
            format!(
                "<p>{} for your {name} account {}.</p><p>If this was not you, open this link \
                 within 72 hours: it switches the factor off again and signs your account out \
                 everywhere. Then reset your password.</p><p>{}</p>",
                escape(what),
                escape(&user.handle),
                undo::link_html(link)
            ),
        ),
        None => (
            format!(
                "{what} for your {} account {}. If this was not you, reset your password and \
                 contact the app's support.",
                app.name, user.handle
            ),
            format!(
                "<p>{} for your {name} account {}.</p><p>If this was not you, reset your \
                 password and contact the app's support.</p>",
                escape(what),
                escape(&user.handle)
            ),
        ),
    };
    let message = Message {
        channel: Channel::Email,
        to: user.handle.clone(),
        subject: format!("Two-factor login changed for {}", app.name),
        text,
        html,
    };
    if let Err(e) = state.mailer.send(&message).await {
        tracing::warn!(error = %e, "two-factor notice not sent");
    }
}
