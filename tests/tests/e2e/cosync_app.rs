//! The same app on the day of the switch, on both engines: `POST /admin/import/cosync/app`
//! creates the Keyturn app from the fixture's `apps.jsonl` (made by `make_app_fixture.py` with
//! PyPI `cryptography`) with the original's id, settings, RSA key and app token; the users
//! imported into it log in with their old passwords through the ORIGINAL app token; the user
//! JWT verifies with the OLD public PEM and its `sub` is the handle; `app-token/rotate` ends the
//! old token. Bad inputs are typed errors; `jwtSubject` follows a PATCH; and the CLI's
//! `--create-app` decrypts the export's key with `COSYNC_ENCRYPT_KEY`.

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use md5::Digest as _;
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo, on_both_engines};
use crate::support::jwt::{to_wall_time, verify_user_jwt};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/cosync");
const CREATE: &str = "/admin/import/cosync/app";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURE}/{name}")).unwrap()
}

/// The original app's document, as `mongoexport` wrote it.
fn app_doc() -> Value {
    serde_json::from_str(fixture("apps.jsonl").lines().next().unwrap()).unwrap()
}

/// The body the CLI sends: the document and its key pair decrypted to PEM.
fn create_body(doc: &Value) -> Value {
    json!({
        "app": doc,
        "privateKeyPem": fixture("app_private_key.pem"),
        "publicKeyPem": fixture("app_public_key.pem"),
    })
}

fn client_md5(password: &str) -> String {
    md5::Md5::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The fixture's users as one import batch.
fn user_records() -> Vec<Value> {
    fixture("users.jsonl")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let doc: Value = serde_json::from_str(l).unwrap();
            json!({"collection": "users", "line": i + 1, "doc": doc})
        })
        .collect()
}

/// Verifies a user JWT with the original app's public PEM only, by an independent library.
fn verify_with_old_pem(jwt: &str, audience: &str) -> Value {
    let key = DecodingKey::from_rsa_pem(fixture("app_public_key.pem").as_bytes()).unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[audience]);
    jsonwebtoken::decode::<Value>(jwt, &key, &v)
        .expect("the old public PEM verifies the new JWT")
        .claims
}

