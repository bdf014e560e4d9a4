//! Phone numbers as the protocol carries them: E.164 (`+` and up to 15 digits), checked against
//! the assigned country calling codes and the national lengths each allows (libphonenumber's
//! metadata, see its `calling_codes` table), with the North American plan's own rules, so a
//! number that cannot exist is a 602 before any text is paid for.

mod calling_codes;

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
        let digits: String = raw[1..].chars().filter(char::is_ascii_digit).collect();
        if digits.len() > 15 {
            return Err(bad());
        }
        let (code, national) = calling_codes::split(&digits).ok_or_else(bad)?;
        if !calling_codes::length_possible(code, national.len()) {
            return Err(bad());
        }
        // NANP: ten digits, and neither the area code nor the exchange starts with 0 or 1.
        if code == 1 {
            let b = national.as_bytes();
            if b.len() != 10 || b[0] < b'2' || b[3] < b'2' {
                return Err(bad());
            }
        }
        Ok(Self {
            e164: format!("+{digits}"),
            calling_code: code,
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
            "+1 055 555 0123",
            "+1 201 155 0123",
            "+44 12",
            "+4412345678901234",
        ] {
            assert_eq!(Phone::parse(bad).unwrap_err().wire().code, 602, "{bad}");
        }
    }
}
