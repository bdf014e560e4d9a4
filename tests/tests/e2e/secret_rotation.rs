//! Rotating the service secret (issue 20, item 5), on both engines: the stack's key file is
//! rotated by the real `keyturn secret rotate`, then the stack restarts over the same table, as
//! a deployment does after a new secret value. What was made before still works (access and
//! login tokens, a reset code, the password, the sealed TOTP secret, recovery codes, phone claims
//! and undo links, app tokens); the password and the TOTP secret move to the new version at the
//! next login; a second rotation that drops the first version refuses that version's tokens; a
//! replaced (not rotated) secret refuses to start, here and through `keyturn serve`.

use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use keyturn::domain::records::table_keys;
use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp, TestAppInfo, on_both_engines};
use crate::support::cli::{binary, free_port, serve_in};
use crate::support::factors::{code_now, login_token, totp_of, undo_form};
use crate::support::users::{access, stored_user, token_works, user_id};

const PHONE: &str = "+12015550123";
/// The prefix `TestApp` names its secrets under.
const TEST_PREFIX: &str = "keyturn/test";

/// Runs `keyturn secret rotate` over `dir`'s key file (secrets named under `prefix`).
fn rotate_key_file(dir: &Path, prefix: &str, keep: Option<usize>) -> String {
    let mut command = Command::new(binary());
    command
        .args(["secret", "rotate", "--data-dir"])
        .arg(dir)
        .env("KEYTURN_SECRET_PREFIX", prefix);
    if let Some(keep) = keep {
        command.args(["--keep", &keep.to_string()]);
    }
    let out = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The service secret's stored value in `dir`'s key file.
fn service_secret(dir: &Path, prefix: &str) -> String {
    let file: Value =
        serde_json::from_slice(&std::fs::read(dir.join("secrets.json")).unwrap()).unwrap();
    file[format!("{prefix}/service")]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Replaces the service secret in `dir`'s key file by an unrelated version-1 value, as someone
/// who put a new value in place of the old instead of rotating would.
fn replace_key_file_secret(dir: &Path, prefix: &str) {
    let path = dir.join("secrets.json");
    let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    file[format!("{prefix}/service")] = json!(json!({"master": "9".repeat(64)}).to_string());
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
}

/// The `kid` of a service token's header.
fn kid(token: &str) -> Option<String> {
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header.get("kid").and_then(Value::as_str).map(str::to_owned)
}

async fn stored_hash(t: &TestApp, uid: &str) -> String {
    stored_user(t, uid).await["passwordHash"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sealed_totp(t: &TestApp, uid: &str) -> String {
    let item = t.store.get(&table_keys::factors(uid)).await.unwrap();
    item.unwrap().data["sealedTotpSecret"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A login of `handle` finished with the authenticator's code (the clock moved past the last
/// step first); returns the session.
async fn totp_login(t: &TestApp, app: &TestAppInfo, handle: &str, totp: &totp_rs::Totp) -> Value {
    t.clock.advance_secs(31);
    let token = login_token(&t.login(app, handle, PW).await);
    t.login_complete(&token, &code_now(t, totp))
        .await
        .assert_session()
}

/// The whole table's doctor findings, as `(problem, pk, detail)`.
async fn doctor_findings(t: &TestApp) -> Vec<(String, String, String)> {
    let page = t
        .admin("GET", "/admin/doctor?limit=1000", None)
        .await
        .ok_json();
    page["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap().to_owned();
            (field("problem"), field("pk"), field("detail"))
        })
        .collect()
}

async fn a_rotation_keeps_everything_made_before_it_working(t: TestApp) {
    t.state.check_service_secret().await.unwrap();
    let app = t
        .create_app(json!({"signupFlow": "none", "twoFactorVerification": "google"}))
        .await;
    let phones = t
        .create_app(json!({"twoFactorVerification": "phone"}))
        .await;
    // Alice: a password and a pending reset. Bob: an authenticator app, and a login waiting for
    // its code. Carol: a verified phone, whose claim is keyed by a digest.
    let alice = t.quick_user(&app, "alice@x.com", json!({})).await;
    let (alice_access, alice_id) = (access(&alice), user_id(&alice));
    let bob = t.quick_user(&app, "bob@x.com", json!({})).await;
    let bob_id = user_id(&bob);
    let enrolment = t
        .set_two_factor_google(&access(&bob), json!({"twoFactor": true}))
        .await
        .ok_json();
    let totp = totp_of(&enrolment);
    let recovery: Vec<String> = enrolment["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let undo_link = t.last_undo_link_for("bob@x.com");
    let pending_login = login_token(&t.login(&app, "bob@x.com", PW).await);
    let carol_session = t.signed_up_user(&phones, "carol@x.com").await;
    let (carol, carol_id) = (access(&carol_session), user_id(&carol_session));
    t.verified_phone(&carol, PHONE).await;
    let reset_code = t.reset_code(&app, "alice@x.com").await;
    let alice_hash = stored_hash(&t, &alice_id).await;
    assert!(!alice_hash.contains("keyid="), "{alice_hash}");
    assert!(sealed_totp(&t, &bob_id).await.starts_with("v1."));
    assert_eq!(kid(&alice_access), None);

    // Rotation 1: version 2 current, version 1 kept.
    let said = rotate_key_file(&t.dir, TEST_PREFIX, None);
    assert!(said.contains("current version 2"), "{said}");
    let value = service_secret(&t.dir, TEST_PREFIX);
    assert!(!said.contains(&value[..20]), "the tool prints no secret");
    let t = t.restart().await;
    t.state.check_service_secret().await.unwrap();

    // Tokens, codes and the app token made under version 1 still work.
    assert!(token_works(&t, &alice_access).await);
    assert!(token_works(&t, &carol).await);
    t.login_complete(&pending_login, &code_now(&t, &totp))
        .await
        .assert_session();
    // Bob's sealed secret opened under version 1 and was sealed again under version 2.
    assert!(sealed_totp(&t, &bob_id).await.starts_with("v2."));
    // Alice's password verifies, and the login re-peppered her hash under version 2.
    let session = t.login(&app, "alice@x.com", PW).await.assert_session();
    assert_eq!(kid(&access(&session)).as_deref(), Some("2"));
    let repeppered = stored_hash(&t, &alice_id).await;
    assert!(repeppered.contains(",keyid=Mg$"), "{repeppered}");
    assert_ne!(repeppered, alice_hash);
    t.login(&app, "alice@x.com", PW).await.assert_session();
    assert_eq!(stored_hash(&t, &alice_id).await, repeppered, "once only");
    // The reset code mailed before the rotation resets (and, as every reset, ends Alice's
    // sessions).
    t.reset_password(&app, "alice@x.com", OTHER_PW, &reset_code)
        .await
        .assert_true();
    t.login(&app, "alice@x.com", OTHER_PW)
        .await
        .assert_session();
    // A recovery code (a stable digest) still matches.
    t.clock.advance_secs(31);
    let token = login_token(&t.login(&app, "bob@x.com", PW).await);
    let v2_access = access(
        &t.login_complete(&token, &recovery[0])
            .await
            .assert_session(),
    );
    assert_eq!(kid(&v2_access).as_deref(), Some("2"));
    // Phone claims are still found where their digest names them; the one hash still under
    // version 1 is Carol's, who has not logged in since: the doctor names it, and says what
    // dropping version 1 now would do.
    let findings = doctor_findings(&t).await;
    assert_eq!(findings.len(), 1, "{findings:?}");
    let (problem, pk, detail) = &findings[0];
    assert_eq!(problem, "old-secret-version");
    assert_eq!(pk, &format!("USER#{carol_id}"));
    assert!(
        detail.contains("password hash under service-secret version 1 (current 2)"),
        "{detail}"
    );

    // Rotation 2 keeps only version 2: version 1's tokens stop; version 2's go on.
    let said = rotate_key_file(&t.dir, TEST_PREFIX, Some(1));
    assert!(said.contains("current version 3"), "{said}");
    assert!(said.contains("previous versions [2]"), "{said}");
    let t = t.restart().await;
    t.state.check_service_secret().await.unwrap();
    // (Carol's session was never revoked: only the dropped version ends it.)
    assert!(!token_works(&t, &carol).await);
    assert!(token_works(&t, &v2_access).await);
    // Bob's authenticator works: his secret was moved to version 2 at his last login.
    totp_login(&t, &app, "bob@x.com", &totp).await;
    assert!(sealed_totp(&t, &bob_id).await.starts_with("v3."));
    t.login(&app, "alice@x.com", OTHER_PW)
        .await
        .assert_session();
    // Carol's version-1 hash is now beyond reach: the doctor says she must reset.
    let findings = doctor_findings(&t).await;
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].1, format!("USER#{carol_id}"));
    assert!(
        findings[0].2.contains("no longer holds"),
        "{}",
        findings[0].2
    );
    t.login(&phones, "carol@x.com", PW)
        .await
        .assert_error(400, 600);
    // The undo link mailed before both rotations still finds its item.
    let page = t.get(&undo_link, &[]).await;
    page.assert_ok();
    let form = undo_form(&page.text);
    t.undo_two_factor(&form.user_id, &form.token)
        .await
        .assert_ok();
    t.login(&app, "bob@x.com", PW).await.assert_session();

    // A replaced secret refuses to start, naming no secret.
    replace_key_file_secret(&t.dir, TEST_PREFIX);
    let t = t.restart().await;
    let refused = t.state.check_service_secret().await.unwrap_err().report();
    assert!(refused.contains("refusing to start"), "{refused}");
    assert!(refused.contains("replaced"), "{refused}");
    assert!(!refused.contains(&"9".repeat(32)), "{refused}");
}

on_both_engines!(#[tokio::test] a_rotation_keeps_everything_made_before_it_working:
    rotation_keeps_old_tokens_codes_and_passwords_on_sqlite,
    rotation_keeps_old_tokens_codes_and_passwords_on_dynamodb);

/// `keyturn serve` runs `dir` until it exits; returns its exit success and its stderr.
fn serve_until_exit(dir: &Path) -> (bool, String) {
    let out = Command::new(binary())
        .args(["serve", "--addr", &format!("127.0.0.1:{}", free_port())])
        .arg("--data-dir")
        .arg(dir)
        .env("KEYTURN_ADMIN_KEY", crate::support::cli::KEY)
        .env_remove("KEYTURN_SECRET_PREFIX")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `keyturn secret <args> --stdin` fed `value`.
fn secret_filter_output(args: &[&str], value: &str) -> std::process::Output {
    let mut child = Command::new(binary())
        .arg("secret")
        .args(args)
        .arg("--stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), value.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// The next value `keyturn secret <args> --stdin` prints for `value` (asserting success, and
/// that the summary on stderr names no master).
fn secret_filter(args: &[&str], value: &str) -> Value {
    let out = secret_filter_output(args, value);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let next: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !stderr.contains(&next["master"].as_str().unwrap()[..16]),
        "{stderr}"
    );
    next
}

#[tokio::test]
async fn keyturn_serve_starts_after_a_rotation_and_refuses_a_replaced_secret() {
    let dir = std::env::temp_dir().join(crate::support::aws::unique("keyturn-rotation"));
    let server = serve_in(&dir).await;
    drop(server);
    let local = "keyturn/local";
    let said = rotate_key_file(&dir, local, None);
    assert!(said.contains("current version 2"), "{said}");
    let server = serve_in(&dir).await;
    drop(server);

    // The Secrets Manager form: stage, then activate, each from the current value on stdin to
    // the next on stdout.
    let staged = secret_filter(&["stage"], &service_secret(&dir, local));
    assert_eq!(staged["version"], 2);
    assert_eq!(staged["staged"]["version"], 3);
    let active = secret_filter(&["activate", "--keep", "1"], &staged.to_string());
    assert_eq!(active["version"], 3);
    assert_eq!(active["master"], staged["staged"]["master"]);
    assert!(active["staged"].is_null());
    assert_eq!(active["previous"].as_array().unwrap().len(), 1);
    assert_eq!(active["previous"][0]["version"], 2);
    assert!(active["stable"]["codes"].is_string());
    let retired = secret_filter(&["retire"], &active.to_string());
    assert!(retired["previous"].is_null(), "{retired}");
    // Out of order: nothing staged to activate.
    let out = secret_filter_output(&["activate"], &active.to_string());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no version is staged"));

    replace_key_file_secret(&dir, local);
    let (ok, stderr) = serve_until_exit(&dir);
    assert!(!ok, "a replaced secret must not serve");
    assert!(stderr.contains("refusing to start"), "{stderr}");
    assert!(stderr.contains("replaced"), "{stderr}");
    assert!(!stderr.contains(&"9".repeat(32)), "{stderr}");
    // A malformed value is refused too, with what is wrong and nothing of the value.
    let path = dir.join("secrets.json");
    let mut file: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    file["keyturn/local/service"] = json!(json!({"master": "too short"}).to_string());
    std::fs::write(&path, serde_json::to_vec(&file).unwrap()).unwrap();
    let (ok, stderr) = serve_until_exit(&dir);
    assert!(!ok);
    assert!(stderr.contains("shorter than 32"), "{stderr}");
    assert!(!stderr.contains("too short"), "{stderr}");
}
