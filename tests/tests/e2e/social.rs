//! Sign in with Apple and Google (`socialLogin`, `socialSignup`): tokens from a fake issuer on
//! loopback signed by an independent library, every forgery the original accepted refused with
//! 613, the JWKS fetch rules, nonces, and the account table on both engines.

use std::sync::Arc;

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::support::app::{OTHER_PW, PW, Resp, TestApp, TestAppInfo};
use crate::support::factors::login_token;
use crate::support::flows::{app_token, wrong_code};
use crate::support::jwt::verify_user_jwt;
use crate::support::peer::{Encoding, form_body};
use crate::support::routes::{
    DELETE_ACCOUNT, GET_USER, LINK_SOCIAL_ACCOUNT, LOGIN, SOCIAL_LOGIN, SOCIAL_SIGNUP,
};
use crate::support::social::{
    APPLE_AUD, FakeIssuer, GOOGLE_AUD, claims, header_jwk, hs256_with_public_key, keys, random_kid,
    sign, sign_with_header, social_settings, unsigned,
};
use crate::support::users::{access, user_id};

async fn social_app(t: &TestApp, extra: Value) -> TestAppInfo {
    t.create_app(social_settings(extra)).await
}

fn body(token: &str, provider: &str) -> Value {
    json!({"token": token, "provider": provider})
}

/// Runs `story(stack, issuer)` over SQLite and over DynamoDB (moto, at wall time), each stack's
/// keys from a fresh fake issuer: the social suites whose answers depend on the store.
macro_rules! with_issuer_on_both_engines {
    (#[$attr:meta] $story:ident: $sqlite:ident, $dynamodb:ident) => {
        #[$attr]
        async fn $sqlite() {
            let issuer = FakeIssuer::start().await;
            let t = issuer.stack().await;
            $story(t, issuer).await;
        }

        #[$attr]
        async fn $dynamodb() {
            let issuer = FakeIssuer::start().await;
            let t = issuer
                .stack_with(TestApp::builder().wall_clock().dynamodb())
                .await;
            $story(t, issuer).await;
        }
    };
}

#[tokio::test]
async fn google_and_apple_users_sign_up_and_log_in_and_their_jwt_verifies() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack_with(TestApp::builder().wall_clock()).await;
    let info = social_app(&t, json!({})).await;
    for (provider, sub, email) in [
        ("google", "g-1", "gina@gmail.com"),
        ("apple", "a-1", "abe@example.com"),
    ] {
        let session = t
            .social_signup_as(&issuer, &info, provider, sub, email)
            .await
            .assert_session();
        let jwt = session["jwt"].as_str().unwrap();
        let verified = verify_user_jwt(&t, &info.app_id, jwt, &info.app_id)
            .await
            .unwrap();
        assert_eq!(verified["email"], email);
        let profile = t
            .get(GET_USER, &[("access-token", &access(&session))])
            .await
            .ok_json();
        assert_eq!(profile["loginProvider"], provider);
        let token = issuer.token(provider, &claims(provider, sub, email, t.now_secs()));
        let again = t.social_login(&info, body(&token, provider)).await;
        assert_eq!(user_id(&again.assert_session()), user_id(&session));
    }
    let public = t.get_application(&info.app_token).await.ok_json();
    assert_eq!(public["appleLoginEnabled"], true);
    assert_eq!(public["appleBundleId"], APPLE_AUD);
    assert_eq!(public["googleClientId"], format!("web-client,{GOOGLE_AUD}"));
}

