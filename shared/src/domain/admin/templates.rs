//! An app's message templates: read the template in force for a locale and name, store the app's
//! own, or remove it so the fallback (the app's English template, then the built-in default)
//! applies again. The lookup and rendering rules live in [`crate::domain::common::templates`]; this
//! module only validates the admin's input.
//!
//! Writes are audited (`admin.template.stored`, `admin.template.removed`) with the template's
//! `locale` and `name`, never its text: when users report a changed or phishing-looking email,
//! the trail says which template changed when, and who changed it.

use serde::Deserialize;

use crate::domain::audit::{self, Event, Kind};
use crate::domain::common::repo;
use crate::domain::common::templates::{self, Template, TemplateName};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::domain::records::context::RequestContext;
use crate::error::{Error, Result};

/// Which template a request names, from the path `/admin/apps/{app_id}/templates/{locale}/{name}`.
#[derive(Debug, Clone, Deserialize)]
pub struct TemplateAddress {
    /// The app.
    pub app_id: String,
    /// A two-letter locale, any case.
    pub locale: String,
    /// A template name (`signUp`, `resetPassword`, …).
    pub name: String,
}

/// The app, the locale (upper-cased) and the template name an address stands for.
async fn resolve(state: &AppState, at: &TemplateAddress) -> Result<(App, String, TemplateName)> {
    let locale = at.locale.trim().to_uppercase();
    if locale.len() != 2 || !locale.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(Error::invalid("locale must be two letters"));
    }
    let name = TemplateName::parse(&at.name)?;
    let (app, _) = repo::existing_app(state, &at.app_id).await?;
    Ok((app, locale, name))
}

/// A template as the admin API shows it: what would be sent, and whether the app's own text or
/// the built-in default would send it (so the developer knows what a `DELETE` falls back to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateView {
    /// The template in force.
    pub template: Template,
    /// Whether it is the app's own rather than the built-in default.
    pub custom: bool,
}

fn view(template: Template, custom: bool) -> TemplateView {
    TemplateView { template, custom }
}

/// The audit entry of a template write: which template (locale and wire name), not its text.
fn written(app: &App, kind: Kind, locale: &str, name: TemplateName) -> Event {
    let name = serde_json::to_value(name).unwrap_or(serde_json::Value::Null);
    Event::new(app, kind)
        .detail("locale", locale.to_owned())
        .detail("name", name)
}

/// `GET /admin/apps/{appId}/templates/{locale}/{name}`: the template that would be used, and
/// whether it is the app's own (`custom`, which includes the app's English template standing in
/// for a locale without one) or the built-in default.
pub async fn get_template(state: &AppState, at: &TemplateAddress) -> Result<TemplateView> {
    let (app, locale, name) = resolve(state, at).await?;
    let (template, custom) = templates::effective(state, &app, &locale, name).await?;
    Ok(view(template, custom))
}

/// Checks that an admin's template can render the message it is for: emails need a subject and
/// a body, the SMS a text, the landing page HTML.
pub fn check_template(name: TemplateName, template: &Template) -> Result<()> {
    let blank = |s: &str| s.trim().is_empty();
    let missing = match name {
        TemplateName::Sms => blank(&template.text).then_some("text"),
        TemplateName::ClickThrough => blank(&template.html).then_some("html"),
        _ if blank(&template.subject) => Some("subject"),
        _ => (blank(&template.text) && blank(&template.html)).then_some("text or html"),
    };
    match missing {
        Some(field) => Err(Error::invalid(format!("this template needs a {field}"))),
        None => Ok(()),
    }
}

/// `PUT /admin/apps/{appId}/templates/{locale}/{name}` with `{subject, text, html}`: stores the
/// app's own template for a locale the app offers (602 otherwise) and returns it.
pub async fn put_template(
    state: &AppState,
    at: &TemplateAddress,
    template: Template,
    ctx: &RequestContext,
) -> Result<TemplateView> {
    let (app, locale, name) = resolve(state, at).await?;
    check_template(name, &template)?;
    templates::put(state, &app, &locale, name, &template).await?;
    tracing::info!(app_id = %app.app_id, %locale, "admin: template stored");
    let event = written(&app, Kind::AdminTemplateStored, &locale, name);
    audit::record_admin(state, ctx, event).await?;
    Ok(view(template, true))
}

/// `DELETE /admin/apps/{appId}/templates/{locale}/{name}`: removes the app's own template (a
/// locale the app no longer offers may be cleaned up too) and returns the template now in force.
pub async fn delete_template(
    state: &AppState,
    at: &TemplateAddress,
    ctx: &RequestContext,
) -> Result<TemplateView> {
    let (app, locale, name) = resolve(state, at).await?;
    templates::remove(state, &app.app_id, &locale, name).await?;
    tracing::info!(app_id = %app.app_id, %locale, "admin: template removed");
    let event = written(&app, Kind::AdminTemplateRemoved, &locale, name);
    audit::record_admin(state, ctx, event).await?;
    let (template, custom) = templates::effective(state, &app, &locale, name).await?;
    Ok(view(template, custom))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body decoded as a template (the wire's `Template` decodes alike) and then checked as
    /// [`put_template`] checks it.
    fn parse_template(name: TemplateName, body: &[u8]) -> Result<Template> {
        let value = match serde_json::from_slice(body) {
            Ok(v @ serde_json::Value::Object(_)) => v,
            _ => return Err(Error::invalid("body must be a JSON object")),
        };
        let template: Template =
            serde_json::from_value(value).map_err(|e| Error::invalid(e.to_string()))?;
        check_template(name, &template)?;
        Ok(template)
    }

    #[test]
    fn templates_must_be_able_to_render_their_message() {
        let ok = br#"{"subject":"Hi %APP_NAME%","text":"%CODE%"}"#;
        assert!(parse_template(TemplateName::SignUp, ok).is_ok());
        for (name, bad) in [
            (TemplateName::SignUp, &br#"{"text":"x"}"#[..]),
            (TemplateName::SignUp, br#"{"subject":"s"}"#),
            (TemplateName::Sms, br#"{"html":"<p>x</p>"}"#),
            (TemplateName::ClickThrough, br#"{"text":"x"}"#),
            (
                TemplateName::Invite,
                br#"{"subject":"s","text":"t","extra":1}"#,
            ),
            (TemplateName::Invite, br#"{"subject":3,"text":"t"}"#),
            (TemplateName::Invite, br#"[1]"#),
        ] {
            assert_eq!(parse_template(name, bad).unwrap_err().wire().code, 602);
        }
    }
}
