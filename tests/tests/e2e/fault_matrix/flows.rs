//! The flows of the matrix the suite began with: the account, factor, invite, admin and key
//! rotation flows. Each is set up, stepped and settled here; the rest are in
//! [`super::flows_more`].

use serde_json::{Value, json};
use totp_rs::Totp;

use super::flows_more;
use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo};
use crate::support::factors::{code_now, login_token, totp_of};
use crate::support::users::{access, user_id};

/// The phone the phone flows verify.
pub(super) const PHONE: &str = "+12015550177";

/// The flows of the matrix: each names the request under test; [`setup`] walks the steps before
/// it (with no fault armed), [`step`] sends it, [`settle`] proves the flow's end state.
#[derive(Debug, Clone, Copy)]
pub(super) enum Flow {
    /// `signup` on an app whose `signupFlow` is `none`: the session at once.
    SignupNone,
    /// `signup` in the code flow: a pending signup and a mailed code.
    SignupCode,
    /// `completeSignup` with the mailed code.
    CompleteSignup,
    /// `login` with a password.
    Login,
    /// `loginComplete` with the authenticator's code, after a password login.
    LoginCompleteTotp,
    /// `forgotPassword`: a reset code mailed.
    ForgotPassword,
    /// `resetPassword` with the mailed code.
    ResetPassword,
    /// `changePassword` of a logged-in user.
    ChangePassword,
    /// `invite` of a new handle.
    Invite,
    /// `register` with the invite's code.
    Register,
    /// `setPhone`: a code texted.
    SetPhone,
    /// `verifyPhone` with the texted code.
    VerifyPhone,
    /// `setTwoFactorGoogleVerification` on.
    TwoFactorGoogleOn,
    /// `setTwoFactorGoogleVerification` off, proven with the password.
    TwoFactorGoogleOff,
    /// `setTwoFactorPhoneVerification` on, with a verified phone.
    TwoFactorPhoneOn,
    /// `revokeInvite` of a pending invite.
    RevokeInvite,
    /// `setUserName` (set once): the user record and its username claim together.
    SetUserName,
    /// `deleteAccount` with the password.
    DeleteAccount,
    /// The admin's `suspend` of a user.
    AdminSuspend,
    /// The admin's `reset-2fa` of a user with an authenticator.
    AdminReset2fa,
    /// The admin's `DELETE` of a user.
    AdminDelete,
    /// The admin's `DELETE` of an app with users and a pending invite.
    AppDelete,
    /// Signing-key rotation, step 1: a key staged.
    KeyRotate,
    /// Step 2: the staged key signs.
    KeyActivate,
    /// Step 3: the previous key retired.
    KeyRetire,
    /// `socialSignup` with a Google ID token.
    SocialSignup,
    /// `socialLogin` of a social user.
    SocialLogin,
    /// `linkSocialAccount` of a password account, proven with the password.
    LinkSocial,
    /// `loginAnonymous`: the user created at the first login.
    LoginAnonymous,
    /// `completeSignup` as the link flow's confirm page posts it (a form).
    CompleteSignupLink,
    /// `setTwoFactorPhoneVerification` off, proven with the texted code.
    TwoFactorPhoneOff,
    /// `undoTwoFactor` from the notice mail's link.
    UndoTwoFactor,
    /// The admin's `reactivate` of a suspended user.
    AdminReactivate,
    /// The admin's `revoke-sessions` of a user.
    RevokeSessions,
    /// The admin's invitation of a new handle.
    AdminInvite,
    /// One batch of the Cosync import route.
    CosyncImport,
}

pub(super) const BOB: &str = "bob@example.com";
pub(super) const CAROL: &str = "carol@example.com";

/// What the steps before the request left: the app, and the user's session, code or token.
pub(super) struct Ctx {
    pub(super) app: TestAppInfo,
    pub(super) access: String,
    pub(super) user_id: String,
    pub(super) code: String,
    pub(super) token: String,
    pub(super) totp: Option<Totp>,
}

impl Ctx {
    pub(super) fn new(app: TestAppInfo) -> Self {
        Ctx {
            app,
            access: String::new(),
            user_id: String::new(),
            code: String::new(),
            token: String::new(),
            totp: None,
        }
    }

    pub(super) fn with_session(mut self, session: &Value) -> Self {
        self.access = access(session);
        self.user_id = user_id(session);
        self
    }
}