async fn a_cosync_app_comes_over_with_its_id_key_and_app_token(t: TestApp) {
    to_wall_time(&t.clock);
    let doc = app_doc();
    let app_id = doc["appId"].as_str().unwrap().to_owned();
    let old_token = doc["appToken"].as_str().unwrap().to_owned();

    // A dry run checks everything and writes nothing.
    let mut dry_body = create_body(&doc);
    dry_body["dryRun"] = json!(true);
    let dry = t.admin("POST", CREATE, Some(dry_body)).await.ok_json();
    assert_eq!(dry["dryRun"], true);
    assert!(dry["app"].is_null(), "{dry}");
    let info = TestAppInfo {
        app_id: app_id.clone(),
        app_token: String::new(),
    };
    t.show_app(&info).await.assert_error(400, 401);

    // The app, with the original's id and settings; jwtSubject is handle, and it says so.
    let created = t
        .admin("POST", CREATE, Some(create_body(&doc)))
        .await
        .ok_json();
    assert_eq!(created["appId"], app_id.as_str());
    assert_eq!(created["legacyAppToken"], true);
    let notes = created["notes"].to_string();
    assert!(notes.contains("jwtSubject is handle"), "{notes}");
    assert!(notes.contains("Twilio"), "{notes}");
    let view = &created["app"];
    assert_eq!(view["appId"], app_id.as_str());
    assert_eq!(view["name"], "Cosync Demo");
    assert_eq!(view["jwtSubject"], "handle");
    assert_eq!(view["realmAppId"], "cosync-demo-abcde");
    assert_eq!(view["userJWTExpiration"], 12);
    assert_eq!(view["twoFactorVerification"], "google");
    assert_eq!(view["locales"], json!(["EN", "FR"]));
    assert_eq!(view["metaData"][0]["path"], "plan");
    assert_eq!(view["userNamesEnabled"], true);
    assert_eq!(view["createdAt"], "2021-06-07T08:09:10.111Z");
    let new_token = view["appToken"].as_str().unwrap().to_owned();

    // The id is taken now: a second import is a conflict and changes nothing.
    t.admin("POST", CREATE, Some(create_body(&doc)))
        .await
        .assert_error(409, 634);

    // Users come in as into any app.
    let app = TestAppInfo {
        app_id: app_id.clone(),
        app_token: new_token.clone(),
    };
    let results = t
        .import_cosync(&app, json!({"records": user_records()}))
        .await
        .ok_json();
    assert_eq!(results["results"][0]["outcome"], "created", "{results}");

    // An app already in the stores logs in with the ORIGINAL app token and the old password;
    // the JWT verifies with the OLD public PEM and names the handle, as the original's did.
    let old = TestAppInfo {
        app_id: app_id.clone(),
        app_token: old_token.clone(),
    };
    let session = t
        .login(&old, "alice@example.com", &client_md5("alice-password"))
        .await
        .assert_session();
    let claims = verify_with_old_pem(session["jwt"].as_str().unwrap(), "cosync-demo-abcde");
    assert_eq!(claims["sub"], "alice@example.com");
    assert_eq!(claims["plan"], "pro", "the metaData field came over");
    // The JWKS publishes the same key.
    let by_jwks = verify_user_jwt(
        &t,
        &app_id,
        session["jwt"].as_str().unwrap(),
        "cosync-demo-abcde",
    )
    .await
    .unwrap();
    assert_eq!(by_jwks["sub"], "alice@example.com");
    // The new token works too.
    t.login(&app, "alice@example.com", &client_md5("alice-password"))
        .await
        .assert_session();
    // Another app's token never passes for the original's; nor does a tampered copy.
    let mut tampered = old_token.clone();
    tampered.push('x');
    let forged = TestAppInfo {
        app_id: app_id.clone(),
        app_token: tampered,
    };
    t.login(&forged, "alice@example.com", &client_md5("alice-password"))
        .await
        .assert_error(400, 400);

    // The audit trail says the app came from CosyncJWT, with its kid, never a key or token.
    let audit = t
        .admin("GET", &app.admin_path("/audit"), None)
        .await
        .ok_json();
    let entry = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "admin.app.created")
        .unwrap()
        .to_string();
    assert!(entry.contains("cosync") && entry.contains(created["kid"].as_str().unwrap()));
    assert!(
        !entry.contains(&old_token) && !entry.contains("PRIVATE"),
        "{entry}"
    );

    // The first rotation ends the original's token.
    t.admin("POST", &app.admin_path("/app-token/rotate"), None)
        .await
        .ok_json();
    t.login(&old, "alice@example.com", &client_md5("alice-password"))
        .await
        .assert_error(400, 400);
}

on_both_engines!(#[tokio::test] a_cosync_app_comes_over_with_its_id_key_and_app_token:
    a_cosync_app_comes_over_on_sqlite,
    a_cosync_app_comes_over_on_dynamodb);

