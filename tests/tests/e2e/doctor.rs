//! The table checker (`keyturn doctor`): a healthy app built by the real flows has nothing to
//! report; each invariant broken by a direct write through the store port is named, and only
//! it; small pages find what one big page finds; the admin route and the CLI page alike.

use std::collections::BTreeSet;

use keyturn::domain::admin::doctor::{self, DoctorRequest, Scope};
use keyturn::domain::common::phone_claim::phone_digest;
use keyturn::domain::records::table_keys;
use keyturn::store::{Condition, Item, Key};
use serde_json::{Value, json};

use crate::support::app::{PW, TestApp, TestAppInfo, on_both_engines};
use crate::support::users::{access, edit_user, user_id};

/// One finding as the tests compare them: problem, partition key, sort key.
type Seen = (String, String, String);

/// Walks `scope` to the end in pages of `limit`: every finding, the items checked, the pages.
async fn walk(t: &TestApp, scope: &Scope, limit: usize) -> (Vec<Seen>, usize, usize) {
    let (mut seen, mut checked, mut pages) = (Vec::new(), 0, 0);
    let mut cursor = None;
    loop {
        let req = DoctorRequest {
            limit: Some(limit.to_string()),
            cursor,
        };
        let page = doctor::check(&t.state, scope, req).await.unwrap();
        pages += 1;
        checked += page.checked;
        seen.extend(
            page.findings
                .into_iter()
                .map(|f| (f.problem.name().to_owned(), f.key.pk, f.key.sk)),
        );
        cursor = page.cursor;
        if cursor.is_none() {
            return (seen, checked, pages);
        }
        assert!(pages < 10_000, "the walk never ended");
    }
}

/// The findings of `scope` (every page, as the fault matrix reads them), as a set.
async fn findings(t: &TestApp, scope: &Scope) -> BTreeSet<Seen> {
    let seen: Vec<Seen> = doctor::check_to_end(&t.state, scope)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.problem.name().to_owned(), f.key.pk, f.key.sk))
        .collect();
    let set: BTreeSet<Seen> = seen.iter().cloned().collect();
    assert_eq!(set.len(), seen.len(), "a finding reported twice: {seen:#?}");
    set
}

fn seen(problem: &str, key: &Key) -> Seen {
    (problem.to_owned(), key.pk.clone(), key.sk.clone())
}

const PHONE_B: &str = "+12015550131";
const PHONE_C: &str = "+12015550132";

/// The users the healthy app holds, by id.
struct Population {
    app: TestAppInfo,
    /// Password user with a username, an invite sent (to carol) and a pending reset.
    alice: String,
    /// Phone user: verified number, SMS login on.
    bob: String,
    /// Invited by alice and registered; has a phone waiting for its code.
    carol: String,
    /// Inviter of a still-pending invite.
    dave: String,
}

/// An app with users of every kind, made through the real flows, plus pending items of every
/// kind (signup, reset, invite, second-factor login, phone verification) and a deleted account.
async fn populate(t: &TestApp) -> Population {
    let app = t
        .create_app(json!({"twoFactorVerification": "phone", "userNamesEnabled": true, "invitationEnabled": true}))
        .await;
    // alice: a username (and, below, an invite sent and a reset pending).
    let alice_session = t.signed_up_user(&app, "alice@example.com").await;
    let alice_acc = access(&alice_session);
    t.set_user_name(&alice_acc, "alice_a").await.assert_true();

    // bob: a verified phone and SMS login, then a login waiting for its code.
    let bob_session = t.signed_up_user(&app, "bob@example.com").await;
    let bob_acc = access(&bob_session);
    t.set_phone(&bob_acc, PHONE_B).await.assert_true();
    let code = t.last_code_for(PHONE_B);
    t.verify_phone(&bob_acc, &code).await.assert_true();
    t.set_two_factor_phone(&bob_acc, json!({"twoFactor": true, "password": PW}))
        .await
        .assert_true();
    let pending_login = t.login(&app, "bob@example.com", PW).await.ok_json();
    assert!(pending_login["login-token"].is_string(), "{pending_login}");

    // carol: invited by alice, registered with the code; then a phone waiting for its code.
    let code = t.invited(&alice_acc, "carol@example.com").await;
    let carol = t
        .register(
            &app,
            json!({"handle": "carol@example.com", "password": PW, "code": code}),
        )
        .await
        .ok_json();
    let carol_acc = access(&carol);
    t.set_phone(&carol_acc, PHONE_C).await.assert_true();

    // dave: an invite still pending; erin: a signup still pending; alice: a reset pending.
    let dave_session = t.signed_up_user(&app, "dave@example.com").await;
    let dave_acc = access(&dave_session);
    t.invited(&dave_acc, "frank@example.com").await;
    t.signup(&app, json!({"handle": "erin@example.com", "password": PW}))
        .await
        .assert_true();
    t.reset_code(&app, "alice@example.com").await;

    // gina signed up and deleted her account: her audit trail stays, and is no finding.
    let gina_acc = t.signed_up_access(&app, "gina@example.com").await;
    t.delete_account(&gina_acc, "gina@example.com", PW)
        .await
        .assert_true();

    Population {
        alice: user_id(&alice_session),
        bob: user_id(&bob_session),
        carol: user_id(&carol),
        dave: user_id(&dave_session),
        app,
    }
}