pub(super) async fn setup(t: &TestApp, flow: Flow) -> Ctx {
    let none = json!({"signupFlow": "none"});
    match flow {
        Flow::SignupNone => Ctx::new(t.create_app(none).await),
        Flow::SignupCode => Ctx::new(t.create_app(json!({})).await),
        Flow::CompleteSignup => {
            let app = t.create_app(json!({})).await;
            let code = t.signup_with_code(&app, BOB).await;
            Ctx {
                code,
                ..Ctx::new(app)
            }
        }
        Flow::Login
        | Flow::ForgotPassword
        | Flow::ChangePassword
        | Flow::DeleteAccount
        | Flow::AdminSuspend
        | Flow::AdminDelete => {
            let app = t.create_app(none).await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            Ctx::new(app).with_session(&session)
        }
        Flow::LoginCompleteTotp
        | Flow::AdminReset2fa
        | Flow::TwoFactorGoogleOn
        | Flow::TwoFactorGoogleOff => {
            let app = t
                .create_app(json!({"signupFlow": "none", "twoFactorVerification": "google"}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            if let Flow::TwoFactorGoogleOn = flow {
                return ctx;
            }
            let enrolment = t
                .set_two_factor_google(&ctx.access, json!({"twoFactor": true}))
                .await
                .ok_json();
            ctx.totp = Some(totp_of(&enrolment));
            if let Flow::TwoFactorGoogleOff = flow {
                return ctx;
            }
            ctx.token = login_token(&t.login(&ctx.app, BOB, PW).await);
            ctx
        }
        Flow::ResetPassword => {
            let app = t.create_app(none).await;
            t.quick_user(&app, BOB, json!({})).await;
            let code = t.reset_code(&app, BOB).await;
            Ctx {
                code,
                ..Ctx::new(app)
            }
        }
        Flow::SetUserName => {
            let app = t
                .create_app(json!({"signupFlow": "none", "userNamesEnabled": true}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            Ctx::new(app).with_session(&session)
        }
        Flow::KeyRotate | Flow::KeyActivate | Flow::KeyRetire => {
            let app = t.create_app(none).await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let ctx = Ctx::new(app).with_session(&session);
            let before: &[&str] = match flow {
                Flow::KeyActivate => &["rotate"],
                Flow::KeyRetire => &["rotate", "activate"],
                _ => &[],
            };
            for done in before {
                key_step(t, &ctx.app, done).await.ok_json();
            }
            ctx
        }
        Flow::Invite | Flow::Register | Flow::AppDelete | Flow::RevokeInvite => {
            let app = t
                .create_app(json!({"signupFlow": "none", "invitationEnabled": true}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            if let Flow::Register | Flow::AppDelete | Flow::RevokeInvite = flow {
                ctx.code = t.invited(&ctx.access, CAROL).await;
            }
            ctx
        }
        Flow::SetPhone | Flow::VerifyPhone | Flow::TwoFactorPhoneOn => {
            let app = t
                .create_app(json!({"twoFactorVerification": "phone"}))
                .await;
            let session = t.signed_up_user(&app, BOB).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            if let Flow::VerifyPhone = flow {
                t.set_phone(&ctx.access, PHONE).await.assert_true();
                ctx.code = t.last_code_for(PHONE);
            }
            if let Flow::TwoFactorPhoneOn = flow {
                t.verified_phone(&ctx.access, PHONE).await;
            }
            ctx
        }
        _ => flows_more::setup(t, flow).await,
    }
}

pub(super) async fn step(t: &TestApp, flow: Flow, ctx: &Ctx) -> Resp {
    let pw = json!({"handle": BOB, "password": PW});
    match flow {
        Flow::SignupNone | Flow::SignupCode => t.signup(&ctx.app, pw).await,
        Flow::CompleteSignup => t.complete_signup(&ctx.app, BOB, &ctx.code).await,
        Flow::Login => t.login(&ctx.app, BOB, PW).await,
        Flow::LoginCompleteTotp => {
            let code = code_now(t, ctx.totp.as_ref().unwrap());
            t.login_complete(&ctx.token, &code).await
        }
        Flow::ForgotPassword => t.forgot_password(&ctx.app, BOB).await,
        Flow::ResetPassword => t.reset_password(&ctx.app, BOB, OTHER_PW, &ctx.code).await,
        Flow::ChangePassword => t.change_password(&ctx.access, PW, OTHER_PW).await,
        Flow::Invite => t.invite(&ctx.access, json!({"handle": CAROL})).await,
        Flow::Register => {
            let body = json!({"handle": CAROL, "password": PW, "code": ctx.code});
            t.register(&ctx.app, body).await
        }
        Flow::SetPhone => t.set_phone(&ctx.access, PHONE).await,
        Flow::VerifyPhone => t.verify_phone(&ctx.access, &ctx.code).await,
        Flow::TwoFactorGoogleOn => {
            t.set_two_factor_google(&ctx.access, json!({"twoFactor": true}))
                .await
        }
        Flow::TwoFactorGoogleOff => {
            let body = json!({"twoFactor": false, "password": PW});
            t.set_two_factor_google(&ctx.access, body).await
        }
        Flow::TwoFactorPhoneOn => {
            t.set_two_factor_phone(&ctx.access, json!({"twoFactor": true}))
                .await
        }
        Flow::RevokeInvite => t.revoke_invite(&ctx.access, CAROL).await,
        Flow::SetUserName => t.set_user_name(&ctx.access, "robert").await,
        Flow::DeleteAccount => t.delete_account(&ctx.access, BOB, PW).await,
        Flow::AdminSuspend => t.admin_user_action(&ctx.app, &ctx.user_id, "suspend").await,
        Flow::AdminReset2fa => {
            t.admin_user_action(&ctx.app, &ctx.user_id, "reset-2fa")
                .await
        }
        Flow::AdminDelete => {
            let path = ctx.app.admin_path(&format!("/users/{}", ctx.user_id));
            t.admin("DELETE", &path, None).await
        }
        Flow::AppDelete => t.admin("DELETE", &ctx.app.admin_path(""), None).await,
        Flow::KeyRotate => key_step(t, &ctx.app, "rotate").await,
        Flow::KeyActivate => key_step(t, &ctx.app, "activate").await,
        Flow::KeyRetire => key_step(t, &ctx.app, "retire").await,
        _ => flows_more::step(t, flow, ctx).await,
    }
}

/// One step of the app's signing-key rotation (`POST /admin/apps/{appId}/keys/{step}`).
pub(super) async fn key_step(t: &TestApp, app: &TestAppInfo, step: &str) -> Resp {
    t.admin("POST", &app.admin_path(&format!("/keys/{step}")), None)
        .await
}

/// Proves the flow reached its end: what a user can do once the step has been taken.
pub(super) async fn settle(t: &TestApp, flow: Flow, ctx: &Ctx) {
    let logs_in = |pw: &'static str| async move {
        let r = t.login(&ctx.app, BOB, pw).await;
        r.assert_session();
    };
    match flow {
        Flow::SignupNone | Flow::CompleteSignup | Flow::Login => logs_in(PW).await,
        Flow::SignupCode => {
            let code = t.last_code_for(BOB);
            t.complete_signup(&ctx.app, BOB, &code)
                .await
                .assert_session();
            logs_in(PW).await;
        }
        Flow::LoginCompleteTotp | Flow::TwoFactorGoogleOn => {
            // A fresh login with the authenticator's next code (a code is taken once).
            t.clock.advance_secs(31);
            let token = login_token(&t.login(&ctx.app, BOB, PW).await);
            let totp = match (flow, &ctx.totp) {
                (Flow::LoginCompleteTotp, Some(totp)) => totp.clone(),
                _ => return,
            };
            t.login_complete(&token, &code_now(t, &totp))
                .await
                .assert_session();
        }
        Flow::ForgotPassword => {
            let code = t.last_code_for(BOB);
            t.reset_password(&ctx.app, BOB, OTHER_PW, &code)
                .await
                .assert_true();
            logs_in(OTHER_PW).await;
        }
        Flow::ResetPassword | Flow::ChangePassword => logs_in(OTHER_PW).await,
        Flow::Invite => {
            let code = t.invite_code(CAROL);
            let body = json!({"handle": CAROL, "password": PW, "code": code});
            t.register(&ctx.app, body).await.assert_session();
        }
        Flow::Register => {
            t.login(&ctx.app, CAROL, PW).await.assert_session();
        }
        Flow::SetPhone => {
            let code = t.last_code_for(PHONE);
            t.verify_phone(&ctx.access, &code).await.assert_true();
        }
        Flow::VerifyPhone => {
            let user = t.get_user(&ctx.access).await.ok_json();
            assert_eq!(user["phoneVerified"], true, "{user}");
        }
        Flow::TwoFactorGoogleOff => logs_in(PW).await,
        Flow::SetUserName => {
            let user = t.get_user(&ctx.access).await.ok_json();
            assert_eq!(user["userName"], "robert", "{user}");
            let r = t.user_name_available(&ctx.access, "userName=robert").await;
            assert_eq!(r.ok_json()["available"], false);
        }
        Flow::TwoFactorPhoneOn => {
            login_token(&t.login(&ctx.app, BOB, PW).await);
        }
        Flow::RevokeInvite => {
            let body = json!({"handle": CAROL, "password": PW, "code": ctx.code});
            t.register(&ctx.app, body).await.assert_error(400, 602);
        }
        Flow::AdminSuspend => {
            let r = t.login(&ctx.app, BOB, PW).await;
            assert!(r.status.is_client_error(), "{}: {}", r.status, r.text);
        }
        Flow::DeleteAccount | Flow::AdminDelete => {
            let r = t.login(&ctx.app, BOB, PW).await;
            assert!(r.status.is_client_error(), "{}: {}", r.status, r.text);
            // The handle is free again: nothing of the account is left to claim it.
            t.quick_user(&ctx.app, BOB, json!({})).await;
            logs_in(PW).await;
        }
        Flow::AppDelete => {
            t.show_app(&ctx.app).await.assert_error(400, 401);
            t.login(&ctx.app, BOB, PW).await.assert_error(400, 401);
        }
        Flow::KeyRotate => {
            key_step(t, &ctx.app, "activate").await.ok_json();
            logs_in(PW).await;
        }
        Flow::KeyActivate => {
            key_step(t, &ctx.app, "retire").await.ok_json();
            logs_in(PW).await;
        }
        Flow::KeyRetire => logs_in(PW).await,
        Flow::AdminReset2fa => logs_in(PW).await,
        _ => flows_more::settle(t, flow, ctx).await,
    }
}
