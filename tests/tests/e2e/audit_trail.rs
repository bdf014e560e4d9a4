//! The audit trail through its public door, `GET /admin/apps/{appId}/audit`: the entries a
//! login failure, a lockout, a reset, a password change, a second-factor change and admin
//! actions leave; the `userId` filter; paging newest first over the shards; cursor tampering;
//! retention; and that no password, code, token or key appears anywhere in the listing. The
//! main body runs on SQLite and on DynamoDB (moto).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use keyturn::clock::ManualClock;
use keyturn::crypto::sha256_hex;
use keyturn::store::sqlite::SqliteStore;
use keyturn::store::{Key, StoreError};
use serde_json::{Value, json};

use crate::support::app::{ADMIN_KEY, OTHER_PW, PW, TestApp, TestAppInfo, on_both_engines};
use crate::support::flows::app_token;
use crate::support::peer::Encoding;
use crate::support::routes::LOGIN;
use crate::support::store::HookedStore;
use crate::support::users::{access, user_id};

/// The password a reset sets (a client MD5, like every wire password).
const RESET_PW: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
/// The password a change sets.
const CHANGED_PW: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const STRANGER: &str = "203.0.113.9";
const OPERATOR: &str = "198.51.100.20";

/// The audit listing at `query` (`?…`), as JSON; panics unless it answers 200.
async fn audit(t: &TestApp, app: &TestAppInfo, query: &str) -> Value {
    let path = app.admin_path(&format!("/audit{query}"));
    t.admin("GET", &path, None).await.ok_json()
}

/// Every entry of a listing, walking its pages of `limit`; also returns each page's raw text.
async fn all_pages(
    t: &TestApp,
    app: &TestAppInfo,
    filter: &str,
    limit: usize,
) -> (Vec<Value>, String) {
    let (mut entries, mut raw) = (Vec::new(), String::new());
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let mut q = format!("?limit={limit}{filter}");
        if let Some(c) = &cursor {
            q.push_str(&format!("&cursor={c}"));
        }
        let page = audit(t, app, &q).await;
        raw.push_str(&page.to_string());
        let items = page["entries"].as_array().unwrap();
        assert!(items.len() <= limit);
        entries.extend(items.iter().cloned());
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (entries, raw),
        }
    }
    panic!("the listing never ended");
}

