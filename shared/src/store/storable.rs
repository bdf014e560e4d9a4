//! What one DynamoDB item can hold, checked on every engine: a record SQLite would keep but
//! DynamoDB refuses must fail alike on both, so nothing that works locally answers 500 in AWS.
//!
//! DynamoDB refuses, with a `ValidationException` at write time:
//! - values nested more than [`MAX_NESTING`] maps or lists above a scalar (AWS documents "32
//!   levels" and counts the scalar's own; measured on AWS: 31 wraps pass, 32 are refused);
//! - numbers of magnitude 10^126 or more, or non-zero and below 10^-130;
//! - map keys that are empty or longer than [`MAX_NAME_BYTES`].
//!
//! moto, the emulator the tests use, checks only the numbers' range, so this module is what
//! holds the other rules in tests. The item size limit (400 KB) is left to the layers that shape
//! records (settings and metadata stay far below it), since DynamoDB's size arithmetic differs
//! from a JSON text's length.

use serde_json::Value;

/// Maps or lists one attribute value may nest above a scalar: AWS refuses the 32nd wrap with a
/// `ValidationException`, which would be a 500 in AWS for a write SQLite accepts.
pub const MAX_NESTING: usize = 31;

/// The longest map key (attribute name) DynamoDB stores, in bytes: a longer one is refused at
/// the write (names must be under 64 KiB).
pub const MAX_NAME_BYTES: usize = 65_535;

/// The smallest magnitude of a number DynamoDB stores other than zero.
const MIN_MAGNITUDE: f64 = 1e-130;

/// The magnitude from which DynamoDB refuses a number (its largest is 9.99…9e125).
const TOO_LARGE: f64 = 1e126;

/// Maps and lists nested in `value` (0 for a scalar): what DynamoDB's depth limit counts, so
/// the layers that shape records can hold their own, lower bounds against the same measure.
pub fn nesting(value: &Value) -> usize {
    match value {
        Value::Object(fields) => 1 + fields.values().map(nesting).max().unwrap_or(0),
        Value::Array(items) => 1 + items.iter().map(nesting).max().unwrap_or(0),
        _ => 0,
    }
}

/// The first number or map key in `value` DynamoDB would refuse, described for the refusal a
/// caller answers with; `None` when all can be stored. Nesting is not looked at, since where
/// a value sits in its item decides its budget (see [`nesting`]).
pub fn unstorable_scalar(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0).abs();
            (x != 0.0 && !(MIN_MAGNITUDE..TOO_LARGE).contains(&x))
                .then(|| format!("the number {n} is outside DynamoDB's range (1e-130 to 9.9e125)"))
        }
        Value::Object(fields) => fields.iter().find_map(|(name, v)| {
            if name.is_empty() || name.len() > MAX_NAME_BYTES {
                Some(format!(
                    "a field name must be 1 to {MAX_NAME_BYTES} bytes long"
                ))
            } else {
                unstorable_scalar(v)
            }
        }),
        Value::Array(items) => items.iter().find_map(unstorable_scalar),
        _ => None,
    }
}

/// Why DynamoDB would refuse to store the record `data`, if it would, so both engines refuse it
/// alike: each top-level field of an object record is an attribute of its own (its depth counts
/// from there), any other record is one attribute.
pub fn check_record(data: &Value) -> Result<(), String> {
    let attributes: Vec<&Value> = match data {
        Value::Object(fields) if !fields.is_empty() => fields.values().collect(),
        other => vec![other],
    };
    if attributes.iter().any(|v| nesting(v) > MAX_NESTING) {
        return Err(format!(
            "a value nests more than {MAX_NESTING} objects or arrays"
        ));
    }
    match unstorable_scalar(data) {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        (0..levels).fold(json!(1), |inner, _| json!([inner]))
    }

    #[test]
    fn nesting_stops_where_dynamodb_does() {
        assert!(check_record(&json!({ "a": nested(31) })).is_ok());
        assert!(check_record(&json!({ "a": nested(32) })).is_err());
        // A record that is not an object is one attribute.
        assert!(check_record(&nested(31)).is_ok());
        assert!(check_record(&nested(32)).is_err());
    }

    #[test]
    fn numbers_and_names_follow_dynamodbs_range() {
        for fine in [
            json!(0.0),
            json!(-0.0),
            json!(1e-130),
            json!(9.9e125),
            json!(u64::MAX),
        ] {
            assert!(check_record(&json!({ "n": fine })).is_ok(), "{fine}");
        }
        for bad in [json!(1e126), json!(-1e126), json!(1e-131), json!(-5e-200)] {
            assert!(check_record(&json!({ "n": [bad] })).is_err(), "{bad}");
        }
        assert!(check_record(&json!({ "m": { "": 1 } })).is_err());
        let long = "k".repeat(MAX_NAME_BYTES + 1);
        assert!(check_record(&json!({ "m": { long: 1 } })).is_err());
    }
}
