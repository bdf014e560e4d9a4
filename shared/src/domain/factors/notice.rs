//! The mail a user gets when a second factor of theirs changes, so a change they did not make
//! does not go unnoticed. Best effort: a lost notice never fails the change.

use crate::domain::common::html::escape;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::user::User;
use crate::mail::{Channel, Message};

/// Mails the user that a second factor changed (best effort: a lost notice never fails the
/// change). Carries no secret: the TOTP secret is never mailed.
pub async fn notify_change(state: &AppState, app: &App, user: &User, what: &str) {
    let name = escape(&app.name);
    let text = format!(
        "{what} for your {} account {}. If this was not you, reset your password and contact the \
         app's support.",
        app.name, user.handle
    );
    let html = format!(
        "<p>{} for your {name} account {}.</p><p>If this was not you, reset your password and \
         contact the app's support.</p>",
        escape(what),
        escape(&user.handle)
    );
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