#[tokio::test]
async fn every_forgery_and_bad_claim_is_613() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({"googleAuthorizedParties": "ios-client"})).await;
    let now = t.now_secs();
    let good = || {
        let mut c = claims("apple", "a-1", "abe@example.com", now);
        c["email_verified"] = json!("true");
        c
    };
    t.social_signup(&info, json!({"token": issuer.token("apple", &good()), "provider": "apple", "handle": "abe@example.com"}))
        .await
        .assert_session();
    let apple_key = issuer.current_key("apple");
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut c = good();
        edit(&mut c);
        issuer.token("apple", &c)
    };
    let tampered = {
        let token = issuer.token("apple", &good());
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut c = good();
        c["sub"] = json!("someone-else");
        parts[1] = base64_json(&c);
        parts.join(".")
    };
    let forgeries = [
        (
            "HS256 MACed with the public key",
            hs256_with_public_key(apple_key, &good()),
        ),
        ("alg none", unsigned(&apple_key.kid, &good())),
        ("RS384", sign(apple_key, Algorithm::RS384, &good())),
        ("PS256", sign(apple_key, Algorithm::PS256, &good())),
        (
            "signed by an unpublished key",
            sign(&keys()[2], Algorithm::RS256, &good()),
        ),
        (
            "signed by Google's key",
            sign(&keys()[1], Algorithm::RS256, &good()),
        ),
        ("tampered payload", tampered),
        (
            "wrong issuer",
            with(&|c| c["iss"] = json!("https://evil.example.com")),
        ),
        (
            "Google's issuer",
            with(&|c| c["iss"] = json!("https://accounts.google.com")),
        ),
        (
            "wrong audience",
            with(&|c| c["aud"] = json!("com.other.app")),
        ),
        (
            "expired past the leeway",
            with(&|c| c["exp"] = json!(now - 61)),
        ),
        (
            "issued in the future",
            with(&|c| c["iat"] = json!(now + 120)),
        ),
        ("not yet valid", with(&|c| c["nbf"] = json!(now + 120))),
        (
            "lives over a day",
            with(&|c| {
                c["iat"] = json!(now - 10);
                c["exp"] = json!(now + 86_400);
            }),
        ),
        (
            "no sub",
            with(&|c| {
                c.as_object_mut().unwrap().remove("sub");
            }),
        ),
        ("garbage", "not.a.token".to_owned()),
        ("a kid that walks a path", {
            let header = base64_json(&json!({"alg": "RS256", "kid": "../../google/keys"}));
            let token = issuer.token("apple", &good());
            format!("{header}.{}", token.split_once('.').unwrap().1)
        }),
        (
            "no kid",
            sign_with_header(apple_key, |h| h.kid = None, &good()),
        ),
        (
            "a crit header",
            sign_with_header(apple_key, |h| h.crit = Some(vec!["exp".into()]), &good()),
        ),
        // The key named by the token itself is never used: an attacker's key embedded as `jwk`
        // under Apple's kid, or a `jku`/`x5u` pointing at a key set that holds the signing key.
        (
            "an attacker's key embedded as jwk",
            sign_with_header(
                &keys()[2],
                |h| {
                    h.kid = Some(apple_key.kid.clone());
                    h.jwk = Some(header_jwk(&keys()[2]));
                },
                &good(),
            ),
        ),
        (
            "a jku naming a key set that holds the signing key",
            sign_with_header(
                &keys()[1],
                |h| h.jku = Some(issuer.keys_url("google")),
                &good(),
            ),
        ),
        (
            "an x5u naming a key set that holds the signing key",
            sign_with_header(
                &keys()[1],
                |h| h.x5u = Some(issuer.keys_url("google")),
                &good(),
            ),
        ),
    ];
    for (what, token) in forgeries {
        let r = t.social_login(&info, body(&token, "apple")).await;
        r.assert_error(400, 613);
        let head = &token[..token.len().min(20)];
        assert!(
            !r.text.contains(head),
            "{what}: the answer echoes the token"
        );
    }
    assert_eq!(
        issuer.fetches("google"),
        0,
        "no URL in a token is ever fetched"
    );
    // Ignored, not refused: a genuine token whose header also names other keys still passes.
    let genuine_with_jku = sign_with_header(
        apple_key,
        |h| {
            h.jku = Some(issuer.keys_url("google"));
            h.x5u = Some(issuer.keys_url("google"));
        },
        &good(),
    );
    t.social_login(&info, body(&genuine_with_jku, "apple"))
        .await
        .assert_session();
    // Leeway: a token that expired 59 s ago still passes.
    let late = with(&|c| c["exp"] = json!(now - 59));
    t.social_login(&info, body(&late, "apple"))
        .await
        .assert_session();
    // Google: the azp must be an authorized party when the app lists any; aud may be an array.
    let g = |azp: &str, aud: Value| {
        let mut c = claims("google", "g-1", "gina@gmail.com", now);
        c["azp"] = json!(azp);
        c["aud"] = aud;
        c["iss"] = json!("accounts.google.com");
        issuer.token("google", &c)
    };
    let wrong_azp = g("other", json!(GOOGLE_AUD));
    t.social_signup(
        &info,
        json!({"token": wrong_azp, "provider": "google", "handle": "gina@gmail.com"}),
    )
    .await
    .assert_error(400, 613);
    let good_google = g("ios-client", json!(["somebody-else", GOOGLE_AUD]));
    t.social_signup(
        &info,
        json!({"token": good_google, "provider": "google", "handle": "gina@gmail.com"}),
    )
    .await
    .assert_session();
    let audit = t
        .admin("GET", &info.admin_path("/audit?limit=50"), None)
        .await
        .ok_json();
    let refused = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "social.login.failed")
        .count();
    assert!(refused >= 22, "{refused} social.login.failed entries");
    assert!(
        !audit.to_string().contains(&late[..40]),
        "the audit trail holds no token"
    );
}

fn base64_json(v: &Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn both_apple_issuers_and_string_booleans_are_accepted() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    let mut c = claims(
        "apple",
        "a-2",
        "relay@privaterelay.appleid.com",
        t.now_secs(),
    );
    c["iss"] = json!("https://account.apple.com");
    c["email_verified"] = json!("true");
    c["is_private_email"] = json!("true");
    let token = issuer.token("apple", &c);
    t.social_signup(
        &info,
        json!({"token": token, "provider": "apple", "handle": "relay@privaterelay.appleid.com"}),
    )
    .await
    .assert_session();
    // "false" is false: no signup without a verified email, and none without an email.
    c["sub"] = json!("a-3");
    c["email"] = json!("x@example.com");
    c["email_verified"] = json!("false");
    let unverified = issuer.token("apple", &c);
    t.social_signup(
        &info,
        json!({"token": unverified, "provider": "apple", "handle": "x@example.com"}),
    )
    .await
    .assert_error(400, 613);
    c.as_object_mut().unwrap().remove("email");
    let no_email = issuer.token("apple", &c);
    t.social_signup(
        &info,
        json!({"token": no_email, "provider": "apple", "handle": "x@example.com"}),
    )
    .await
    .assert_error(400, 613);
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_a_minute_and_a_rotation_is_picked_up() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    t.social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 1);
    t.clock.advance_secs(61);
    for i in 0..25 {
        let mut c = claims("google", "g-1", "gina@gmail.com", t.now_secs());
        c["sub"] = json!(format!("g-{i}"));
        // Google's own key under a random kid: only the kid is unknown.
        let token = sign_with_header(
            issuer.current_key("google"),
            |h| h.kid = Some(random_kid()),
            &c,
        );
        t.social_login(&info, body(&token, "google"))
            .await
            .assert_error(400, 613);
    }
    assert_eq!(
        issuer.fetches("google"),
        2,
        "one refetch for 25 unknown kids in a minute"
    );
    // Google rotates to key 2: unknown until the minute has passed, then fetched once.
    issuer.publish("google", &[2, 1]);
    let rotated = |t: &TestApp| {
        issuer.token(
            "google",
            &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
        )
    };
    t.social_login(&info, body(&rotated(&t), "google"))
        .await
        .assert_error(400, 613);
    t.clock.advance_secs(61);
    t.social_login(&info, body(&rotated(&t), "google"))
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 3);
    // Known kids are served from the cache; Apple's keys were never fetched.
    t.social_login(&info, body(&rotated(&t), "google"))
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 3);
    assert_eq!(issuer.fetches("apple"), 0);
}

