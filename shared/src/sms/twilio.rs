//! Twilio adapter: the Messages REST API over reqwest (rustls), one client built per cold start.
//!
//! `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json` with the form fields `To`,
//! `From` and `Body`, basic auth `AccountSid:AuthToken`. Twilio answers 201 with the message
//! resource, or 4xx with `{"code": 21211, "message": ..., "status": 400}`. The error code becomes
//! an [`SmsError`]; Twilio's message text is dropped (it can echo the number, and the client must
//! never see it).

use async_trait::async_trait;

use super::{Sms, SmsAccount, SmsError};

/// Twilio's public API.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// Twilio error codes that mean "this recipient cannot get a text from you": the user's input,
/// so the client gets a 602.
const INVALID_RECIPIENT: [u32; 9] = [
    21211, // invalid 'To' number
    21214, // 'To' number cannot be reached
    21217, // phone number does not appear to be valid
    21401, // invalid phone number
    21407, // this phone number type does not support SMS
    21408, // permission to send to this region not enabled
    21610, // recipient unsubscribed (STOP)
    21612, // 'To' number not currently reachable via SMS
    21614, // 'To' number is not a valid mobile number
];

/// [`Sms`] over Twilio's REST API.
#[derive(Debug, Clone)]
pub struct TwilioSms {
    client: reqwest::Client,
    base_url: String,
}

impl TwilioSms {
    /// An adapter talking to `base_url` (Twilio's by default; tests point it at a local fake).
    pub fn new(base_url: Option<&str>) -> Result<Self, SmsError> {
        let client = crate::net::https_client_builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(|e| SmsError::Transport(format!("http client: {e}")))?;
        Ok(Self {
            client,
            base_url: base_url
                .unwrap_or(DEFAULT_BASE_URL)
                .trim_end_matches('/')
                .to_owned(),
        })
    }
}

#[derive(serde::Deserialize)]
struct TwilioError {
    code: Option<u32>,
}

#[async_trait]
impl Sms for TwilioSms {
    async fn send(
        &self,
        account: Option<&SmsAccount>,
        to: &str,
        body: &str,
    ) -> Result<(), SmsError> {
        let account = account.ok_or(SmsError::NotConfigured)?;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base_url, account.account_sid
        );
        let resp = self
            .client
            .post(url)
            .basic_auth(&account.account_sid, Some(&account.auth_token))
            .form(&[
                ("To", to),
                ("From", account.phone_number.as_str()),
                ("Body", body),
            ])
            .send()
            .await
            // reqwest's error names the URL (SID only), never the form body or the token.
            .map_err(|e| SmsError::Transport(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let code = resp.json::<TwilioError>().await.ok().and_then(|e| e.code);
        match code {
            Some(c) if INVALID_RECIPIENT.contains(&c) => Err(SmsError::InvalidNumber(c)),
            code => Err(SmsError::Rejected { status, code }),
        }
    }
}
