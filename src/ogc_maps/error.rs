//! OGC exceptions (pure): the code, the parameter at fault (`locator`), a message in the caller's
//! language, and the two report formats: WMS 1.3.0's `ServiceExceptionReport` and OWS 1.1's
//! `ExceptionReport` (WMTS 1.0), with the HTTP status each code is answered with.

use super::xml::Xml;
use crate::i18n::{Lang, Msg};

/// The exception codes of WMS 1.3.0 (Annex A.3) and OWS 1.1 / WMTS 1.0 (Table 23, 28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionCode {
    InvalidFormat,
    InvalidCrs,
    LayerNotDefined,
    StyleNotDefined,
    LayerNotQueryable,
    InvalidPoint,
    CurrentUpdateSequence,
    InvalidUpdateSequence,
    MissingParameterValue,
    InvalidParameterValue,
    OperationNotSupported,
    TileOutOfRange,
    NoApplicableCode,
}

impl ExceptionCode {
    /// The code as the standards spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionCode::InvalidFormat => "InvalidFormat",
            ExceptionCode::InvalidCrs => "InvalidCRS",
            ExceptionCode::LayerNotDefined => "LayerNotDefined",
            ExceptionCode::StyleNotDefined => "StyleNotDefined",
            ExceptionCode::LayerNotQueryable => "LayerNotQueryable",
            ExceptionCode::InvalidPoint => "InvalidPoint",
            ExceptionCode::CurrentUpdateSequence => "CurrentUpdateSequence",
            ExceptionCode::InvalidUpdateSequence => "InvalidUpdateSequence",
            ExceptionCode::MissingParameterValue => "MissingParameterValue",
            ExceptionCode::InvalidParameterValue => "InvalidParameterValue",
            ExceptionCode::OperationNotSupported => "OperationNotSupported",
            ExceptionCode::TileOutOfRange => "TileOutOfRange",
            ExceptionCode::NoApplicableCode => "NoApplicableCode",
        }
    }

    /// The HTTP status of the code. WMTS 1.0 (07-057r7, Table 28) names them: 400 for the
    /// client's parameters and `TileOutOfRange`, 501 for `OperationNotSupported`, 500 for
    /// `NoApplicableCode`. WMS 1.3.0 names none; Qala answers the same statuses (GeoServer and
    /// MapServer answer 200, which hides errors from HTTP caches and monitoring), and 304-like
    /// `CurrentUpdateSequence` as 400 with its report, since the standard wants a report body.
    pub fn status(self) -> u16 {
        match self {
            ExceptionCode::OperationNotSupported => 501,
            ExceptionCode::NoApplicableCode => 500,
            _ => 400,
        }
    }
}

/// One OGC exception.
#[derive(Debug, Clone, PartialEq)]
pub struct OgcError {
    pub code: ExceptionCode,
    /// The parameter at fault (upper case), if one is.
    pub locator: Option<String>,
    /// What went wrong, translated.
    pub msg: Msg,
    /// The particulars (the value sent, the limit): not translated, appended after the message.
    pub detail: String,
}

impl OgcError {
    pub fn new(code: ExceptionCode, msg: Msg, locator: &str) -> OgcError {
        OgcError {
            code,
            locator: if locator.is_empty() { None } else { Some(locator.to_string()) },
            msg,
            detail: String::new(),
        }
    }

    pub fn detail(mut self, d: impl Into<String>) -> OgcError {
        self.detail = d.into();
        self
    }

    /// `MissingParameterValue` for `key`.
    pub fn missing(key: &str) -> OgcError {
        OgcError::new(ExceptionCode::MissingParameterValue, Msg::OgcMissingParameter, key)
            .detail(key.to_string())
    }

    /// `InvalidParameterValue` for `key` with the particulars.
    pub fn invalid(key: &str, detail: impl Into<String>) -> OgcError {
        OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcInvalidParameter, key).detail(detail)
    }

    /// `LayerNotDefined` for a name (unknown and unreadable alike).
    pub fn layer_not_defined(key: &str, name: &str) -> OgcError {
        OgcError::new(ExceptionCode::LayerNotDefined, Msg::OgcLayerNotDefined, key).detail(name.to_string())
    }

    /// The message in `lang` with the particulars.
    pub fn text(&self, lang: Lang) -> String {
        let m = self.msg.text(lang);
        if self.detail.is_empty() { m.to_string() } else { format!("{m}: {}", self.detail) }
    }
}

/// The media type of WMS exception reports (`EXCEPTIONS=XML`).
pub const WMS_EXCEPTION_TYPE: &str = "text/xml";

/// A WMS 1.3.0 `ServiceExceptionReport` (exceptions_1_3_0.xsd).
pub fn wms_report(e: &OgcError, lang: Lang) -> String {
    let mut x = Xml::new();
    x.open(
        "ServiceExceptionReport",
        &[
            ("version", "1.3.0"),
            ("xmlns", "http://www.opengis.net/ogc"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.opengis.net/ogc http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd",
            ),
        ],
    );
    let mut attrs = vec![("code", e.code.as_str())];
    if let Some(l) = &e.locator {
        attrs.push(("locator", l.as_str()));
    }
    x.leaf("ServiceException", &attrs, &e.text(lang));
    x.close("ServiceExceptionReport");
    x.finish()
}

/// An OWS 1.1 `ExceptionReport` (owsExceptionReport.xsd) as WMTS 1.0 answers.
pub fn ows_report(e: &OgcError, lang: Lang) -> String {
    let mut x = Xml::new();
    x.open(
        "ows:ExceptionReport",
        &[
            ("xmlns:ows", "http://www.opengis.net/ows/1.1"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            (
                "xsi:schemaLocation",
                "http://www.opengis.net/ows/1.1 http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd",
            ),
            ("version", "1.0.0"),
            ("xml:lang", lang.tag()),
        ],
    );
    let mut attrs = vec![("exceptionCode", e.code.as_str())];
    if let Some(l) = &e.locator {
        attrs.push(("locator", l.as_str()));
    }
    x.open("ows:Exception", &attrs);
    x.leaf("ows:ExceptionText", &[], &e.text(lang));
    x.close("ows:Exception");
    x.close("ows:ExceptionReport");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wms_report_names_code_locator_and_translated_text_escaped() {
        let e = OgcError::layer_not_defined("LAYERS", "<x&y>");
        let r = wms_report(&e, Lang::Ru);
        assert!(r.starts_with("<?xml"), "{r}");
        assert!(r.contains(r#"<ServiceException code="LayerNotDefined" locator="LAYERS">Такого слоя нет: &lt;x&amp;y&gt;</ServiceException>"#), "{r}");
        assert!(r.contains(r#"version="1.3.0""#));
    }

    #[test]
    fn ows_report_and_statuses() {
        let e = OgcError::new(ExceptionCode::TileOutOfRange, Msg::OgcTileOutOfRange, "TILEROW").detail("9");
        let r = ows_report(&e, Lang::En);
        assert!(r.contains(r#"exceptionCode="TileOutOfRange" locator="TILEROW""#), "{r}");
        assert!(
            r.contains("<ows:ExceptionText>The tile is outside the matrix: 9</ows:ExceptionText>"),
            "{r}"
        );
        assert_eq!(e.code.status(), 400);
        assert_eq!(ExceptionCode::OperationNotSupported.status(), 501);
        assert_eq!(ExceptionCode::NoApplicableCode.status(), 500);
        assert_eq!(ExceptionCode::InvalidCrs.as_str(), "InvalidCRS");
    }
}
