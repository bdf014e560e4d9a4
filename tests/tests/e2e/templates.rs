//! The templates admin API, and that stored templates are what users receive.

use serde_json::json;

use crate::support::app::{PW, TestApp, TestAppInfo};
use crate::support::flows::app_token;
use crate::support::routes::SIGNUP;

async fn shop(app: &TestApp) -> TestAppInfo {
    app.create_app(json!({"name": "<b>Shop</b>", "locales": ["EN", "FR", "DE"]}))
        .await
}

fn path(info: &TestAppInfo, locale: &str, name: &str) -> String {
    info.admin_path(&format!("/templates/{locale}/{name}"))
}

async fn sign_up(app: &TestApp, info: &TestAppInfo, handle: &str, locale: &str) {
    let form = format!("handle={handle}&password={PW}&locale={locale}");
    app.post_form(SIGNUP, &app_token(info), &form)
        .await
        .assert_true();
}

/// Stores the template `name` for `locale`, asserting the write.
async fn put_template(
    app: &TestApp,
    info: &TestAppInfo,
    at: (&str, &str),
    body: serde_json::Value,
) {
    let r = app.admin("PUT", &path(info, at.0, at.1), Some(body)).await;
    r.ok_json();
}

#[tokio::test]
async fn an_app_without_its_own_template_shows_the_built_in_default() {
    let app = TestApp::new().await;
    let info = shop(&app).await;
    let r = app.admin("GET", &path(&info, "FR", "signUp"), None).await;
    let v = r.ok_json();
    assert_eq!(v["custom"], false);
    assert_eq!(v["subject"], "Verify your email for %APP_NAME%");
    assert!(v["text"].as_str().unwrap().contains("%CODE%"));
    assert!(v["html"].as_str().unwrap().contains("%HANDLE%"));
}

#[tokio::test]
async fn a_stored_french_template_is_what_a_french_signup_receives() {
    let app = TestApp::new().await;
    let info = shop(&app).await;
    let template = json!({
        "subject": "Vérifiez votre e-mail pour %APP_NAME%",
        "text": "Code %APP_NAME% : %CODE% (%HANDLE%)",
        "html": "<p>Bonjour %HANDLE%, code <b>%CODE%</b> pour %APP_NAME%</p>"
    });
    let r = app
        .admin("PUT", &path(&info, "fr", "signUp"), Some(template.clone()))
        .await;
    let mut expected = template.clone();
    expected["custom"] = json!(true);
    assert_eq!(r.ok_json(), expected);
    assert_eq!(
        app.admin("GET", &path(&info, "FR", "signUp"), None)
            .await
            .json(),
        expected
    );

    sign_up(&app, &info, "marie@example.fr", "fr").await;
    let mail = app.last_message_to("marie@example.fr");
    let code = app.last_code_for("marie@example.fr");
    assert_eq!(mail.subject, "Vérifiez votre e-mail pour <b>Shop</b>");
    assert_eq!(
        mail.text,
        format!("Code <b>Shop</b> : {code} (marie@example.fr)")
    );
    // In HTML the substituted values are escaped; the template's own markup is kept.
    assert_eq!(
        mail.html,
        format!("<p>Bonjour marie@example.fr, code <b>{code}</b> pour &lt;b&gt;Shop&lt;/b&gt;</p>")
    );

    // An English user of the same app still gets the English default.
    sign_up(&app, &info, "john@example.com", "EN").await;
    assert_eq!(
        app.last_message_to("john@example.com").subject,
        "Verify your email for <b>Shop</b>"
    );
}