#[tokio::test]
async fn the_cache_follows_max_age_and_survives_a_provider_outage() {
    let issuer = FakeIssuer::start().await;
    issuer.set_max_age(10); // clamped up to 5 minutes
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    t.social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
    let login = |t: &TestApp| {
        issuer.token(
            "google",
            &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
        )
    };
    t.clock.advance_secs(200);
    t.social_login(&info, body(&login(&t), "google"))
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 1, "fresh for at least 5 minutes");
    t.clock.advance_secs(200);
    t.social_login(&info, body(&login(&t), "google"))
        .await
        .assert_session();
    assert_eq!(
        issuer.fetches("google"),
        2,
        "stale after 5 minutes: refetched"
    );
    // An outage: the provider answers 500, then an empty key set; the last good set serves.
    issuer.set_down(true);
    t.clock.advance_secs(400);
    t.social_login(&info, body(&login(&t), "google"))
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 3);
    issuer.set_down(false);
    issuer.publish("google", &[]);
    t.clock.advance_secs(61);
    let signed = sign(
        &keys()[1],
        Algorithm::RS256,
        &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
    );
    t.social_login(&info, body(&signed, "google"))
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 4);
}

/// The nonce rules; single use is a conditional write of a TTL item, so on both engines.
async fn nonces(t: TestApp, issuer: FakeIssuer) {
    let info = social_app(&t, json!({})).await;
    t.social_signup_as(&issuer, &info, "apple", "a-1", "abe@example.com")
        .await
        .assert_session();
    let raw = "n-0123456789";
    let hashed = keyturn::crypto::sha256_hex(raw);
    let with_nonce = |nonce: &str| {
        let mut c = claims("apple", "a-1", "abe@example.com", t.now_secs());
        c["nonce"] = json!(nonce);
        issuer.token("apple", &c)
    };
    let token = with_nonce(&hashed);
    let login =
        |token: &str, nonce: &str| json!({"token": token, "provider": "apple", "nonce": nonce});
    t.social_login(&info, login(&token, raw))
        .await
        .assert_session();
    t.social_login(&info, login(&token, raw))
        .await
        .assert_error(400, 613);
    let raw_in_token = with_nonce("other-raw");
    t.social_login(&info, login(&raw_in_token, "other-raw"))
        .await
        .assert_error(400, 613);
    // A token with a nonce the request does not carry (GoogleSignIn-iOS adds its own).
    t.social_login(&info, body(&with_nonce("library-nonce"), "apple"))
        .await
        .assert_session();
    // When the app requires nonces, a request without one is refused.
    t.patch_app(&info, json!({"socialNonceRequired": true}))
        .await
        .ok_json();
    t.social_login(&info, body(&with_nonce("library-nonce"), "apple"))
        .await
        .assert_error(400, 613);
    let fresh = with_nonce(&keyturn::crypto::sha256_hex("n-2"));
    t.social_login(&info, login(&fresh, "n-2"))
        .await
        .assert_session();
}

with_issuer_on_both_engines!(#[tokio::test] nonces:
    nonces_must_be_hashed_into_the_token_and_are_single_use_over_sqlite,
    nonces_must_be_hashed_into_the_token_and_are_single_use_over_dynamodb);

#[tokio::test]
async fn swift_form_bodies_with_a_plus_in_the_handle_and_case_differences_sign_up() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    let token = issuer.token(
        "google",
        &claims("google", "g-9", "a+b@gmail.com", t.now_secs()),
    );
    let form = format!("token={token}&provider=google&handle=A+b@Gmail.com&locale=EN");
    let r = t.post_form(SOCIAL_SIGNUP, &app_token(&info), &form).await;
    r.assert_session();
    let other = issuer.token(
        "google",
        &claims("google", "g-10", "c@gmail.com", t.now_secs()),
    );
    t.social_signup(
        &info,
        json!({"token": other, "provider": "google", "handle": "d@gmail.com"}),
    )
    .await
    .assert_error(400, 613);
}

