//! Request bodies as flat maps of scalar fields.
//!
//! Every field the protocol defines is a scalar. JSON numbers and booleans are coerced to their
//! string form; an array (or a repeated form key) where a scalar is expected is refused with 602
//! — the original looked such values up as `$in` queries and could be tricked into logging in as
//! another user. Only `metaData` may be a JSON object (or a JSON string of one).

use std::collections::HashMap;

use crate::domain::records::redacted::Redacted;
use crate::error::{Error, Result};

/// One decoded field.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Object(serde_json::Map<String, serde_json::Value>),
    /// An array, or a form key given more than once: never a valid scalar.
    Multiple,
}

/// The fields of one request, by wire name. Its `Debug` names the fields but shows no value: a
/// body carries passwords, codes and tokens.
#[derive(Clone, Default, PartialEq)]
pub struct Fields(HashMap<String, Value>);

impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_tuple("Fields").field(&names).finish()
    }
}

impl Fields {
    /// Decodes a JSON body, which must be an object (an empty body is no fields).
    pub fn from_json(body: &[u8]) -> Result<Self> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let value: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| Error::invalid("body is not valid JSON"))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Error::invalid("body must be a JSON object"));
        };
        let mut fields = HashMap::new();
        for (k, v) in map {
            let v = match v {
                serde_json::Value::Null => continue,
                serde_json::Value::String(s) => Value::Text(s),
                serde_json::Value::Bool(b) => Value::Text(b.to_string()),
                serde_json::Value::Number(n) => Value::Text(n.to_string()),
                serde_json::Value::Object(o) => Value::Object(o),
                serde_json::Value::Array(_) => Value::Multiple,
            };
            fields.insert(k, v);
        }
        Ok(Self(fields))
    }

    /// Decodes `application/x-www-form-urlencoded` (or a query string) with Node `querystring`
    /// semantics: `+` is a space, `%XX` is a byte, a malformed `%` stays literal, a repeated key
    /// becomes a multi-value (refused on access).
    pub fn from_form(body: &[u8]) -> Self {
        let mut fields: HashMap<String, Value> = HashMap::new();
        for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let (k, v) = (unescape(k), unescape(v));
            fields
                .entry(k)
                .and_modify(|old| *old = Value::Multiple)
                .or_insert(Value::Text(v));
        }
        Self(fields)
    }

    /// Adds the fields of `other` that this request does not already carry.
    pub fn merge_missing(&mut self, other: Fields) {
        for (k, v) in other.0 {
            self.0.entry(k).or_insert(v);
        }
    }

    /// A scalar field; absent or empty is `None`; an array/object is 602.
    pub fn text(&self, name: &'static str) -> Result<Option<String>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Text(s)) if s.is_empty() => Ok(None),
            Some(Value::Text(s)) => Ok(Some(s.clone())),
            Some(Value::Object(_) | Value::Multiple) => Err(Error::invalid(format!(
                "{name} must be a single string value"
            ))),
        }
    }

    /// A scalar field that must be present (403 when absent or empty).
    pub fn required(&self, name: &'static str) -> Result<String> {
        self.text(name)?.ok_or(Error::MissingParam(name))
    }

    /// A required password, code or token: [`Self::required`], held so `{:?}` never prints it.
    pub fn secret(&self, name: &'static str) -> Result<Redacted> {
        self.required(name).map(Redacted::from)
    }

    /// An optional password, code or token: [`Self::text`], held so `{:?}` never prints it.
    pub fn secret_text(&self, name: &'static str) -> Result<Option<Redacted>> {
        Ok(self.text(name)?.map(Redacted::from))
    }

    /// A required JSON-object field (a passkey's `credential`): an object, or a string holding
    /// one (as a form body must send it); 403 when absent, 602 when not an object.
    pub fn json(&self, name: &'static str) -> Result<serde_json::Map<String, serde_json::Value>> {
        match self.0.get(name) {
            None => Err(Error::MissingParam(name)),
            Some(Value::Object(o)) => Ok(o.clone()),
            Some(Value::Text(s)) => match serde_json::from_str(s) {
                Ok(serde_json::Value::Object(o)) => Ok(o),
                _ => Err(Error::invalid(format!("{name} must be a JSON object"))),
            },
            Some(Value::Multiple) => Err(Error::invalid(format!("{name} must be a JSON object"))),
        }
    }

    /// A JSON-object field (`metaData`): an object, or a string holding one; else 604.
    pub fn object(
        &self,
        name: &'static str,
    ) -> Result<Option<serde_json::Map<String, serde_json::Value>>> {
        let value = match self.0.get(name) {
            None => None,
            Some(Value::Object(o)) => Some(serde_json::Value::Object(o.clone())),
            Some(Value::Text(s)) => Some(serde_json::Value::String(s.clone())),
            Some(Value::Multiple) => Some(serde_json::Value::Array(Vec::new())),
        };
        crate::domain::records::metadata::object_field(name, value.as_ref())
    }
}

