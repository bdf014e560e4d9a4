//! AWS emulator access for tests: every AWS test goes over loopback to moto's server.

/// The moto endpoint started by `tests/run.sh`. Panics (so the test fails, never silently skips)
/// when the suite is run without it.
pub fn endpoint() -> String {
    std::env::var("KEYTURN_TEST_AWS_ENDPOINT").expect(
        "KEYTURN_TEST_AWS_ENDPOINT is not set: run the suite through tests/run.sh, which starts moto",
    )
}

/// SDK config pointed at moto with static test credentials and a fixed region.
pub async fn sdk_config() -> aws_config::SdkConfig {
    sdk_config_at(&endpoint()).await
}

/// [`sdk_config`] pointed at `url` instead (a proxy in front of moto), with the production
/// retry policy all the same.
pub async fn sdk_config_at(url: &str) -> aws_config::SdkConfig {
    let creds = aws_credential_types::Credentials::new("testing", "testing", None, None, "tests");
    keyturn::net::sdk_defaults()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(creds)
        .load()
        .await
}

/// A name no other test uses, so tests sharing one moto never collide.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}
