//! The matrix's second set of flows: social signup, login and link (tokens signed by the fake
//! issuer's keys, which every stack's JWKS serve), `loginAnonymous`, the link form of
//! `completeSignup`, SMS login switched off with the texted code, the notice's `undoTwoFactor`,
//! the admin's reactivate, revoke-sessions and invitation, and one Cosync import batch.

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use super::flows::{BOB, CAROL, Ctx, Flow, PHONE};
use crate::cosync_import::records;
use crate::support::app::{PW, Resp, TestApp};
use crate::support::factors::undo_form;
use crate::support::flows::confirm_form;
use crate::support::social::{claims, keys, sign, social_settings};
use crate::support::users::{token_works, user_id};

/// The anonymous handle `loginAnonymous` signs in.
const ANON: &str = "ANON_5d0f7a1e-9b2c-4e3f";

/// Bob's Google ID token at the stack's time: key 1 is the one the fake issuer publishes for
/// Google, so every stack's JWKS verify it.
fn google_token(t: &TestApp) -> String {
    let c = claims("google", "g-bob", BOB, t.now_secs());
    sign(&keys()[1], Algorithm::RS256, &c)
}

fn social_body(token: &str) -> Value {
    json!({"token": token, "provider": "google"})
}

/// The first two users of the Cosync fixture (one with a username, one with an authenticator)
/// as one import batch.
fn import_batch() -> Value {
    let batch: Vec<Value> = records()
        .into_iter()
        .filter(|r| r["collection"] == "users" && r["line"].as_u64() <= Some(2))
        .collect();
    json!({"records": batch})
}

/// The steps before the request of a flow of this module (with no fault armed).
pub(super) async fn setup(t: &TestApp, flow: Flow) -> Ctx {
    let none = json!({"signupFlow": "none"});
    match flow {
        Flow::SocialSignup | Flow::SocialLogin | Flow::LinkSocial => {
            let app = t.create_app(social_settings(json!({}))).await;
            let mut ctx = Ctx::new(app);
            ctx.token = google_token(t);
            if let Flow::SocialLogin = flow {
                let body = json!({"token": ctx.token, "provider": "google", "handle": BOB});
                let session = t.social_signup(&ctx.app, body).await.assert_session();
                ctx = ctx.with_session(&session);
            }
            if let Flow::LinkSocial = flow {
                let session = t.quick_user(&ctx.app, BOB, json!({})).await;
                ctx = ctx.with_session(&session);
            }
            ctx
        }
        Flow::LoginAnonymous => {
            let settings = json!({"signupFlow": "none", "anonymousLoginEnabled": true});
            Ctx::new(t.create_app(settings).await)
        }
        Flow::CompleteSignupLink => {
            let app = t.create_app(json!({"signupFlow": "link"})).await;
            let body = json!({"handle": BOB, "password": PW});
            t.signup(&app, body).await.assert_true();
            // The page the mailed link opens (a GET changes nothing); its button posts the form.
            let page = t.get(&t.last_link_for(BOB), &[]).await;
            page.assert_ok();
            let mut ctx = Ctx::new(app);
            ctx.code = confirm_form(&page.text).code;
            ctx.token = page.text;
            ctx
        }
        Flow::TwoFactorPhoneOff => {
            let app = t
                .create_app(json!({"twoFactorVerification": "phone"}))
                .await;
            let session = t.signed_up_user(&app, BOB).await;
            let mut ctx = Ctx::new(app).with_session(&session);
            t.verified_phone(&ctx.access, PHONE).await;
            let on = json!({"twoFactor": true});
            t.set_two_factor_phone(&ctx.access, on).await.assert_true();
            // Switching off needs proof: the first ask texts the code the step sends.
            let off = json!({"twoFactor": false});
            t.set_two_factor_phone(&ctx.access, off)
                .await
                .assert_error(400, 403);
            ctx.code = t.last_code_for(PHONE);
            ctx
        }
        Flow::UndoTwoFactor => {
            let app = t
                .create_app(json!({"signupFlow": "none", "twoFactorVerification": "google"}))
                .await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let ctx = Ctx::new(app).with_session(&session);
            let on = json!({"twoFactor": true});
            t.set_two_factor_google(&ctx.access, on).await.ok_json();
            let page = t.get(&t.last_undo_link_for(BOB), &[]).await;
            page.assert_ok();
            let form = undo_form(&page.text);
            let mut ctx = ctx;
            ctx.user_id = form.user_id;
            ctx.token = form.token;
            ctx
        }
        Flow::AdminReactivate | Flow::RevokeSessions => {
            let app = t.create_app(none).await;
            let session = t.quick_user(&app, BOB, json!({})).await;
            let ctx = Ctx::new(app).with_session(&session);
            if let Flow::AdminReactivate = flow {
                t.admin_user_action(&ctx.app, &ctx.user_id, "suspend")
                    .await
                    .ok_json();
            }
            ctx
        }
        Flow::AdminInvite => {
            let settings = json!({"signupFlow": "none", "invitationEnabled": true});
            Ctx::new(t.create_app(settings).await)
        }
        Flow::CosyncImport => {
            let settings = json!({
                "signupFlow": "none", "userNamesEnabled": true, "twoFactorVerification": "google",
            });
            Ctx::new(t.create_app(settings).await)
        }
        _ => unreachable!("{flow:?} is set up in flows.rs"),
    }
}

