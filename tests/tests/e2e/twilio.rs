//! The Twilio adapter against a local fake of Twilio's Messages API, started by the test: the
//! fake checks the exact method, path, basic auth and form, and answers as Twilio does.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use base64::Engine as _;
use keyturn::sms::twilio::TwilioSms;
use keyturn::sms::{Sms, SmsAccount, SmsError};
use keyturn::wire::Fields;
use serde_json::json;

use crate::support::app::{TestApp, first_code};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "fedcba9876543210fedcba9876543210";
/// A valid number the fake answers with Twilio's 21211.
const UNDELIVERABLE: &str = "+12015550199";

/// What the fake saw, and whether everything matched.
#[derive(Default)]
struct Seen {
    requests: Vec<(String, String, String)>,
}

async fn fake(
    State(seen): State<Arc<Mutex<Seen>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = Fields::from_form(&body);
    let to = form.text("To").unwrap().unwrap_or_default();
    let from = form.text("From").unwrap().unwrap_or_default();
    let text = form.text("Body").unwrap().unwrap_or_default();
    let exact = method == Method::POST
        && uri.path() == format!("/2010-04-01/Accounts/{SID}/Messages.json")
        && auth == expected_auth
        && ctype == "application/x-www-form-urlencoded"
        && from == "+12015550100";
    seen.lock()
        .unwrap()
        .requests
        .push((to.clone(), from, text.clone()));
    if !exact {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}"#.to_owned(),
        );
    }
    if to == "+15005550001" || to == UNDELIVERABLE {
        return (
            StatusCode::BAD_REQUEST,
            r#"{"code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#.to_owned(),
        );
    }
    (
        StatusCode::CREATED,
        json!({
            "sid": "SM0123456789abcdef0123456789abcdef",
            "account_sid": SID,
            "to": to,
            "from": "+12015550100",
            "body": text,
            "status": "queued",
        })
        .to_string(),
    )
}

async fn start_fake() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new().fallback(fake).with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (format!("http://{addr}"), seen)
}

fn account(token: &str) -> SmsAccount {
    SmsAccount {
        account_sid: SID.into(),
        auth_token: token.into(),
        phone_number: "+12015550100".into(),
    }
}

#[tokio::test]
async fn twilio_gets_the_exact_request_and_a_201_is_success() {
    let (base, seen) = start_fake().await;
    let sms = TwilioSms::new(Some(&format!("{base}/"))).unwrap();
    sms.send(
        Some(&account(TOKEN)),
        "+12015550123",
        "123456 is your code & more",
    )
    .await
    .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.requests,
        [(
            "+12015550123".to_owned(),
            "+12015550100".to_owned(),
            "123456 is your code & more".to_owned()
        )]
    );
}

#[tokio::test]
async fn twilio_errors_become_typed_errors_without_twilios_text() {
    let (base, _) = start_fake().await;
    let sms = TwilioSms::new(Some(&base)).unwrap();
    let err = sms
        .send(Some(&account(TOKEN)), "+15005550001", "hi")
        .await
        .unwrap_err();
    assert_eq!(err, SmsError::InvalidNumber(21211));
    let err = sms
        .send(Some(&account(&"0".repeat(32))), "+12015550123", "hi")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SmsError::Rejected {
            status: 401,
            code: Some(20003)
        }
    );
    assert!(!err.to_string().contains("Authenticate"));
    assert_eq!(
        sms.send(None, "+12015550123", "hi").await.unwrap_err(),
        SmsError::NotConfigured
    );
}

#[tokio::test]
async fn an_unreachable_twilio_is_a_transport_error() {
    let sms = TwilioSms::new(Some("http://127.0.0.1:9")).unwrap();
    let err = sms
        .send(Some(&account(TOKEN)), "+12015550123", "hi")
        .await
        .unwrap_err();
    assert!(matches!(err, SmsError::Transport(_)), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
}

/// The local stack with its SMS port on the Twilio adapter, pointed at the fake.
async fn stack_over_fake(base: &str) -> TestApp {
    let twilio = Arc::new(TwilioSms::new(Some(base)).unwrap());
    TestApp::new()
        .await
        .with_ports(|ports| ports.sms = twilio)
        .await
}

#[tokio::test]
async fn phone_verification_texts_through_twilio_and_its_errors_reach_the_client_clean() {
    let (base, seen) = start_fake().await;
    let t = stack_over_fake(&base).await;
    let info = t
        .create_app(json!({"twoFactorVerification": "phone"}))
        .await;
    let acc = t.signed_up_access(&info, "tw@x.com").await;

    // No Twilio account yet: a clean 500.
    t.set_phone(&acc, "+12015550123")
        .await
        .assert_error(500, 500);
    let account = json!({"accountSid": SID, "authToken": TOKEN, "phoneNumber": "+12015550100"});
    let r = t
        .admin("PUT", &info.admin_path("/twilio"), Some(account))
        .await;
    r.ok_json();

    t.set_phone(&acc, "+12015550123").await.assert_true();
    let text = seen.lock().unwrap().requests.last().unwrap().2.clone();
    assert!(
        text.contains("is your verification code for Demo App"),
        "{text}"
    );
    let code = first_code(&text).unwrap();
    t.verify_phone(&acc, &code).await.assert_true();
    assert!(
        t.outbox()
            .iter()
            .all(|m| m.kind != keyturn::mail::Channel::Sms)
    );

    let r = t.set_phone(&acc, UNDELIVERABLE).await;
    r.assert_error(400, 602);
    assert!(!r.text.contains("21211") && !r.text.contains("not a valid phone number"));
}