fn events(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

/// A login failure, a reset, a password change, a 2FA change and admin actions, each leaving
/// one entry; the user's filtered listing and the app listing agree, newest first, over pages
/// of every size; no secret appears in any page.
async fn security_events_are_listed_without_secrets(t: TestApp) {
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    let apt = app_token(&app);
    let bob = t.quick_user(&app, "bob@example.com", json!({})).await;
    let bob_id = user_id(&bob);
    let mut secrets = vec![
        PW.to_owned(),
        OTHER_PW.to_owned(),
        RESET_PW.to_owned(),
        CHANGED_PW.to_owned(),
        ADMIN_KEY.to_owned(),
        app.app_token.clone(),
        access(&bob),
        bob["jwt"].as_str().unwrap().to_owned(),
    ];

    // 1. A wrong password from a stranger's address, and a guess at an unknown handle.
    t.clock.advance_secs(1);
    let wrong = json!({"handle": "bob@example.com", "password": OTHER_PW});
    t.post_from(STRANGER, Encoding::Json, LOGIN, &apt, wrong)
        .await
        .assert_error(400, 600);
    t.clock.advance_secs(1);
    let unknown = json!({"handle": "nobody@example.com", "password": OTHER_PW});
    t.post_from(STRANGER, Encoding::Form, LOGIN, &apt, unknown)
        .await
        .assert_error(400, 600);

    // 2. A password reset with the mailed code.
    t.clock.advance_secs(1);
    let code = t.reset_code(&app, "bob@example.com").await;
    secrets.push(code.clone());
    let r = t
        .reset_password(&app, "bob@example.com", RESET_PW, &code)
        .await;
    r.assert_true();

    // 3. A password change.
    t.clock.advance_secs(1);
    let session = t.login(&app, "bob@example.com", RESET_PW).await.ok_json();
    let token = access(&session);
    secrets.extend([token.clone(), session["jwt"].as_str().unwrap().to_owned()]);
    let r = t.change_password(&token, RESET_PW, CHANGED_PW).await;
    r.assert_true();

    // 4. An admin settings change, then a second-factor change.
    t.clock.advance_secs(1);
    let patch = json!({"twoFactorVerification": "google", "googleAppName": "Demo"});
    t.patch_app(&app, patch).await.ok_json();
    t.clock.advance_secs(1);
    let enrolment = t
        .set_two_factor_google(&token, json!({"twoFactor": "true"}))
        .await
        .ok_json();
    secrets.push(enrolment["googleSecretKey"].as_str().unwrap().to_owned());
    for c in enrolment["recoveryCodes"].as_array().unwrap() {
        secrets.push(c.as_str().unwrap().to_owned());
    }

    // 5. An admin suspends Bob from the operator's address.
    t.clock.advance_secs(1);
    let suspend = app.admin_path(&format!("/users/{bob_id}/suspend"));
    t.admin_ok_from(OPERATOR, "POST", &suspend).await.ok_json();

    // Bob's own listing: newest first, with who and from where.
    let mine = audit(&t, &app, &format!("?userId={bob_id}")).await;
    let mine = mine["entries"].as_array().unwrap().clone();
    assert_eq!(
        events(&mine),
        [
            "admin.user.suspended",
            "2fa.authenticator.enabled",
            "password.changed",
            "password.reset",
            "login.failed",
        ]
    );
    assert!(mine.iter().all(|e| e["userId"] == bob_id.as_str()));
    let suspended = &mine[0];
    assert_eq!(suspended["client"], OPERATOR);
    assert_eq!(suspended["adminKey"], sha256_hex(ADMIN_KEY)[..12]);
    let failed = &mine[4];
    assert_eq!(failed["client"], STRANGER);
    assert_eq!(failed["details"]["reason"], "wrong password");
    assert!(failed["adminKey"].is_null());
    assert!(failed["at"].as_str().unwrap().ends_with('Z'));

    // The app listing holds those plus the events without a user, newest first.
    let (everything, raw) = all_pages(&t, &app, "", 100).await;
    assert_eq!(
        events(&everything),
        [
            "admin.user.suspended",
            "2fa.authenticator.enabled",
            "admin.app.updated",
            "password.changed",
            "password.reset",
            "login.failed",
            "login.failed",
            "admin.app.created",
        ]
    );
    let updated = &everything[2];
    assert!(updated["userId"].is_null());
    assert_eq!(
        updated["details"]["changed"],
        json!(["googleAppName", "twoFactorVerification"])
    );
    let guess = &everything[5];
    assert!(guess["userId"].is_null(), "{guess}");
    assert_eq!(guess["details"]["reason"], "unknown handle");

    // Every page size walks the same entries in the same order, each once.
    for limit in [1, 2, 3, 7] {
        let (paged, _) = all_pages(&t, &app, "", limit).await;
        assert_eq!(paged, everything, "pages of {limit}");
    }
    let (paged, mine_raw) = all_pages(&t, &app, &format!("&userId={bob_id}"), 2).await;
    assert_eq!(paged, mine);

    for secret in &secrets {
        assert!(
            !raw.contains(secret.as_str()),
            "{secret} in the audit listing"
        );
        assert!(
            !mine_raw.contains(secret.as_str()),
            "{secret} in the user's listing"
        );
    }
}

on_both_engines!(#[tokio::test] security_events_are_listed_without_secrets:
    security_events_and_admin_actions_are_audited_without_secrets,
    security_events_and_admin_actions_are_audited_on_dynamodb at wall time);

/// The tenth wrong password from one address is the lockout; the refusals after it write
/// nothing, so a locked-out guesser cannot make the trail grow.
async fn the_failure_that_locks_a_handle_out_is_a_lockout_entry(t: TestApp) {
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    let apt = app_token(&app);
    let bob = t.quick_user(&app, "bob@example.com", json!({})).await;
    let bob_id = user_id(&bob);
    for i in 0..12 {
        t.clock.advance_secs(1);
        let wrong = json!({"handle": "bob@example.com", "password": OTHER_PW});
        let r = t
            .post_from(STRANGER, Encoding::Json, LOGIN, &apt, wrong)
            .await;
        if i < 10 {
            r.assert_error(400, 600);
        } else {
            r.assert_error(429, 615);
        }
    }
    let (mine, _) = all_pages(&t, &app, &format!("&userId={bob_id}"), 100).await;
    let mut expected = vec!["login.locked"];
    expected.extend(["login.failed"; 9]);
    assert_eq!(events(&mine), expected);
    assert_eq!(mine[0]["client"], STRANGER);
    assert_eq!(mine[0]["details"]["step"], "login");
}

on_both_engines!(#[tokio::test] the_failure_that_locks_a_handle_out_is_a_lockout_entry:
    the_failure_that_locks_a_handle_out_is_audited_as_a_lockout,
    the_failure_that_locks_a_handle_out_is_audited_as_a_lockout_on_dynamodb at wall time);

#[tokio::test]
async fn entries_past_the_apps_retention_are_not_listed() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({"signupFlow": "none", "auditRetentionDays": 2}))
        .await;
    t.quick_user(&app, "bob@example.com", json!({})).await;
    t.clock.advance_secs(1);
    t.login(&app, "bob@example.com", OTHER_PW)
        .await
        .assert_error(400, 600);
    let listed = audit(&t, &app, "").await;
    let listed = listed["entries"].as_array().unwrap().clone();
    assert_eq!(events(&listed), ["login.failed", "admin.app.created"]);

    // The app's creation (a second older) is past its two days; the failure is not yet.
    t.clock.advance_secs(2 * 86_400 - 1);
    assert_eq!(audit(&t, &app, "").await["entries"], json!([listed[0]]));
    t.clock.advance_secs(1);
    let listed = audit(&t, &app, "").await;
    assert_eq!(listed["entries"], json!([]));
    assert!(listed["cursor"].is_null());
}

