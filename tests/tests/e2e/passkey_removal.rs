//! Removing a passkey without a password (issue 22), on both engines: a user with no password
//! and no authenticator (an Apple/Google user, an anonymous one) removes a passkey with a session
//! from a login at most ten minutes old, as a factor is switched on; an older session is refused
//! (403 for `password`) and keeps the passkey; and the last way in of an account with no password
//! and no linked identity is never removed (602), however fresh the session.

use serde_json::{Value, json};

use crate::support::app::{Resp, TestApp, TestAppInfo};
use crate::support::authenticator::Authenticator;
use crate::support::passkeys::{
    ORIGIN, list, on_both_engines_at_wall_time, passkey_app, register, with_access,
};
use crate::support::routes::PASSKEY_REMOVE;
use crate::support::social::{FakeIssuer, claims, social_settings};
use crate::support::users::access;

/// Older than the ten minutes a login stays recent for (`switch::RECENT_LOGIN_SECS`).
const STALE_AFTER_SECS: i64 = 11 * 60;

/// Runs `story(stack, issuer)` over SQLite and over DynamoDB (moto), each at wall time with its
/// social keys from a fresh fake issuer.
macro_rules! with_issuer_on_both_engines {
    ($story:ident: $sqlite:ident, $dynamodb:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            let issuer = FakeIssuer::start().await;
            let t = issuer.stack_with(TestApp::builder().wall_clock()).await;
            $story(t, issuer).await;
        }

        #[tokio::test]
        async fn $dynamodb() {
            let issuer = FakeIssuer::start().await;
            let t = issuer
                .stack_with(TestApp::builder().wall_clock().dynamodb())
                .await;
            $story(t, issuer).await;
        }
    };
}

async fn remove(t: &TestApp, access: &str, id: &str) -> Resp {
    t.post_json(PASSKEY_REMOVE, &with_access(access), json!({"id": id}))
        .await
}

fn id_of(view: &Value) -> String {
    view["id"].as_str().unwrap().to_owned()
}

/// A fresh session of the Google user `sub`, from a new social login.
async fn google_login(t: &TestApp, issuer: &FakeIssuer, info: &TestAppInfo, sub: &str) -> String {
    let token = issuer.token(
        "google",
        &claims("google", sub, "gina@gmail.com", t.now_secs()),
    );
    let body = json!({"token": token, "provider": "google"});
    access(&t.social_login(info, body).await.assert_session())
}

async fn social_user(t: TestApp, issuer: FakeIssuer) {
    let extra = social_settings(json!({"anonymousLoginEnabled": true}));
    let info = passkey_app(&t, extra).await;
    let signed_up = t
        .social_signup_as(&issuer, &info, "google", "g-pk", "gina@gmail.com")
        .await
        .assert_session();
    let stale = access(&signed_up);
    let mut phone = Authenticator::new(ORIGIN);
    let id = id_of(&register(&t, &stale, &mut phone).await);

    // An old session with nothing to prove the owner with: refused, the passkey stays. A code
    // is no way around it for a user without an authenticator.
    t.clock.advance_secs(STALE_AFTER_SECS);
    remove(&t, &stale, &id).await.assert_error(400, 403);
    let body = json!({"id": id, "code": "123456"});
    let r = t
        .post_json(PASSKEY_REMOVE, &with_access(&stale), body)
        .await;
    r.assert_error(400, 600);
    assert_eq!(list(&t, &stale).await.len(), 1);

    // A fresh login: the Google identity remains a way in, so the only passkey goes.
    let fresh = google_login(&t, &issuer, &info, "g-pk").await;
    remove(&t, &fresh, &id).await.assert_true();
    assert!(list(&t, &fresh).await.is_empty());
    // The fresh session stops being enough ten minutes on.
    let again = id_of(&register(&t, &fresh, &mut phone).await);
    t.clock.advance_secs(STALE_AFTER_SECS);
    remove(&t, &fresh, &again).await.assert_error(400, 403);
    assert_eq!(list(&t, &fresh).await.len(), 1);
}

with_issuer_on_both_engines!(social_user: a_social_user_removes_a_passkey_with_a_recent_login_only_sqlite, a_social_user_removes_a_passkey_with_a_recent_login_only_dynamodb);

async fn anonymous_user(t: TestApp) {
    let extra = json!({"anonymousLoginEnabled": true});
    let info = passkey_app(&t, extra).await;
    let handle = "ANON_5d1e-pk-removal";
    let acc = access(&t.login_anonymous(&info, handle).await.assert_session());
    let mut phone = Authenticator::new(ORIGIN);
    let first = id_of(&register(&t, &acc, &mut phone).await);

    // The only passkey of an account with no password and no linked identity: never removed,
    // even by a fresh session.
    remove(&t, &acc, &first).await.assert_error(400, 602);
    assert_eq!(list(&t, &acc).await.len(), 1);

    // With a second passkey, an old session is still refused; a fresh one removes either, but
    // not both.
    let second = id_of(&register(&t, &acc, &mut phone).await);
    t.clock.advance_secs(STALE_AFTER_SECS);
    remove(&t, &acc, &first).await.assert_error(400, 403);
    assert_eq!(list(&t, &acc).await.len(), 2);
    let fresh = access(&t.login_anonymous(&info, handle).await.assert_session());
    remove(&t, &fresh, &first).await.assert_true();
    remove(&t, &fresh, &second).await.assert_error(400, 602);
    let left: Vec<String> = list(&t, &fresh).await.iter().map(id_of).collect();
    assert_eq!(left, vec![second]);
}

on_both_engines_at_wall_time!(anonymous_user: an_anonymous_user_removes_a_passkey_with_a_recent_login_but_never_its_last_sqlite, an_anonymous_user_removes_a_passkey_with_a_recent_login_but_never_its_last_dynamodb);
