//! Message templates per app and locale: signup code, signup link, link landing page, password
//! reset, invite, welcome and the SMS text. English defaults ship with Keyturn; an app may store
//! its own per locale through the admin API. Lookup falls back from the user's locale to the
//! app's English template to the built-in default, so a missing template never fails a request
//! (the original threw).
//!
//! Placeholders `%CODE%`, `%HANDLE%`, `%APP_NAME%` and `%LINK%` are substituted; in HTML every
//! value is escaped, so a handle or app name cannot inject markup (the original pasted them in raw).

use serde::{Deserialize, Serialize};

use crate::domain::common::html::{escape, render};
use crate::domain::common::repo;
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::error::{Context, Error, Result};
use crate::mail::{Channel, Message};
use crate::store::{Condition, Key};

/// Which message a template renders (the original's `templateName`s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TemplateName {
    /// Signup code email.
    SignUp,
    /// Signup link email.
    SignUpLink,
    /// The page shown once a signup link is confirmed (HTML only).
    ClickThrough,
    /// Password reset code email.
    ResetPassword,
    /// Invitation email.
    Invite,
    /// Welcome email after any account creation.
    SignUpSuccess,
    /// SMS text (text only).
    Sms,
}

impl TemplateName {
    /// Every template, for listings.
    pub const ALL: [TemplateName; 7] = [
        TemplateName::SignUp,
        TemplateName::SignUpLink,
        TemplateName::ClickThrough,
        TemplateName::ResetPassword,
        TemplateName::Invite,
        TemplateName::SignUpSuccess,
        TemplateName::Sms,
    ];

    /// Parses a wire name (`signUp`, `resetPassword`, …).
    pub fn parse(name: &str) -> Result<Self> {
        serde_json::from_value(serde_json::Value::String(name.to_owned()))
            .map_err(|_| Error::invalid(format!("unknown template {name:?}")))
    }

    fn wire(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One template: subject, plain text and HTML, with `%PLACEHOLDER%`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Subject line (emails).
    #[serde(default)]
    pub subject: String,
    /// Plain-text body.
    #[serde(default)]
    pub text: String,
    /// HTML body (emails and the landing page).
    #[serde(default)]
    pub html: String,
}

const MAX_TEMPLATE_BYTES: usize = 64 * 1024;

fn t(subject: &str, text: &str, html: &str) -> Template {
    Template {
        subject: subject.into(),
        text: text.into(),
        html: html.into(),
    }
}

/// The built-in English template.
pub fn default_template(name: TemplateName) -> Template {
    match name {
        TemplateName::SignUp => t(
            "Verify your email for %APP_NAME%",
            "Your %APP_NAME% verification code is %CODE%. It expires in 48 hours.",
            "<p>Hello %HANDLE%,</p><p>Your %APP_NAME% verification code is <b>%CODE%</b>.</p><p>It expires in 48 hours.</p>",
        ),
        TemplateName::SignUpLink => t(
            "Verify your account for %APP_NAME%",
            "Open this link to confirm your %APP_NAME% account: %LINK%",
            "<p>Welcome to %APP_NAME%, %HANDLE%.</p><p>Confirm your email: %LINK%</p>",
        ),
        TemplateName::ClickThrough => t("", "", LANDING_PAGE),
        TemplateName::ResetPassword => t(
            "Reset your password for %APP_NAME%",
            "Your %APP_NAME% password reset code is %CODE%. It expires in 30 minutes. If you did not ask for it, ignore this email.",
            "<p>Hello %HANDLE%,</p><p>Your %APP_NAME% password reset code is <b>%CODE%</b>.</p><p>It expires in 30 minutes. If you did not ask for it, ignore this email.</p>",
        ),
        TemplateName::Invite => t(
            "Account invitation for %APP_NAME%",
            "You are invited to %APP_NAME%. Register as %HANDLE% with the code %CODE% within 7 days.",
            "<p>You are invited to %APP_NAME%.</p><p>Register as %HANDLE% with the code <b>%CODE%</b> within 7 days.</p>",
        ),
        TemplateName::SignUpSuccess => t(
            "Welcome to %APP_NAME%",
            "Your %APP_NAME% account %HANDLE% is ready.",
            "<p>Your %APP_NAME% account %HANDLE% is ready.</p>",
        ),
        TemplateName::Sms => t("", "%CODE% is your verification code for %APP_NAME%.", ""),
    }
}

fn key(app_id: &str, locale: &str, name: TemplateName) -> Key {
    Key::new(
        format!("APP#{app_id}"),
        format!("TEMPLATE#{locale}#{}", name.wire()),
    )
}

/// The app's own template for exactly `locale`, without any fallback (the import compares it).
pub async fn stored(
    state: &AppState,
    app_id: &str,
    locale: &str,
    name: TemplateName,
) -> Result<Option<Template>> {
    match state.store.get(&key(app_id, locale, name)).await? {
        Some(item) => Ok(Some(repo::record(&item)?)),
        None => Ok(None),
    }
}

/// The template in force for `locale`, and whether it is the app's own.
pub async fn effective(
    state: &AppState,
    app: &App,
    locale: &str,
    name: TemplateName,
) -> Result<(Template, bool)> {
    if let Some(t) = stored(state, &app.app_id, locale, name).await? {
        return Ok((t, true));
    }
    if locale != "EN"
        && let Some(t) = stored(state, &app.app_id, "EN", name).await?
    {
        return Ok((t, true));
    }
    if name == TemplateName::ClickThrough
        && let Some(html) = &app.settings.link_landing_page
    {
        return Ok((t("", "", html), true));
    }
    Ok((default_template(name), false))
}

/// Stores the app's own template for `locale` (admin).
pub async fn put(
    state: &AppState,
    app: &App,
    locale: &str,
    name: TemplateName,
    template: &Template,
) -> Result<()> {
    app.check_locale(locale)?;
    let size = template.subject.len() + template.text.len() + template.html.len();
    if size > MAX_TEMPLATE_BYTES {
        return Err(Error::invalid("template is larger than 64 KiB"));
    }
    let item = repo::item(key(&app.app_id, locale, name), template, 1)?;
    Ok(state.store.put(item, Condition::Any).await?)
}

/// Removes the app's own template for `locale`, so the fallback applies again (admin).
pub async fn remove(
    state: &AppState,
    app_id: &str,
    locale: &str,
    name: TemplateName,
) -> Result<()> {
    Ok(state
        .store
        .delete(&key(app_id, locale, name), Condition::Any)
        .await?)
}

/// Values substituted into a template.
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    /// `%HANDLE%`.
    pub handle: &'a str,
    /// `%CODE%`.
    pub code: &'a str,
    /// `%LINK%`: a URL; in HTML it becomes an escaped anchor.
    pub link: &'a str,
}

