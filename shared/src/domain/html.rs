//! HTML escaping and placeholder substitution for emails and pages: every substituted value is
//! escaped, so a handle such as `<script>` renders as text (reference S16).

/// Escapes the five HTML-significant characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces each `%NAME%` placeholder; values are HTML-escaped when `html` is true. Values that
/// are already markup (a link built by us) are passed in `raw` and inserted as they are.
pub fn render(template: &str, values: &[(&str, &str)], raw: &[(&str, &str)], html: bool) -> String {
    let mut out = template.to_owned();
    for (name, value) in values {
        let v = if html {
            escape(value)
        } else {
            (*value).to_owned()
        };
        out = out.replace(&format!("%{name}%"), &v);
    }
    for (name, value) in raw {
        out = out.replace(&format!("%{name}%"), value);
    }
    out
}

/// Percent-encodes a query-string value (everything but unreserved characters), so a `+` in a
/// handle survives the link (reference §10).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_are_escaped_in_html_only() {
        let t = "<p>%HANDLE% / %APP_NAME%</p>";
        let v = [("HANDLE", "<script>x</script>"), ("APP_NAME", "A&B")];
        assert_eq!(
            render(t, &v, &[], true),
            "<p>&lt;script&gt;x&lt;/script&gt; / A&amp;B</p>"
        );
        assert_eq!(render(t, &v, &[], false), "<p><script>x</script> / A&B</p>");
    }

    #[test]
    fn url_encoding_keeps_plus_signs() {
        assert_eq!(url_encode("bob+1@x.com"), "bob%2B1%40x.com");
    }
}
