//! The user-side parts of a CosyncJWT import beyond passwords, from the committed fixture and
//! through the public doors, on both engines: an imported Apple or Google user signs in with
//! `socialLogin` at once (the fake issuer of `social.rs` signs the tokens) and creates no second
//! user; a verified phone stays verified with SMS login on while the same number on an older
//! account and a malformed number do not; a pending invite registers with its old code until
//! `--invite-ttl-days`, from the mapped sender; the imported templates are the ones sent; the
//! `qrCode` mail, pending signups and reset codes are dropped and reported; every write answers
//! `unchanged` on a rerun. The original's CSV export zip imports too, with a warning for every
//! lossy column.

use serde_json::{Value, json};

use crate::cosync_import::{client_md5, import, outcome_of, records};
use crate::support::app::{OTHER_PW, TestApp, TestAppInfo};
use crate::support::jwt::verify_user_jwt;
use crate::support::social::{FakeIssuer, claims, social_settings};
use crate::support::users::{access, user_count};

/// Users created from the fixture: alice, tom, Dup, sue, pat, bob, the anonymous user, sam,
/// vic and gus.
const USERS: usize = 10;

async fn phone_app(t: &TestApp) -> TestAppInfo {
    t.create_app(social_settings(json!({
        "name": "Old Shop",
        "twoFactorVerification": "phone",
        "userNamesEnabled": true,
        "anonymousLoginEnabled": true,
        "invitationEnabled": true,
        "locales": ["EN", "FR"],
    })))
    .await
}

fn reason(results: &[Value], collection: &str, line: u64) -> String {
    outcome_of(results, collection, line).1
}

fn lossy(results: &[Value], collection: &str, line: u64) -> String {
    results
        .iter()
        .find(|r| r["collection"] == collection && r["line"] == line)
        .unwrap()["lossy"]
        .to_string()
}