/// Node's `querystring.unescape` fallback (`unescapeBuffer`) after `+` → space: decodes every
/// valid `%XX`, keeps malformed escapes literally, then reads the bytes as UTF-8 (lossy).
fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => match (hex_val(raw[i + 1]), hex_val(raw[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(s: &str) -> Fields {
        Fields::from_form(s.as_bytes())
    }

    #[test]
    fn form_plus_is_space_and_encoded_plus_is_plus() {
        let f = form("handle=bob%2Btag%40x.com&name=Bob+Smith");
        assert_eq!(f.text("handle").unwrap().unwrap(), "bob+tag@x.com");
        assert_eq!(f.text("name").unwrap().unwrap(), "Bob Smith");
    }

    #[test]
    fn swift_style_unencoded_values_survive() {
        let f = form(r#"handle=bob%2B1@x.com&metaData={"user":{"name":"Bob B"}}&locale=EN"#);
        assert_eq!(f.text("handle").unwrap().unwrap(), "bob+1@x.com");
        let m = f.object("metaData").unwrap().unwrap();
        assert_eq!(m["user"]["name"], "Bob B");
    }

    #[test]
    fn malformed_escapes_stay_literal() {
        let f = form("a=100%&b=%zz1&c=%4&d=%41");
        assert_eq!(f.text("a").unwrap().unwrap(), "100%");
        assert_eq!(f.text("b").unwrap().unwrap(), "%zz1");
        assert_eq!(f.text("c").unwrap().unwrap(), "%4");
        assert_eq!(f.text("d").unwrap().unwrap(), "A");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let f = form("a=%ff");
        assert_eq!(f.text("a").unwrap().unwrap(), "\u{fffd}");
    }

    #[test]
    fn repeated_form_keys_are_refused_with_602() {
        let f = form("handle=ANON_&handle=victim@x.com");
        assert_eq!(f.text("handle").unwrap_err().wire().code, 602);
    }

    #[test]
    fn json_scalars_are_coerced_and_arrays_refused() {
        let f =
            Fields::from_json(br#"{"code":123456,"twoFactor":true,"handle":["a@x.com"],"n":null}"#)
                .unwrap();
        assert_eq!(f.text("code").unwrap().unwrap(), "123456");
        assert_eq!(f.text("twoFactor").unwrap().unwrap(), "true");
        assert_eq!(f.text("handle").unwrap_err().wire().code, 602);
        assert_eq!(f.text("n").unwrap(), None);
    }

    #[test]
    fn an_object_where_a_scalar_belongs_is_602() {
        let f = Fields::from_json(br#"{"handle":{"$ne":""}}"#).unwrap();
        assert_eq!(f.text("handle").unwrap_err().wire().code, 602);
    }

    #[test]
    fn metadata_may_be_an_object_or_a_json_string() {
        let f = Fields::from_json(br#"{"a":{"x":"1"},"b":"{\"x\":\"2\"}","c":"[1]","d":"nope"}"#)
            .unwrap();
        assert_eq!(f.object("a").unwrap().unwrap()["x"], "1");
        assert_eq!(f.object("b").unwrap().unwrap()["x"], "2");
        assert_eq!(f.object("c").unwrap_err().wire().code, 604);
        assert_eq!(f.object("d").unwrap_err().wire().code, 604);
        assert_eq!(f.object("missing").unwrap(), None);
    }

    #[test]
    fn missing_and_empty_required_fields_are_403() {
        let f = form("handle=&x=1");
        assert_eq!(f.required("handle").unwrap_err().wire().code, 403);
        assert_eq!(f.required("password").unwrap_err().wire().code, 403);
    }

    #[test]
    fn bodies_that_are_not_json_objects_are_602() {
        assert_eq!(Fields::from_json(b"[1,2]").unwrap_err().wire().code, 602);
        assert_eq!(Fields::from_json(b"{oops").unwrap_err().wire().code, 602);
        assert!(
            Fields::from_json(b"  ")
                .unwrap()
                .text("a")
                .unwrap()
                .is_none()
        );
    }
}