#[tokio::test]
async fn app_settings_gate_the_routes() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(
        &t,
        json!({"appleLoginEnabled": false, "googleClientId": "", "signupEnabled": false}),
    )
    .await;
    let token = issuer.token(
        "apple",
        &claims("apple", "a-1", "abe@example.com", t.now_secs()),
    );
    t.social_login(&info, body(&token, "apple"))
        .await
        .assert_error(400, 415);
    t.social_login(&info, body(&token, "google"))
        .await
        .assert_error(400, 416);
    t.social_login(&info, body(&token, "facebook"))
        .await
        .assert_error(400, 602);
    t.social_login(&info, json!({"provider": "apple"}))
        .await
        .assert_error(400, 403);
    t.patch_app(&info, json!({"appleLoginEnabled": true}))
        .await
        .ok_json();
    t.social_signup(
        &info,
        json!({"token": token, "provider": "apple", "handle": "abe@example.com"}),
    )
    .await
    .assert_error(400, 407);
    t.social_login(&info, body(&token, "apple"))
        .await
        .assert_error(400, 603);
    // Audience lists: a JSON list is read, shown as the original's CSV; more than 20 is 602.
    let shown = t
        .patch_app(&info, json!({"appleBundleId": ["a.b", " c.d "]}))
        .await
        .ok_json();
    assert_eq!(shown["appleBundleId"], "a.b,c.d", "{shown}");
    let many: Vec<String> = (0..21).map(|i| format!("id{i}")).collect();
    t.patch_app(&info, json!({"appleBundleId": many.join(",")}))
        .await
        .assert_error(400, 602);
    t.patch_app(&info, json!({"socialLinking": "always"}))
        .await
        .assert_error(400, 602);
}

/// The account table of socialSignup and socialLogin, on one engine.
async fn account_table(t: TestApp, issuer: FakeIssuer) {
    let info = social_app(&t, json!({})).await;
    let now = t.now_secs();
    // A verified password account (code flow, proven): 610 on signup and login.
    let code_app = t.patch_app(&info, json!({"signupFlow": "code"})).await;
    code_app.ok_json();
    t.signed_up_user(&info, "pat@gmail.com").await;
    t.patch_app(&info, json!({"signupFlow": "none"}))
        .await
        .ok_json();
    t.social_signup_as(&issuer, &info, "google", "g-pat", "pat@gmail.com")
        .await
        .assert_error(400, 610);
    let pat = issuer.token("google", &claims("google", "g-pat", "pat@gmail.com", now));
    t.social_login(&info, body(&pat, "google"))
        .await
        .assert_error(400, 610);
    // ... linked on login when the app opts in and Google is authoritative for gmail.com.
    t.patch_app(&info, json!({"socialLinking": "verified"}))
        .await
        .ok_json();
    t.social_login(&info, body(&pat, "google"))
        .await
        .assert_session();
    t.login(&info, "pat@gmail.com", PW).await.assert_session();
    // ... but not when Google is not authoritative for the address (neither gmail.com nor a
    // hosted domain's `hd`), nor when the account has a second factor.
    t.patch_app(&info, json!({"signupFlow": "code"}))
        .await
        .ok_json();
    t.signed_up_user(&info, "pam@corp.example").await;
    let tom = t.signed_up_access(&info, "tom@gmail.com").await;
    t.patch_app(
        &info,
        json!({"signupFlow": "none", "twoFactorVerification": "google"}),
    )
    .await
    .ok_json();
    t.set_two_factor_google(&tom, json!({"twoFactor": true}))
        .await
        .ok_json();
    let pam = |hd: Option<&str>| {
        let mut c = claims("google", "g-pam", "pam@corp.example", now);
        if let Some(hd) = hd {
            c["hd"] = json!(hd);
        }
        issuer.token("google", &c)
    };
    t.social_login(&info, body(&pam(None), "google"))
        .await
        .assert_error(400, 610);
    t.social_login(&info, body(&pam(Some("corp.example")), "google"))
        .await
        .assert_session();
    let tom_token = issuer.token("google", &claims("google", "g-tom", "tom@gmail.com", now));
    t.social_login(&info, body(&tom_token, "google"))
        .await
        .assert_error(400, 610);

    // An unverified password account (flow none): the social signup claims it.
    let squatter = t.quick_user(&info, "vic@gmail.com", json!({})).await;
    let claimed = t
        .social_signup_as(&issuer, &info, "google", "g-vic", "vic@gmail.com")
        .await
        .assert_session();
    assert_eq!(user_id(&claimed), user_id(&squatter));
    t.login(&info, "vic@gmail.com", PW)
        .await
        .assert_error(400, 600);
    t.get(GET_USER, &[("access-token", &access(&squatter))])
        .await
        .assert_error(400, 405);

    // The identity exists: 612 on signup (611 for Apple); login works.
    t.social_signup_as(&issuer, &info, "google", "g-vic", "vic@gmail.com")
        .await
        .assert_error(400, 612);
    t.social_signup_as(&issuer, &info, "apple", "a-1", "abe@example.com")
        .await
        .assert_session();
    t.social_signup_as(&issuer, &info, "apple", "a-1", "abe@example.com")
        .await
        .assert_error(400, 611);
    // The email belongs to another provider's account: 611 for a Google token naming it.
    t.social_signup_as(&issuer, &info, "google", "g-abe", "abe@example.com")
        .await
        .assert_error(400, 611);
    let g_abe = issuer.token("google", &claims("google", "g-abe", "abe@example.com", now));
    t.social_login(&info, body(&g_abe, "google"))
        .await
        .assert_error(400, 611);
    // No account at all: 603.
    let nobody = issuer.token("google", &claims("google", "g-x", "x@gmail.com", now));
    t.social_login(&info, body(&nobody, "google"))
        .await
        .assert_error(400, 603);

    // Suspended: 404.
    t.admin_user_action(&info, &user_id(&claimed), "suspend")
        .await
        .ok_json();
    let vic = issuer.token("google", &claims("google", "g-vic", "vic@gmail.com", now));
    t.social_login(&info, body(&vic, "google"))
        .await
        .assert_error(400, 404);

    let audit = t
        .admin("GET", &info.admin_path("/audit?limit=50"), None)
        .await
        .ok_json()
        .to_string();
    for event in ["social.signup", "social.linked", "account.claimed"] {
        assert!(audit.contains(event), "{event} missing");
    }
}