/// Sends the request under test of a flow of this module.
pub(super) async fn step(t: &TestApp, flow: Flow, ctx: &Ctx) -> Resp {
    match flow {
        Flow::SocialSignup => {
            let body = json!({"token": ctx.token, "provider": "google", "handle": BOB});
            t.social_signup(&ctx.app, body).await
        }
        Flow::SocialLogin => t.social_login(&ctx.app, social_body(&ctx.token)).await,
        Flow::LinkSocial => {
            let body = json!({"token": ctx.token, "provider": "google", "password": PW});
            t.link_social_account(&ctx.access, body).await
        }
        Flow::LoginAnonymous => t.login_anonymous(&ctx.app, ANON).await,
        Flow::CompleteSignupLink => t.submit_confirm_form(&ctx.token).await,
        Flow::TwoFactorPhoneOff => {
            let body = json!({"twoFactor": false, "code": ctx.code});
            t.set_two_factor_phone(&ctx.access, body).await
        }
        Flow::UndoTwoFactor => t.undo_two_factor(&ctx.user_id, &ctx.token).await,
        Flow::AdminReactivate => {
            t.admin_user_action(&ctx.app, &ctx.user_id, "reactivate")
                .await
        }
        Flow::RevokeSessions => {
            t.admin_user_action(&ctx.app, &ctx.user_id, "revoke-sessions")
                .await
        }
        Flow::AdminInvite => t.admin_invite(&ctx.app, json!({"handle": CAROL})).await,
        Flow::CosyncImport => t.import_cosync(&ctx.app, import_batch()).await,
        _ => unreachable!("{flow:?} is stepped in flows.rs"),
    }
}

/// Proves a flow of this module reached its end.
pub(super) async fn settle(t: &TestApp, flow: Flow, ctx: &Ctx) {
    match flow {
        Flow::SocialSignup | Flow::SocialLogin => {
            let session = t
                .social_login(&ctx.app, social_body(&ctx.token))
                .await
                .assert_session();
            if let Flow::SocialLogin = flow {
                assert_eq!(user_id(&session), ctx.user_id, "the same user");
            }
        }
        Flow::LinkSocial => {
            let session = t
                .social_login(&ctx.app, social_body(&ctx.token))
                .await
                .assert_session();
            assert_eq!(user_id(&session), ctx.user_id, "the linked account");
        }
        Flow::LoginAnonymous => {
            let first = t.login_anonymous(&ctx.app, ANON).await.assert_session();
            let again = t.login_anonymous(&ctx.app, ANON).await.assert_session();
            assert_eq!(user_id(&first), user_id(&again), "one anonymous user");
        }
        Flow::CompleteSignupLink
        | Flow::TwoFactorPhoneOff
        | Flow::UndoTwoFactor
        | Flow::AdminReactivate => {
            // A plain password login: no second factor asked, no suspension.
            t.login(&ctx.app, BOB, PW).await.assert_session();
        }
        Flow::RevokeSessions => {
            assert!(!token_works(t, &ctx.access).await, "the session ended");
            t.login(&ctx.app, BOB, PW).await.assert_session();
        }
        Flow::AdminInvite => {
            let code = t.invite_code(CAROL);
            let body = json!({"handle": CAROL, "password": PW, "code": code});
            t.register(&ctx.app, body).await.assert_session();
        }
        Flow::CosyncImport => {
            // A batch is retried whole until every record lands; then a rerun changes nothing.
            t.import_cosync(&ctx.app, import_batch()).await.ok_json();
            let rerun = t.import_cosync(&ctx.app, import_batch()).await.ok_json();
            for r in rerun["results"].as_array().unwrap() {
                let outcome = r["outcome"].as_str().unwrap();
                assert!(
                    matches!(outcome, "unchanged" | "invalid" | "skipped"),
                    "a rerun after the retry changes nothing: {r}"
                );
            }
        }
        _ => unreachable!("{flow:?} is settled in flows.rs"),
    }
}
