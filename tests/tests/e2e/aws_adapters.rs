//! The AWS adapters over the wire, against moto's server: [`SecretsManagerStore`] (alone and
//! behind [`CachedSecrets`]) and [`SesMailer`]. Each test uses its own secret names and addresses,
//! so tests share one moto without resetting it.

use std::sync::Arc;

use keyturn::mail::ses::SesMailer;
use keyturn::mail::{Channel, MailError, Mailer, Message};
use keyturn::secrets::aws::SecretsManagerStore;
use keyturn::secrets::{CachedSecrets, SecretStore};
use serde_json::Value;

use crate::support::aws::{endpoint, sdk_config, unique};

async fn secrets_client() -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&sdk_config().await)
}

async fn ses_client() -> aws_sdk_ses::Client {
    aws_sdk_ses::Client::new(&sdk_config().await)
}

fn secret_name() -> String {
    format!("keyturn/{}/apps/key", unique("test"))
}

fn email(to: &str, subject: &str, text: &str, html: &str) -> Message {
    Message {
        channel: Channel::Email,
        to: to.into(),
        subject: subject.into(),
        text: text.into(),
        html: html.into(),
    }
}

/// A sender SES accepts: moto, like SES, rejects unverified sources.
async fn verified_sender(client: &aws_sdk_ses::Client) -> String {
    let from = format!("{}@sender.example.com", unique("from"));
    client
        .verify_email_identity()
        .email_address(&from)
        .send()
        .await
        .unwrap();
    from
}

/// The messages moto recorded for `to`. moto keeps sent mail in `.ses.Message`, each as
/// `{id, source, destinations: {ToAddresses, ...}, subject, body}`, where `body` is the HTML part
/// when one was sent and the text part otherwise.
async fn sent_to(to: &str) -> Vec<Value> {
    let data: Value = keyturn::net::https_client_builder()
        .build()
        .expect("http client")
        .get(format!("{}/moto-api/data.json", endpoint()))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|t| t == to))
        })
        .collect()
}

#[tokio::test]
async fn a_secret_that_does_not_exist_reads_as_none() {
    let store = SecretsManagerStore::new(secrets_client().await);
    assert_eq!(store.get(&secret_name()).await.unwrap(), None);
}

#[tokio::test]
async fn putting_a_secret_creates_it_and_putting_again_replaces_its_value() {
    let store = SecretsManagerStore::new(secrets_client().await);
    let name = secret_name();

    store.put(&name, "first").await.unwrap();
    assert_eq!(store.get(&name).await.unwrap().as_deref(), Some("first"));

    store.put(&name, "second").await.unwrap();
    assert_eq!(store.get(&name).await.unwrap().as_deref(), Some("second"));
}

#[tokio::test]
async fn cached_secrets_answer_from_memory_after_the_first_read() {
    let client = secrets_client().await;
    let name = secret_name();
    client
        .create_secret()
        .name(&name)
        .secret_string("original")
        .send()
        .await
        .unwrap();
    let cached = CachedSecrets::new(Arc::new(SecretsManagerStore::new(client.clone())));
    assert_eq!(
        cached.get(&name).await.unwrap().as_deref(),
        Some("original")
    );

    client
        .put_secret_value()
        .secret_id(&name)
        .secret_string("rotated")
        .send()
        .await
        .unwrap();

    assert_eq!(
        cached.get(&name).await.unwrap().as_deref(),
        Some("original")
    );
    let fresh = SecretsManagerStore::new(client);
    assert_eq!(fresh.get(&name).await.unwrap().as_deref(), Some("rotated"));
}

#[tokio::test]
async fn a_deleted_secret_reads_as_none_and_deleting_it_again_succeeds() {
    let client = secrets_client().await;
    let name = secret_name();
    let cached = CachedSecrets::new(Arc::new(SecretsManagerStore::new(client.clone())));
    cached.put(&name, "doomed").await.unwrap();

    cached.delete(&name).await.unwrap();

    assert_eq!(
        cached.get(&name).await.unwrap(),
        None,
        "the cache forgets it"
    );
    let fresh = SecretsManagerStore::new(client);
    assert_eq!(fresh.get(&name).await.unwrap(), None);
    fresh.delete(&name).await.unwrap();
    fresh.put(&name, "reborn").await.unwrap();
    assert_eq!(fresh.get(&name).await.unwrap().as_deref(), Some("reborn"));
}

#[tokio::test]
async fn get_fresh_reads_past_the_cache() {
    let client = secrets_client().await;
    let name = secret_name();
    let cached = CachedSecrets::new(Arc::new(SecretsManagerStore::new(client.clone())));
    cached.put(&name, "first").await.unwrap();
    SecretsManagerStore::new(client)
        .put(&name, "second")
        .await
        .unwrap();

    assert_eq!(cached.get(&name).await.unwrap().as_deref(), Some("first"));
    assert_eq!(
        cached.get_fresh(&name).await.unwrap().as_deref(),
        Some("second")
    );
    assert_eq!(cached.get(&name).await.unwrap().as_deref(), Some("second"));
}