with_issuer_on_both_engines!(#[tokio::test] account_table:
    the_account_table_holds_over_sqlite, the_account_table_holds_over_dynamodb);

#[tokio::test]
async fn a_user_with_a_second_factor_gets_a_login_token_unless_the_app_skips_it() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({"twoFactorVerification": "google"})).await;
    let session = t
        .social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
    let enrolment = t
        .set_two_factor_google(&access(&session), json!({"twoFactor": true}))
        .await
        .ok_json();
    let token = || {
        issuer.token(
            "google",
            &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
        )
    };
    let r = t
        .social_login(&info, body(&token(), "google"))
        .await
        .ok_json();
    assert!(r["login-token"].is_string(), "{r}");
    assert!(r.get("jwt").is_none());
    // loginComplete finishes it, with a recovery code here.
    let recovery = enrolment["recoveryCodes"][0].as_str().unwrap();
    let done = t
        .login_complete(r["login-token"].as_str().unwrap(), recovery)
        .await
        .assert_session();
    assert_eq!(user_id(&done), user_id(&session));
    t.patch_app(&info, json!({"socialSecondFactor": "skip"}))
        .await
        .ok_json();
    t.social_login(&info, body(&token(), "google"))
        .await
        .assert_session();
}

/// Twenty parallel signups of one identity make one user.
async fn parallel_signups(t: TestApp, issuer: FakeIssuer) {
    let info = social_app(&t, json!({})).await;
    let token = issuer.token(
        "apple",
        &claims("apple", "a-par", "par@example.com", t.now_secs()),
    );
    // Warm the JWKS cache so the race is on the store, not the fetch.
    t.social_login(&info, body(&token, "apple"))
        .await
        .assert_error(400, 603);
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let state = t.state.clone();
        let req = TestApp::json_post(
            SOCIAL_SIGNUP,
            &app_token(&info),
            &json!({"token": token, "provider": "apple", "handle": "par@example.com"}),
        );
        set.spawn(async move {
            Resp::read(keyturn_infra::local_app(state).oneshot(req).await.unwrap()).await
        });
    }
    let mut users = std::collections::BTreeSet::new();
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        if r.status == 200 {
            users.insert(user_id(&r.json()));
        } else {
            let code = r.json()["code"].as_u64().unwrap();
            assert!([611, 610].contains(&code) || code == 602, "{}", r.text);
        }
    }
    assert_eq!(users.len(), 1, "one user for one identity");
    let listed = t
        .admin("GET", &info.admin_path("/users"), None)
        .await
        .ok_json();
    assert_eq!(listed["users"].as_array().unwrap().len(), 1, "{listed}");
}

with_issuer_on_both_engines!(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] parallel_signups:
    parallel_signups_of_one_identity_make_one_user_over_sqlite,
    parallel_signups_of_one_identity_make_one_user_over_dynamodb);

#[tokio::test]
async fn delete_account_with_a_token_needs_the_callers_own_identity() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    let gina = t
        .social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
    let otto = t
        .social_signup_as(&issuer, &info, "google", "g-2", "otto@gmail.com")
        .await
        .assert_session();
    let now = t.now_secs();
    let ottos = issuer.token("google", &claims("google", "g-2", "otto@gmail.com", now));
    t.delete_account_by_token(&access(&gina), &ottos)
        .await
        .assert_error(400, 600);
    let forged = hs256_with_public_key(
        issuer.current_key("google"),
        &claims("google", "g-1", "gina@gmail.com", now),
    );
    t.delete_account_by_token(&access(&gina), &forged)
        .await
        .assert_error(400, 613);
    let own = issuer.token("google", &claims("google", "g-1", "gina@gmail.com", now));
    t.delete_account_by_token(&access(&gina), &own)
        .await
        .assert_true();
    t.social_login(&info, body(&ottos, "google"))
        .await
        .assert_session();
    t.social_login(&info, body(&own, "google"))
        .await
        .assert_error(400, 603);
    // With nonces required, the social variant takes one as socialLogin does (without it no
    // social user of such an app could delete their account).
    t.patch_app(&info, json!({"socialNonceRequired": true}))
        .await
        .ok_json();
    let mut c = claims("google", "g-2", "otto@gmail.com", now);
    c["nonce"] = json!(keyturn::crypto::sha256_hex("n-otto"));
    let with_nonce = issuer.token("google", &c);
    t.delete_account_by_token(&access(&otto), &with_nonce)
        .await
        .assert_error(400, 613);
    let proven = json!({"token": with_nonce, "nonce": "n-otto"});
    t.post_json(DELETE_ACCOUNT, &[("access-token", &access(&otto))], proven)
        .await
        .assert_true();
    t.get_user(&access(&otto)).await.assert_error(400, 405);
}

