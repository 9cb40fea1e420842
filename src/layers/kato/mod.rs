//! KATO, the administrative-territorial classifier of Kazakhstan: file layouts, the hierarchy rule,
//! storage of units and boundaries, and the `/api/kato` routes.
//!
//! # Hierarchy rule
//! A code is nine digits `AB CD EF HIJ`. Its **level comes from its shape**: 1 when `CD EF HIJ` are
//! zero (region or city of republican status), 2 when only `EF HIJ` are zero, 3 when only `HIJ` is
//! zero, 4 otherwise. Its **parent is the nearest existing ancestor by shape**: the code with `HIJ`
//! zeroed, then with `EF HIJ` zeroed, then with `CD EF HIJ` zeroed, the first that exists.
//!
//! So Almaty's districts (`751110000` ... `751910000`, level 3) have no `7511 00 000` unit above
//! them and hang directly under the city `750000000`. The source's own parent links (which put
//! villages under their okrug's centre village) are not used: the rule depends on codes only, so
//! it gives the same tree for every file layout.
//!
//! ```
//! use qala::layers::kato::{level, parent_candidates};
//! assert_eq!(level("751110000"), Some(3));
//! assert_eq!(parent_candidates("751110000"), vec!["751100000", "750000000"]);
//! ```

pub mod locate;
pub mod parse;
pub mod store;

/// The level (1-4) of a nine-digit code, from its shape; `None` when it is not nine digits.
pub fn level(code: &str) -> Option<u8> {
    if !is_code(code) {
        return None;
    }
    Some(if &code[6..9] != "000" {
        4
    } else if &code[4..6] != "00" {
        3
    } else if &code[2..4] != "00" {
        2
    } else {
        1
    })
}

/// Possible parents of `code`, nearest first.
pub fn parent_candidates(code: &str) -> Vec<String> {
    let Some(l) = level(code) else {
        return Vec::new();
    };
    let ab = &code[0..2];
    let cd = &code[2..4];
    let ef = &code[4..6];
    let mut out = Vec::new();
    if l >= 4 {
        out.push(format!("{ab}{cd}{ef}000"));
    }
    if l >= 3 {
        out.push(format!("{ab}{cd}00000"));
    }
    if l >= 2 {
        out.push(format!("{ab}0000000"));
    }
    out.retain(|c| c != code);
    out
}

/// The parent of `code` among `exists` by the rule above.
pub fn parent_of(code: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    parent_candidates(code).into_iter().find(|c| exists(c))
}

/// The prefix every descendant of `code` shares (by the shape rule): `75` for `750000000`,
/// `7511` for `751100000`, `751110` for `751110000`, the whole code at level 4.
pub fn descendant_prefix(code: &str) -> String {
    match level(code) {
        Some(1) => code[..2].to_string(),
        Some(2) => code[..4].to_string(),
        Some(3) => code[..6].to_string(),
        _ => code.to_string(),
    }
}

pub fn is_code(code: &str) -> bool {
    code.len() == 9 && code.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn levels_follow_the_shape() {
        assert_eq!(level("750000000"), Some(1));
        assert_eq!(level("101000000"), Some(2));
        assert_eq!(level("101033000"), Some(3));
        assert_eq!(level("101033100"), Some(4));
        assert_eq!(level("10103310"), None);
        assert_eq!(level("10103310x"), None);
    }

    #[test]
    fn descendants_share_the_prefix() {
        assert_eq!(descendant_prefix("750000000"), "75");
        assert_eq!(descendant_prefix("751110000"), "751110");
        assert!(
            parent_candidates("751110000").iter().any(|p| "751110000".starts_with(&descendant_prefix(p)))
        );
    }

    #[test]
    fn parent_is_the_nearest_existing_ancestor() {
        let codes: BTreeSet<&str> = ["750000000", "751110000", "101000000", "101033000", "101033100"].into();
        let has = |c: &str| codes.contains(c);
        assert_eq!(parent_of("751110000", has).as_deref(), Some("750000000"));
        assert_eq!(parent_of("101033100", has).as_deref(), Some("101033000"));
        assert_eq!(parent_of("101033000", has).as_deref(), Some("101000000"));
        assert_eq!(parent_of("750000000", has), None);
        // A village whose district is missing hangs under the region.
        assert_eq!(parent_of("105033100", |c| c == "100000000").as_deref(), Some("100000000"));
        assert_eq!(parent_of("105033100", |c| c == "110000000"), None);
        assert_eq!(parent_of("101099100", has).as_deref(), Some("101000000"));
    }
}