#[tokio::test]
async fn an_email_reaches_ses_with_its_sender_recipient_subject_and_text() {
    let client = ses_client().await;
    let from = verified_sender(&client).await;
    let to = format!("{}@example.com", unique("bob"));
    let mailer = SesMailer::new(client, from.clone());

    mailer
        .send(&email(
            &to,
            "Verify your email for Demo",
            "Your code is 123456",
            "",
        ))
        .await
        .unwrap();

    let sent = sent_to(&to).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["source"], from.as_str());
    assert_eq!(sent[0]["subject"], "Verify your email for Demo");
    assert_eq!(sent[0]["body"], "Your code is 123456");
}

#[tokio::test]
async fn an_email_with_an_html_part_reaches_ses_with_that_html() {
    let client = ses_client().await;
    let from = verified_sender(&client).await;
    let to = format!("{}@example.com", unique("carol"));
    let mailer = SesMailer::new(client, from);

    mailer
        .send(&email(
            &to,
            "Réinitialisez votre mot de passe",
            "Code : 654321",
            "<p>Code : <b>654321</b></p>",
        ))
        .await
        .unwrap();

    let sent = sent_to(&to).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["subject"], "Réinitialisez votre mot de passe");
    assert_eq!(sent[0]["body"], "<p>Code : <b>654321</b></p>");
}

#[tokio::test]
async fn an_unverified_sender_is_a_transport_error() {
    let to = format!("{}@example.com", unique("dave"));
    let mailer = SesMailer::new(
        ses_client().await,
        format!("{}@unverified.example.com", unique("nobody")),
    );

    let result = mailer
        .send(&email(&to, "Hello", "secret-body-text", ""))
        .await;

    let Err(MailError::Transport(reason)) = result else {
        panic!("expected a transport error, got {result:?}");
    };
    assert!(reason.contains("MessageRejected"), "{reason}");
    assert!(!reason.contains("secret-body-text"), "{reason}");
    assert!(sent_to(&to).await.is_empty());
}

#[tokio::test]
async fn an_sms_is_refused_by_the_ses_mailer() {
    let client = ses_client().await;
    let from = verified_sender(&client).await;
    let mailer = SesMailer::new(client, from);
    let sms = Message {
        channel: Channel::Sms,
        to: "+15550001111".into(),
        subject: String::new(),
        text: "Your code is 123456".into(),
        html: String::new(),
    };

    let result = mailer.send(&sms).await;

    assert!(
        matches!(&result, Err(MailError::Transport(r)) if r == "SES sends email only"),
        "{result:?}"
    );
}

/// An SDK client pointed at `endpoint` through Keyturn's HTTP client (`keyturn::net::SdkHttp`),
/// with a short read timeout.
async fn secrets_client_at(endpoint: String) -> aws_sdk_secretsmanager::Client {
    let creds = aws_credential_types::Credentials::new("testing", "testing", None, None, "tests");
    let sdk = keyturn::net::sdk_defaults()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .read_timeout(std::time::Duration::from_millis(300))
                .build(),
        )
        .load()
        .await;
    aws_sdk_secretsmanager::Client::new(&sdk)
}

/// The error of reading a secret from `endpoint` (the test fails if the read succeeds).
async fn read_a_secret_at(
    endpoint: String,
) -> aws_sdk_secretsmanager::error::SdkError<
    aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError,
    aws_sdk_secretsmanager::config::http::HttpResponse,
> {
    secrets_client_at(endpoint)
        .await
        .get_secret_value()
        .secret_id("x")
        .send()
        .await
        .unwrap_err()
}

/// The kind of transport failure inside an SDK error (the test fails on any other error).
fn failure_kind<E: std::fmt::Debug, R: std::fmt::Debug>(
    err: &aws_sdk_secretsmanager::error::SdkError<E, R>,
) -> &'static str {
    match err {
        aws_sdk_secretsmanager::error::SdkError::DispatchFailure(f) if f.is_io() => "io",
        aws_sdk_secretsmanager::error::SdkError::DispatchFailure(f) if f.is_timeout() => "timeout",
        other => panic!("not an I/O or timeout transport failure: {other:?}"),
    }
}

/// The SDK's HTTP client reports transport failures the way the SDK's retries read them: a
/// refused connection is an I/O failure (retried, then surfaced), and an endpoint that accepts
/// but never answers ends at the read timeout instead of hanging the request.
#[tokio::test]
async fn the_sdk_http_client_reports_refused_and_silent_endpoints_as_transport_failures() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let err = read_a_secret_at(format!("http://127.0.0.1:{port}")).await;
    assert_eq!(failure_kind(&err), "io", "refused connection");

    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let started = std::time::Instant::now();
    let err = read_a_secret_at(format!("http://{addr}")).await;
    hold.abort();
    assert_eq!(failure_kind(&err), "timeout", "silent endpoint");
    // Three attempts of 300 ms plus backoff, far from a hang.
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}
