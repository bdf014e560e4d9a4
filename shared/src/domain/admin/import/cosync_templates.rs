//! The original's `emailtemplates` become the app's own templates, matched by `templateName`
//! and `locale`, so the mails users get after the cut-over read as before.
//!
//! - `htmlTemplate` becomes the HTML body (the `sms` template's becomes its text, the
//!   `clickThrough` page stays HTML only); the plain-text part, which the original hard-coded in
//!   English for every locale, is derived from the HTML so a French mail stays French.
//! - Placeholders are the same (`%CODE%`, `%HANDLE%`, `%APP_NAME%`, `%LINK%`); Keyturn escapes
//!   the values in HTML, which the original did not.
//! - `qrCode` is dropped: it mailed the TOTP secret in plain text, and Keyturn never mails
//!   secrets. `replyTo` (which the original used as the From address) and `localeLinkText`
//!   (the `%LINK%` anchor text; Keyturn shows the URL) are reported as lost.
//! - A locale the app does not offer is `invalid` (add it to the app first and rerun); a
//!   template the app already has with other text is a `conflict`, or `updated` with
//!   `--on-conflict update`; the same text again is `unchanged`.

use serde_json::Value;

use super::ejson;
use super::verdict::{Done, Verdict};
use crate::domain::admin::templates::check_template;
use crate::domain::common::templates::{self, Template, TemplateName};
use crate::domain::ports::AppState;
use crate::domain::records::app::App;
use crate::error::Result;

/// Largest template accepted (Keyturn's own limit for the admin API).
const MAX_TEMPLATE_BYTES: usize = 64 * 1024;

/// Imports one `emailtemplates` document; `update`: rewrite a template that differs.
pub async fn import(
    state: &AppState,
    app: &App,
    doc: &Value,
    dry_run: bool,
    update: bool,
) -> Result<Done> {
    let Some(raw_name) = ejson::text(doc, "templateName") else {
        return Ok(Verdict::invalid("no templateName").into());
    };
    if raw_name == "qrCode" {
        return Ok(Verdict::skipped(
            "qrCode mail dropped: it carried the TOTP secret in plain text; Keyturn never mails secrets",
        )
        .into());
    }
    let Ok(name) = TemplateName::parse(raw_name) else {
        return Ok(Verdict::invalid("unknown templateName").into());
    };
    let locale = ejson::text(doc, "locale").unwrap_or("EN").to_uppercase();
    if locale.len() != 2 || !locale.bytes().all(|b| b.is_ascii_uppercase()) {
        return Ok(Verdict::invalid("locale is not two letters").into());
    }
    if !app.offers_locale(&locale) {
        return Ok(Verdict::invalid(format!(
            "locale {locale} is not offered by the app: add it to the app's locales and rerun"
        ))
        .into());
    }
    let mut lossy = Vec::new();
    if ejson::text(doc, "replyTo").is_some() {
        lossy.push("replyTo dropped: Keyturn sends from the stack's own sender".to_owned());
    }
    if ejson::text(doc, "localeLinkText").is_some_and(|t| t != "LINK") {
        lossy.push("localeLinkText dropped: the %LINK% anchor shows the link itself".to_owned());
    }
    let html = ejson::text(doc, "htmlTemplate").unwrap_or("").to_owned();
    let subject = ejson::text(doc, "subject").unwrap_or("").to_owned();
    let template = match name {
        TemplateName::Sms => Template {
            subject: String::new(),
            text: text_of(&html),
            html: String::new(),
        },
        TemplateName::ClickThrough => Template {
            subject: String::new(),
            text: String::new(),
            html,
        },
        _ => Template {
            subject,
            text: text_of(&html),
            html,
        },
    };
    if let Err(e) = check_template(name, &template) {
        return Ok(Done {
            verdict: Verdict::invalid(e.wire().message),
            lossy,
        });
    }
    if template.subject.len() + template.text.len() + template.html.len() > MAX_TEMPLATE_BYTES {
        return Ok(Done {
            verdict: Verdict::invalid("template is larger than 64 KiB"),
            lossy,
        });
    }
    let verdict = match templates::stored(state, &app.app_id, &locale, name).await? {
        Some(existing) if existing == template => Verdict::Unchanged,
        Some(_) if !update => Verdict::Conflict(
            "the app has its own, different template for this name and locale".to_owned(),
        ),
        Some(_) => Verdict::Updated,
        None => Verdict::Created,
    };
    if !dry_run && matches!(verdict, Verdict::Created | Verdict::Updated) {
        templates::put(state, app, &locale, name, &template).await?;
    }
    Ok(Done { verdict, lossy })
}

/// A plain-text rendering of a template's HTML: tags dropped (`<br>`, `</p>`, `</div>` and
/// `</li>` become line breaks), the common entities decoded, blank runs collapsed. Placeholders
/// pass through untouched.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split([' ', '/']).next();
        if matches!(
            name,
            Some("br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3")
        ) {
            out.push('\n');
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    let lines: Vec<String> = decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_html_reads_as_plain_text_with_its_placeholders() {
        assert_eq!(
            text_of("<p>Bonjour %HANDLE%,</p><p>Votre code&nbsp;: <b>%CODE%</b></p>"),
            "Bonjour %HANDLE%,\nVotre code : %CODE%"
        );
        assert_eq!(text_of("a<br/>b &amp; c"), "a\nb & c");
        assert_eq!(text_of("no tags"), "no tags");
        assert_eq!(text_of("broken <b"), "broken <b");
    }
}
