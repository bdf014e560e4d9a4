//! The admin API over an app's users: listing through the index (paginated, searchable), one
//! user, suspend / reactivate, revoke sessions, delete.

use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp, on_both_engines};
use crate::support::flows::assert_gone;
use crate::support::users::{access as token, token_works, url_encode, user_id_of};

fn handles(page: &Value) -> Vec<String> {
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["handle"].as_str().unwrap().to_owned())
        .collect()
}

on_both_engines!(#[tokio::test] lists_users_page_by_page:
    admin_lists_users_page_by_page_in_handle_order_in_sqlite,
    admin_lists_users_page_by_page_in_handle_order_in_dynamodb);

/// 7 users (and one of another app), pages of 3: 3, 3, 1 in handle order, then no cursor.
async fn lists_users_page_by_page(app: TestApp) {
    let info = app.create_app(json!({})).await;
    let other = app.create_app(json!({})).await;
    let mut expected = Vec::new();
    for name in ["gus", "cat", "eve", "ann", "fay", "bob", "dan"] {
        app.signed_up_user(&info, &format!("{name}@x.com")).await;
        expected.push(format!("{name}@x.com"));
    }
    app.signed_up_user(&other, "zed@x.com").await;
    expected.sort();

    let base = info.admin_path("/users");
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("{base}?limit=3&cursor={}", url_encode(c)),
            None => format!("{base}?limit=3"),
        };
        let page = app.admin("GET", &path, None).await.ok_json();
        for u in page["users"].as_array().unwrap() {
            assert!(u.get("passwordHash").is_none(), "no hash in views: {u}");
            assert!(u.get("tokenEpoch").is_none());
            assert_eq!(u["appId"], info.app_id.as_str());
            assert_eq!(u["status"], "active");
        }
        sizes.push(page["users"].as_array().unwrap().len());
        seen.extend(handles(&page));
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => {
                assert!(page["cursor"].is_null());
                break;
            }
        }
    }
    assert_eq!(sizes, vec![3, 3, 1]);
    assert_eq!(seen, expected);
    assert!(!app.admin("GET", &base, None).await.text.contains("argon2"));
}

#[tokio::test]
async fn admin_searches_users_by_handle_prefix() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    for h in [
        "anna@x.com",
        "annie@y.com",
        "ann@z.com",
        "bob@x.com",
        "joanna@x.com",
    ] {
        app.signed_up_user(&info, h).await;
    }
    let base = info.admin_path("/users");
    let page = app.admin("GET", &format!("{base}?search=ANN"), None).await;
    let found = handles(&page.ok_json());
    assert_eq!(found, ["ann@z.com", "anna@x.com", "annie@y.com"]);
    let r = app
        .admin("GET", &format!("{base}?search=annie&limit=1"), None)
        .await;
    assert_eq!(handles(&r.json()), ["annie@y.com"]);
    assert!(r.json()["cursor"].is_null());
    let r = app.admin("GET", &format!("{base}?search=zz"), None).await;
    assert_eq!(r.json(), json!({"users": [], "cursor": null}));
}

#[tokio::test]
async fn admin_user_routes_refuse_bad_requests() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let other = app.create_app(json!({})).await;
    app.signed_up_user(&info, "ann@x.com").await;
    let id = user_id_of(&app, &info, "ann@x.com").await;
    let base = info.admin_path("/users");
    for bad in ["0", "101", "ten", "-1"] {
        app.admin("GET", &format!("{base}?limit={bad}"), None)
            .await
            .assert_error(400, 602);
    }
    // A mangled cursor is bad input (602), not an internal error.
    app.admin("GET", &format!("{base}?cursor=garbage!"), None)
        .await
        .assert_error(400, 602);
    app.admin("GET", "/admin/apps/nope/users", None)
        .await
        .assert_error(400, 401);
    app.admin("GET", &format!("{base}/nope"), None)
        .await
        .assert_error(404, 603);
    // A user of another app is not found there.
    let foreign = other.admin_path(&format!("/users/{id}"));
    app.admin("GET", &foreign, None)
        .await
        .assert_error(404, 603);
    app.admin("POST", &format!("{foreign}/suspend"), None)
        .await
        .assert_error(404, 603);
    app.admin("DELETE", &foreign, None)
        .await
        .assert_error(404, 603);
    // Without the admin key.
    app.get(&base, &[]).await.assert_error(401, 617);
    app.get(&base, &[("authorization", "Bearer wrong")])
        .await
        .assert_error(401, 617);
    app.post_json(&format!("{base}/{id}/suspend"), &[], json!({}))
        .await
        .assert_error(401, 617);
    // Nothing changed.
    let r = app.admin("GET", &format!("{base}/{id}"), None).await;
    assert_eq!(r.json()["status"], "active");
}