async fn put(t: &TestApp, item: Item) {
    t.store.put(item, Condition::Any).await.unwrap();
}

async fn a_healthy_app_has_nothing_to_report(t: TestApp) {
    let p = populate(&t).await;
    // An authenticator user in an app of its own (an app has one kind of second factor), with
    // a login waiting for its code.
    let google = t
        .create_app(json!({"twoFactorVerification": "google", "googleAppName": "Demo"}))
        .await;
    let tom = t.signed_up_access(&google, "tom@example.com").await;
    t.set_two_factor_google(&tom, json!({"twoFactor": true}))
        .await
        .ok_json();
    let waiting = t.login(&google, "tom@example.com", PW).await.ok_json();
    assert!(waiting["login-token"].is_string(), "{waiting}");

    assert_eq!(
        findings(&t, &Scope::App(p.app.app_id.clone())).await,
        BTreeSet::new()
    );
    assert_eq!(
        findings(&t, &Scope::App(google.app_id)).await,
        BTreeSet::new()
    );
    assert_eq!(findings(&t, &Scope::Table).await, BTreeSet::new());
}

on_both_engines!(#[tokio::test] a_healthy_app_has_nothing_to_report:
    a_healthy_app_has_nothing_to_report_on_sqlite,
    a_healthy_app_has_nothing_to_report_on_dynamodb);