#[tokio::test]
async fn audit_retention_is_bounded() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let shown = t.show_app(&app).await;
    assert_eq!(shown.json()["auditRetentionDays"], 90);
    for bad in [json!(0), json!(3651), json!("90"), json!(-1)] {
        let r = t.patch_app(&app, json!({"auditRetentionDays": bad})).await;
        r.assert_error(400, 602);
    }
    let r = t.patch_app(&app, json!({"auditRetentionDays": 3650})).await;
    assert_eq!(r.json()["auditRetentionDays"], 3650);
}

/// The app cursor with every unfinished shard's position replaced by `foreign`, a store cursor
/// of another listing (well formed, but not this query's).
fn tamper(cursor: &str, foreign: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let body = cursor.strip_prefix("audit1.").unwrap();
    let mut positions: Value = serde_json::from_slice(&b64.decode(body).unwrap()).unwrap();
    let mut changed = 0;
    for p in positions.as_array_mut().unwrap() {
        if *p != json!("Done") {
            *p = json!({ "After": foreign });
            changed += 1;
        }
    }
    assert!(changed > 0, "{positions}");
    format!("audit1.{}", b64.encode(positions.to_string()))
}

#[tokio::test]
async fn a_tampered_or_foreign_cursor_is_602() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    let bob = t.quick_user(&app, "bob@example.com", json!({})).await;
    let bob_id = user_id(&bob);
    for _ in 0..3 {
        t.clock.advance_secs(1);
        t.login(&app, "bob@example.com", OTHER_PW)
            .await
            .assert_error(400, 600);
    }
    let page = audit(&t, &app, "?limit=1").await;
    let app_cursor = page["cursor"].as_str().unwrap().to_owned();
    let page = audit(&t, &app, &format!("?limit=1&userId={bob_id}")).await;
    let user_cursor = page["cursor"].as_str().unwrap().to_owned();

    let tampered = tamper(&app_cursor, &user_cursor);
    let path = |q: String| app.admin_path(&format!("/audit{q}"));
    for q in [
        "?cursor=garbage".to_owned(),
        format!("?cursor={tampered}"),
        format!("?cursor={user_cursor}"),
        format!("?cursor={app_cursor}&userId={bob_id}"),
        format!("?cursor={user_cursor}&userId=someoneelse"),
        "?limit=0".to_owned(),
        "?limit=101".to_owned(),
    ] {
        t.admin("GET", &path(q.clone()), None)
            .await
            .assert_error(400, 602);
    }
    let r = t
        .admin_from(
            STRANGER,
            "not-the-admin-key-0123456789abcdef",
            "GET",
            &path(String::new()),
        )
        .await;
    r.assert_error(401, 617);
}

#[tokio::test]
async fn invites_and_deletions_are_audited() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({"signupFlow": "none", "invitationEnabled": true}))
        .await;
    let bob = t.quick_user(&app, "bob@example.com", json!({})).await;
    let bob_id = user_id(&bob);
    let token = access(&bob);
    t.clock.advance_secs(1);
    let r = t.invite(&token, json!({"handle": "ann@example.com"})).await;
    r.assert_true();
    let code = t.last_code_for("ann@example.com");
    t.clock.advance_secs(1);
    let body = json!({"handle": "ann@example.com", "password": PW, "code": code});
    let ann = t.register(&app, body).await.ok_json();
    let ann_id = user_id(&ann);
    t.clock.advance_secs(1);
    let r = t.delete_account(&token, "bob@example.com", PW).await;
    r.assert_true();
    t.clock.advance_secs(1);
    let remove = app.admin_path(&format!("/users/{ann_id}"));
    t.admin("DELETE", &remove, None).await.ok_json();

    let (bobs, raw) = all_pages(&t, &app, &format!("&userId={bob_id}"), 10).await;
    assert_eq!(events(&bobs), ["account.deleted", "invite.sent"]);
    assert_eq!(bobs[1]["details"]["handle"], "ann@example.com");
    let (anns, _) = all_pages(&t, &app, &format!("&userId={ann_id}"), 10).await;
    assert_eq!(events(&anns), ["admin.user.deleted", "invite.accepted"]);
    assert_eq!(anns[1]["details"]["inviter"], bob_id.as_str());
    assert!(!raw.contains(&code));
}

