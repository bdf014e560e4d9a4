//! The Lambda door: API Gateway HTTP API (payload v2) events through one function's router (see
//! `support::lambda`).

use serde_json::{Value, json};

use crate::support::app::{OTHER_PW, PW, TestApp};
use crate::support::lambda::{app_event, invoke};
use crate::support::routes::SIGNUP;
use crate::support::users::session_claims;

#[tokio::test]
async fn a_signup_event_answers_true_and_mails_a_code() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;

    let r = invoke(
        &t,
        (keyturn_fn_signup::ROUTE.router)(),
        &app_event("signup", &app),
    )
    .await;

    r.assert_true();
    let ctype = r.headers["content-type"].to_str().unwrap();
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let code = t.last_code_for("lam+da@x.com");
    let r = t.complete_signup(&app, "lam+da@x.com", &code).await;
    r.ok_json();
}

#[tokio::test]
async fn a_login_event_with_a_base64_form_body_returns_a_jwt_issued_for_the_api_origin() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "lam+da@x.com").await;
    let ev = app_event("login", &app);
    assert_eq!(ev["isBase64Encoded"], true);

    let r = invoke(&t, (keyturn_fn_login::ROUTE.router)(), &ev).await;

    let v = r.ok_json();
    assert!(v["access-token"].is_string());
    let claims = session_claims(&v);
    assert_eq!(claims["email"], "lam+da@x.com");
    assert_eq!(
        claims["iss"],
        format!(
            "https://abc123.execute-api.eu-west-1.amazonaws.com/apps/{}",
            app.app_id
        )
    );
}

#[tokio::test]
async fn a_login_event_with_the_wrong_password_is_600() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    t.signed_up_user(&app, "lam+da@x.com").await;
    let mut ev = app_event("login", &app);
    ev["isBase64Encoded"] = json!(false);
    ev["body"] = json!(format!("handle=lam%2Bda@x.com&password={OTHER_PW}"));

    let r = invoke(&t, (keyturn_fn_login::ROUTE.router)(), &ev).await;

    r.assert_error(400, 600);
}

#[tokio::test]
async fn bad_event_bodies_get_typed_errors_and_write_nothing() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let cases = [
        (
            json!({"handle": ["lam+da@x.com"], "password": PW}).to_string(),
            602,
        ),
        ("{not json".to_owned(), 602),
        (
            json!({"handle": "lam+da@x.com", "password": "short"}).to_string(),
            602,
        ),
        (json!({"password": PW}).to_string(), 403),
    ];

    for (body, code) in cases {
        let mut ev = app_event("signup", &app);
        ev["body"] = Value::String(body);
        let r = invoke(&t, (keyturn_fn_signup::ROUTE.router)(), &ev).await;
        r.assert_error(400, code);
    }

    t.assert_nothing_written(&app, "lam+da@x.com").await;
}

#[tokio::test]
async fn an_event_without_an_app_token_is_400() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;
    let mut ev = app_event("signup", &app);
    ev["headers"].as_object_mut().unwrap().remove("app-token");

    let r = invoke(&t, (keyturn_fn_signup::ROUTE.router)(), &ev).await;

    r.assert_error(400, 400);
    t.assert_nothing_written(&app, "lam+da@x.com").await;
}

#[tokio::test]
async fn a_function_answers_other_routes_with_a_json_404_and_collapses_slashes() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;

    // The signup event sent to the login function: not its route.
    let r = invoke(
        &t,
        (keyturn_fn_login::ROUTE.router)(),
        &app_event("signup", &app),
    )
    .await;
    r.assert_error(404, 618);

    let mut ev = app_event("signup", &app);
    ev["rawPath"] = json!(format!("/{SIGNUP}"));
    ev["requestContext"]["http"]["path"] = ev["rawPath"].clone();
    let r = invoke(&t, (keyturn_fn_signup::ROUTE.router)(), &ev).await;
    r.assert_true();
}

#[tokio::test]
async fn a_named_stage_prefix_is_ignored() {
    let t = TestApp::new().await;
    let app = t.create_app(json!({})).await;

    let mut ev = app_event("signup", &app);
    ev["rawPath"] = json!(format!("/prod{SIGNUP}"));
    ev["requestContext"]["http"]["path"] = ev["rawPath"].clone();
    ev["requestContext"]["stage"] = json!("prod");
    let r = invoke(&t, (keyturn_fn_signup::ROUTE.router)(), &ev).await;
    r.assert_true();

    // lambda_http adds the stage when API Gateway left it out; that path routes too.
    let mut ev = app_event("signup", &app);
    ev["body"] = json!(
        ev["body"]
            .as_str()
            .unwrap()
            .replace("lam+da@x.com", "stage2@x.com")
    );
    ev["requestContext"]["stage"] = json!("prod");
    let r = invoke(&t, (keyturn_fn_signup::ROUTE.router)(), &ev).await;
    r.assert_true();
    assert_eq!(t.last_code_for("stage2@x.com").len(), 6);
}
