//! SOAP 1.1 as ГБД ФЛ speaks it (through ШЭП): an envelope around one request element, and the
//! answer's body read with `quick-xml` into a small element tree, bounded in depth and size. A
//! `soap:Fault` is reported as such; anything that is not an envelope with a body is malformed.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

/// The SOAP 1.1 envelope namespace.
pub const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Deepest nesting read.
const MAX_DEPTH: usize = 32;
/// Most elements read.
const MAX_ELEMENTS: usize = 5000;

/// An element: its local name (no prefix), attributes (local names), text and children.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Escapes text for XML content and attributes.
pub fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// A SOAP 1.1 envelope whose body is `body` (already XML).
pub fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\"{ENVELOPE_NS}\"><soap:Body>{body}</soap:Body></soap:Envelope>"
    )
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => name.into_owned(),
    }
}

/// Reads an XML document into its root element.
pub fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut count = 0usize;
    let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<Element, String> {
        let mut el = Element { name: local(e.name().as_ref()), ..Default::default() };
        for a in e.attributes() {
            let a = a.map_err(|e| format!("attribute: {e}"))?;
            let key = local(a.key.as_ref());
            if key == "xmlns" || a.key.as_ref().starts_with(b"xmlns:") {
                continue;
            }
            let v = a.unescape_value().map_err(|e| format!("attribute value: {e}"))?;
            el.attrs.push((key, v.into_owned()));
        }
        Ok(el)
    };
    loop {
        match reader.read_event().map_err(|e| format!("XML at {}: {e}", reader.buffer_position()))? {
            Event::Start(e) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err("the XML is too deep or too large".into());
                }
                stack.push(open(&e)?);
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err("the XML is too large".into());
                }
                let el = open(&e)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("an end tag without its start")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => return Ok(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.unescape().map_err(|e| format!("text: {e}"))?);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => return Err("the XML ends before its root element does".into()),
            _ => {}
        }
    }
}

/// What a SOAP body held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The body's first element.
    Content(Element),
    /// A `soap:Fault`: its `faultcode` and `faultstring`.
    Fault { code: String, message: String },
}

/// The body of a SOAP 1.1 envelope.
pub fn body(xml: &str) -> Result<Body, String> {
    let root = parse(xml)?;
    if root.name != "Envelope" {
        return Err(format!("expected a SOAP Envelope, found <{}>", root.name));
    }
    let body = root.child("Body").ok_or("the envelope has no Body")?;
    let first = body.children.first().ok_or("the Body is empty")?;
    if first.name == "Fault" {
        return Ok(Body::Fault {
            code: first.child_text("faultcode").unwrap_or("").to_string(),
            message: first.child_text("faultstring").unwrap_or("").to_string(),
        });
    }
    Ok(Body::Content(first.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_envelope_and_a_fault() {
        let xml = envelope(
            "<fl:GetPersonResponse xmlns:fl=\"urn:x\"><fl:Person><fl:IIN>860101300562</fl:IIN>\
             <fl:Surname>Әлиев &amp; Co</fl:Surname><fl:Family><fl:Relative relation=\"spouse\">1</fl:Relative>\
             </fl:Family></fl:Person></fl:GetPersonResponse>",
        );
        let Body::Content(r) = body(&xml).unwrap() else { panic!() };
        assert_eq!(r.name, "GetPersonResponse");
        let p = r.child("Person").unwrap();
        assert_eq!(p.child_text("IIN"), Some("860101300562"));
        assert_eq!(p.child_text("Surname"), Some("Әлиев & Co"));
        assert_eq!(p.child("Family").unwrap().children[0].attr("relation"), Some("spouse"));
        let fault = envelope(
            "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>down</faultstring></soap:Fault>",
        );
        assert_eq!(body(&fault).unwrap(), Body::Fault { code: "soap:Server".into(), message: "down".into() });
        assert!(body("<html>oops</html>").is_err());
        assert!(body("<soap:Envelope xmlns:soap=\"x\"><soap:Body>").is_err());
        assert!(body(&"<a>".repeat(100)).is_err());
    }
}
