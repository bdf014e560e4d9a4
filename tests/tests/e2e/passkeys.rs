//! Passkeys (issue 22) through the public door on both engines: a user adds a passkey after a
//! password login and signs in with it alone (the JWT verifies through JWKS), a 2FA user gets no
//! login-token step, a suspended one 404, a form body carries the credential as a JSON string,
//! begins and failures are limited per address, and deleting an account or an app releases its
//! credential ids. The failure modes are in `passkey_attacks.rs`.

use keyturn::domain::admin::doctor::{self, Scope};
use serde_json::json;

use crate::support::app::{OTHER_PW, PW, TestApp};
use crate::support::authenticator::{Authenticator, Tweak};
use crate::support::factors::{code_now, login_token, totp_of};
use crate::support::flows::app_token;
use crate::support::jwt::verify_user_jwt;
use crate::support::passkeys::{
    ORIGIN, RP, audit_events, claimed, list, login_finish, login_options,
    on_both_engines_at_wall_time, passkey_app, register, register_finish, register_options,
    with_access,
};
use crate::support::routes::{
    PASSKEY_LOGIN_BEGIN, PASSKEY_LOGIN_COMPLETE, PASSKEY_REGISTER_COMPLETE, PASSKEY_REMOVE,
    PASSKEY_RENAME,
};
use crate::support::users::{access, claims, user_id};

async fn journey(t: TestApp) {
    let info = passkey_app(&t, json!({})).await;
    let session = t.quick_user(&info, "pat@example.com", json!({})).await;
    let acc = access(&session);
    let mut phone = Authenticator::new(ORIGIN);

    let options = register_options(&t, &acc).await;
    assert_eq!(options["rp"]["id"], RP);
    assert_eq!(options["attestation"], "none");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        options["authenticatorSelection"]["residentKey"],
        "preferred"
    );
    let algs: Vec<i64> = options["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert_eq!(algs, vec![-7, -257]);
    assert_eq!(options["excludeCredentials"], json!([]));
    let added = register_finish(&t, &acc, phone.create(&options))
        .await
        .ok_json();
    assert_eq!(added["name"], "Laptop");
    assert_eq!(added["backedUp"], true);
    assert!(added["createdAt"].as_str().unwrap().ends_with('Z'));
    let id = added["id"].as_str().unwrap().to_owned();
    assert_eq!(
        id,
        crate::support::authenticator::b64(&phone.credentials[0].id)
    );

    // A second begin excludes the passkey already registered.
    let again = register_options(&t, &acc).await;
    assert_eq!(again["excludeCredentials"][0]["id"], id.as_str());

    // Sign in with the passkey alone: no allowCredentials, a session whose JWT verifies.
    let request = login_options(&t, &info).await;
    assert!(request.get("allowCredentials").is_none(), "{request}");
    assert_eq!(request["rpId"], RP);
    assert_eq!(request["userVerification"], "required");
    let signed_in = login_finish(&t, &info, &phone.get(&request))
        .await
        .assert_session();
    assert_eq!(user_id(&signed_in), user_id(&session));
    let jwt = signed_in["jwt"].as_str().unwrap();
    let verified = verify_user_jwt(&t, &info.app_id, jwt, &info.app_id)
        .await
        .unwrap();
    assert_eq!(verified["amr"], json!(["hwk", "mfa"]));
    assert_eq!(
        claims(jwt)["sub"],
        claims(session["jwt"].as_str().unwrap())["sub"]
    );

    // The counter moved and the use is recorded; rename; once the login is over ten minutes
    // old, remove needs the password.
    let listed = list(&t, &acc).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0]["lastUsedAt"].is_string(), "{listed:?}");
    let renamed = t
        .post_json(
            PASSKEY_RENAME,
            &with_access(&acc),
            json!({"id": id, "name": " Phone "}),
        )
        .await
        .ok_json();
    assert_eq!(renamed["name"], "Phone");
    t.post_json(
        PASSKEY_RENAME,
        &with_access(&acc),
        json!({"id": "bm9uZQ", "name": "x"}),
    )
    .await
    .assert_error(404, 643);
    t.clock.advance_secs(11 * 60);
    t.post_json(PASSKEY_REMOVE, &with_access(&acc), json!({"id": id}))
        .await
        .assert_error(400, 403);
    t.post_json(
        PASSKEY_REMOVE,
        &with_access(&acc),
        json!({"id": id, "password": OTHER_PW}),
    )
    .await
    .assert_error(400, 600);
    t.post_json(
        PASSKEY_REMOVE,
        &with_access(&acc),
        json!({"id": id, "password": PW}),
    )
    .await
    .assert_true();
    assert!(list(&t, &acc).await.is_empty());
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &phone.get(&request))
        .await
        .assert_error(400, 641);
    let events: Vec<String> = audit_events(&t, &info)
        .await
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert!(events.contains(&"passkey.added".to_owned()), "{events:?}");
    assert!(events.contains(&"passkey.removed".to_owned()), "{events:?}");
}

on_both_engines_at_wall_time!(journey: a_passkey_added_after_a_password_login_signs_in_alone_sqlite, a_passkey_added_after_a_password_login_signs_in_alone_dynamodb);

