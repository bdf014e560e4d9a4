//! Passkeys (issue 22) through the public door on both engines: a user adds a passkey after a
//! password login and signs in with it alone (the JWT verifies through JWKS, a 2FA user gets no
//! login-token step), and every failure mode a relying party must refuse: a replayed finish (also
//! two at once), an expired challenge, a wrong origin, type or RP id, missing user verification,
//! a counter gone backwards, bad CBOR, a foreign signature, the 11th passkey, passkeys off, and a
//! credential of another app. The authenticator is hand-written (`support::authenticator`), so
//! each test breaks exactly one thing.

use keyturn::domain::admin::doctor::{self, Scope};
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo};
use crate::support::authenticator::{Authenticator, BE, BS, Tweak, UP, UV};
use crate::support::factors::{code_now, login_token, totp_of};
use crate::support::flows::app_token;
use crate::support::jwt::verify_user_jwt;
use crate::support::routes::{
    GET_APPLICATION, PASSKEY_LOGIN_BEGIN, PASSKEY_LOGIN_COMPLETE, PASSKEY_REGISTER_BEGIN,
    PASSKEY_REGISTER_COMPLETE, PASSKEY_REMOVE, PASSKEY_RENAME, PASSKEYS,
};
use crate::support::users::{access, claims, user_id};

const RP: &str = "example.com";
const ORIGIN: &str = "https://app.example.com";
const ANDROID: &str = "android:apk-key-hash:lzIbzBXR3kJwNDCwyWqiGcYsP3J3xtrLW2jNeLrHGMk";

/// Runs `story(stack)` over SQLite and over DynamoDB (moto), each clock at wall time (the JWT is
/// verified by a stock library against the real clock).
macro_rules! on_both_engines_at_wall_time {
    ($story:ident: $sqlite:ident, $dynamodb:ident) => {
        #[tokio::test]
        async fn $sqlite() {
            $story(TestApp::builder().wall_clock().build().await).await;
        }

        #[tokio::test]
        async fn $dynamodb() {
            $story(TestApp::over_dynamodb().await).await;
        }
    };
}

async fn passkey_app(t: &TestApp, extra: Value) -> TestAppInfo {
    let mut settings = json!({
        "signupFlow": "none",
        "passkeysEnabled": true,
        "passkeyRpId": RP,
        "passkeyOrigins": [ORIGIN, ANDROID],
    });
    for (k, v) in extra.as_object().unwrap() {
        settings[k] = v.clone();
    }
    t.create_app(settings).await
}

fn with_access(token: &str) -> [(&'static str, &str); 1] {
    [("access-token", token)]
}

async fn register_options(t: &TestApp, access: &str) -> Value {
    let r = t
        .post_json(PASSKEY_REGISTER_BEGIN, &with_access(access), json!({}))
        .await;
    r.ok_json()["publicKey"].clone()
}

async fn register_finish(t: &TestApp, access: &str, credential: Value) -> Resp {
    let body = json!({"credential": credential, "name": "Laptop"});
    t.post_json(PASSKEY_REGISTER_COMPLETE, &with_access(access), body)
        .await
}

/// Registers a new passkey of `auth` for the user of `access`; returns the passkey's view.
async fn register(t: &TestApp, access: &str, auth: &mut Authenticator) -> Value {
    let options = register_options(t, access).await;
    let credential = auth.create(&options);
    register_finish(t, access, credential).await.ok_json()
}

async fn login_options(t: &TestApp, info: &TestAppInfo) -> Value {
    let r = t
        .post_json(PASSKEY_LOGIN_BEGIN, &app_token(info), json!({}))
        .await;
    r.ok_json()["publicKey"].clone()
}

async fn login_finish(t: &TestApp, info: &TestAppInfo, credential: &Value) -> Resp {
    let body = json!({"credential": credential});
    t.post_json(PASSKEY_LOGIN_COMPLETE, &app_token(info), body)
        .await
}

async fn list(t: &TestApp, access: &str) -> Vec<Value> {
    let r = t.get(PASSKEYS, &with_access(access)).await;
    r.ok_json()["passkeys"].as_array().unwrap().clone()
}

async fn audit_events(t: &TestApp, info: &TestAppInfo) -> Vec<Value> {
    let path = format!("/admin/apps/{}/audit?limit=100", info.app_id);
    let page = t.admin("GET", &path, None).await.ok_json();
    page["entries"].as_array().unwrap().clone()
}

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

    // The counter moved and the use is recorded; rename; remove needs the password.
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

async fn replays(t: TestApp) {
    let info = passkey_app(&t, json!({})).await;
    let acc = t.quick_access(&info, "rex@example.com").await;
    let mut auth = Authenticator::new(ORIGIN);

    // A registration finish replayed: the ceremony is gone.
    let options = register_options(&t, &acc).await;
    let credential = auth.create(&options);
    register_finish(&t, &acc, credential.clone())
        .await
        .ok_json();
    register_finish(&t, &acc, credential)
        .await
        .assert_error(400, 640);

    // A login finish replayed, then two finishes of one fresh assertion at once: one wins.
    let request = login_options(&t, &info).await;
    let assertion = auth.get(&request);
    login_finish(&t, &info, &assertion).await.assert_session();
    login_finish(&t, &info, &assertion)
        .await
        .assert_error(400, 640);
    let request = login_options(&t, &info).await;
    let assertion = auth.get(&request);
    let (a, b) = tokio::join!(
        login_finish(&t, &info, &assertion),
        login_finish(&t, &info, &assertion)
    );
    let codes: Vec<u16> = [&a, &b].iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 200).count(),
        1,
        "{} / {}",
        a.text,
        b.text
    );
    let loser = if a.status.as_u16() == 200 { &b } else { &a };
    loser.assert_error(400, 640);

    // An expired challenge, and one never issued.
    let request = login_options(&t, &info).await;
    t.clock.advance_secs(301);
    login_finish(&t, &info, &auth.get(&request))
        .await
        .assert_error(400, 640);
    let forged = Tweak {
        challenge: Some("bmV2ZXItaXNzdWVk".into()),
        ..Tweak::default()
    };
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &auth.get_with(&request, 0, &forged))
        .await
        .assert_error(400, 640);

    // A registration ceremony finished under another user's token.
    let other = t.quick_access(&info, "ola@example.com").await;
    let options = register_options(&t, &acc).await;
    register_finish(&t, &other, auth.create(&options))
        .await
        .assert_error(400, 640);
}

