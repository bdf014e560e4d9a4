//! Phone numbers as the protocol carries them: E.164 (`+` and up to 15 digits), parsed and
//! validated against libphonenumber's metadata (the `phonenumber` crate), so a number Twilio
//! would refuse is a 602 before any text is paid for.

use crate::error::{Error, Result};

/// A valid phone number in E.164 form (`+15551234567`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    e164: String,
    calling_code: u16,
}

impl Phone {
    /// Parses a client-supplied number (602 unless it is a valid number in international form).
    /// Spaces, dashes, dots and parentheses are tolerated and dropped.
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let bad = || Error::invalid("phone must be an E.164 number, e.g. +15551234567");
        if !raw.starts_with('+') || raw.len() > 32 {
            return Err(bad());
        }
        if !raw[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
        {
            return Err(bad());
        }
        let parsed = phonenumber::parse(None, raw).map_err(|_| bad())?;
        if !phonenumber::is_valid(&parsed) {
            return Err(bad());
        }
        Ok(Self {
            e164: parsed.format().mode(phonenumber::Mode::E164).to_string(),
            calling_code: parsed.code().value(),
        })
    }

    /// The E.164 string.
    pub fn as_str(&self) -> &str {
        &self.e164
    }

    /// The country calling code (`1` for NANP, `44` for the UK).
    pub fn calling_code(&self) -> u16 {
        self.calling_code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_normalise_to_e164_with_their_calling_code() {
        let p = Phone::parse(" +1 (201) 555-0123 ").unwrap();
        assert_eq!(p.as_str(), "+12015550123");
        assert_eq!(p.calling_code(), 1);
        let uk = Phone::parse("+447911123456").unwrap();
        assert_eq!(uk.calling_code(), 44);
    }

    #[test]
    fn anything_but_a_valid_international_number_is_602() {
        for bad in [
            "",
            "2015550123",
            "+",
            "+1",
            "+1 201 555 01234567",
            "+99912345678",
            "+1201555012a",
            "+12015550123;drop",
        ] {
            assert_eq!(Phone::parse(bad).unwrap_err().wire().code, 602, "{bad}");
        }
    }
}
