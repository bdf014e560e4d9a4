//! Human-readable output: listings as aligned tables with chosen columns, single objects as
//! aligned `key  value` lines. Nested values print as compact JSON.

use serde_json::Value;

/// A cell's text: strings bare, null empty, everything else as compact JSON.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Rows under `columns`, aligned; columns named in the header as given.
pub fn rows(items: &[Value], columns: &[&str]) -> String {
    let cells: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|c| cell(item.get(*c))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<String>| {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(columns.iter().map(|c| (*c).to_owned()).collect())];
    out.extend(cells.into_iter().map(line));
    out.join("\n")
}

/// An object as `key  value` lines, keys aligned; anything else as its JSON.
pub fn object(v: &Value) -> String {
    let Some(map) = v.as_object() else {
        return cell(Some(v));
    };
    let width = map.keys().map(String::len).max().unwrap_or(0);
    map.iter()
        .map(|(k, v)| {
            format!("{k:<width$}  {}", cell(Some(v)))
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_are_aligned_under_their_headers() {
        let items = [
            json!({"appId": "a1", "name": "Demo", "extra": 1}),
            json!({"appId": "b22222", "name": null}),
        ];
        assert_eq!(
            rows(&items, &["appId", "name"]),
            "appId   name\na1      Demo\nb22222"
        );
    }

    #[test]
    fn objects_print_one_aligned_line_per_key_with_nested_values_as_json() {
        let v = json!({"a": "x", "long": {"n": 1}});
        assert_eq!(object(&v), "a     x\nlong  {\"n\":1}");
    }
}