/// A failed audit write never changes what a user is answered (a wrong password is still 600, a
/// right one still logs in), but an admin action that cannot be recorded answers 500 (its change
/// stands, and the log names it).
#[tokio::test]
async fn an_audit_outage_fails_admin_actions_but_never_a_users_request() {
    let clock = ManualClock::at(1_795_000_000_000);
    let dir = std::env::temp_dir().join(crate::support::aws::unique("keyturn-audit"));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = SqliteStore::open(&dir.join("store.sqlite3"), Arc::new(clock.clone())).unwrap();
    // The real SQLite store, except that while `down` is set every put of an audit entry fails
    // as a throttled or unreachable DynamoDB would.
    let down = Arc::new(AtomicBool::new(false));
    let outage = down.clone();
    let store = HookedStore {
        inner: Arc::new(sqlite),
        hook: move |op: &str, key: &Key| {
            if op == "put" && outage.load(Ordering::SeqCst) && key.pk.contains("#AUDIT") {
                return Err(StoreError::Backend("audit partition unavailable".into()));
            }
            Ok(())
        },
    };
    let t = TestApp::builder()
        .clock(clock)
        .dir(dir)
        .store(Arc::new(store))
        .build()
        .await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    let bob = t.quick_user(&app, "bob@example.com", json!({})).await;
    let bob_id = user_id(&bob);

    down.store(true, Ordering::SeqCst);
    t.login(&app, "bob@example.com", OTHER_PW)
        .await
        .assert_error(400, 600);
    t.login(&app, "bob@example.com", PW).await.ok_json();
    let r = t.admin_user_action(&app, &bob_id, "suspend").await;
    r.assert_error(500, 500);
    t.login(&app, "bob@example.com", PW)
        .await
        .assert_error(400, 404);

    down.store(false, Ordering::SeqCst);
    let listed = audit(&t, &app, "").await;
    assert_eq!(
        events(listed["entries"].as_array().unwrap()),
        ["admin.app.created"]
    );
}

/// Switching the authenticator off, and every admin action on a user and on invites, each leave
/// their entry, carrying the admin key's fingerprint when an admin acted.
#[tokio::test]
async fn second_factor_and_admin_changes_are_audited() {
    let t = TestApp::new().await;
    let app = t
        .create_app(json!({
            "signupFlow": "none",
            "invitationEnabled": true,
            "twoFactorVerification": "google",
        }))
        .await;
    let bob = t.quick_user(&app, "bob@example.com", json!({})).await;
    let bob_id = user_id(&bob);
    let token = access(&bob);
    t.clock.advance_secs(1);
    t.set_two_factor_google(&token, json!({"twoFactor": "true"}))
        .await
        .ok_json();
    t.clock.advance_secs(1);
    let off = json!({"twoFactor": "false", "password": PW});
    t.set_two_factor_google(&token, off).await.assert_true();
    for action in ["reset-2fa", "suspend", "reactivate", "revoke-sessions"] {
        t.clock.advance_secs(1);
        let r = t.admin_user_action(&app, &bob_id, action).await;
        assert_eq!(r.status, 200, "{action}: {}", r.text);
    }
    t.clock.advance_secs(1);
    let invite = json!({"handle": "ann@example.com"});
    t.admin_invite(&app, invite).await.ok_json();
    t.clock.advance_secs(1);
    let revoke = app.admin_path("/invites/ann@example.com");
    t.admin("DELETE", &revoke, None).await.ok_json();

    let (bobs, _) = all_pages(&t, &app, &format!("&userId={bob_id}"), 3).await;
    assert_eq!(
        events(&bobs),
        [
            "admin.user.sessions-revoked",
            "admin.user.reactivated",
            "admin.user.suspended",
            "admin.user.2fa-reset",
            "2fa.authenticator.disabled",
            "2fa.authenticator.enabled",
        ]
    );
    let fingerprint = json!(sha256_hex(ADMIN_KEY)[..12]);
    assert!(bobs[..4].iter().all(|e| e["adminKey"] == fingerprint));
    assert!(bobs[4..].iter().all(|e| e["adminKey"].is_null()));
    let (all, _) = all_pages(&t, &app, "", 4).await;
    assert_eq!(
        events(&all[..2]),
        ["admin.invite.revoked", "admin.invite.sent"]
    );
    assert_eq!(
        all[0]["details"],
        json!({"handle": "ann@example.com", "revoked": 1})
    );
    assert_eq!(all.len(), 9, "{all:?}");
}