#[tokio::test]
async fn a_password_account_links_an_identity_with_its_password_and_a_valid_token() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    let ann = t.quick_access(&info, "ann@example.com").await;
    let bob = t.quick_access(&info, "bob@example.com").await;
    let now = t.now_secs();
    // Apple relays: the identity's email need not be the account's.
    let token = issuer.token(
        "apple",
        &claims("apple", "a-ann", "x@privaterelay.appleid.com", now),
    );
    let link = |token: &str, pw: &str| json!({"token": token, "provider": "apple", "password": pw});
    t.link_social_account(&ann, link(&token, OTHER_PW))
        .await
        .assert_error(400, 600);
    t.link_social_account(&ann, json!({"token": token, "provider": "apple"}))
        .await
        .assert_error(400, 403);
    let forged = hs256_with_public_key(
        issuer.current_key("apple"),
        &claims("apple", "a-ann", "x@y.com", now),
    );
    t.link_social_account(&ann, link(&forged, PW))
        .await
        .assert_error(400, 613);
    t.link_social_account(&ann, link(&token, PW))
        .await
        .assert_true();
    t.link_social_account(&ann, link(&token, PW))
        .await
        .assert_true();
    t.link_social_account(&bob, link(&token, PW))
        .await
        .assert_error(400, 611);
    let logged_in = t
        .social_login(&info, body(&token, "apple"))
        .await
        .assert_session();
    let profile = t
        .get(GET_USER, &[("access-token", &access(&logged_in))])
        .await
        .ok_json();
    assert_eq!(profile["handle"], "ann@example.com");
    assert_eq!(profile["loginProvider"], "apple");
    t.login(&info, "ann@example.com", PW).await.assert_session();
}

#[tokio::test]
async fn a_deleted_social_account_frees_its_identity() {
    let issuer = FakeIssuer::start().await;
    let t = issuer.stack().await;
    let info = social_app(&t, json!({})).await;
    let session = t
        .social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
    let path = info.admin_path(&format!("/users/{}", user_id(&session)));
    t.admin("DELETE", &path, None).await.assert_ok();
    t.social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
}

#[tokio::test]
async fn the_local_runners_fake_issuer_mints_tokens_its_verifier_trusts() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (apple, google) = keyturn_infra::fake_social::jwks_urls(port);
    let t = TestApp::builder().jwks_urls(apple, google).build().await;
    let info = social_app(&t, json!({})).await;
    let fake = std::sync::Arc::new(keyturn_infra::fake_social::FakeSocial::new().unwrap());
    tokio::spawn(keyturn_infra::serve::serve_with(
        listener,
        t.state.clone(),
        fake.routes(),
        std::future::pending(),
    ));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mint =
        json!({"provider": "google", "sub": "g-1", "email": "gina@gmail.com", "aud": GOOGLE_AUD});
    let minted: Value = client
        .post(format!("{base}/local/social/token"))
        .json(&mint)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["token"].as_str().unwrap();
    t.social_signup(
        &info,
        json!({"token": token, "provider": "google", "handle": "gina@gmail.com"}),
    )
    .await
    .assert_session();
    t.social_login(&info, body(token, "google"))
        .await
        .assert_session();
    let keys = client
        .get(format!("{base}/local/social/apple/keys"))
        .send()
        .await
        .unwrap();
    assert_eq!(keys.headers()["cache-control"], "public, max-age=300");
    let foreign = client
        .post(format!("{base}/local/social/token"))
        .header("host", "evil.example.com")
        .json(&mint)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404, "loopback only, like the outbox");
}

/// `socialLogin` from the client address `ip` (JSON), for the per-address limits.
async fn social_login_from(t: &TestApp, ip: &str, info: &TestAppInfo, body: Value) -> Resp {
    t.post_from(ip, Encoding::Json, SOCIAL_LOGIN, &app_token(info), body)
        .await
}

/// A Google login under a random kid Google never published, genuinely signed (by a key of
/// the attacker's), from an address of its own (`i`), so no per-address limit hides a fetch.
async fn random_kid_login(t: &TestApp, info: &TestAppInfo, i: usize) -> Resp {
    let c = claims("google", &format!("g-{i}"), "gina@gmail.com", t.now_secs());
    let token = sign_with_header(&keys()[2], |h| h.kid = Some(random_kid()), &c);
    let ip = format!("10.18.{}.{}", i / 250, i % 250 + 1);
    social_login_from(t, &ip, info, body(&token, "google")).await
}

/// The "100 random kids in a minute = one fetch": half of them at once on a cold
/// instance (they wait for one in-flight fetch instead of each fetching), the rest spread over
/// the rest of the minute. Refetching per unknown kid, or outside the provider's lock, fails it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_random_kids_in_a_minute_cost_one_fetch() {
    let issuer = FakeIssuer::start().await;
    let t = Arc::new(issuer.stack().await);
    let info = social_app(&t, json!({})).await;
    let mut at_once = tokio::task::JoinSet::new();
    for i in 0..50 {
        let (t, info) = (t.clone(), info.clone());
        at_once.spawn(async move { random_kid_login(&t, &info, i).await });
    }
    for r in at_once.join_all().await {
        r.assert_error(400, 613);
    }
    assert_eq!(
        issuer.fetches("google"),
        1,
        "50 concurrent unknown kids on a cold instance: one fetch"
    );
    for i in 50..100 {
        t.clock.advance_secs(1);
        random_kid_login(&t, &info, i).await.assert_error(400, 613);
    }
    assert_eq!(
        issuer.fetches("google"),
        1,
        "100 random kids within 50 s: still the one fetch"
    );
    // The set fetched serves genuine tokens meanwhile, without another fetch.
    t.social_signup_as(&issuer, &info, "google", "g-1", "gina@gmail.com")
        .await
        .assert_session();
    assert_eq!(issuer.fetches("google"), 1);
    // A minute after that fetch, an unknown kid may look again: once.
    t.clock.advance_secs(10);
    for i in 100..110 {
        random_kid_login(&t, &info, i).await.assert_error(400, 613);
    }
    assert_eq!(issuer.fetches("google"), 2);
}

