//! The part of CBOR (RFC 8949) WebAuthn needs: an attestation object and a COSE key.
//!
//! Why hand-written: attestation "none" carries three fields and a key of five, so a general
//! CBOR crate (and its serde machinery) would be most of the passkey code in the Lambda zip.
//! Only definite lengths are read (WebAuthn's CTAP2 canonical form has no other), nesting is
//! capped, and a declared length is checked against the bytes left before anything is
//! allocated, so a hostile body cannot make the decoder allocate or recurse without bound.

/// One decoded data item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cbor {
    /// Major type 0.
    Unsigned(u64),
    /// Major type 1: the value `-1 - n`.
    Negative(i128),
    /// Major type 2.
    Bytes(Vec<u8>),
    /// Major type 3.
    Text(String),
    /// Major type 4.
    Array(Vec<Cbor>),
    /// Major type 5, pairs in the order they came.
    Map(Vec<(Cbor, Cbor)>),
    /// `true` or `false`.
    Bool(bool),
    /// `null` or `undefined`.
    Null,
}

/// Deepest nesting accepted (a COSE key is two levels, an attestation object three or four).
const MAX_DEPTH: usize = 8;

/// Why bytes are not the CBOR this module reads; the passkey verifier turns every one into
/// "malformed" (the message is for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CborError(pub &'static str);

impl Cbor {
    /// The item as an integer, when it is one.
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Cbor::Unsigned(n) => Some(i128::from(*n)),
            Cbor::Negative(n) => Some(*n),
            _ => None,
        }
    }

    /// The value of a map's integer key `key` (COSE labels).
    pub fn int_key(&self, key: i128) -> Option<&Cbor> {
        match self {
            Cbor::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_int() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value of a map's text key `key` (attestation object fields).
    pub fn text_key(&self, key: &str) -> Option<&Cbor> {
        match self {
            Cbor::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| matches!(k, Cbor::Text(t) if t == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The bytes of a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Cbor::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// Decodes the one item at the start of `input`; returns it and how many bytes it took (an
/// authenticator's data holds a COSE key followed by more bytes).
pub fn decode_prefix(input: &[u8]) -> Result<(Cbor, usize), CborError> {
    let mut reader = Reader { input, at: 0 };
    let item = reader.item(0)?;
    Ok((item, reader.at))
}

/// Decodes `input`, which must be exactly one item.
pub fn decode(input: &[u8]) -> Result<Cbor, CborError> {
    let (item, used) = decode_prefix(input)?;
    if used != input.len() {
        return Err(CborError("bytes after the item"));
    }
    Ok(item)
}

struct Reader<'a> {
    input: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self.input.get(self.at).ok_or(CborError("truncated item"))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: u64) -> Result<&[u8], CborError> {
        let n = usize::try_from(n).map_err(|_| CborError("length too large"))?;
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.input.len())
            .ok_or(CborError("length beyond the input"))?;
        let bytes = &self.input[self.at..end];
        self.at = end;
        Ok(bytes)
    }

    /// The argument of an initial byte's additional information.
    fn argument(&mut self, info: u8) -> Result<u64, CborError> {
        let width = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return Err(CborError("indefinite or reserved length")),
        };
        let bytes = self.take(width)?;
        Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// A count of nested items, each at least one byte: more than the bytes left is a lie.
    fn count(&mut self, info: u8, per_item: usize) -> Result<usize, CborError> {
        let n = self.argument(info)?;
        let left = self.input.len() - self.at;
        usize::try_from(n)
            .ok()
            .filter(|n| n.saturating_mul(per_item) <= left)
            .ok_or(CborError("more items than bytes"))
    }

    fn item(&mut self, depth: usize) -> Result<Cbor, CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError("nested too deep"));
        }
        let initial = self.byte()?;
        let (major, info) = (initial >> 5, initial & 0x1f);
        match major {
            0 => Ok(Cbor::Unsigned(self.argument(info)?)),
            1 => Ok(Cbor::Negative(-1 - i128::from(self.argument(info)?))),
            2 => {
                let n = self.argument(info)?;
                Ok(Cbor::Bytes(self.take(n)?.to_vec()))
            }
            3 => {
                let n = self.argument(info)?;
                let text = std::str::from_utf8(self.take(n)?)
                    .map_err(|_| CborError("text is not UTF-8"))?;
                Ok(Cbor::Text(text.to_owned()))
            }
            4 => {
                let n = self.count(info, 1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Cbor::Array(items))
            }
            5 => {
                let n = self.count(info, 2)?;
                let mut pairs = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = self.item(depth + 1)?;
                    let value = self.item(depth + 1)?;
                    if pairs.iter().any(|(k, _)| *k == key) {
                        return Err(CborError("duplicate map key"));
                    }
                    pairs.push((key, value));
                }
                Ok(Cbor::Map(pairs))
            }
            7 => match info {
                20 => Ok(Cbor::Bool(false)),
                21 => Ok(Cbor::Bool(true)),
                22 | 23 => Ok(Cbor::Null),
                _ => Err(CborError("unsupported simple value or float")),
            },
            _ => Err(CborError("tags are not used by WebAuthn")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_items_a_cose_key_uses() {
        // {1: 2, 3: -7, -1: 1, -2: h'0102'}
        let bytes = [
            0xa4, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x42, 0x01, 0x02,
        ];
        let key = decode(&bytes).unwrap();
        assert_eq!(key.int_key(1), Some(&Cbor::Unsigned(2)));
        assert_eq!(key.int_key(3).and_then(Cbor::as_int), Some(-7));
        assert_eq!(
            key.int_key(-2).and_then(Cbor::as_bytes),
            Some(&[1u8, 2][..])
        );
    }

    #[test]
    fn refuses_lies_and_what_webauthn_never_sends() {
        // A byte string claiming 2^32 bytes, a map claiming 2^31 pairs, indefinite length,
        // a tag, a float, deep nesting, duplicate keys, trailing bytes, truncation.
        let cases: [&[u8]; 9] = [
            &[0x5a, 0xff, 0xff, 0xff, 0xff, 0x00],
            &[0xba, 0x80, 0x00, 0x00, 0x00],
            &[0x5f, 0x41, 0x00, 0xff],
            &[0xc1, 0x00],
            &[0xf9, 0x3c, 0x00],
            &[0x81; 12],
            &[0xa2, 0x01, 0x01, 0x01, 0x02],
            &[0x01, 0x02],
            &[0x62, 0x61],
        ];
        for case in cases {
            assert!(decode(case).is_err(), "{case:02x?}");
        }
    }

    #[test]
    fn a_prefix_reports_what_it_used() {
        let (item, used) = decode_prefix(&[0x63, b'a', b'b', b'c', 0xff]).unwrap();
        assert_eq!(item, Cbor::Text("abc".into()));
        assert_eq!(used, 4);
    }
}