async fn the_rest_of_a_cosync_user_comes_along(issuer: FakeIssuer, t: TestApp) {
    let app = phone_app(&t).await;
    let all = records();

    // The dry run counts every collection and writes nothing.
    let dry = import(&t, &app, &all, true).await;
    for (collection, line) in [
        ("users", 9),
        ("users", 13),
        ("invites", 1),
        ("invites", 2),
        ("emailtemplates", 1),
        ("emailtemplates", 2),
        ("emailtemplates", 3),
        ("emailtemplates", 4),
    ] {
        assert_eq!(
            outcome_of(&dry, collection, line).0,
            "created",
            "{collection}:{line}"
        );
    }
    assert_eq!(outcome_of(&dry, "users", 14).0, "invalid");
    assert!(reason(&dry, "users", 14).contains("socialUserId"));
    assert_eq!(
        outcome_of(&dry, "invites", 3).0,
        "invalid",
        "unknown sender"
    );
    assert!(reason(&dry, "invites", 3).contains("sender"));
    assert_eq!(outcome_of(&dry, "invites", 4).0, "skipped", "a used invite");
    let (qr, why) = outcome_of(&dry, "emailtemplates", 5);
    assert_eq!(qr, "skipped");
    assert!(why.contains("qrCode") && why.contains("TOTP"), "{why}");
    assert!(reason(&dry, "signups", 2).contains("pending signup dropped"));
    assert!(reason(&dry, "resetpasswords", 1).contains("reset code dropped"));
    assert_eq!(
        user_count(&t, &app.app_id).await,
        0,
        "a dry run writes nothing"
    );

    // The run, then a rerun that finds every write already there.
    let run = import(&t, &app, &all, false).await;
    assert_eq!(user_count(&t, &app.app_id).await, USERS);
    assert!(lossy(&run, "users", 7).contains("not a valid E.164"));
    assert!(lossy(&run, "users", 12).contains("newer lastLogin"));
    assert!(lossy(&run, "emailtemplates", 2).contains("replyTo"));
    let rerun = import(&t, &app, &all, false).await;
    for (i, r) in rerun.iter().enumerate() {
        assert_ne!(r["outcome"], "created", "rerun: {r}");
        if run[i]["outcome"] == "created" {
            assert_eq!(r["outcome"], "unchanged", "rerun: {r}");
        }
    }
    assert_eq!(user_count(&t, &app.app_id).await, USERS, "no duplicate");

    // The Apple and the Google user sign in with their provider at once, email verified.
    for (provider, sub, email) in [
        ("apple", "001234.abcdef", "sam@example.com"),
        ("google", "109876543210", "gus@example.com"),
    ] {
        let token = issuer.token(provider, &claims(provider, sub, email, t.now_secs()));
        let session = t
            .social_login(&app, json!({"token": token, "provider": provider}))
            .await
            .assert_session();
        let jwt = session["jwt"].as_str().unwrap();
        let verified = verify_user_jwt(&t, &app.app_id, jwt, &app.app_id)
            .await
            .unwrap();
        assert_eq!(verified["email"], email);
        assert_eq!(verified["email_verified"], true, "{provider}");
        let profile = t.get_user(&access(&session)).await.ok_json();
        assert_eq!(profile["loginProvider"], provider);
    }
    assert_eq!(user_count(&t, &app.app_id).await, USERS, "no second user");

    // pat keeps the verified number and SMS login: the code comes in the imported SMS text.
    let r = t
        .login(&app, "pat@example.com", &client_md5("pat-password"))
        .await
        .ok_json();
    let login_token = r["login-token"].as_str().expect("SMS login stays on");
    let sms = t.last_message_to("+14155550101");
    assert!(sms.text.ends_with(" is your Old Shop code"), "{}", sms.text);
    let code = t.last_code_for("+14155550101");
    let pat = t.login_complete(login_token, &code).await.assert_session();
    let profile = t.get_user(&access(&pat)).await.ok_json();
    assert_eq!(
        (
            profile["phone"].as_str(),
            profile["phoneVerified"].as_bool()
        ),
        (Some("+14155550101"), Some(true))
    );
    // vic's copy of the number is unverified, so no SMS; bob's malformed one is gone.
    let vic = t
        .login(&app, "vic@example.com", &client_md5("vic-password"))
        .await
        .assert_session();
    let profile = t.get_user(&access(&vic)).await.ok_json();
    assert_eq!(
        (
            profile["phone"].as_str(),
            profile["phoneVerified"].as_bool()
        ),
        (Some("+14155550101"), Some(false))
    );
    let bob = t
        .login(&app, "bob@example.com", &client_md5("bob-password"))
        .await
        .assert_session();
    assert_eq!(t.get_user(&access(&bob)).await.ok_json()["phone"], "");

    // The imported reset template is the one mailed.
    t.forgot_password(&app, "alice@example.com")
        .await
        .assert_true();
    let mail = t.last_message_to("alice@example.com");
    assert_eq!(mail.subject, "Reset for Old Shop");
    assert!(
        mail.text.starts_with("Hello alice@example.com,"),
        "{}",
        mail.text
    );

    // The invites' senders are the imported alice and the admin; no code is shown.
    let alice_id = run
        .iter()
        .find(|r| r["collection"] == "users" && r["line"] == 1)
        .unwrap()["userId"]
        .clone();
    let listed = t
        .admin("GET", &app.admin_path("/invites"), None)
        .await
        .ok_json();
    let invites = listed["invites"].as_array().unwrap();
    let sender_of = |handle: &str| {
        let i = invites.iter().find(|i| i["handle"] == handle).unwrap();
        (i["sender"].clone(), i["senderHandle"].clone())
    };
    assert_eq!(
        sender_of("new@example.com"),
        (alice_id, json!("alice@example.com"))
    );
    assert_eq!(sender_of("adm@example.com").0, "admin");
    assert_eq!(invites.len(), 2, "{listed}");
    assert!(!listed.to_string().contains("111222"));

    // The pending invite registers with its old code, as the original's user sent it.
    let body = json!({"handle": "new@example.com", "password": client_md5("new-password"), "code": "111222"});
    let new = t.register(&app, body).await.assert_session();
    assert_eq!(user_count(&t, &app.app_id).await, USERS + 1);
    let jwt = new["jwt"].as_str().unwrap();
    let verified = verify_user_jwt(&t, &app.app_id, jwt, &app.app_id)
        .await
        .unwrap();
    assert_eq!(verified["email"], "new@example.com");
    // No invite was stored for the sender nobody imported.
    let body =
        json!({"handle": "nobody@example.com", "password": client_md5("x"), "code": "555666"});
    t.register(&app, body).await.assert_error(400, 602);
    // The admin invite's old code dies with its new expiry (7 days), as Keyturn's own do.
    t.clock.advance_secs(8 * 24 * 3600);
    let body = json!({"handle": "adm@example.com", "password": client_md5("x"), "code": "333444"});
    t.register(&app, body.clone()).await.assert_error(400, 411);
    // A rerun with --on-conflict update renews an imported invite's expiry from now.
    let renewed = t
        .import_cosync(&app, json!({"onConflict": "update", "records": all}))
        .await
        .ok_json();
    let renewed = renewed["results"].as_array().unwrap();
    assert_eq!(outcome_of(renewed, "invites", 2).0, "updated");
    assert_eq!(outcome_of(renewed, "users", 1).0, "unchanged");
    t.register(&app, body).await.assert_session();
}

#[tokio::test]
async fn social_users_phones_invites_and_templates_come_along_on_sqlite() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack_with(TestApp::builder().wall_clock()).await;
    the_rest_of_a_cosync_user_comes_along(issuer, t).await;
}

#[tokio::test]
async fn social_users_phones_invites_and_templates_come_along_on_dynamodb() {
    let issuer = FakeIssuer::start().await;
    let t = issuer
        .stack_with(TestApp::builder().wall_clock().dynamodb())
        .await;
    the_rest_of_a_cosync_user_comes_along(issuer, t).await;
}

