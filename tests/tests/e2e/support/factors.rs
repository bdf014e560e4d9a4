//! Second factors as a client sees them: the authenticator app's codes (totp-rs from the
//! enrolment's secret), the login token of a login whose second factor is due, and the "this
//! wasn't me" link of the notice mail with the page it opens.

use keyturn::clock::Clock as _;
use serde_json::Value;
use totp_rs::{Algorithm, Secret, Totp};

use super::app::{Resp, TestApp};
use super::flows::attr_after;
use super::routes::UNDO_TWO_FACTOR;

/// The authenticator app of an enrolment (`setTwoFactorGoogleVerification`'s answer).
pub fn totp_of(enrolment: &Value) -> Totp {
    let secret = Secret::try_from_base32(enrolment["googleSecretKey"].as_str().unwrap()).unwrap();
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .build()
        .unwrap()
}

/// The authenticator's code at the test clock's now.
pub fn code_now(t: &TestApp, totp: &Totp) -> String {
    totp.generate(u64::try_from(t.clock.now_secs()).unwrap())
        .to_string()
}

/// The login token of a login answered with `{"login-token"}` (asserting no session came with
/// it).
pub fn login_token(r: &Resp) -> String {
    let v = r.ok_json();
    assert!(
        v.get("jwt").is_none(),
        "no JWT before the second factor: {v}"
    );
    assert!(v.get("access-token").is_none());
    v["login-token"].as_str().expect("a login token").to_owned()
}

/// The undo page's form: its action and the values of its hidden `userId` and `token`.
#[derive(Debug)]
pub struct UndoForm {
    pub action: String,
    pub user_id: String,
    pub token: String,
}

/// Reads the undo form out of the page the notice's link opens.
pub fn undo_form(html: &str) -> UndoForm {
    UndoForm {
        action: attr_after(html, "<form", "action").expect("form action"),
        user_id: attr_after(html, "name=\"userId\"", "value").expect("userId input"),
        token: attr_after(html, "name=\"token\"", "value").expect("token input"),
    }
}

impl TestApp {
    /// Sets and verifies `phone` for the user behind `access` through the outbox (asserting each
    /// step), as a user does before switching phone login on.
    pub async fn verified_phone(&self, access: &str, phone: &str) {
        self.set_phone(access, phone).await.assert_true();
        let code = self.last_code_for(phone);
        self.verify_phone(access, &code).await.assert_true();
    }

    /// The "this wasn't me" link in the newest mail to `to`, as path and query.
    pub fn last_undo_link_for(&self, to: &str) -> String {
        let msg = self.last_message_to(to);
        let start = msg
            .text
            .find(&format!("{UNDO_TWO_FACTOR}?"))
            .unwrap_or_else(|| panic!("no undo link in {:?}", msg.text));
        let link = &msg.text[start..];
        let end = link.find(char::is_whitespace).unwrap_or(link.len());
        link[..end].to_owned()
    }

    /// Opens the newest undo link mailed to `to` and posts its form as a browser does (the
    /// action is relative to the page); returns the page the post answers.
    pub async fn undo_by_mail(&self, to: &str) -> Resp {
        let page = self.get(&self.last_undo_link_for(to), &[]).await;
        page.assert_ok();
        let form = undo_form(&page.text);
        assert_eq!(
            form.action, "undoTwoFactor",
            "relative to the page, so a stage prefix stays"
        );
        self.undo_two_factor(&form.user_id, &form.token).await
    }
}
