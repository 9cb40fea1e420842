//! A small XML writer over `quick-xml` (pure): every text and attribute value is escaped by it.
//! Writing into memory cannot fail, so the writer's I/O results are dropped.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// An XML document being written, with its declaration.
pub struct Xml {
    w: Writer<Vec<u8>>,
}

impl std::fmt::Debug for Xml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Xml")
    }
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

impl Xml {
    pub fn new() -> Xml {
        let mut w = Writer::new_with_indent(Vec::with_capacity(4096), b' ', 1);
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        Xml { w }
    }

    fn start<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute((*k, *v));
        }
        s
    }

    /// `<name attrs>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let _ = self.w.write_event(Event::Start(Self::start(name, attrs)));
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name attrs>text</name>`.
    pub fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// `<name attrs/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let _ = self.w.write_event(Event::Empty(Self::start(name, attrs)));
    }

    /// The document's text.
    pub fn finish(self) -> String {
        String::from_utf8_lossy(&self.w.into_inner()).into_owned()
    }
}