async fn second_factor(t: TestApp) {
    let info = passkey_app(&t, json!({"twoFactorVerification": "google"})).await;
    let acc = t.quick_access(&info, "two@example.com").await;
    let enrolment = t
        .set_two_factor_google(&acc, json!({"twoFactor": true}))
        .await
        .ok_json();
    let totp = totp_of(&enrolment);
    // The enrolment is confirmed by a first login with a code.
    let r = t.login(&info, "two@example.com", PW).await;
    let token = login_token(&r);
    t.clock.advance_secs(30);
    let s = t
        .login_complete(&token, &code_now(&t, &totp))
        .await
        .assert_session();
    let acc = access(&s);

    let mut auth = Authenticator::new(ORIGIN);
    register(&t, &acc, &mut auth).await;
    // A password login still asks for the code; the passkey login does not.
    login_token(&t.login(&info, "two@example.com", PW).await);
    let request = login_options(&t, &info).await;
    let signed_in = login_finish(&t, &info, &auth.get(&request))
        .await
        .assert_session();
    assert_eq!(user_id(&signed_in), user_id(&s));

    // A suspended user proves the passkey and gets 404, as after a password.
    let uid = user_id(&s);
    t.admin_user_action(&info, &uid, "suspend")
        .await
        .assert_ok();
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &auth.get(&request))
        .await
        .assert_error(400, 404);
}

on_both_engines_at_wall_time!(second_factor: a_two_factor_user_signs_in_with_a_passkey_without_a_code_sqlite, a_two_factor_user_signs_in_with_a_passkey_without_a_code_dynamodb);

#[tokio::test]
async fn a_form_body_carries_the_credential_as_a_json_string_and_begins_and_failures_are_limited() {
    let t = TestApp::new().await;
    let info = passkey_app(&t, json!({"addressFailedChecksPer15Min": 3})).await;
    let acc = t.quick_access(&info, "form@example.com").await;
    let mut auth = Authenticator::new(ORIGIN);
    let options = register_options(&t, &acc).await;
    let credential = auth.create(&options).to_string();
    let body = format!(
        "credential={}&name=Form",
        crate::support::users::url_encode(&credential)
    );
    let added = t
        .post_form(PASSKEY_REGISTER_COMPLETE, &with_access(&acc), &body)
        .await
        .ok_json();
    assert_eq!(added["name"], "Form");
    t.post_form(
        PASSKEY_LOGIN_COMPLETE,
        &app_token(&info),
        "credential=%7Bnot-json",
    )
    .await
    .assert_error(400, 602);
    t.post_form(PASSKEY_LOGIN_COMPLETE, &app_token(&info), "")
        .await
        .assert_error(400, 403);
    // Failed checks fill the address's counter: the fourth is 615 even with a good assertion.
    let bad = Tweak {
        origin: Some("https://evil.example.net".into()),
        ..Tweak::default()
    };
    for _ in 0..3 {
        let request = login_options(&t, &info).await;
        login_finish(&t, &info, &auth.get_with(&request, 0, &bad))
            .await
            .assert_error(400, 641);
    }
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &auth.get(&request))
        .await
        .assert_limited();
    // Begins count 30 a minute per address and app: five so far (one registration, four
    // logins), so 25 more pass and the rest are 615.
    let mut answers = Vec::new();
    for _ in 0..30 {
        let r = t
            .post_json(PASSKEY_LOGIN_BEGIN, &app_token(&info), json!({}))
            .await;
        answers.push(r.status.as_u16());
    }
    let passed = answers.iter().take_while(|s| **s == 200).count();
    assert_eq!(passed, 25, "{answers:?}");
    assert!(answers[passed..].iter().all(|s| *s == 429), "{answers:?}");
}

async fn deletions(t: TestApp) {
    let info = passkey_app(&t, json!({})).await;
    let acc = t.quick_access(&info, "del@example.com").await;
    let mut auth = Authenticator::new(ORIGIN);
    let first = register(&t, &acc, &mut auth).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = register(&t, &acc, &mut auth).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(claimed(&t, &info, &first).await && claimed(&t, &info, &second).await);
    // The table checker knows the set, the claims and a ceremony begun but never finished.
    login_options(&t, &info).await;
    let scope = Scope::App(info.app_id.clone());
    let found = doctor::check_to_end(&t.state, &scope).await.unwrap();
    assert!(found.is_empty(), "{found:?}");
    t.delete_account(&acc, "del@example.com", PW)
        .await
        .assert_true();
    assert!(!claimed(&t, &info, &first).await && !claimed(&t, &info, &second).await);
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &auth.get_with(&request, 0, &Tweak::default()))
        .await
        .assert_error(400, 641);

    // An app's deletion releases its users' claims too.
    let doomed = passkey_app(&t, json!({})).await;
    let acc = t.quick_access(&doomed, "gone@example.com").await;
    let id = register(&t, &acc, &mut auth).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(claimed(&t, &doomed, &id).await);
    let path = format!("/admin/apps/{}", doomed.app_id);
    let mut answer = t.admin("DELETE", &path, None).await;
    while answer.status.as_u16() == 202 {
        answer = t.admin("DELETE", &path, None).await;
    }
    answer.assert_ok();
    assert!(!claimed(&t, &doomed, &id).await);
}

on_both_engines_at_wall_time!(deletions: deleting_an_account_or_an_app_releases_its_passkeys_sqlite, deleting_an_account_or_an_app_releases_its_passkeys_dynamodb);
