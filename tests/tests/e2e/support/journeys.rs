//! The journeys many suites walk before the part they test: a signed-up user in each signup flow,
//! a pending signup's code, a reset code, an invite code, a confirmed link. Each asserts every
//! step's answer on the way, so a suite that starts from one still proves the steps held.

use serde_json::{Value, json};

use super::app::{PW, Resp, TestApp, TestAppInfo, first_code};
use super::flows::confirm_form;
use super::users::access;

impl TestApp {
    /// Signs `handle` up with `PW` in the code flow (JSON), asserts `true` and returns the code
    /// mailed to `handle`.
    pub async fn signup_with_code(&self, app: &TestAppInfo, handle: &str) -> String {
        let body = json!({"handle": handle, "password": PW});
        self.signup(app, body).await.assert_true();
        self.last_code_for(handle)
    }

    /// Signs up with `body` in the code flow and completes it with the mailed code; returns the
    /// session `{jwt, access-token}`.
    pub async fn signed_up_user_with(&self, app: &TestAppInfo, body: Value) -> Value {
        let handle = body["handle"].as_str().unwrap().to_owned();
        self.signup(app, body).await.assert_true();
        let code = self.last_code_for(&handle);
        self.complete_signup(app, &handle, &code).await.ok_json()
    }

    /// Signs `handle` up with `PW` in the code flow and completes it; returns the session.
    pub async fn signed_up_user(&self, app: &TestAppInfo, handle: &str) -> Value {
        let body = json!({"handle": handle, "password": PW});
        self.signed_up_user_with(app, body).await
    }

    /// The access token of a user signed up as [`Self::signed_up_user`] does.
    pub async fn signed_up_access(&self, app: &TestAppInfo, handle: &str) -> String {
        access(&self.signed_up_user(app, handle).await)
    }

    /// Signs `handle` up with `PW` and `meta` on an app whose `signupFlow` is `none`; returns the
    /// session handed out at once.
    pub async fn quick_user(&self, app: &TestAppInfo, handle: &str, meta: Value) -> Value {
        let body = json!({"handle": handle, "password": PW, "metaData": meta});
        self.signup(app, body).await.ok_json()
    }

    /// The access token of a user made as [`Self::quick_user`] does, without metadata.
    pub async fn quick_access(&self, app: &TestAppInfo, handle: &str) -> String {
        access(&self.quick_user(app, handle, json!({})).await)
    }

    /// A social signup of `email` under `provider`'s `sub` with a fresh valid token: the
    /// journey most social tests start from. Returns the response.
    pub async fn social_signup_as(
        &self,
        issuer: &super::social::FakeIssuer,
        app: &TestAppInfo,
        provider: &str,
        sub: &str,
        email: &str,
    ) -> Resp {
        let token = issuer.token(
            provider,
            &super::social::claims(provider, sub, email, self.now_secs()),
        );
        self.social_signup(
            app,
            json!({"token": token, "provider": provider, "handle": email}),
        )
        .await
    }

    /// Asks for a password reset of `handle` (asserting `true`) and returns the mailed code.
    pub async fn reset_code(&self, app: &TestAppInfo, handle: &str) -> String {
        self.forgot_password(app, handle).await.assert_true();
        self.last_code_for(handle)
    }

    /// Invites `handle` as the user behind `access` (asserting `true`); returns the code of the
    /// newest invite mail to `handle`.
    pub async fn invited(&self, access: &str, handle: &str) -> String {
        let r = self.invite(access, json!({"handle": handle})).await;
        r.assert_true();
        self.invite_code(handle)
    }

    /// The code of the newest invite mail to `to`.
    pub fn invite_code(&self, to: &str) -> String {
        let mail = self.invite_mails(to).pop().expect("an invite email");
        first_code(&mail.text).expect("a code in the invite email")
    }

    /// Opens the newest signup link mailed to `handle` and posts its confirm form as a browser
    /// does; returns the landing page.
    pub async fn confirm_link(&self, handle: &str) -> Resp {
        let page = self.get(&self.last_link_for(handle), &[]).await;
        self.submit_confirm_form(&page.text).await
    }

    /// Posts the confirm form of the page `html` as a browser does; returns the landing page.
    pub async fn submit_confirm_form(&self, html: &str) -> Resp {
        let form = confirm_form(html);
        let body = format!("handle={}&code={}", form.handle, form.code);
        self.post_form(&form.action, &[], &body).await
    }
}
