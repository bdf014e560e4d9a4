//! The port's conditions as DynamoDB condition expressions. DynamoDB rejects unused placeholders,
//! so each expression carries exactly the values it names.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::codec::num;
use crate::store::Condition;

/// A condition expression and its `:placeholders`.
pub(super) struct Guard {
    pub(super) expression: String,
    pub(super) values: HashMap<String, AttributeValue>,
}

/// Liveness, written so an item without `expires_at` never expires.
pub(super) const LIVE: &str = "(attribute_not_exists(expires_at) OR expires_at > :now)";

/// The expression for `condition` at `now`; `None` for [`Condition::Any`].
pub(super) fn guard(condition: Condition, now: i64) -> Option<Guard> {
    let mut values = HashMap::from([(":now".to_owned(), num(now))]);
    let expression = match condition {
        Condition::Any => return None,
        Condition::Absent => "attribute_not_exists(pk) OR expires_at <= :now".to_owned(),
        Condition::Exists => format!("attribute_exists(pk) AND {LIVE}"),
        Condition::Version(v) => {
            values.insert(":v".into(), num(v));
            format!("ver = :v AND {LIVE}")
        }
    };
    Some(Guard { expression, values })
}
