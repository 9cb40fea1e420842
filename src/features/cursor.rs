//! The keyset cursor of items pages (pure): the sort keys of the last row sent, as URL-safe base64
//! of a JSON array of texts. A cursor is checked before any SQL: its shape (base64, a JSON array of
//! as many texts as the query has sort keys) and every key against the type it is cast to, so that
//! a cursor edited by hand is a 400 `invalid_cursor`, never a database error.
//!
//! ```
//! use qala::features::cursor::{decode, encode, KeyType};
//! let c = encode(&["5".into(), "17".into()]);
//! assert_eq!(decode(&c, &[KeyType::Float8, KeyType::Bigint]).unwrap(), ["5", "17"]);
//! assert!(decode(&encode(&["x".into(), "17".into()]), &[KeyType::Float8, KeyType::Bigint]).is_err());
//! ```

use base64::Engine;

/// The SQL type a key is cast to in the keyset condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Bigint,
    Int,
    Float8,
    Date,
    Timestamptz,
    Text,
}

impl KeyType {
    /// Its name in SQL.
    pub fn sql(self) -> &'static str {
        match self {
            KeyType::Bigint => "bigint",
            KeyType::Int => "int",
            KeyType::Float8 => "float8",
            KeyType::Date => "date",
            KeyType::Timestamptz => "timestamptz",
            KeyType::Text => "text",
        }
    }

    /// Whether `v` is a text this server writes for a key of this type (and PostgreSQL reads).
    pub fn accepts(self, v: &str) -> bool {
        if v.contains('\0') {
            return false;
        }
        match self {
            KeyType::Bigint => v.parse::<i64>().is_ok(),
            KeyType::Int => v.parse::<i32>().is_ok(),
            KeyType::Float8 => {
                matches!(v, "Infinity" | "-Infinity" | "NaN") || v.parse::<f64>().is_ok_and(f64::is_finite)
            }
            KeyType::Date => v == "-infinity" || is_date(v),
            KeyType::Timestamptz => is_timestamp(v),
            KeyType::Text => true,
        }
    }
}

fn is_date(v: &str) -> bool {
    use chrono::Datelike;
    v.len() == 10
        && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .is_ok_and(|d| crate::layers::schema::YEARS.contains(&d.year()))
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as the key columns write timestamps.
fn is_timestamp(v: &str) -> bool {
    use chrono::Datelike;
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.fZ")
        .is_ok_and(|t| crate::layers::schema::YEARS.contains(&t.year()))
}

/// SQL that writes a key of type `t` from the expression `sql` as the text a cursor carries
/// (independent of the session's `DateStyle`).
pub fn key_text_sql(sql: &str, t: KeyType) -> String {
    match t {
        KeyType::Timestamptz => {
            format!("to_char(({sql}) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
        }
        KeyType::Date => format!("coalesce(nullif(to_char({sql}, 'YYYY-MM-DD'), ''), '-infinity')"),
        _ => format!("({sql})::text"),
    }
}

/// Encodes the keys of a row as a cursor.
pub fn encode(keys: &[String]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(keys).unwrap_or_default())
}

/// Decodes a cursor for a query whose keys have the types `types`.
pub fn decode(s: &str, types: &[KeyType]) -> Result<Vec<String>, String> {
    const MAX_CURSOR_BYTES: usize = 4096;
    let bad = |why: &str| format!("cursor: {why}");
    if s.len() > MAX_CURSOR_BYTES {
        return Err(bad("too long"));
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s.trim())
        .map_err(|_| bad("not URL-safe base64"))?;
    let keys: Vec<String> = serde_json::from_slice(&bytes).map_err(|_| bad("not a list of keys"))?;
    if keys.len() != types.len() {
        return Err(bad(&format!("{} keys where this query sorts by {}", keys.len(), types.len())));
    }
    for (i, (k, t)) in keys.iter().zip(types).enumerate() {
        if !t.accepts(k) {
            return Err(bad(&format!("key {} is not a {}", i + 1, t.sql())));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_against_their_types() {
        let t = |k: KeyType, v: &str| k.accepts(v);
        assert!(t(KeyType::Float8, "1e+20") && t(KeyType::Float8, "-Infinity") && t(KeyType::Float8, "-0"));
        assert!(!t(KeyType::Float8, "1e400") && !t(KeyType::Float8, "x") && !t(KeyType::Float8, "inf"));
        assert!(
            t(KeyType::Bigint, "-17")
                && !t(KeyType::Bigint, "1.5")
                && !t(KeyType::Bigint, "99999999999999999999")
        );
        assert!(t(KeyType::Int, "-1") && !t(KeyType::Int, "3000000000"));
        assert!(t(KeyType::Date, "2026-11-22") && t(KeyType::Date, "-infinity"));
        assert!(!t(KeyType::Date, "0000-01-01") && !t(KeyType::Date, "2026-13-01"));
        assert!(t(KeyType::Timestamptz, "2026-11-22T10:00:00.123456Z"));
        assert!(
            !t(KeyType::Timestamptz, "0000-11-22T10:00:00.000000Z") && !t(KeyType::Timestamptz, "yesterday")
        );
        assert!(!t(KeyType::Text, "a\u{0}b"));
        assert!(decode("!!!", &[KeyType::Bigint]).unwrap_err().contains("base64"));
        assert!(
            decode(&encode(&["1".into()]), &[KeyType::Int, KeyType::Bigint]).unwrap_err().contains("keys")
        );
    }
}
