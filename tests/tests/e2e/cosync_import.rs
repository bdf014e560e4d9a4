//! Importing a CosyncJWT deployment through `POST /admin/apps/{appId}/import/cosync`, on both
//! engines, from the committed `mongoexport` fixture (`tests/fixtures/cosync/`, hashes made by
//! PyPI `bcrypt` with `make_fixture.py`): a dry run counts and writes nothing; a run interrupted
//! after its first batch and sent again makes no duplicate; a rerun is all `unchanged`; the old
//! passwords log in through the public door and the hash is Argon2id afterwards; a TOTP code
//! from the imported secret passes `loginComplete`; wrong passwords still fail and count.

use std::collections::HashSet;

use md5::Digest as _;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret};

use crate::support::app::{TestApp, TestAppInfo, on_both_engines};
use crate::support::jwt::{to_wall_time, verify_user_jwt};
use crate::support::users::{stored_user, user_count};

pub(crate) const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cosync");
/// tom@example.com's authenticator key, as the original stored it (formatted).
const TOM_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The lower-case hex MD5 the Cosync clients send for `password`.
pub(crate) fn client_md5(password: &str) -> String {
    md5::Md5::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn lines(collection: &str) -> Vec<Value> {
    std::fs::read_to_string(format!("{FIXTURE}/{collection}.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every fixture record as the CLI sends it: users first, with the handles a verified signup
/// or a used invite proves marked, vic's phone outranked by pat's (newer `lastLogin`), and the
/// invites whose sender is in `users.jsonl` marked.
pub(crate) fn records() -> Vec<Value> {
    let proven: HashSet<String> = lines("signups")
        .iter()
        .chain(&lines("invites"))
        .filter(|s| s["status"] == "verified")
        .map(|s| s["handle"].as_str().unwrap().to_lowercase())
        .collect();
    let handles: HashSet<String> = lines("users")
        .iter()
        .map(|u| u["handle"].as_str().unwrap().to_lowercase())
        .collect();
    let mut out = Vec::new();
    for collection in [
        "users",
        "signups",
        "invites",
        "emailtemplates",
        "resetpasswords",
    ] {
        for (i, doc) in lines(collection).into_iter().enumerate() {
            let handle = doc["handle"].as_str().unwrap_or("").to_lowercase();
            let sender = doc["senderHandle"].as_str().unwrap_or("").to_lowercase();
            out.push(json!({
                "collection": collection,
                "line": i + 1,
                "handleProven": collection == "users" && proven.contains(&handle),
                "phoneOutranked": collection == "users" && handle == "vic@example.com",
                "senderInExport": collection == "invites" && handles.contains(&sender),
                "doc": doc,
            }));
        }
    }
    out
}

pub(crate) async fn import(
    t: &TestApp,
    app: &TestAppInfo,
    records: &[Value],
    dry_run: bool,
) -> Vec<Value> {
    let body = json!({"dryRun": dry_run, "records": records});
    let v = t.import_cosync(app, body).await.ok_json();
    assert_eq!(v["dryRun"], dry_run);
    v["results"].as_array().unwrap().clone()
}

pub(crate) fn outcome_of(results: &[Value], collection: &str, line: u64) -> (String, String) {
    let r = results
        .iter()
        .find(|r| r["collection"] == collection && r["line"] == line)
        .unwrap_or_else(|| panic!("no outcome for {collection}:{line}"));
    (
        r["outcome"].as_str().unwrap().to_owned(),
        r["reason"].as_str().unwrap_or("").to_owned(),
    )
}

async fn google_app(t: &TestApp) -> TestAppInfo {
    t.create_app(json!({
        "signupFlow": "none",
        "twoFactorVerification": "google",
        "googleAppName": "Keyturn Demo",
        "userNamesEnabled": true,
        "anonymousLoginEnabled": true,
    }))
    .await
}

async fn a_cosync_export_imports_and_its_passwords_log_in(t: TestApp) {
    // The JWT is verified by a stock library against the wall clock.
    to_wall_time(&t.clock);
    let app = google_app(&t).await;
    let all = records();

    // A dry run says what would happen and writes nothing.
    let dry = import(&t, &app, &all, true).await;
    assert_eq!(outcome_of(&dry, "users", 1).0, "created");
    assert_eq!(outcome_of(&dry, "users", 9).0, "created", "social user");
    assert_eq!(outcome_of(&dry, "users", 10).0, "skipped", "pending user");
    let (invalid, why) = outcome_of(&dry, "users", 11);
    assert_eq!(invalid, "invalid");
    assert!(why.contains("bcrypt"), "{why}");
    assert!(
        !why.contains("notbcrypt"),
        "a hash never shows in a reason: {why}"
    );
    assert_eq!(outcome_of(&dry, "invites", 1).0, "created");
    assert_eq!(
        user_count(&t, &app.app_id).await,
        0,
        "a dry run writes nothing"
    );

    // Interrupted after the first batch of five users, then everything sent again.
    let first = import(&t, &app, &all[..5], false).await;
    assert_eq!(outcome_of(&first, "users", 1).0, "created");
    let resumed = import(&t, &app, &all, false).await;
    assert_eq!(outcome_of(&resumed, "users", 1).0, "unchanged");
    assert_eq!(outcome_of(&resumed, "users", 6).0, "created");
    let (dup, why) = outcome_of(&resumed, "users", 4);
    assert_eq!(
        dup, "conflict",
        "dup@ differs from Dup@ only in case: {why}"
    );
    // alice, tom, Dup, sue, pat, bob, the anonymous user, sam, vic and gus.
    assert_eq!(user_count(&t, &app.app_id).await, 10);
    let rerun = import(&t, &app, &all, false).await;
    for line in [1, 2, 3, 5, 6, 7, 8, 9, 12, 13] {
        assert_eq!(
            outcome_of(&rerun, "users", line).0,
            "unchanged",
            "line {line}"
        );
    }
    assert_eq!(user_count(&t, &app.app_id).await, 10, "no duplicate");

    // Lossy parts are reported: the registered claim in metadata, the phones.
    let alice = resumed
        .iter()
        .chain(&first)
        .find(|r| r["line"] == 1 && r["collection"] == "users");
    let lossy = alice.unwrap()["lossy"].to_string();
    assert!(lossy.contains("metaData.sub"), "{lossy}");
    let bob = resumed
        .iter()
        .find(|r| r["line"] == 7 && r["collection"] == "users")
        .unwrap();
    assert!(bob["lossy"].to_string().contains("phone dropped"), "{bob}");

    // The old password logs in through the public door; the JWT verifies; the hash is Argon2id.
    let session = t
        .login(&app, "alice@example.com", &client_md5("alice-password"))
        .await
        .assert_session();
    let jwt = session["jwt"].as_str().unwrap();
    let claims = verify_user_jwt(&t, &app.app_id, jwt, &app.app_id)
        .await
        .unwrap();
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(
        claims["email_verified"], true,
        "a verified signup proves the handle"
    );
    assert_ne!(claims["sub"], "hijack");
    let user_id = claims["sub"].as_str().unwrap();
    let stored = stored_user(&t, user_id).await;
    assert!(
        stored["passwordHash"]
            .as_str()
            .unwrap()
            .starts_with("$argon2id$")
    );
    assert_eq!(stored["userName"], "alice");
    assert_eq!(
        stored["metaData"],
        json!({"plan": "pro"}),
        "minus the registered claim"
    );
    assert_eq!(stored["importId"], "cosync:64b7f0c2a1b2c3d4e5f60001");
    // And again, now against Argon2id.
    t.login(&app, "alice@example.com", &client_md5("alice-password"))
        .await
        .assert_session();

    // A wrong password fails like any other, is counted, and leaves the bcrypt hash alone.
    t.login(&app, "tom@example.com", &client_md5("wrong"))
        .await
        .assert_error(400, 600);
    let audit = t
        .admin("GET", &app.admin_path("/audit"), None)
        .await
        .ok_json();
    let events: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(events.contains(&"login.failed"), "{events:?}");
    assert!(events.contains(&"admin.import.cosync"), "{events:?}");

    // The TOTP user: the right password earns a login token, a code from the old secret ends it.
    let r = t
        .login(&app, "tom@example.com", &client_md5("tom-password"))
        .await
        .ok_json();
    let login_token = r["login-token"]
        .as_str()
        .expect("the factor stays on")
        .to_owned();
    let totp = totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(Secret::try_from_base32(TOM_SECRET).unwrap())
        .build()
        .unwrap();
    let code = totp
        .generate(u64::try_from(keyturn::clock::Clock::now_secs(&t.clock)).unwrap())
        .to_string();
    let session = t.login_complete(&login_token, &code).await.assert_session();
    let tom_id = crate::support::users::user_id(&session);
    let tom = stored_user(&t, &tom_id).await;
    assert!(
        tom["passwordHash"]
            .as_str()
            .unwrap()
            .starts_with("$argon2id$")
    );

    // Handles differing in case: the kept one logs in under any case.
    t.login(&app, "DUP@example.com", &client_md5("dup-new"))
        .await
        .assert_session();
    // A suspended user proves the password and is refused as suspended.
    t.login(&app, "sue@example.com", &client_md5("sue-password"))
        .await
        .assert_error(400, 404);
    // The anonymous user is the imported one, not a new one.
    t.login_anonymous(&app, "ANON_3f2a9b1c-1111-2222-3333-444455556666")
        .await
        .assert_session();
    assert_eq!(user_count(&t, &app.app_id).await, 10);
}

on_both_engines!(#[tokio::test] a_cosync_export_imports_and_its_passwords_log_in:
    a_cosync_export_imports_and_logs_in_on_sqlite,
    a_cosync_export_imports_and_logs_in_on_dynamodb);

#[tokio::test]
async fn a_batch_over_fifty_records_or_into_no_app_is_refused() {
    let t = TestApp::new().await;
    let app = google_app(&t).await;
    let one = records()[0].clone();
    let many: Vec<Value> = (0..51).map(|_| one.clone()).collect();
    t.import_cosync(&app, json!({"records": many}))
        .await
        .assert_error(400, 602);
    let nowhere = TestAppInfo {
        app_id: "0".repeat(32),
        app_token: String::new(),
    };
    t.import_cosync(&nowhere, json!({"records": [one]}))
        .await
        .assert_error(400, 401);
}

/// The CLI over a real `keyturn serve`: `--check`, a dry run, the run, a resume from a state
/// file, a rerun, and `--on-conflict fail`; the report holds a line for every record.
#[tokio::test]
async fn the_cli_imports_a_mongoexport_directory_with_a_report_and_resumes() {
    use crate::support::cli::{KEY, cli, serve};
    let server = serve().await;
    let run = |args: &[&str]| cli(&server.url, Some(KEY), args);
    let out = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let created = run(&[
        "--json",
        "app",
        "create",
        "From Cosync",
        "signupFlow=none",
        "twoFactorVerification=google",
        "googleAppName=Demo",
    ]);
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    let app_id = created["appId"].as_str().unwrap().to_owned();
    let app_token = created["appToken"].as_str().unwrap().to_owned();
    let work = std::env::temp_dir().join(crate::support::aws::unique("keyturn-cosync"));
    std::fs::create_dir_all(&work).unwrap();
    let report = work.join("report.jsonl");
    let report = report.to_str().unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "cosync", "--dir", FIXTURE, "--app", &app_id];
        args.extend(["--report", report]);
        args.extend(extra);
        run(&args)
    };

    // --check catches a password that does not verify, before anything is sent.
    let wrong = import(&["--check", "alice@example.com:nope", "--dry-run"]);
    assert_eq!(wrong.status.code(), Some(3), "{}", out(&wrong));
    let dry = import(&["--check", "Alice@Example.com:alice-password", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{dry:?}");
    let text = out(&dry);
    // 10 users, 2 invites, 3 templates (the FR one needs a locale this app lacks).
    assert!(text.contains("would be created: 15"), "{text}");
    assert!(text.contains("would be conflict: 1"), "{text}");
    let stderr = String::from_utf8_lossy(&dry.stderr);
    assert!(stderr.contains("plaintext TOTP secrets"), "{stderr}");
    assert!(
        stderr.contains("applogs.jsonl: 1 log lines not imported"),
        "{stderr}"
    );

    // The run: one report line per record, the case duplicate reported with its reason.
    let real = import(&[]);
    let text = out(&real);
    assert_eq!(real.status.code(), Some(0), "{real:?}");
    assert!(text.contains("records created: 15"), "{text}");
    let lines: Vec<Value> = std::fs::read_to_string(report)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        14 + 2 + 4 + 5 + 1 + 1,
        "every record has its line"
    );
    let dup = lines
        .iter()
        .find(|l| l["collection"] == "users" && l["line"] == 4)
        .unwrap();
    assert_eq!(dup["outcome"], "conflict");
    assert!(dup["reason"].as_str().unwrap().contains("line 3"), "{dup}");
    for l in &lines {
        if l["outcome"] != "created" {
            assert!(l["reason"].is_string(), "every loss says why: {l}");
        }
    }
    // The CLI read the whole export: vic's copy of pat's verified number is outranked.
    let vic = lines
        .iter()
        .find(|l| l["collection"] == "users" && l["line"] == 12)
        .unwrap();
    assert!(
        vic["lossy"].to_string().contains("newer lastLogin"),
        "{vic}"
    );

    // Interrupted after line 5 of users: the resume sends the rest; nothing is duplicated.
    std::fs::write(format!("{report}.state"), r#"{"users":5}"#).unwrap();
    let resumed = import(&["--resume"]);
    let text = out(&resumed);
    assert_eq!(resumed.status.code(), Some(0), "{resumed:?}");
    assert!(!text.contains("created"), "{text}");
    // Users 6, 7, 8, 9, 12 and 13, two invites, three templates.
    assert!(text.contains("records unchanged: 11"), "{text}");
    let rerun = out(&import(&[]));
    assert!(rerun.contains("records unchanged: 15"), "{rerun}");

    // --invites skip reports every invite; an invite life outside 1 to 90 days is refused.
    let skip = out(&import(&[
        "--dry-run",
        "--invites",
        "skip",
        "--phones",
        "drop",
    ]));
    assert!(
        skip.contains("skipped (invite not imported (--invites skip)): 4"),
        "{skip}"
    );
    let never = import(&["--dry-run", "--invite-ttl-days", "0"]);
    assert_eq!(never.status.code(), Some(2), "{}", out(&never));

    // --on-conflict fail stops at the duplicate.
    let fail = import(&["--on-conflict", "fail"]);
    assert_eq!(fail.status.code(), Some(3), "{}", out(&fail));

    // The imported password logs in at the served door.
    let login = reqwest::Client::new()
        .post(format!("{}/api/appuser/login", server.url))
        .header("app-token", app_token)
        .json(&json!({"handle": "alice@example.com", "password": client_md5("alice-password")}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
}

/// The figures in docs/operations.md: 10,000 users through the route in batches of 50, on
/// SQLite and on DynamoDB (moto). A measurement, not a check: run with
/// `cargo test -p keyturn-tests --test e2e ten_thousand -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn ten_thousand_imported_users_are_timed_on_both_engines() {
    let template = lines("users")[0].clone();
    for dynamodb in [false, true] {
        let t = if dynamodb {
            TestApp::over_dynamodb().await
        } else {
            TestApp::new().await
        };
        let app = google_app(&t).await;
        let started = std::time::Instant::now();
        for batch in 0..200u64 {
            let records: Vec<Value> = (0..50u64)
                .map(|i| {
                    let n = batch * 50 + i;
                    let mut doc = template.clone();
                    doc["_id"] = json!({"$oid": format!("{n:024x}")});
                    doc["handle"] = json!(format!("user{n}@example.com"));
                    doc.as_object_mut().unwrap().remove("userName");
                    json!({"collection": "users", "line": n + 1, "doc": doc})
                })
                .collect();
            let results = import(&t, &app, &records, false).await;
            assert!(results.iter().all(|r| r["outcome"] == "created"));
        }
        let engine = if dynamodb {
            "DynamoDB (moto)"
        } else {
            "SQLite"
        };
        println!("10,000 users on {engine}: {:?}", started.elapsed());
    }
}