#[tokio::test]
async fn cosync_app_imports_refuse_bad_keys_ids_and_settings_with_typed_errors() {
    let t = TestApp::new().await;
    let doc = app_doc();
    let with = |key: &str, value: Value| {
        let mut body = create_body(&doc);
        body[key] = value;
        body
    };
    let refused = |body: Value, status: u16, code: u64| {
        let t = &t;
        async move {
            t.admin("POST", CREATE, Some(body))
                .await
                .assert_error(status, code)
        }
    };
    refused(with("privateKeyPem", json!("not a key")), 400, 635).await;
    refused(
        with("privateKeyPem", json!(fixture("app_key_1024.pem"))),
        400,
        636,
    )
    .await;
    refused(
        with("publicKeyPem", json!(fixture("other_public_key.pem"))),
        400,
        635,
    )
    .await;
    let mut encrypted = fixture("app_private_key.pem");
    encrypted.insert_str(32, "Proc-Type: 4,ENCRYPTED\n");
    refused(with("privateKeyPem", json!(encrypted)), 400, 635).await;
    refused(with("privateKeyPem", Value::Null), 400, 403).await;
    let mut bad_id = doc.clone();
    bad_id["appId"] = json!("cosyncapp0000000000000000000001");
    refused(with("app", bad_id), 400, 602).await;
    let mut bad_flow = doc.clone();
    bad_flow["signupFlow"] = json!("maybe");
    refused(with("app", bad_flow), 400, 602).await;
    let mut reserved = doc.clone();
    reserved["metaData"] = json!([{"path": "sub", "fieldName": "sub"}]);
    refused(with("app", reserved), 400, 604).await;
    refused(with("app", json!("apps.jsonl")), 400, 602).await;
    // Without the admin key nothing is looked at.
    t.post_json(CREATE, &[], create_body(&doc))
        .await
        .assert_error(401, 617);
    // None of them created anything.
    let info = TestAppInfo {
        app_id: doc["appId"].as_str().unwrap().to_owned(),
        app_token: String::new(),
    };
    t.show_app(&info).await.assert_error(400, 401);
}

#[tokio::test]
async fn cosync_app_token_survives_a_rotation_only_for_its_grace() {
    let t = TestApp::new().await;
    let doc = app_doc();
    let created = t
        .admin("POST", CREATE, Some(create_body(&doc)))
        .await
        .ok_json();
    let app = TestAppInfo {
        app_id: doc["appId"].as_str().unwrap().to_owned(),
        app_token: created["app"]["appToken"].as_str().unwrap().to_owned(),
    };
    let old = TestAppInfo {
        app_id: app.app_id.clone(),
        app_token: doc["appToken"].as_str().unwrap().to_owned(),
    };
    t.get_application(&old.app_token).await.ok_json();
    t.admin(
        "POST",
        &app.admin_path("/app-token/rotate"),
        Some(json!({"graceSeconds": 60})),
    )
    .await
    .ok_json();
    t.get_application(&old.app_token).await.ok_json();
    t.clock.advance_secs(61);
    t.get_application(&old.app_token)
        .await
        .assert_error(400, 400);
    // A later rotation with a grace does not bring it back.
    t.admin(
        "POST",
        &app.admin_path("/app-token/rotate"),
        Some(json!({"graceSeconds": 600})),
    )
    .await
    .ok_json();
    t.get_application(&old.app_token)
        .await
        .assert_error(400, 400);
}

async fn the_jwt_subject_follows_the_apps_setting(t: TestApp) {
    to_wall_time(&t.clock);
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    let session = t
        .signup(&app, json!({"handle": "Ann@Example.com", "password": PW}))
        .await
        .ok_json();
    let claims = verify_user_jwt(
        &t,
        &app.app_id,
        session["jwt"].as_str().unwrap(),
        &app.app_id,
    )
    .await
    .unwrap();
    let user_id = claims["sub"].as_str().unwrap().to_owned();
    assert_ne!(user_id, "ann@example.com", "userId by default");
    assert_eq!(t.show_app(&app).await.ok_json()["jwtSubject"], "userId");

    let view = t
        .patch_app(&app, json!({"jwtSubject": "handle"}))
        .await
        .ok_json();
    assert_eq!(view["jwtSubject"], "handle");
    let login = t.login(&app, "ann@example.com", PW).await.assert_session();
    let claims = verify_user_jwt(&t, &app.app_id, login["jwt"].as_str().unwrap(), &app.app_id)
        .await
        .unwrap();
    assert_eq!(claims["sub"], "ann@example.com");

    // Validated like every setting.
    t.patch_app(&app, json!({"jwtSubject": "email"}))
        .await
        .assert_error(400, 602);
    t.patch_app(&app, json!({"jwtSubject": null}))
        .await
        .assert_error(400, 602);
    t.patch_app(&app, json!({"jwtSubject": "userId"}))
        .await
        .ok_json();
    let login = t.login(&app, "ann@example.com", PW).await.assert_session();
    let claims = verify_user_jwt(&t, &app.app_id, login["jwt"].as_str().unwrap(), &app.app_id)
        .await
        .unwrap();
    assert_eq!(claims["sub"], user_id.as_str());
}

