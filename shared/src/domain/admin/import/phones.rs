//! `--phones keep|drop`: what becomes of a CosyncJWT user's `phone`.
//!
//! The original never validated `phone` and enforced "one verified owner per number" only by a
//! racy read, so an export may hold malformed numbers and the same verified number twice.
//! Keyturn's phone claim (one verified owner per number and app) is what SMS login and
//! `setPhone` rely on, so only a number that is valid E.164, was verified in the original, and
//! is not outranked stays verified and gets its claim. Of two users with one verified number the
//! newest `lastLogin` keeps it (the CLI, which reads the whole export, marks the others
//! `phoneOutranked`; the same rule as handles differing in case); a number some Keyturn user
//! already holds is unverified too. Everything else imports unverified (a valid number) or not
//! at all (a malformed one, which `User::two_factor.phone` must never hold), and SMS login is
//! off wherever the number is not verified; each of these is a `lossy` reason in the report.

use serde_json::Value;

use super::ejson;
use crate::domain::records::app::{App, TwoFactor};
use crate::domain::records::phone_number::Phone;

/// What the import does with the original's phone numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhonePolicy {
    /// Keep them (verified where the rules above allow).
    Keep,
    /// Forget them: no phone, SMS login off.
    Drop,
}

/// A phone as it will be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedPhone {
    /// The number in E.164.
    pub e164: String,
    /// Verified: it gets the app's phone claim (unless a Keyturn user holds it meanwhile).
    pub verified: bool,
    /// SMS login stays on (verified, wanted, and the app in `phone` mode).
    pub sms_login: bool,
}

impl ImportedPhone {
    /// The claim could not be written (another user holds the number): unverified, SMS off.
    pub fn demote(&mut self, lossy: &mut Vec<String>, why: &str) {
        self.verified = false;
        lossy.push(format!("phone imported unverified: {why}"));
        if self.sms_login {
            self.sms_login = false;
            lossy.push("SMS login off: the phone is not verified".to_owned());
        }
    }
}

/// Reads `doc`'s phone for `app`; `outranked`: a user with a newer `lastLogin` holds the same
/// verified number. Every loss goes to `lossy`.
pub fn read(
    doc: &Value,
    app: &App,
    policy: PhonePolicy,
    outranked: bool,
    lossy: &mut Vec<String>,
) -> Option<ImportedPhone> {
    let sms_wanted = ejson::flag(doc, "twoFactorPhoneVerification");
    let sms_off = |lossy: &mut Vec<String>, why: &str| {
        if sms_wanted {
            lossy.push(format!("SMS login off: {why}"));
        }
    };
    let Some(raw) = ejson::text(doc, "phone") else {
        sms_off(lossy, "no phone");
        return None;
    };
    if policy == PhonePolicy::Drop {
        lossy.push("phone dropped (--phones drop)".to_owned());
        sms_off(lossy, "the phone was dropped");
        return None;
    }
    let Ok(phone) = Phone::parse(raw) else {
        lossy.push("phone dropped: not a valid E.164 number".to_owned());
        sms_off(lossy, "the phone was dropped");
        return None;
    };
    let verified = if !ejson::flag(doc, "phoneVerified") {
        lossy.push("phone imported unverified: it was never verified".to_owned());
        false
    } else if outranked {
        lossy.push(
            "phone imported unverified: a user with a newer lastLogin has the same verified number"
                .to_owned(),
        );
        false
    } else {
        true
    };
    let phone_mode = app.settings.two_factor_verification == TwoFactor::Phone;
    if !verified {
        sms_off(lossy, "the phone is not verified");
    } else if !phone_mode {
        sms_off(lossy, "the app is not in phone mode");
    }
    Some(ImportedPhone {
        e164: phone.as_str().to_owned(),
        verified,
        sms_login: sms_wanted && verified && phone_mode,
    })
}