on_both_engines_at_wall_time!(replays: replayed_and_expired_finishes_are_refused_sqlite, replayed_and_expired_finishes_are_refused_dynamodb);

async fn forgeries(t: TestApp) {
    let info = passkey_app(&t, json!({})).await;
    let acc = t.quick_access(&info, "fay@example.com").await;
    let mut auth = Authenticator::new(ORIGIN);
    register(&t, &acc, &mut auth).await;
    let cases: Vec<(&str, Tweak)> = vec![
        (
            "wrong origin",
            Tweak {
                origin: Some("https://evil.example.net".into()),
                ..Tweak::default()
            },
        ),
        (
            "subdomain not listed",
            Tweak {
                origin: Some("https://other.example.com".into()),
                ..Tweak::default()
            },
        ),
        (
            "wrong RP id",
            Tweak {
                rp_id: Some("evil.example.net".into()),
                ..Tweak::default()
            },
        ),
        (
            "no user verification",
            Tweak {
                flags: Some(UP | BE | BS),
                ..Tweak::default()
            },
        ),
        (
            "no user presence",
            Tweak {
                flags: Some(UV | BE | BS),
                ..Tweak::default()
            },
        ),
        (
            "wrong type",
            Tweak {
                kind: Some("webauthn.create".into()),
                ..Tweak::default()
            },
        ),
        (
            "cross origin",
            Tweak {
                cross_origin: true,
                ..Tweak::default()
            },
        ),
        (
            "foreign signature",
            Tweak {
                foreign_signature: true,
                ..Tweak::default()
            },
        ),
        (
            "another user's handle",
            Tweak {
                user_handle: Some(b"someone-else".to_vec()),
                ..Tweak::default()
            },
        ),
        (
            "backup eligibility changed",
            Tweak {
                flags: Some(UP | UV),
                ..Tweak::default()
            },
        ),
    ];
    for (what, tweak) in &cases {
        let request = login_options(&t, &info).await;
        let r = login_finish(&t, &info, &auth.get_with(&request, 0, tweak)).await;
        assert_eq!(r.status.as_u16(), 400, "{what}: {}", r.text);
        r.assert_error(400, 641);
    }
    // A counter that goes backwards (a cloned key) is refused and audited; then a genuine
    // assertion, whose counter is above the stored one, still signs in.
    let stored = auth.credentials[0].counter;
    let request = login_options(&t, &info).await;
    let behind = Tweak {
        counter: Some(1),
        ..Tweak::default()
    };
    login_finish(&t, &info, &auth.get_with(&request, 0, &behind))
        .await
        .assert_error(400, 641);
    assert!(stored >= 1);
    let refused = audit_events(&t, &info).await;
    assert!(
        refused
            .iter()
            .any(|e| e["event"] == "passkey.refused"
                && e["details"]["reason"] == "counter regression"),
        "{refused:?}"
    );
    auth.credentials[0].counter = stored + 5;
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &auth.get(&request))
        .await
        .assert_session();

    // Registrations: bad CBOR, wrong origin, wrong RP id, no user verification.
    for (what, tweak) in [
        (
            "bad CBOR",
            Tweak {
                garbage_attestation: true,
                ..Tweak::default()
            },
        ),
        (
            "wrong origin",
            Tweak {
                origin: Some("https://evil.example.net".into()),
                ..Tweak::default()
            },
        ),
        (
            "wrong RP id",
            Tweak {
                rp_id: Some("evil.example.net".into()),
                ..Tweak::default()
            },
        ),
        (
            "no user verification",
            Tweak {
                flags: Some(UP | 0x40),
                ..Tweak::default()
            },
        ),
        (
            "wrong type",
            Tweak {
                kind: Some("webauthn.get".into()),
                ..Tweak::default()
            },
        ),
    ] {
        let options = register_options(&t, &acc).await;
        let r = register_finish(&t, &acc, auth.create_with(&options, &tweak)).await;
        assert_eq!(r.status.as_u16(), 400, "{what}: {}", r.text);
        r.assert_error(400, 641);
    }
    assert_eq!(list(&t, &acc).await.len(), 1);

    // An Android app listed in passkeyOrigins registers and signs in.
    let mut android = Authenticator::new(ANDROID);
    register(&t, &acc, &mut android).await;
    let request = login_options(&t, &info).await;
    login_finish(&t, &info, &android.get(&request))
        .await
        .assert_session();
}

