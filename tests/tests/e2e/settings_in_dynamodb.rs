//! App settings edited by hand in DynamoDB (moto over loopback), through the public doors: the
//! item is a native document, a valid hand edit applies within the settings cache's TTL, an
//! invalid one answers 630 on the app's routes and shows as `settingsError` in the admin API
//! until it is fixed (by hand or by a PATCH), and items in the legacy JSON-string format still
//! serve and convert on their next write. The admin API's own writes are seen at once (SQLite).

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use keyturn::clock::ManualClock;
use keyturn::store::ItemStore;
use keyturn::store::dynamo::DynamoStore;
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo};
use crate::support::aws::{sdk_config, unique};
use crate::support::jwt::to_wall_time;

/// A stack over a fresh DynamoDB table, with a raw SDK client on the same table for hand edits.
async fn over_dynamodb(settings_cache_secs: u64) -> (TestApp, Client, String) {
    let clock = ManualClock::at(0);
    to_wall_time(&clock);
    let client = Client::new(&sdk_config().await);
    let table = unique("keyturn-settings");
    DynamoStore::create_table(&client, &table).await.unwrap();
    let store: Arc<dyn ItemStore> = Arc::new(DynamoStore::new(
        client.clone(),
        table.clone(),
        Arc::new(clock.clone()),
    ));
    let app = TestApp::builder()
        .clock(clock)
        .store(store)
        .settings_cache_secs(settings_cache_secs)
        .build()
        .await;
    (app, client, table)
}

fn app_key(app_id: &str) -> [(String, AttributeValue); 2] {
    [
        ("pk".into(), AttributeValue::S(format!("APP#{app_id}"))),
        ("sk".into(), AttributeValue::S("APP".into())),
    ]
}

/// The README's recipe: one `UpdateItem` that sets one setting and bumps the version, so an
/// admin PATCH that read the item before cannot overwrite the edit.
async fn hand_edit(client: &Client, table: &str, app_id: &str, setting: &str, v: AttributeValue) {
    let [pk, sk] = app_key(app_id);
    client
        .update_item()
        .table_name(table)
        .key(pk.0, pk.1)
        .key(sk.0, sk.1)
        .update_expression("SET settings.#s = :v, ver = ver + :one")
        .condition_expression("attribute_exists(settings)")
        .expression_attribute_names("#s", setting)
        .expression_attribute_values(":v", v)
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap();
}

async fn raw_item(
    client: &Client,
    table: &str,
    app_id: &str,
) -> std::collections::HashMap<String, AttributeValue> {
    let [pk, sk] = app_key(app_id);
    client
        .get_item()
        .table_name(table)
        .key(pk.0, pk.1)
        .key(sk.0, sk.1)
        .send()
        .await
        .unwrap()
        .item
        .unwrap()
}

/// The `signupFlow` getApplication answers (through the settings cache).
async fn served_signup_flow(app: &TestApp, info: &TestAppInfo) -> Value {
    app.get_application(&info.app_token).await.ok_json()["signupFlow"].clone()
}

async fn admin_view(app: &TestApp, info: &TestAppInfo) -> Value {
    app.show_app(info).await.ok_json()
}

