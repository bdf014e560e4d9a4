//! HTML escaping and placeholder substitution for emails and pages: every substituted value is
//! escaped, so a handle such as `<script>` renders as text.

/// A rendered HTML page (the signup confirm and landing pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlPage(pub String);

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

/// Replaces each `%NAME%` placeholder in one pass (a substituted value is never scanned again,
/// so a handle containing `%CODE%` stays text). Values are HTML-escaped when `html` is true;
/// values that are already markup built by Keyturn (a link anchor) are passed in `raw` and
/// inserted as they are. Unknown placeholders are left untouched.
pub fn render(template: &str, values: &[(&str, &str)], raw: &[(&str, &str)], html: bool) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name_len = after.find('%').filter(|&end| {
            after[..end]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_')
        });
        let replaced = name_len.and_then(|end| {
            let name = &after[..end];
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| if html { escape(v) } else { (*v).to_owned() })
                .or_else(|| {
                    raw.iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| (*v).to_owned())
                })?;
            Some((value, end))
        });
        match replaced {
            Some((value, end)) => {
                out.push_str(&value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Percent-encodes a query-string value (everything but unreserved characters), so a `+` in a
/// handle survives the link.
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
    fn substituted_values_are_not_expanded_again() {
        let out = render(
            "%HANDLE% %CODE% 100% %NOPE%",
            &[("HANDLE", "%CODE%"), ("CODE", "123456")],
            &[],
            false,
        );
        assert_eq!(out, "%CODE% 123456 100% %NOPE%");
    }

    #[test]
    fn url_encoding_keeps_plus_signs() {
        assert_eq!(url_encode("bob+1@x.com"), "bob%2B1%40x.com");
    }
}