/// Breaks one invariant after another through the store port; after each, the findings are
/// exactly those of the breaks so far.
async fn each_broken_invariant_is_named_and_only_it(t: TestApp) {
    let p = populate(&t).await;
    let app = p.app.app_id.clone();
    let scope = Scope::App(app.clone());
    let mut expected = BTreeSet::new();
    let user_key = |id: &str| table_keys::user(id);
    let stored = |key: Key| {
        let store = t.store.clone();
        async move { store.get(&key).await.unwrap().expect("the item") }
    };

    // A user whose handle claim is gone.
    let claim = table_keys::handle_claim(&app, "alice@example.com");
    let alice_claim = stored(claim.clone()).await;
    t.store.delete(&claim, Condition::Any).await.unwrap();
    expected.insert(seen("handle-claim-missing", &user_key(&p.alice)));
    assert_eq!(findings(&t, &scope).await, expected, "handle claim deleted");

    // A handle claim naming another user: wrong from both ends.
    let claim = table_keys::handle_claim(&app, "dave@example.com");
    let mut item = stored(claim.clone()).await;
    item.data = json!({"userId": p.bob});
    put(&t, item).await;
    expected.insert(seen("handle-claim-elsewhere", &user_key(&p.dave)));
    expected.insert(seen("handle-claim-orphan", &claim));
    assert_eq!(findings(&t, &scope).await, expected, "handle claim moved");

    // A handle claim whose user never existed.
    let ghost = table_keys::handle_claim(&app, "ghost@example.com");
    put(
        &t,
        Item::new(ghost.clone(), json!({"userId": "no-such-user"})),
    )
    .await;
    expected.insert(seen("handle-claim-orphan", &ghost));
    assert_eq!(findings(&t, &scope).await, expected, "ghost handle claim");

    // Username claims: the user's is gone, and one names nobody.
    let name = table_keys::user_name_claim(&app, "alice_a");
    t.store.delete(&name, Condition::Any).await.unwrap();
    expected.insert(seen("username-claim-missing", &user_key(&p.alice)));
    let ghost = table_keys::user_name_claim(&app, "ghost_g");
    put(
        &t,
        Item::new(ghost.clone(), json!({"userId": "no-such-user"})),
    )
    .await;
    expected.insert(seen("username-claim-orphan", &ghost));
    assert_eq!(findings(&t, &scope).await, expected, "username claims");

    // Phone claims: bob's verified number loses its claim; a claim names a user who never
    // verified that number.
    let bobs = table_keys::phone_claim(&app, &phone_digest(&t.state, PHONE_B));
    t.store.delete(&bobs, Condition::Any).await.unwrap();
    expected.insert(seen("phone-claim-missing", &user_key(&p.bob)));
    let carols = table_keys::phone_claim(&app, &phone_digest(&t.state, PHONE_C));
    put(&t, Item::new(carols.clone(), json!({"userId": p.carol}))).await;
    expected.insert(seen("phone-claim-orphan", &carols));
    assert_eq!(findings(&t, &scope).await, expected, "phone claims");

    // Identity claims: a linked identity without its claim, and a claim of nobody.
    edit_user(&t, &p.carol, |u| {
        u["social"] = json!({"provider": "apple", "sub": "apple-sub-1"});
    })
    .await;
    expected.insert(seen("identity-claim-missing", &user_key(&p.carol)));
    let ghost = table_keys::identity_claim(&app, "google", "google-sub-9");
    put(
        &t,
        Item::new(ghost.clone(), json!({"userId": "no-such-user"})),
    )
    .await;
    expected.insert(seen("identity-claim-orphan", &ghost));
    assert_eq!(findings(&t, &scope).await, expected, "identity claims");

    // An invite whose sender is gone: dave's invite, copied under a sender who never was.
    let daves = table_keys::invite(&app, "frank@example.com", &p.dave);
    let mut invite = stored(daves).await;
    invite.data["inviter"] = json!("deleted-sender");
    invite.key = table_keys::invite(&app, "frank@example.com", "deleted-sender");
    invite.index = Some(table_keys::invite_listing(
        &app,
        "frank@example.com",
        "deleted-sender",
    ));
    let orphan_invite = invite.key.clone();
    put(&t, invite).await;
    expected.insert(seen("invite-from-deleted-sender", &orphan_invite));
    assert_eq!(
        findings(&t, &scope).await,
        expected,
        "invite of a deleted sender"
    );

    // Pending items that never expire: erin's signup, alice's reset, bob's login, carol's phone.
    for key in [
        table_keys::signup(&app, "erin@example.com"),
        table_keys::reset(&app, "alice@example.com"),
        table_keys::pending_login(&p.bob),
        table_keys::phone_verification(&p.carol),
    ] {
        let mut item = stored(key.clone()).await;
        item.expires_at = None;
        put(&t, item).await;
        expected.insert(seen("no-expiry", &key));
    }
    assert_eq!(
        findings(&t, &scope).await,
        expected,
        "pending items without expiry"
    );

    // A code-tries counter past its ceiling.
    let tries = table_keys::reset_tries(&app, "alice@example.com");
    let mut counter = Item::new(tries.clone(), json!({})).expiring_at(t.now_secs() + 600);
    counter.counter = 9;
    put(&t, counter).await;
    expected.insert(seen("counter-above-limit", &tries));
    assert_eq!(
        findings(&t, &scope).await,
        expected,
        "counter above its limit"
    );

    // Audit entries about a user who never existed (gina's, deleted, are no finding).
    let entry = table_keys::audit_of_user(&app, "never-was", "5000000000000#x");
    let record = json!({"id": "x", "at": 1, "event": "login.failed", "userId": "never-was",
        "client": "127.0.0.1", "adminKey": null, "details": {}});
    put(&t, Item::new(entry.clone(), record)).await;
    expected.insert(seen("audit-of-unknown-user", &entry));
    assert_eq!(
        findings(&t, &scope).await,
        expected,
        "audit of an unknown user"
    );

    // A record the domain cannot read: dave's user loses its handle field.
    edit_user(&t, &p.dave, |u| {
        u.as_object_mut().unwrap().remove("handle");
    })
    .await;
    expected.remove(&seen("handle-claim-elsewhere", &user_key(&p.dave)));
    expected.insert(seen("invalid-record", &user_key(&p.dave)));
    assert_eq!(findings(&t, &scope).await, expected, "an unreadable user");

    // The whole table also sees an item of a user who is gone, outside every app's listings.
    let stray = table_keys::factors("gone-user");
    put(&t, Item::new(stray.clone(), json!({}))).await;
    let mut whole = expected.clone();
    whole.insert(seen("orphan-user-item", &stray));
    assert_eq!(findings(&t, &Scope::Table).await, whole, "the whole table");

    // Pages of one, or of three, find what one page finds, item for item.
    let (_, all_checked, one_page) = walk(&t, &scope, doctor::MAX_PAGE).await;
    for limit in [1, 3] {
        let (paged, checked, pages) = walk(&t, &scope, limit).await;
        assert!(pages > one_page, "pages of {limit}: {pages}");
        assert_eq!(paged.iter().cloned().collect::<BTreeSet<_>>(), expected);
        assert_eq!(paged.len(), expected.len(), "pages of {limit}");
        assert_eq!(checked, all_checked, "pages of {limit}");
    }
    let (paged, _, _) = walk(&t, &Scope::Table, 2).await;
    assert_eq!(paged.into_iter().collect::<BTreeSet<_>>(), whole);

    // Repaired, it is clean again (the checker only reads: nothing else changed).
    t.store.put(alice_claim, Condition::Any).await.unwrap();
    expected.remove(&seen("handle-claim-missing", &user_key(&p.alice)));
    assert_eq!(findings(&t, &scope).await, expected, "repaired");
}