/// The admin view of a broken app, asserting its `settingsError` starts with `problem`.
async fn settings_error(app: &TestApp, info: &TestAppInfo, problem: &str) -> Value {
    let view = admin_view(app, info).await;
    let error = view["settingsError"].as_str().unwrap();
    assert!(error.starts_with(problem), "{error}");
    view
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

#[tokio::test]
async fn an_app_item_is_a_native_document_in_dynamodb() {
    let (app, client, table) = over_dynamodb(30).await;
    let info = app
        .create_app(json!({"signupFlow": "link", "passwordMinLength": 10, "locales": ["EN", "FR"]}))
        .await;

    let item = raw_item(&client, &table, &info.app_id).await;
    assert!(!item.contains_key("data"), "no JSON string: {item:?}");
    assert_eq!(item["name"], s("Demo App"));
    let settings = item["settings"].as_m().expect("settings is a map");
    assert_eq!(settings["signupFlow"], s("link"));
    assert_eq!(
        settings["passwordMinLength"],
        AttributeValue::N("10".into())
    );
    assert_eq!(settings["signupEnabled"], AttributeValue::Bool(true));
    assert_eq!(
        settings["locales"],
        AttributeValue::L(vec![s("EN"), s("FR")])
    );
    assert_eq!(settings["realmAppId"], AttributeValue::Null(true));
    assert_eq!(item["status"], s("active"));
}

#[tokio::test]
async fn a_valid_hand_edit_takes_effect_within_the_cache_ttl() {
    let (app, client, table) = over_dynamodb(30).await;
    let info = app.create_app(json!({})).await;
    assert_eq!(served_signup_flow(&app, &info).await, "code");

    hand_edit(&client, &table, &info.app_id, "signupFlow", s("none")).await;

    // The admin API reads the store: the edit shows at once.
    assert_eq!(admin_view(&app, &info).await["signupFlow"], "none");
    // This warm instance serves its copy for at most 30 s ...
    assert_eq!(served_signup_flow(&app, &info).await, "code");
    app.clock.advance_secs(30);
    // ... then the edit applies: a signup is an account at once.
    assert_eq!(served_signup_flow(&app, &info).await, "none");
    let r = app
        .signup(&info, json!({"handle": "ann@example.com", "password": PW}))
        .await;
    assert!(r.ok_json()["jwt"].is_string(), "{}", r.text);
}

#[tokio::test]
async fn with_the_settings_cache_off_a_hand_edit_applies_at_once() {
    let (app, client, table) = over_dynamodb(0).await;
    let info = app.create_app(json!({})).await;
    assert_eq!(served_signup_flow(&app, &info).await, "code");

    hand_edit(&client, &table, &info.app_id, "signupFlow", s("link")).await;

    assert_eq!(served_signup_flow(&app, &info).await, "link");
}

#[tokio::test]
async fn an_invalid_hand_edit_is_a_630_and_a_settings_error_until_it_is_fixed() {
    let (app, client, table) = over_dynamodb(30).await;
    let info = app.create_app(json!({"name": "Broken"})).await;

    // An unknown enum value: the app's routes answer 630, never a guessed default.
    hand_edit(&client, &table, &info.app_id, "signupFlow", s("bogus")).await;
    let refused = app.get_application(&info.app_token).await;
    refused.assert_error(500, 630);
    // The detail is for the developer (log, admin API), not for the app's users.
    assert_eq!(refused.json()["message"], "app settings are invalid");
    app.signup(&info, json!({"handle": "ann@example.com", "password": PW}))
        .await
        .assert_error(500, 630);
    // The admin API still answers, with the settings as stored and what is wrong with them.
    let view = settings_error(
        &app,
        &info,
        "settings.signupFlow: unknown variant `bogus`, expected one of",
    )
    .await;
    assert_eq!(view["signupFlow"], "bogus");
    assert_eq!(view["appId"], info.app_id.as_str());
    assert!(view["appToken"].is_string());

    // Fixed by hand: the next request serves again (a broken app is never cached).
    hand_edit(&client, &table, &info.app_id, "signupFlow", s("link")).await;
    assert_eq!(served_signup_flow(&app, &info).await, "link");
    assert!(admin_view(&app, &info).await.get("settingsError").is_none());

    // A wrong type, once the cached copy has aged out.
    hand_edit(&client, &table, &info.app_id, "passwordMinLength", s("x")).await;
    app.clock.advance_secs(30);
    app.get_application(&info.app_token)
        .await
        .assert_error(500, 630);
    settings_error(
        &app,
        &info,
        "settings.passwordMinLength: invalid type: string \"x\"",
    )
    .await;

    // A PATCH is applied over the stored settings: one that leaves them broken is refused with
    // the reason, one that fixes them repairs the app at once.
    let refused = app.patch_app(&info, json!({"signupFlow": "code"})).await;
    refused.assert_error(400, 602);
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("invalid type")
    );
    let fixed = app
        .patch_app(&info, json!({"passwordMinLength": 12}))
        .await
        .ok_json();
    assert!(fixed.get("settingsError").is_none(), "{fixed}");
    let served = app.get_application(&info.app_token).await.ok_json();
    assert_eq!(
        (&served["passwordMinLength"], &served["signupFlow"]),
        (&json!(12), &json!("link"))
    );

    // Out of range: the rules of `Settings::validate` run on read too.
    hand_edit(
        &client,
        &table,
        &info.app_id,
        "userJWTExpiration",
        AttributeValue::N("0".into()),
    )
    .await;
    app.clock.advance_secs(30);
    app.get_application(&info.app_token)
        .await
        .assert_error(500, 630);
    assert_eq!(
        admin_view(&app, &info).await["settingsError"],
        "settings: userJWTExpiration must be 1..=8760 hours"
    );
}

#[tokio::test]
async fn an_app_item_in_the_legacy_format_serves_and_converts_on_its_next_write() {
    let (app, client, table) = over_dynamodb(0).await;
    let info = app.create_app(json!({"signupFlow": "link"})).await;
    // Rewrite the item as the previous release stored it: the record as one JSON string.
    let stored = app
        .store
        .get(&keyturn::store::Key::new(
            format!("APP#{}", info.app_id),
            "APP",
        ))
        .await
        .unwrap()
        .unwrap();
    let native = raw_item(&client, &table, &info.app_id).await;
    let mut legacy: std::collections::HashMap<String, AttributeValue> = native
        .into_iter()
        .filter(|(k, _)| ["pk", "sk", "ver", "n", "gsi1pk", "gsi1sk"].contains(&k.as_str()))
        .collect();
    legacy.insert("data".into(), s(&stored.data.to_string()));
    client
        .put_item()
        .table_name(&table)
        .set_item(Some(legacy))
        .send()
        .await
        .unwrap();
    assert!(
        !raw_item(&client, &table, &info.app_id)
            .await
            .contains_key("settings")
    );

    // Read as before ...
    assert_eq!(served_signup_flow(&app, &info).await, "link");
    assert_eq!(admin_view(&app, &info).await["signupFlow"], "link");
    // ... and the next write stores native attributes.
    app.patch_app(&info, json!({"name": "Converted"}))
        .await
        .ok_json();
    let item = raw_item(&client, &table, &info.app_id).await;
    assert!(!item.contains_key("data"), "{item:?}");
    assert_eq!(item["name"], s("Converted"));
    assert_eq!(item["settings"].as_m().unwrap()["signupFlow"], s("link"));
    assert_eq!(item["ver"], AttributeValue::N("2".into()));
    assert_eq!(
        app.get_application(&info.app_token).await.ok_json()["name"],
        "Converted"
    );
}