/// A user whose second factor is SMS: `socialLogin` texts a code and answers a login token;
/// `loginComplete` with the texted code gives the user's session (a wrong code does not).
async fn sms_second_factor(t: TestApp, issuer: FakeIssuer) {
    const PHONE: &str = "+12015550123";
    let info = social_app(&t, json!({"twoFactorVerification": "phone"})).await;
    let session = t
        .social_signup_as(&issuer, &info, "apple", "a-sam", "sam@example.com")
        .await
        .assert_session();
    let acc = access(&session);
    t.verified_phone(&acc, PHONE).await;
    t.set_two_factor_phone(&acc, json!({"twoFactor": true}))
        .await
        .assert_true();
    let before = t.messages_to(PHONE);
    let token = issuer.token(
        "apple",
        &claims("apple", "a-sam", "sam@example.com", t.now_secs()),
    );
    let pending = login_token(&t.social_login(&info, body(&token, "apple")).await);
    assert_eq!(t.messages_to(PHONE), before + 1, "the login texts a code");
    let code = t.last_code_for(PHONE);
    t.login_complete(&pending, &wrong_code(&code))
        .await
        .assert_error(400, 600);
    let done = t.login_complete(&pending, &code).await.assert_session();
    assert_eq!(user_id(&done), user_id(&session));
    let profile = t.get_user(&access(&done)).await.ok_json();
    assert_eq!(profile["loginProvider"], "apple");
    // The code was spent: the same login token and code give nothing more.
    t.login_complete(&pending, &code)
        .await
        .assert_error(400, 600);
}

with_issuer_on_both_engines!(#[tokio::test] sms_second_factor:
    an_sms_second_factor_is_texted_and_completes_the_social_login_over_sqlite,
    an_sms_second_factor_is_texted_and_completes_the_social_login_over_dynamodb);

/// A call to one route: its path, its credential headers and its fields.
type RouteCall<'a> = (&'static str, Vec<(&'static str, &'a str)>, Value);

/// The three social routes with the credential each takes, and a body that would succeed.
fn social_routes<'a>(info: &'a TestAppInfo, ann: &'a str, token: &str) -> [RouteCall<'a>; 3] {
    [
        (SOCIAL_LOGIN, app_token(info).to_vec(), body(token, "apple")),
        (
            SOCIAL_SIGNUP,
            app_token(info).to_vec(),
            json!({"token": token, "provider": "apple", "handle": "abe@example.com"}),
        ),
        (
            LINK_SOCIAL_ACCOUNT,
            vec![("access-token", ann)],
            json!({"token": token, "provider": "apple", "password": PW}),
        ),
    ]
}