on_both_engines_at_wall_time!(forgeries: forged_assertions_and_registrations_are_refused_sqlite, forged_assertions_and_registrations_are_refused_dynamodb);

async fn limits_and_apps(t: TestApp) {
    let info = passkey_app(&t, json!({})).await;
    let acc = t.quick_access(&info, "lim@example.com").await;
    let mut auth = Authenticator::new(ORIGIN);
    for _ in 0..10 {
        register(&t, &acc, &mut auth).await;
    }
    t.post_json(PASSKEY_REGISTER_BEGIN, &with_access(&acc), json!({}))
        .await
        .assert_error(400, 642);
    assert_eq!(list(&t, &acc).await.len(), 10);

    // A credential of another app (same RP, same origin) is unknown there.
    let other = passkey_app(&t, json!({})).await;
    let request = login_options(&t, &other).await;
    login_finish(&t, &other, &auth.get(&request))
        .await
        .assert_error(400, 641);

    // Passkeys off: every route that needs them answers 417.
    let off = t.create_app(json!({"signupFlow": "none"})).await;
    let off_access = t.quick_access(&off, "off@example.com").await;
    t.post_json(PASSKEY_LOGIN_BEGIN, &app_token(&off), json!({}))
        .await
        .assert_error(400, 417);
    t.post_json(PASSKEY_REGISTER_BEGIN, &with_access(&off_access), json!({}))
        .await
        .assert_error(400, 417);
    login_finish(&t, &off, &auth.get(&request))
        .await
        .assert_error(400, 417);
    let app = t.get(GET_APPLICATION, &app_token(&off)).await.ok_json();
    assert_eq!(app["passkeysEnabled"], false);
    let app = t.get(GET_APPLICATION, &app_token(&info)).await.ok_json();
    assert_eq!(app["passkeysEnabled"], true);
    assert_eq!(app["passkeyRpId"], RP);

    // Switching them on needs an RP id and an origin on it.
    t.patch_app(&off, json!({"passkeysEnabled": true}))
        .await
        .assert_error(400, 602);
    t.patch_app(&off, json!({"passkeysEnabled": true, "passkeyRpId": RP, "passkeyOrigins": ["https://evil.example.net"]}))
        .await
        .assert_error(400, 602);
}

on_both_engines_at_wall_time!(limits_and_apps: the_eleventh_passkey_another_apps_credential_and_passkeys_off_are_refused_sqlite, the_eleventh_passkey_another_apps_credential_and_passkeys_off_are_refused_dynamodb);

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

/// Whether the app still holds a claim on the passkey `id` (read straight from the store).
async fn claimed(t: &TestApp, info: &TestAppInfo, id: &str) -> bool {
    let key = keyturn::domain::records::passkey::claim_key(&info.app_id, id);
    t.store.get(&key).await.unwrap().is_some()
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
