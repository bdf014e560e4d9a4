//! Helpers for reading what a flow produced: links and forms in emails and pages, invite mails,
//! wrong codes, and the proofs that a refused request wrote nothing and that a deleted user left
//! nothing behind.

use keyturn::domain::records::table_keys;
use keyturn::mail::outbox::OutboxEntry;
use keyturn::store::{Index, Key, Query};

use super::app::{TestApp, TestAppInfo, first_code};
use super::routes::COMPLETE_SIGNUP;
use super::users::keys_in;

/// The `app-token` header of `app`.
pub fn app_token(app: &TestAppInfo) -> [(&'static str, &str); 1] {
    [("app-token", app.app_token.as_str())]
}

/// A wrong code that is still six digits (the right one plus one, wrapping).
pub fn wrong_code(right: &str) -> String {
    let n: u32 = right.parse().unwrap();
    format!("{:06}", (n + 1) % 1_000_000)
}

/// Asserts that `html` shows the handle `<script>alert(1)</script>@x.com` escaped, never as
/// markup: the mails that quote a handle share this check.
pub fn assert_escapes_script_handle(html: &str) {
    assert!(!html.contains("<script>"), "{html}");
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;@x.com";
    assert!(html.contains(escaped), "{html}");
}

/// Reverses the five escapes of `keyturn::domain::common::html::escape`.
pub fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of the first `attr="..."` after `marker` in `html`, unescaped.
pub fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let from = html.find(marker)?;
    let rest = &html[from..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')? + start;
    Some(html_unescape(&rest[start..end]))
}

/// The confirm page's form: its action URL and the values of its hidden `handle` and `code`.
#[derive(Debug)]
pub struct ConfirmForm {
    pub action: String,
    pub handle: String,
    pub code: String,
}

/// Reads the confirm form out of a page.
pub fn confirm_form(html: &str) -> ConfirmForm {
    ConfirmForm {
        action: attr_after(html, "<form", "action").expect("form action"),
        handle: attr_after(html, "name=\"handle\"", "value").expect("handle input"),
        code: attr_after(html, "name=\"code\"", "value").expect("code input"),
    }
}

impl TestApp {
    /// The completion link in the newest email to `to`, as path and query (origin removed).
    pub fn last_link_for(&self, to: &str) -> String {
        let msg = self.last_message_to(to);
        let start = msg
            .text
            .find(&format!("{COMPLETE_SIGNUP}?"))
            .unwrap_or_else(|| panic!("no link in {:?}", msg.text));
        let link = &msg.text[start..];
        let end = link.find(char::is_whitespace).unwrap_or(link.len());
        link[..end].to_owned()
    }

    /// Invite emails sent to `to`, oldest first.
    pub fn invite_mails(&self, to: &str) -> Vec<OutboxEntry> {
        self.outbox()
            .into_iter()
            .filter(|m| m.to == to && m.subject.starts_with("Account invitation"))
            .collect()
    }

    /// The codes of the invite emails sent to `to`, oldest first.
    pub fn invite_codes(&self, to: &str) -> Vec<String> {
        let mails = self.invite_mails(to);
        mails.iter().map(|m| first_code(&m.text).unwrap()).collect()
    }

    /// Messages sent to `to` so far.
    pub fn messages_to(&self, to: &str) -> usize {
        self.outbox().iter().filter(|m| m.to == to).count()
    }

    /// Asserts that nothing exists for `handle` in `app`: no mail, no pending signup, no handle
    /// claim (so no user), no code-try or mail counters.
    pub async fn assert_nothing_written(&self, app: &TestAppInfo, handle: &str) {
        assert_eq!(self.messages_to(handle), 0, "no mail to {handle}");
        let id = app.app_id.as_str();
        for key in [
            table_keys::signup(id, handle),
            table_keys::handle_claim(id, handle),
            table_keys::signup_tries(id, handle),
            table_keys::mailbox_mails(
                id,
                &keyturn::domain::common::limits::canonical_mailbox(handle),
                "SIGNUP",
            ),
        ] {
            let item = self.store.get(&key).await.unwrap();
            assert!(item.is_none(), "{}/{} was written", key.pk, key.sk);
        }
    }
}

/// Asserts that nothing of the user remains: the handle partition, the user partition, the
/// username claim and the listing are empty.
pub async fn assert_gone(
    app: &TestApp,
    info: &TestAppInfo,
    user_id: &str,
    handle: &str,
    name: Option<&str>,
) {
    let handle_pk = table_keys::handle_partition(&info.app_id, handle);
    assert_eq!(
        keys_in(app, Index::Primary, handle_pk).await,
        Vec::<Key>::new()
    );
    let user_pk = table_keys::user(user_id).pk;
    assert_eq!(
        keys_in(app, Index::Primary, user_pk).await,
        Vec::<Key>::new()
    );
    if let Some(name) = name {
        let claim = table_keys::user_name_claim(&info.app_id, name);
        assert!(app.store.get(&claim).await.unwrap().is_none());
        assert_eq!(
            keys_in(app, Index::Primary, claim.pk).await,
            Vec::<Key>::new()
        );
    }
    let listed = app
        .store
        .query(Query {
            index: Index::Secondary,
            pk: table_keys::user_listing(&info.app_id, "").pk,
            sk_prefix: handle.to_owned(),
            limit: 100,
            cursor: None,
        })
        .await
        .unwrap();
    assert!(listed.items.is_empty());
}