#[tokio::test]
async fn a_locale_without_its_own_template_falls_back_to_english() {
    let app = TestApp::new().await;
    let info = shop(&app).await;
    let fr = json!({"subject": "FR %APP_NAME%", "text": "FR %CODE%"});
    put_template(&app, &info, ("FR", "signUp"), fr).await;
    // No DE template and no app English one: the built-in English default.
    sign_up(&app, &info, "hans@example.de", "DE").await;
    let mail = app.last_message_to("hans@example.de");
    assert_eq!(mail.subject, "Verify your email for <b>Shop</b>");
    assert!(
        mail.html.contains("&lt;b&gt;Shop&lt;/b&gt;"),
        "{}",
        mail.html
    );
    // Once the app has its own English template, DE falls back to that.
    let en = json!({"subject": "Welcome to %APP_NAME%", "text": "Your code: %CODE%"});
    put_template(&app, &info, ("EN", "signUp"), en).await;
    sign_up(&app, &info, "greta@example.de", "DE").await;
    let mail = app.last_message_to("greta@example.de");
    assert_eq!(mail.subject, "Welcome to <b>Shop</b>");
    let code = app.last_code_for("greta@example.de");
    assert_eq!(mail.text, format!("Your code: {code}"));
    assert_eq!(
        app.admin("GET", &path(&info, "DE", "signUp"), None)
            .await
            .json()["subject"],
        "Welcome to %APP_NAME%"
    );
}

#[tokio::test]
async fn deleting_a_template_brings_back_the_fallback() {
    let app = TestApp::new().await;
    let info = shop(&app).await;
    let fr = json!({"subject": "Réinitialiser", "html": "<p>%CODE%</p>"});
    put_template(&app, &info, ("FR", "resetPassword"), fr).await;
    let r = app
        .admin("DELETE", &path(&info, "FR", "resetPassword"), None)
        .await;
    let v = r.ok_json();
    assert_eq!(v["custom"], false);
    assert_eq!(v["subject"], "Reset your password for %APP_NAME%");
    let again = app
        .admin("GET", &path(&info, "FR", "resetPassword"), None)
        .await;
    assert_eq!(again.json()["custom"], false);
    // Deleting what is not there is harmless.
    assert_eq!(
        app.admin("DELETE", &path(&info, "FR", "resetPassword"), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn template_edits_are_validated() {
    let app = TestApp::new().await;
    let info = shop(&app).await;
    let ok = json!({"subject": "s", "text": "t"});
    app.admin("PUT", &path(&info, "IT", "signUp"), Some(ok.clone()))
        .await
        .assert_error(400, 602);
    app.admin("PUT", &path(&info, "EN", "nope"), Some(ok.clone()))
        .await
        .assert_error(400, 602);
    app.admin("GET", &path(&info, "ENG", "signUp"), None)
        .await
        .assert_error(400, 602);
    for bad in [
        json!({"text": "no subject"}),
        json!({"subject": "no body"}),
        json!({"subject": "s", "text": "t", "from": "evil"}),
        json!({"subject": 1, "text": "t"}),
        json!(["s", "t"]),
    ] {
        app.admin("PUT", &path(&info, "EN", "invite"), Some(bad))
            .await
            .assert_error(400, 602);
    }
    let sms = json!({"html": "<p>x</p>"});
    app.admin("PUT", &path(&info, "EN", "sms"), Some(sms))
        .await
        .assert_error(400, 602);
    let big = json!({"subject": "s", "text": "x".repeat(70 * 1024)});
    let r = app
        .admin("PUT", &path(&info, "EN", "invite"), Some(big))
        .await;
    assert!(r.status == 400 || r.status == 413, "{}", r.text);
    // Nothing was stored by any refused edit.
    assert_eq!(
        app.admin("GET", &path(&info, "EN", "invite"), None)
            .await
            .json()["custom"],
        false
    );
    let nope = TestAppInfo {
        app_id: "nope".into(),
        app_token: String::new(),
    };
    app.admin("GET", &path(&nope, "EN", "signUp"), None)
        .await
        .assert_error(400, 401);
}

#[tokio::test]
async fn the_templates_api_needs_the_admin_key() {
    let app = TestApp::new().await;
    let info = shop(&app).await;
    for method in ["GET", "PUT", "DELETE"] {
        let req = http::Request::builder()
            .method(method)
            .uri(path(&info, "EN", "signUp"))
            .header("authorization", "Bearer wrong")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(r#"{"subject":"s","text":"t"}"#))
            .unwrap();
        app.send(req).await.assert_error(401, 617);
    }
    assert_eq!(
        app.admin("GET", &path(&info, "EN", "signUp"), None)
            .await
            .json()["custom"],
        false
    );
}
