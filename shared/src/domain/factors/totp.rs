//! Authenticator-app codes (RFC 6238 via totp-rs): SHA-1, 6 digits, 30-second steps, one step
//! of clock skew either way — what Google Authenticator and its peers implement.
//!
//! totp-rs returns the step a code matched; the caller remembers the last step it accepted per
//! user and refuses any step at or before it, so an observed code cannot be replayed within its
//! validity window (RFC 6238 §5.2; the original allowed replay).

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::error::{Context, Result};

/// Bytes of a new secret (160 bits, RFC 4226's recommendation and the original's size).
pub const SECRET_BYTES: usize = 20;

/// What an authenticator needs to enrol: the secret and its QR code.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32 secret, for typing in by hand.
    pub secret_base32: String,
    /// `data:image/png;base64,...` QR code of the `otpauth://` URI.
    pub qr_data_url: String,
}

/// `otpauth` labels and issuers may not contain `:` (it separates them in the URI).
fn label_part(s: &str) -> String {
    s.replace(':', " ").trim().to_owned()
}

fn totp(secret: &[u8], issuer: Option<&str>, account: &str) -> Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(issuer.map(label_part))
        .with_account_name(label_part(account))
        .build()
        .context("totp")
}

/// The enrolment for `secret`: issuer (the authenticator's heading) and account label.
pub fn enrolment(secret: &[u8], issuer: &str, account: &str) -> Result<Enrolment> {
    let totp = totp(secret, Some(issuer), account)?;
    let png = totp.to_qr_base64().context("totp qr")?;
    Ok(Enrolment {
        secret_base32: totp.secret().to_base32(),
        qr_data_url: format!("data:image/png;base64,{png}"),
    })
}

/// The step `code` is valid for at `now_secs` (±1 step), if any, and only if it is later than
/// `last_step` (no replay). Malformed codes match nothing.
pub fn accepted_step(
    secret: &[u8],
    code: &str,
    now_secs: i64,
    last_step: Option<u64>,
) -> Option<u64> {
    let code = code.trim();
    if code.is_empty() || code.len() > 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // A JSON number loses leading zeros on the wire; up to six digits are left-padded.
    let code = format!("{code:0>6}");
    let now = u64::try_from(now_secs).ok()?;
    let totp = totp(secret, None, "").ok()?;
    let step = totp.check(&code, now)?;
    match last_step {
        Some(last) if step <= last => None,
        _ => Some(step),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8; 20] = b"12345678901234567890";

    #[test]
    fn rfc_6238_vectors_verify_within_one_step() {
        // RFC 6238 appendix B, SHA-1, truncated to 6 digits: T=59 -> 94287082.
        assert_eq!(accepted_step(SECRET, "287082", 59, None), Some(1));
        assert_eq!(accepted_step(SECRET, "287082", 89, None), Some(1));
        assert_eq!(accepted_step(SECRET, "287082", 30 * 3, None), None);
    }

    #[test]
    fn a_used_step_is_refused() {
        assert_eq!(accepted_step(SECRET, "287082", 59, Some(1)), None);
        assert_eq!(accepted_step(SECRET, "287082", 59, Some(0)), Some(1));
    }

    #[test]
    fn malformed_codes_match_nothing() {
        for bad in ["", "abcdef", "1234567", " "] {
            assert_eq!(accepted_step(SECRET, bad, 59, None), None);
        }
    }

    #[test]
    fn enrolment_is_a_png_data_url_and_the_base32_secret() {
        let e = enrolment(SECRET, "My: App", "bob@x.com").unwrap();
        assert_eq!(e.secret_base32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(e.qr_data_url.starts_with("data:image/png;base64,iVBOR"));
    }
}