on_both_engines!(#[tokio::test] each_broken_invariant_is_named_and_only_it:
    each_broken_invariant_is_named_and_only_it_on_sqlite,
    each_broken_invariant_is_named_and_only_it_on_dynamodb);

/// The admin route: pages with a cursor, its findings as the domain names them; a bad cursor,
/// a bad limit and an unknown app are refused, as is a request without the admin key.
/// An app deletion stopped halfway (a batch of one, as a failure would stop it) is one finding at
/// the app, not one per half-purged user; the same `DELETE`, resumed to the end, clears it.
#[tokio::test]
async fn an_app_deletion_stopped_halfway_is_one_finding_until_resumed() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    for handle in ["a@example.com", "b@example.com", "c@example.com"] {
        t.quick_user(&app, handle, json!({})).await;
    }
    let path = format!("{}?batch=1", app.admin_path(""));
    assert_eq!(t.admin("DELETE", &path, None).await.status, 202);
    let app_key = table_keys::app(&app.app_id);
    assert_eq!(
        findings(&t, &Scope::Table).await,
        BTreeSet::from([seen("app-deletion-unfinished", &app_key)])
    );
    for _ in 0..20 {
        if t.admin("DELETE", &path, None).await.status == 200 {
            break;
        }
    }
    assert!(findings(&t, &Scope::Table).await.is_empty());
}

#[tokio::test]
async fn the_admin_route_pages_the_check_and_refuses_bad_input() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    t.quick_user(&app, "a@example.com", json!({})).await;
    t.quick_user(&app, "b@example.com", json!({})).await;
    let ghost = table_keys::handle_claim(&app.app_id, "ghost@example.com");
    put(&t, Item::new(ghost.clone(), json!({"userId": "nobody"}))).await;

    let path = format!("/admin/apps/{}/doctor", app.app_id);
    let mut cursor: Option<String> = None;
    let (mut found, mut pages) = (Vec::new(), 0);
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=1&cursor={c}"),
            None => format!("{path}?limit=1"),
        };
        let page = t.admin("GET", &url, None).await.ok_json();
        pages += 1;
        found.extend(page["findings"].as_array().unwrap().iter().cloned());
        assert!(page["checked"].is_u64(), "{page}");
        match page["cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert!(pages > 2, "{pages}");
    assert_eq!(
        found,
        vec![
            json!({"problem": "handle-claim-orphan", "pk": ghost.pk, "sk": "HANDLE",
            "detail": "user nobody does not exist"})
        ]
    );
    let whole = t
        .admin("GET", "/admin/doctor?limit=1000", None)
        .await
        .ok_json();
    assert_eq!(whole["findings"].as_array().unwrap().len(), 1, "{whole}");
    assert!(whole["cursor"].is_null(), "{whole}");

    for bad in ["?cursor=garbage", "?limit=0", "?limit=1001"] {
        let r = t.admin("GET", &format!("{path}{bad}"), None).await;
        assert_eq!(r.json()["code"], 602, "{bad}: {}", r.text);
    }
    let other = t.create_app(json!({})).await;
    let first = t
        .admin("GET", &format!("{path}?limit=1"), None)
        .await
        .ok_json();
    let foreign = format!(
        "/admin/apps/{}/doctor?limit=1&cursor={}",
        other.app_id,
        first["cursor"].as_str().unwrap()
    );
    let r = t.admin("GET", &foreign, None).await;
    assert_eq!(r.json()["code"], 602, "{}", r.text);
    // An unknown app answers as on every admin route; no key, 617.
    let unknown = t.admin("GET", "/admin/apps/no-such-app/doctor", None).await;
    unknown.assert_error(400, 401);
    t.get(&path, &[]).await.assert_error(401, 617);
}

