//! Passkeys' failure modes through the public door on both engines: a replayed finish (also two
//! at once), an expired or never-issued challenge, a registration finished under another user's
//! token, a wrong origin, type or RP id, missing user presence or verification, a cross-origin
//! frame, a foreign signature or user handle, a counter gone backwards (refused and audited),
//! bad CBOR, an Android origin accepted when listed, the 11th passkey, passkeys off, and a
//! credential of another app. The authenticator is hand-written (`support::authenticator`), so
//! each case breaks exactly one thing.

use serde_json::json;

use crate::support::app::TestApp;
use crate::support::authenticator::{Authenticator, BE, BS, Tweak, UP, UV};
use crate::support::flows::app_token;
use crate::support::passkeys::{
    ANDROID, ORIGIN, RP, audit_events, list, login_finish, login_options,
    on_both_engines_at_wall_time, passkey_app, register, register_finish, register_options,
    with_access,
};
use crate::support::routes::{GET_APPLICATION, PASSKEY_LOGIN_BEGIN, PASSKEY_REGISTER_BEGIN};

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