on_both_engines!(#[tokio::test] the_jwt_subject_follows_the_apps_setting:
    cosync_jwt_subject_follows_the_setting_on_sqlite,
    cosync_jwt_subject_follows_the_setting_on_dynamodb);

/// The CLI over a real `keyturn serve`: `--create-app` decrypts the export's key with
/// `COSYNC_ENCRYPT_KEY` (and refuses without it), creates the app and imports the users; a
/// second run is refused unless it resumes.
#[tokio::test]
async fn the_cli_creates_the_cosync_app_and_imports_its_users() {
    use crate::support::cli::{KEY, binary, serve};
    let server = serve().await;
    let work = std::env::temp_dir().join(crate::support::aws::unique("keyturn-cosync-app"));
    std::fs::create_dir_all(&work).unwrap();
    let report = work.join("report.jsonl");
    let run = |encrypt_key: Option<&str>, extra: &[&str]| {
        let mut cmd = std::process::Command::new(binary());
        cmd.args(["import", "cosync", "--dir", FIXTURE])
            .args(["--report", report.to_str().unwrap(), "--create-app"])
            .args(extra)
            .env("KEYTURN_URL", &server.url)
            .env("KEYTURN_ADMIN_KEY", KEY)
            .env_remove("COSYNC_ENCRYPT_KEY");
        if let Some(k) = encrypt_key {
            cmd.env("COSYNC_ENCRYPT_KEY", k);
        }
        cmd.output().unwrap()
    };
    let text = |o: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };

    let without = run(None, &[]);
    assert_eq!(without.status.code(), Some(2), "{}", text(&without));
    assert!(
        text(&without).contains("COSYNC_ENCRYPT_KEY"),
        "{}",
        text(&without)
    );
    let wrong = run(Some("not-the-key"), &[]);
    assert_eq!(wrong.status.code(), Some(2), "{}", text(&wrong));

    let dry = run(Some("fixture-encrypt-key"), &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry));
    assert!(text(&dry).contains("would be created"), "{}", text(&dry));

    let real = run(Some("fixture-encrypt-key"), &[]);
    let out = text(&real);
    assert_eq!(real.status.code(), Some(0), "{out}");
    assert!(out.contains("jwtSubject is handle"), "{out}");
    assert!(out.contains("records created: 16"), "{out}");

    let again = run(Some("fixture-encrypt-key"), &[]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(text(&again).contains("634"), "{}", text(&again));
    let resumed = run(Some("fixture-encrypt-key"), &["--resume"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", text(&resumed));

    // The original app token logs in at the served door; the JWT verifies with the old PEM.
    let doc = app_doc();
    let login = reqwest::Client::new()
        .post(format!("{}/api/appuser/login", server.url))
        .header("app-token", doc["appToken"].as_str().unwrap())
        .json(&json!({"handle": "alice@example.com", "password": client_md5("alice-password")}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let body: Value = login.json().await.unwrap();
    let claims = verify_with_old_pem(body["jwt"].as_str().unwrap(), "cosync-demo-abcde");
    assert_eq!(claims["sub"], "alice@example.com");
}

/// The figures in docs/performance.md: a synthetic export (`bench/cosync_export.py N DIR`)
/// created and imported through the two routes, in batches of 50 as the CLI sends them, on
/// SQLite or DynamoDB (`KEYTURN_IMPORT_ENGINE=dynamodb`, moto), every store call counted. A
/// measurement, not a check:
/// `KEYTURN_IMPORT_DIR=/tmp/cosync-10k cargo test -p keyturn-tests --test e2e cosync_export_is_counted -- --ignored --nocapture`.
#[tokio::test]
#[ignore = "a measurement, not a check"]
async fn a_synthetic_cosync_export_is_counted_and_timed() {
    use std::sync::{Arc, Mutex};

    use keyturn::store::ItemStore;

    let dir = std::env::var("KEYTURN_IMPORT_DIR").expect("KEYTURN_IMPORT_DIR");
    let dynamodb = std::env::var("KEYTURN_IMPORT_ENGINE").is_ok_and(|e| e == "dynamodb");
    let clock = keyturn::clock::ManualClock::at(0);
    to_wall_time(&clock);
    let inner: Arc<dyn ItemStore> = if dynamodb {
        let client = aws_sdk_dynamodb::Client::new(&crate::support::aws::sdk_config().await);
        let table = crate::support::aws::unique("keyturn-import");
        keyturn::store::dynamo::DynamoStore::create_table(&client, &table)
            .await
            .unwrap();
        Arc::new(keyturn::store::dynamo::DynamoStore::new(
            client,
            table,
            Arc::new(clock.clone()),
        ))
    } else {
        let path = std::env::temp_dir().join(crate::support::aws::unique("keyturn-import"));
        std::fs::create_dir_all(&path).unwrap();
        Arc::new(
            keyturn::store::sqlite::SqliteStore::open(
                &path.join("store.sqlite3"),
                Arc::new(clock.clone()),
            )
            .unwrap(),
        )
    };
    let counts: Arc<Mutex<std::collections::BTreeMap<String, u64>>> = Arc::default();
    let counted = counts.clone();
    let store = crate::support::store::HookedStore {
        inner,
        hook: move |op: &str, _: &keyturn::store::Key| {
            *counted.lock().unwrap().entry(op.to_owned()).or_default() += 1;
            Ok(())
        },
    };
    let t = TestApp::builder()
        .clock(clock)
        .store(Arc::new(store))
        .build()
        .await;
    let read = |name: &str| std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
    let doc: Value = serde_json::from_str(read("apps.jsonl").lines().next().unwrap()).unwrap();
    let pem = base64_pem(doc["appPrivateKey"].as_str().unwrap());
    let started = std::time::Instant::now();
    let created = t
        .admin(
            "POST",
            CREATE,
            Some(json!({"app": doc, "privateKeyPem": pem})),
        )
        .await
        .ok_json();
    let app = TestAppInfo {
        app_id: created["appId"].as_str().unwrap().to_owned(),
        app_token: created["app"]["appToken"].as_str().unwrap().to_owned(),
    };
    let app_done = started.elapsed();
    counts.lock().unwrap().clear();
    let users: Vec<Value> = read("users.jsonl")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            json!({"collection": "users", "line": i + 1,
                   "doc": serde_json::from_str::<Value>(l).unwrap()})
        })
        .collect();
    let started = std::time::Instant::now();
    let mut resent = 0;
    for batch in users.chunks(50) {
        // A batch that fails is sent again, as the CLI's resume does: harmless, the route is
        // idempotent (moto, slow under load, can time out a transaction the SDK then retries).
        let mut r = t.import_cosync(&app, json!({"records": batch})).await;
        while r.status != 200 && resent < 20 {
            resent += 1;
            r = t.import_cosync(&app, json!({"records": batch})).await;
        }
        let r = r.ok_json();
        assert!(
            r["results"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["outcome"] == "created" || o["outcome"] == "unchanged"),
            "{r}"
        );
    }
    let elapsed = started.elapsed();
    let n = users.len() as f64;
    let counts = counts.lock().unwrap().clone();
    let engine = if dynamodb {
        "DynamoDB (moto)"
    } else {
        "SQLite"
    };
    println!(
        "{engine}: app created in {app_done:?}; {} users imported in {elapsed:?} ({:.0} users/s)",
        users.len(),
        n / elapsed.as_secs_f64()
    );
    println!("  batches sent again: {resent}");
    for (op, count) in &counts {
        println!("  {op}: {count} ({:.2} per user)", *count as f64 / n);
    }
}

/// The PEM a base64 field holds.
fn base64_pem(b64: &str) -> String {
    use base64::Engine as _;
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap(),
    )
    .unwrap()
}