/// Renders a template for `app` into (subject, text, html).
pub fn render_parts(template: &Template, app: &App, v: Values<'_>) -> (String, String, String) {
    let values = [
        ("APP_NAME", app.name.as_str()),
        ("HANDLE", v.handle),
        ("CODE", v.code),
    ];
    let anchor = format!("<a href=\"{0}\">{0}</a>", escape(v.link));
    (
        render(&template.subject, &values, &[("LINK", v.link)], false),
        render(&template.text, &values, &[("LINK", v.link)], false),
        render(&template.html, &values, &[("LINK", &anchor)], true),
    )
}

/// Renders the effective template into a message to `to`.
pub async fn message(
    state: &AppState,
    app: &App,
    locale: &str,
    name: TemplateName,
    to: &str,
    values: Values<'_>,
) -> Result<Message> {
    let (template, _) = effective(state, app, locale, name).await?;
    let (subject, text, html) = render_parts(&template, app, values);
    let channel = if name == TemplateName::Sms {
        Channel::Sms
    } else {
        Channel::Email
    };
    Ok(Message {
        channel,
        to: to.to_owned(),
        subject,
        text,
        html,
    })
}

/// Renders and sends; a transport failure is an internal error (the caller decides whether the
/// step fails or carries on).
pub async fn send(
    state: &AppState,
    app: &App,
    locale: &str,
    name: TemplateName,
    to: &str,
    values: Values<'_>,
) -> Result<()> {
    let message = message(state, app, locale, name, to, values).await?;
    state
        .mailer
        .send(&message)
        .await
        .context(format!("send {} mail", name.wire()))
}

/// Sends the welcome email; a lost welcome mail is logged, never fails the request.
pub async fn send_welcome(state: &AppState, app: &App, locale: &str, handle: &str) {
    let values = Values {
        handle,
        ..Values::default()
    };
    if let Err(e) = send(
        state,
        app,
        locale,
        TemplateName::SignUpSuccess,
        handle,
        values,
    )
    .await
    {
        tracing::warn!(error = %e.report(), "welcome mail not sent");
    }
}

const LANDING_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>%APP_NAME%</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto">
<h1>You're signed up</h1>
<p>%HANDLE% is confirmed. Go back to %APP_NAME% and log in.</p>
</body></html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_use_the_original_wire_names() {
        assert_eq!(
            TemplateName::parse("resetPassword").unwrap(),
            TemplateName::ResetPassword
        );
        assert_eq!(
            TemplateName::parse("signUpSuccess").unwrap(),
            TemplateName::SignUpSuccess
        );
        assert!(TemplateName::parse("nope").is_err());
        for n in TemplateName::ALL {
            assert_eq!(TemplateName::parse(&n.wire()).unwrap(), n);
        }
    }
}
