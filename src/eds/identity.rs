//! Who a certificate names: IIN, BIN, organisation, names and e-mail from the subject (Cyrillic
//! UTF8String values), organisation roles from NCA's extended key usages; the names printed
//! `CN=…, C=KZ` in the certificate's own order.

use der::asn1::{Any, Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Tag, Tagged};
use serde::Serialize;
use x509_cert::name::Name;

const CN: &str = "2.5.4.3";
const SURNAME: &str = "2.5.4.4";
const SERIAL_NUMBER: &str = "2.5.4.5";
const COUNTRY: &str = "2.5.4.6";
const LOCALITY: &str = "2.5.4.7";
const STATE: &str = "2.5.4.8";
const ORGANISATION: &str = "2.5.4.10";
const ORG_UNIT: &str = "2.5.4.11";
const GIVEN_NAME: &str = "2.5.4.42";
const EMAIL: &str = "1.2.840.113549.1.9.1";
/// NCA's organisation-role EKUs: `1.2.398.3.3.4.1.2.<n>`.
const ROLE_ARC: &str = "1.2.398.3.3.4.1.2.";

/// The person and organisation a certificate names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// The person's IIN (12 digits) from `serialNumber=IIN…`.
    pub iin: Option<String>,
    /// The organisation's BIN (12 digits) from `OU=BIN…`.
    pub bin: Option<String>,
    /// The organisation's name (`O`).
    pub organisation: Option<String>,
    pub common_name: Option<String>,
    /// `SN`.
    pub surname: Option<String>,
    /// The first name: `CN` without the surname.
    pub given_name: Option<String>,
    /// NCA puts the patronymic in `GN` (givenName).
    pub patronymic: Option<String>,
    pub email: Option<String>,
    /// Organisation roles from the EKUs: head, sign, finance, hr, employee.
    pub roles: Vec<String>,
}

/// A directory string's text (UTF8String, PrintableString, IA5String, TeletexString, BMPString).
pub fn text_of(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::new(bytes).ok().map(|s| s.to_string()),
        Tag::PrintableString => PrintableStringRef::new(bytes).ok().map(|s| s.to_string()),
        Tag::Ia5String => Ia5StringRef::new(bytes).ok().map(|s| s.to_string()),
        Tag::TeletexString => TeletexStringRef::new(bytes).ok().map(|s| s.to_string()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units: Vec<u16> = bytes.chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// The attributes of a name in order: (OID, text).
pub fn attributes(name: &Name) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            let text = text_of(&atv.value).unwrap_or_else(|| format!("#{}", hex::encode(atv.value.value())));
            out.push((atv.oid.to_string(), text));
        }
    }
    out
}

fn short_name(oid: &str) -> &str {
    match oid {
        CN => "CN",
        SURNAME => "SN",
        SERIAL_NUMBER => "SERIALNUMBER",
        COUNTRY => "C",
        LOCALITY => "L",
        STATE => "ST",
        ORGANISATION => "O",
        ORG_UNIT => "OU",
        GIVEN_NAME => "G",
        EMAIL => "E",
        other => other,
    }
}

/// A name as text, `CN=ТЕСТОВ ТЕСТ, SN=ТЕСТОВ, …`, in the certificate's order.
pub fn display(name: &Name) -> String {
    attributes(name)
        .iter()
        .map(|(oid, text)| format!("{}={}", short_name(oid), text))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Twelve digits after `prefix`, or nothing.
fn twelve_digits(value: &str, prefix: &str) -> Option<String> {
    let rest = value.trim().strip_prefix(prefix)?;
    (rest.len() == 12 && rest.bytes().all(|b| b.is_ascii_digit())).then(|| rest.to_string())
}

/// The identity in `subject`, with roles from the certificate's EKU OIDs.
pub fn identity(subject: &Name, eku: &[String]) -> Identity {
    let mut id = Identity::default();
    for (oid, text) in attributes(subject) {
        match oid.as_str() {
            SERIAL_NUMBER => id.iin = id.iin.take().or_else(|| twelve_digits(&text, "IIN")),
            ORG_UNIT => id.bin = id.bin.take().or_else(|| twelve_digits(&text, "BIN")),
            ORGANISATION => id.organisation = Some(text),
            CN => id.common_name = Some(text),
            SURNAME => id.surname = Some(text),
            GIVEN_NAME => id.patronymic = Some(text),
            EMAIL => id.email = Some(text),
            _ => {}
        }
    }
    if let (Some(cn), Some(sn)) = (&id.common_name, &id.surname) {
        let first = cn.strip_prefix(sn.as_str()).map(str::trim).unwrap_or("");
        if !first.is_empty() {
            id.given_name = Some(first.to_string());
        }
    }
    id.roles = eku
        .iter()
        .filter_map(|oid| oid.strip_prefix(ROLE_ARC))
        .filter_map(|n| match n {
            "1" => Some("head"),
            "2" => Some("sign"),
            "3" => Some("finance"),
            "4" => Some("hr"),
            "5" => Some("employee"),
            _ => None,
        })
        .map(str::to_string)
        .collect();
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn iin_bin_names_and_roles() {
        let name = Name::from_str(
            "CN=ТЕСТОВ ТЕСТ,SN=ТЕСТОВ,serialNumber=IIN123456789011,C=KZ,O=АО ТЕСТ,OU=BIN123456789021,givenName=ТЕСТОВИЧ",
        );
        let name = match name {
            Ok(n) => n,
            Err(e) => panic!("name: {e}"),
        };
        let id = identity(
            &name,
            &["1.3.6.1.5.5.7.3.4".into(), "1.2.398.3.3.4.1.2".into(), "1.2.398.3.3.4.1.2.1".into()],
        );
        assert_eq!(id.iin.as_deref(), Some("123456789011"));
        assert_eq!(id.bin.as_deref(), Some("123456789021"));
        assert_eq!(id.surname.as_deref(), Some("ТЕСТОВ"));
        assert_eq!(id.given_name.as_deref(), Some("ТЕСТ"));
        assert_eq!(id.patronymic.as_deref(), Some("ТЕСТОВИЧ"));
        assert_eq!(id.organisation.as_deref(), Some("АО ТЕСТ"));
        assert_eq!(id.roles, vec!["head".to_string()]);
    }

    #[test]
    fn malformed_iin_is_absent() {
        assert_eq!(twelve_digits("IIN12345", "IIN"), None);
        assert_eq!(twelve_digits("IINabcdefghijkl", "IIN"), None);
        assert_eq!(twelve_digits("BIN123456789021", "BIN").as_deref(), Some("123456789021"));
    }
}