#[tokio::test]
async fn admin_reads_one_user_without_secrets() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    app.signed_up_user(&info, "ann@x.com").await;
    let id = user_id_of(&app, &info, "ann@x.com").await;
    let path = info.admin_path(&format!("/users/{id}"));
    let r = app.admin("GET", &path, None).await;
    let v = r.ok_json();
    assert_eq!(v["userId"], id.as_str());
    assert_eq!(v["handle"], "ann@x.com");
    assert_eq!(v["status"], "active");
    assert_eq!(v["locale"], "EN");
    assert!(v["lastLogin"].as_str().unwrap().ends_with('Z'));
    assert!(v["createdAt"].as_str().unwrap().ends_with('Z'));
    assert!(v.get("passwordHash").is_none());
    assert!(!r.text.contains("argon2"));
}

#[tokio::test]
async fn a_suspended_user_cannot_log_in_and_reactivation_restores_login() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let id = user_id_of(&app, &info, "ann@x.com").await;

    let r = app.admin_user_action(&info, &id, "suspend").await;
    assert_eq!(r.ok_json()["status"], "suspended");
    assert!(!token_works(&app, &token(&session)).await);
    // 404 only once the password is proven; a wrong one stays the uniform 600.
    app.login(&info, "ann@x.com", PW)
        .await
        .assert_error(400, 404);
    app.login(&info, "ann@x.com", OTHER_PW)
        .await
        .assert_error(400, 600);
    // No reset mail for a suspended account, but the same answer.
    let before = app.outbox().len();
    app.forgot_password(&info, "ann@x.com").await.assert_true();
    assert_eq!(app.outbox().len(), before);

    let r = app.admin_user_action(&info, &id, "reactivate").await;
    assert_eq!(r.ok_json()["status"], "active");
    let again = app.login(&info, "ann@x.com", PW).await.ok_json();
    assert!(token_works(&app, &token(&again)).await);
    // Tokens revoked by the suspension stay revoked.
    assert!(!token_works(&app, &token(&session)).await);
}

#[tokio::test]
async fn admin_revokes_every_session_of_a_user() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let second = token(&app.login(&info, "ann@x.com", PW).await.json());
    let bob = app.signed_up_user(&info, "bob@x.com").await;
    let id = user_id_of(&app, &info, "ann@x.com").await;
    let r = app.admin_user_action(&info, &id, "revoke-sessions").await;
    r.ok_json();
    assert!(!token_works(&app, &token(&session)).await);
    assert!(!token_works(&app, &second).await);
    assert!(token_works(&app, &token(&bob)).await);
    let fresh = app.login(&info, "ann@x.com", PW).await.ok_json();
    assert!(token_works(&app, &token(&fresh)).await);
}

#[tokio::test]
async fn admin_deletes_a_user_and_everything_keyed_to_them() {
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    let session = app.signed_up_user(&info, "ann@x.com").await;
    let id = user_id_of(&app, &info, "ann@x.com").await;
    app.forgot_password(&info, "ann@x.com").await.assert_true();
    let path = info.admin_path(&format!("/users/{id}"));
    app.admin("DELETE", &path, None).await.assert_true();
    assert!(!token_works(&app, &token(&session)).await);
    assert_gone(&app, &info, &id, "ann@x.com", None).await;
    app.admin("GET", &path, None).await.assert_error(404, 603);
    app.admin("DELETE", &path, None)
        .await
        .assert_error(404, 603);
    let again = app.signed_up_user(&info, "ann@x.com").await;
    assert!(token_works(&app, &token(&again)).await);
}

on_both_engines!(#[tokio::test] panel_shows_provider_factors_and_a_masked_phone:
    admin_user_detail_shows_provider_second_factors_and_a_masked_phone_in_sqlite,
    admin_user_detail_shows_provider_second_factors_and_a_masked_phone_in_dynamodb);

/// What the console's user panel shows: how the user signs in, their second factors, and the
/// phone masked to its country code and last two digits (the whole number appears nowhere in
/// the answer); an admin reset of 2FA turns both switches off in the same view.
async fn panel_shows_provider_factors_and_a_masked_phone(t: TestApp) {
    const PHONE: &str = "+12015550123";
    let info = t
        .create_app(json!({"twoFactorVerification": "phone"}))
        .await;
    let session = t.signed_up_user(&info, "pat@x.com").await;
    t.verified_phone(&token(&session), PHONE).await;
    t.set_two_factor_phone(&token(&session), json!({"twoFactor": true}))
        .await
        .assert_true();
    let id = user_id_of(&t, &info, "pat@x.com").await;
    let path = info.admin_path(&format!("/users/{id}"));

    let r = t.admin("GET", &path, None).await;
    let v = r.ok_json();
    assert_eq!(v["provider"], "password");
    assert_eq!(v["emailVerified"], true);
    assert_eq!(
        v["twoFactor"],
        json!({"google": false, "phone": true, "phoneVerified": true,
               "maskedPhone": "+12•••••••23"})
    );
    assert!(
        !r.text.contains(PHONE) && !r.text.contains("2015550"),
        "{}",
        r.text
    );

    t.admin("POST", &format!("{path}/reset-2fa"), None)
        .await
        .assert_true();
    let v = t.admin("GET", &path, None).await.ok_json();
    assert_eq!(v["twoFactor"]["phone"], false);
    assert_eq!(v["twoFactor"]["google"], false);
}