/// The usual refusals on every social route: a body over 100 KiB (413/616, JSON and form) or
/// not JSON (602) changes nothing; a suspended app is 402 before the token is looked at, a bad
/// app token 400, a deleted app 401; socialSignup's metadata (604) and locale (602).
async fn bodies_and_app_state(t: TestApp, issuer: FakeIssuer) {
    let info = social_app(&t, json!({})).await;
    let ann = t.quick_access(&info, "ann@example.com").await;
    let profile = t.get_user(&ann).await.ok_json();
    assert_eq!(
        profile["loginProvider"], "",
        "a password account names no provider"
    );
    let token = issuer.token(
        "apple",
        &claims("apple", "a-abe", "abe@example.com", t.now_secs()),
    );
    let padding = "x".repeat(100 * 1024 + 1);
    for (path, headers, fields) in social_routes(&info, &ann, &token) {
        let mut big = fields.clone();
        big["padding"] = json!(padding);
        t.post_json(path, &headers, big)
            .await
            .assert_error(413, 616);
        let form = format!("{}&padding={padding}", form_body(&fields));
        t.post_form(path, &headers, &form)
            .await
            .assert_error(413, 616);
        t.send(
            TestApp::request("POST", path, &headers)
                .header("content-type", "application/json")
                .body(axum::body::Body::from(format!("{{\"token\": \"{token}\"")))
                .unwrap(),
        )
        .await
        .assert_error(400, 602);
    }
    // Nothing was signed up or linked.
    t.social_login(&info, body(&token, "apple"))
        .await
        .assert_error(400, 603);

    // A suspended app answers 402 on each route, whatever the token, and does nothing.
    t.patch_app(&info, json!({"status": "inactive"}))
        .await
        .ok_json();
    for (path, headers, fields) in social_routes(&info, &ann, &token) {
        t.post_json(path, &headers, fields)
            .await
            .assert_error(400, 402);
    }
    let by_access = t
        .post_json(
            SOCIAL_LOGIN,
            &[("access-token", &ann)],
            body(&token, "apple"),
        )
        .await;
    by_access.assert_error(400, 402);
    t.patch_app(&info, json!({"status": "active"}))
        .await
        .ok_json();
    t.social_login(&info, body(&token, "apple"))
        .await
        .assert_error(400, 603);

    // socialSignup reads the locale and metadata after the token.
    t.patch_app(
        &info,
        json!({"metaData": [{"path": "user_data.name", "fieldName": "name", "required": true}]}),
    )
    .await
    .ok_json();
    let signup = |extra: Value| {
        let mut b = json!({"token": token, "provider": "apple", "handle": "abe@example.com"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    t.social_signup(&info, signup(json!({})))
        .await
        .assert_error(400, 604);
    let meta = json!({"user_data": {"name": "Abe"}}).to_string();
    t.social_signup(&info, signup(json!({"metaData": meta, "locale": "XX"})))
        .await
        .assert_error(400, 602);
    t.social_signup(&info, signup(json!({"metaData": meta})))
        .await
        .assert_session();

    // A token that is not the app's is 400; an app deleted since is 401.
    let stranger = [("app-token", "not-a-token")];
    for path in [SOCIAL_LOGIN, SOCIAL_SIGNUP] {
        t.post_json(path, &stranger, signup(json!({})))
            .await
            .assert_error(400, 400);
    }
    t.admin("DELETE", &info.admin_path(""), None)
        .await
        .ok_json();
    for path in [SOCIAL_LOGIN, SOCIAL_SIGNUP] {
        t.post_json(path, &app_token(&info), signup(json!({})))
            .await
            .assert_error(400, 401);
    }
}

with_issuer_on_both_engines!(#[tokio::test] bodies_and_app_state:
    bad_bodies_and_app_states_get_the_usual_answers_on_the_social_routes_over_sqlite,
    bad_bodies_and_app_states_get_the_usual_answers_on_the_social_routes_over_dynamodb);

/// The social routes share a rate of 30 calls per address and app a minute (615, with
/// `Retry-After`), apart from the password limits; refused tokens fill the address's
/// failed-check counter, which then refuses its password logins too.
async fn social_rate(t: TestApp, issuer: FakeIssuer) {
    let info = social_app(&t, json!({})).await;
    let ann = t.quick_access(&info, "ann@example.com").await;
    let now = t.now_secs();
    let gina = issuer.token("google", &claims("google", "g-1", "gina@gmail.com", now));
    let annes = issuer.token(
        "apple",
        &claims("apple", "a-ann", "x@privaterelay.appleid.com", now),
    );
    const A: &str = "198.51.100.20";
    let signup = json!({"token": gina, "provider": "google", "handle": "gina@gmail.com"});
    let link = json!({"token": annes, "provider": "apple", "password": PW});
    let calls = [
        (SOCIAL_SIGNUP, app_token(&info).to_vec(), signup),
        (
            SOCIAL_LOGIN,
            app_token(&info).to_vec(),
            body(&gina, "google"),
        ),
        (
            LINK_SOCIAL_ACCOUNT,
            vec![("access-token", ann.as_str())],
            link,
        ),
    ];
    for (path, headers, fields) in &calls {
        for _ in 0..10 {
            let r = t
                .post_from(A, Encoding::Json, path, headers, fields.clone())
                .await;
            assert!(
                r.status == 200 || r.json()["code"] == 612,
                "{path}: {}",
                r.text
            );
        }
    }
    for (path, headers, fields) in &calls {
        t.post_from(A, Encoding::Json, path, headers, fields.clone())
            .await
            .assert_limited();
    }
    // Another address, and A's password logins, are not held back.
    social_login_from(&t, "198.51.100.21", &info, body(&gina, "google"))
        .await
        .assert_session();
    t.post_from(
        A,
        Encoding::Json,
        LOGIN,
        &app_token(&info),
        json!({"handle": "ann@example.com", "password": PW}),
    )
    .await
    .assert_session();
    t.clock.advance_secs(61);
    let fresh = issuer.token(
        "google",
        &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
    );
    social_login_from(&t, A, &info, body(&fresh, "google"))
        .await
        .assert_session();

    // Refused tokens count as failed checks: 50 from B (two minutes, under the social rate)
    // close B to everything that checks a secret until the 15-minute window ends.
    const B: &str = "198.51.100.30";
    let forged = hs256_with_public_key(
        issuer.current_key("google"),
        &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
    );
    for i in 0..50 {
        if i == 25 {
            t.clock.advance_secs(61);
        }
        social_login_from(&t, B, &info, body(&forged, "google"))
            .await
            .assert_error(400, 613);
    }
    t.clock.advance_secs(61);
    let fresh = issuer.token(
        "google",
        &claims("google", "g-1", "gina@gmail.com", t.now_secs()),
    );
    social_login_from(&t, B, &info, body(&fresh, "google"))
        .await
        .assert_limited();
    t.post_from(
        B,
        Encoding::Json,
        LOGIN,
        &app_token(&info),
        json!({"handle": "ann@example.com", "password": PW}),
    )
    .await
    .assert_limited();
    social_login_from(&t, "198.51.100.31", &info, body(&fresh, "google"))
        .await
        .assert_session();
}

with_issuer_on_both_engines!(#[tokio::test] social_rate:
    the_social_routes_are_rate_limited_per_address_over_sqlite,
    the_social_routes_are_rate_limited_per_address_over_dynamodb);