/// `keyturn doctor` over a real `keyturn serve`: clean is exit 0; a broken claim written into
/// the server's store is a line naming it and exit 1; `--json` pages of one give the same.
#[tokio::test]
async fn the_cli_pages_through_the_check_and_exits_1_on_findings() {
    use crate::support::cli::{KEY, cli, serve};
    let server = serve().await;
    let run = |args: &[&str]| cli(&server.url, Some(KEY), args);
    let out = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let created = run(&["--json", "app", "create", "Checked", "signupFlow=none"]);
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    let app_id = created["appId"].as_str().unwrap().to_owned();

    let clean = run(&["doctor", "--app", &app_id]);
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert!(out(&clean).contains(": 0 problem(s)"), "{}", out(&clean));

    let store = keyturn::store::sqlite::SqliteStore::open(
        &server.dir.join("keyturn.sqlite3"),
        std::sync::Arc::new(keyturn::clock::SystemClock),
    )
    .unwrap();
    let ghost = table_keys::handle_claim(&app_id, "ghost@example.com");
    keyturn::store::ItemStore::put(
        &store,
        Item::new(ghost.clone(), json!({"userId": "nobody"})),
        Condition::Any,
    )
    .await
    .unwrap();

    let broken = run(&["doctor", "--app", &app_id]);
    assert_eq!(broken.status.code(), Some(1), "{broken:?}");
    let text = out(&broken);
    assert!(text.contains("handle-claim-orphan"), "{text}");
    assert!(text.contains(&ghost.pk), "{text}");
    assert!(text.contains(": 1 problem(s)"), "{text}");

    let json = run(&["--json", "doctor", "--limit", "1"]);
    assert_eq!(json.status.code(), Some(1), "{json:?}");
    let doc: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["findings"][0]["problem"], "handle-claim-orphan");
    assert!(doc["pages"].as_u64().unwrap() > 1, "{doc}");
}

/// The figure in `docs/operations.md`: `DOCTOR_USERS` users (default 1000) written over moto as
/// the account flows write them (user record and handle claim), then timed
/// checks of the whole table and of the app (`DOCTOR_SCOPES`, default `table,app`).
/// `bash tests/doctor_figure.sh` runs it for a few sizes; it prints one `doctor-figure` line per
/// check.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a measurement, run by tests/doctor_figure.sh"]
async fn how_long_a_check_takes_over_moto() {
    use keyturn::domain::accounts;
    use keyturn::domain::common::repo;
    let n: usize = std::env::var("DOCTOR_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let t = TestApp::over_dynamodb().await;
    let app = t.create_app(json!({"signupFlow": "none"})).await;
    let (record, _) = repo::existing_app(&t.state, &app.app_id).await.unwrap();
    let started = std::time::Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for i in 0..n {
        let (state, record) = (t.state.clone(), record.clone());
        writers.spawn(async move {
            let handle = format!("user{i}@example.com");
            let mut user = accounts::new_user(
                &state,
                &record,
                &handle,
                "$argon2id$placeholder".into(),
                serde_json::Map::new(),
                "EN".into(),
            );
            // The tests' code generator is deterministic; ids must differ.
            user.user_id = format!("figure{i:08}");
            // The user and its claim as the account flows write them, but as two puts: moto
            // copies every table for each transaction's rollback, which would time the
            // emulator's copying, not the checker.
            for item in [
                repo::user_item(&user, 1).unwrap(),
                repo::handle_claim_item(&user).unwrap(),
            ] {
                state.store.put(item, Condition::Any).await.unwrap();
            }
        });
        if writers.len() >= 4 {
            writers.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = writers.join_next().await {
        done.unwrap();
    }
    eprintln!(
        "doctor-figure users={n} written_s={:.1}",
        started.elapsed().as_secs_f64()
    );
    let scopes = std::env::var("DOCTOR_SCOPES").unwrap_or_else(|_| "table,app".into());
    for (scope, name) in [
        (Scope::Table, "table"),
        (Scope::App(app.app_id.clone()), "app"),
    ] {
        if !scopes.split(',').any(|s| s == name) {
            continue;
        }
        for limit in [200, 1000] {
            let started = std::time::Instant::now();
            let (seen, checked, pages) = walk(&t, &scope, limit).await;
            let secs = started.elapsed().as_secs_f64();
            assert!(seen.is_empty(), "{seen:?}");
            eprintln!(
                "doctor-figure users={n} scope={name} limit={limit} items={checked} pages={pages} \
                 seconds={secs:.1} per_1k_users={:.1}",
                secs * 1000.0 / n as f64
            );
        }
    }
}