/// Claims Keyturn users already hold win: an Apple identity someone signed up with makes the
/// imported record a `conflict` (no second link), and a number a Keyturn user verified makes the
/// imported copy unverified with SMS login off; the dry run says so first.
async fn claims_held_by_keyturn_users_win(issuer: FakeIssuer, t: TestApp) {
    let app = phone_app(&t).await;
    t.quick_access(&app, "native@example.com").await;
    // Only an account whose address is proven may set a phone: a reset by mail proves it.
    t.forgot_password(&app, "native@example.com")
        .await
        .assert_true();
    let code = t.last_code_for("native@example.com");
    t.reset_password(&app, "native@example.com", OTHER_PW, &code)
        .await
        .assert_true();
    let native = access(
        &t.login(&app, "native@example.com", OTHER_PW)
            .await
            .assert_session(),
    );
    t.set_phone(&native, "+1 415 555 0101").await.assert_true();
    let code = t.last_code_for("+14155550101");
    t.verify_phone(&native, &code).await.assert_true();
    t.social_signup_as(&issuer, &app, "apple", "001234.abcdef", "other@example.com")
        .await
        .assert_session();
    // pat (users line 6) and sam (line 9).
    let some: Vec<Value> = records()
        .into_iter()
        .filter(|r| r["collection"] == "users" && (r["line"] == 6 || r["line"] == 9))
        .collect();
    for dry_run in [true, false] {
        let results = import(&t, &app, &some, dry_run).await;
        assert_eq!(outcome_of(&results, "users", 6).0, "created");
        let pat = lossy(&results, "users", 6);
        assert!(pat.contains("another user holds the number"), "{pat}");
        assert!(pat.contains("SMS login off"), "{pat}");
        let (sam, why) = outcome_of(&results, "users", 9);
        assert_eq!(sam, "conflict");
        assert!(
            why.contains("apple identity belongs to another user"),
            "{why}"
        );
    }
    assert_eq!(user_count(&t, &app.app_id).await, 3);
    // pat logs in without an SMS; the number stays the Keyturn user's.
    t.login(&app, "pat@example.com", &client_md5("pat-password"))
        .await
        .assert_session();
    let profile = t.get_user(&native).await.ok_json();
    assert_eq!(profile["phoneVerified"], true);
}

#[tokio::test]
async fn claims_held_by_keyturn_users_win_on_sqlite() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack_with(TestApp::builder().wall_clock()).await;
    claims_held_by_keyturn_users_win(issuer, t).await;
}

#[tokio::test]
async fn claims_held_by_keyturn_users_win_on_dynamodb() {
    let issuer = FakeIssuer::start().await;
    let t = issuer
        .stack_with(TestApp::builder().wall_clock().dynamodb())
        .await;
    claims_held_by_keyturn_users_win(issuer, t).await;
}

/// The fallback input: the original's own CSV export zip, through the CLI over a real
/// `keyturn serve`. Every lossy column is warned about; what the CSV holds imports like the JSON
/// export (ids derived from handles, so a rerun is all `unchanged`); the passwords log in.
#[tokio::test]
async fn the_cli_imports_the_originals_csv_export_zip_and_warns_for_every_lossy_column() {
    use crate::cosync_import::FIXTURE;
    use crate::support::cli::{KEY, cli, serve};
    let server = serve().await;
    let run = |args: &[&str]| cli(&server.url, Some(KEY), args);
    let created = run(&[
        "--json",
        "app",
        "create",
        "From CSV",
        "signupFlow=none",
        "twoFactorVerification=google",
    ]);
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    let app_id = created["appId"].as_str().unwrap().to_owned();
    let app_token = created["appToken"].as_str().unwrap().to_owned();
    let work = std::env::temp_dir().join(crate::support::aws::unique("keyturn-cosync-csv"));
    std::fs::create_dir_all(&work).unwrap();
    let report = work.join("report.jsonl");
    let zip = format!("{FIXTURE}/csv-export.zip");
    let import = || {
        run(&[
            "import",
            "cosync",
            "--dir",
            &zip,
            "--app",
            &app_id,
            "--report",
            report.to_str().unwrap(),
        ])
    };

    let first = import();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&first.stdout).into_owned(),
        String::from_utf8_lossy(&first.stderr).into_owned(),
    );
    assert_eq!(first.status.code(), Some(0), "{stdout}\n{stderr}");
    for column in [
        "no _id column",
        "no userName column",
        "socialUserId",
        "[object Object]",
        "JavaScript date strings",
    ] {
        assert!(stderr.contains(column), "warned about {column}: {stderr}");
    }
    // 8 users (the social ones have no password and no identity in a CSV), 2 invites, 3
    // templates.
    assert!(stdout.contains("records created: 13"), "{stdout}");
    assert!(stdout.contains("records conflict: 1"), "{stdout}");
    let again = import();
    let stdout = String::from_utf8_lossy(&again.stdout).into_owned();
    assert!(stdout.contains("records unchanged: 13"), "{stdout}");
    assert!(!stdout.contains("created"), "{stdout}");

    let client = reqwest::Client::new();
    for (handle, password) in [
        ("alice@example.com", "alice-password"),
        ("Dup@example.com", "dup-new"),
    ] {
        let login = client
            .post(format!("{}/api/appuser/login", server.url))
            .header("app-token", &app_token)
            .json(&json!({"handle": handle, "password": client_md5(password)}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200, "{handle}");
    }
}
