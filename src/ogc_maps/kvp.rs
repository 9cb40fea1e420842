//! Key-value-pair requests of OGC services (pure): keys are case-insensitive, values are kept as
//! sent; a key given twice is refused (a client that says `LAYERS` twice is asking two things).

use super::error::{ExceptionCode, OgcError};
use crate::i18n::Msg;

/// The most parameters one request may carry.
pub const MAX_PARAMS: usize = 64;
/// The longest value of one parameter (a long `LAYERS` list fits).
pub const MAX_VALUE_LEN: usize = 8192;

/// The parameters of one request, keys upper-cased.
#[derive(Debug, Clone, Default)]
pub struct Kvp {
    pairs: Vec<(String, String)>,
}

impl Kvp {
    /// From the decoded pairs of a query string.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Kvp, OgcError> {
        if pairs.len() > MAX_PARAMS {
            return Err(OgcError::new(ExceptionCode::InvalidParameterValue, Msg::OgcInvalidParameter, "")
                .detail(format!("more than {MAX_PARAMS} parameters")));
        }
        let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let key = k.trim().to_ascii_uppercase();
            if v.len() > MAX_VALUE_LEN {
                return Err(OgcError::new(
                    ExceptionCode::InvalidParameterValue,
                    Msg::OgcInvalidParameter,
                    &key,
                )
                .detail(format!("{key}: longer than {MAX_VALUE_LEN} bytes")));
            }
            if out.iter().any(|(k2, _)| *k2 == key) {
                return Err(OgcError::new(
                    ExceptionCode::InvalidParameterValue,
                    Msg::OgcInvalidParameter,
                    &key,
                )
                .detail(format!("{key} is given more than once")));
            }
            out.push((key, v));
        }
        Ok(Kvp { pairs: out })
    }

    /// The value of `key` (upper case), if given (an empty value counts as given).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of `key`, or `MissingParameterValue` when absent or empty.
    pub fn required(&self, key: &str) -> Result<&str, OgcError> {
        match self.get(key).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(OgcError::missing(key)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kvp(pairs: &[(&str, &str)]) -> Result<Kvp, OgcError> {
        Kvp::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn keys_are_case_insensitive_values_kept() {
        let k = kvp(&[("service", "WMS"), ("Layers", "a,B")]).unwrap();
        assert_eq!(k.get("SERVICE"), Some("WMS"));
        assert_eq!(k.get("LAYERS"), Some("a,B"));
        assert_eq!(k.get("BBOX"), None);
    }

    #[test]
    fn repeated_keys_are_refused() {
        let e = kvp(&[("layers", "a"), ("LAYERS", "b")]).unwrap_err();
        assert_eq!(e.code, ExceptionCode::InvalidParameterValue);
        assert_eq!(e.locator.as_deref(), Some("LAYERS"));
    }

    #[test]
    fn missing_and_empty_are_missing() {
        let k = kvp(&[("CRS", "")]).unwrap();
        assert_eq!(k.required("CRS").unwrap_err().code, ExceptionCode::MissingParameterValue);
        assert_eq!(k.required("BBOX").unwrap_err().code, ExceptionCode::MissingParameterValue);
    }

    #[test]
    fn too_many_or_too_long_is_refused() {
        let many: Vec<(String, String)> = (0..=MAX_PARAMS).map(|i| (format!("k{i}"), "v".into())).collect();
        assert!(Kvp::from_pairs(many).is_err());
        assert!(kvp(&[("LAYERS", &"a".repeat(MAX_VALUE_LEN + 1))]).is_err());
    }
}