#[tokio::test]
async fn an_admin_patch_is_seen_at_once_by_the_app_routes() {
    // SQLite, default 30 s cache: the admin write invalidates this process's cached copy.
    let app = TestApp::new().await;
    let info = app.create_app(json!({})).await;
    assert_eq!(served_signup_flow(&app, &info).await, "code");
    app.patch_app(&info, json!({"signupFlow": "link"}))
        .await
        .ok_json();
    assert_eq!(served_signup_flow(&app, &info).await, "link");
}

#[tokio::test]
async fn migrate_table_converts_every_legacy_item_once() {
    let clock = ManualClock::at(1_700_000_000_000);
    let client = Client::new(&sdk_config().await);
    let table = unique("keyturn-migrate");
    DynamoStore::create_table(&client, &table).await.unwrap();
    let store = DynamoStore::new(client.clone(), table.clone(), Arc::new(clock.clone()));
    let legacy = |pk: &str, data: Value| {
        std::collections::HashMap::from([
            ("pk".to_owned(), s(pk)),
            ("sk".to_owned(), s("X")),
            ("data".to_owned(), s(&data.to_string())),
            ("ver".to_owned(), AttributeValue::N("3".into())),
            ("n".to_owned(), AttributeValue::N("0".into())),
        ])
    };
    let mut indexed = legacy("USER#1", json!({"handle": "a@x.org", "tags": [1]}));
    indexed.insert("gsi1pk".into(), s("APP#1#USERS"));
    indexed.insert("gsi1sk".into(), s("a@x.org"));
    indexed.insert("expires_at".into(), AttributeValue::N("4000000000".into()));
    for item in [indexed, legacy("CLAIM#1", json!("USER#1"))] {
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }
    let native =
        keyturn::store::Item::new(keyturn::store::Key::new("NATIVE", "X"), json!({"a": 1}));
    store
        .put(native.clone(), keyturn::store::Condition::Absent)
        .await
        .unwrap();
    let before = store
        .get(&keyturn::store::Key::new("USER#1", "X"))
        .await
        .unwrap()
        .unwrap();

    assert_eq!(store.convert_legacy_items().await.unwrap(), 2);

    let [pk, sk] = [("pk", s("USER#1")), ("sk", s("X"))];
    let raw = client
        .get_item()
        .table_name(&table)
        .key(pk.0, pk.1)
        .key(sk.0, sk.1)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert!(!raw.contains_key("data"), "{raw:?}");
    assert_eq!(raw["handle"], s("a@x.org"));
    assert_eq!(raw["ver"], AttributeValue::N("3".into()));
    // The store reads the same record, version, expiry and index key as before.
    let after = store
        .get(&keyturn::store::Key::new("USER#1", "X"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(
        store
            .get(&keyturn::store::Key::new("CLAIM#1", "X"))
            .await
            .unwrap()
            .unwrap()
            .data,
        json!("USER#1")
    );
    assert_eq!(
        store.get(&native.key).await.unwrap(),
        Some(native),
        "native items are left alone"
    );
    // Nothing is left to convert.
    assert_eq!(store.convert_legacy_items().await.unwrap(), 0);
}

#[tokio::test]
async fn a_hand_edited_jwt_subject_applies_and_a_bad_one_is_a_630() {
    let (app, client, table) = over_dynamodb(0).await;
    let info = app.create_app(json!({"signupFlow": "none"})).await;
    app.signup(&info, json!({"handle": "ann@example.com", "password": PW}))
        .await
        .ok_json();

    hand_edit(&client, &table, &info.app_id, "jwtSubject", s("handle")).await;
    let login = app
        .login(&info, "ann@example.com", PW)
        .await
        .assert_session();
    let jwt = login["jwt"].as_str().unwrap();
    let claims = crate::support::jwt::verify_user_jwt(&app, &info.app_id, jwt, &info.app_id)
        .await
        .unwrap();
    assert_eq!(claims["sub"], "ann@example.com");

    hand_edit(&client, &table, &info.app_id, "jwtSubject", s("email")).await;
    app.login(&info, "ann@example.com", PW)
        .await
        .assert_error(500, 630);
    settings_error(&app, &info, "settings.jwtSubject").await;
}
