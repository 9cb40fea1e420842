//! A small XML writer for the Open311 answers: a JSON value written as elements, with the text
//! escaped (`& < > " '`) and characters XML 1.0 cannot hold dropped. Arrays are repeated
//! elements named by their parent ([`item_name`]: `services` → `service`, `service_requests` →
//! `request`); `null` is an empty element; a GeoJSON `geometry` is written as its JSON text.

use serde_json::Value;

/// Escapes `s` for an element's text or an attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The element name of an item of the array named `parent`.
pub fn item_name(parent: &str) -> &str {
    match parent {
        "services" => "service",
        "service_requests" => "request",
        "service_definitions" => "service_definition",
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "errors" => "error",
        _ => "item",
    }
}

/// A whole document: the declaration and `value` as the element `root`.
pub fn document(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    element(&mut out, root, value);
    out.push('\n');
    out
}

/// Writes `value` as the element `name` (an array as `name` holding its items).
pub fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Object(o) if name == "geometry" => {
            text_element(out, name, &Value::Object(o.clone()).to_string());
        }
        Value::Object(o) => {
            open(out, name);
            for (k, v) in o {
                element(out, k, v);
            }
            close(out, name);
        }
        Value::Array(items) => {
            open(out, name);
            let item = item_name(name);
            for v in items {
                element(out, item, v);
            }
            close(out, name);
        }
        Value::String(s) => text_element(out, name, s),
        Value::Bool(b) => text_element(out, name, if *b { "true" } else { "false" }),
        Value::Number(n) => text_element(out, name, &n.to_string()),
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn text_element(out: &mut String, name: &str, text: &str) {
    open(out, name);
    out.push_str(&escape(text));
    close(out, name);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn escapes_and_nests() {
        assert_eq!(escape("a&b<c>d\"e'f\u{1}"), "a&amp;b&lt;c&gt;d&quot;e&apos;f");
        let doc =
            document("services", &json!([{"service_code": "x<y", "metadata": true, "group": null, "n": 2}]));
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>"));
        assert!(doc.contains("<service_code>x&lt;y</service_code><metadata>true</metadata><group/><n>2</n>"));
        assert!(doc.trim_end().ends_with("</service></services>"));
        let e = document("errors", &json!([{"code": 403, "description": "no"}]));
        assert!(e.contains("<errors><error><code>403</code><description>no</description></error></errors>"));
    }
}
