//! Kazakh identifiers and contacts in form values: IIN, BIN, phone numbers, e-mail addresses.
//!
//! **IIN and BIN check digit** (12 digits; the algorithm of the Government of Kazakhstan's
//! resolution of 11 June 2003 No. 565 on the national registers of identification numbers, as also
//! described by the OECD's page on Kazakhstan's TINs): the sum of the first eleven digits weighted
//! 1, 2, …, 11, modulo 11, is the twelfth digit; when that remainder is 10, the digits are weighted
//! again by 3, 4, …, 11, 1, 2, and a remainder of 10 again means the number is never issued.
//!
//! Besides the check digit, an IIN's first six digits are the holder's birth date (`YYMMDD`) and
//! its seventh the century and sex (1-2: 1800s, 3-4: 1900s, 5-6: 2000s). A seventh digit 0 is
//! accepted too, with any century (some validators in use allow it; refusing a real number would
//! block an applicant, so the check leans to accepting); a BIN's first four digits are the year and month of
//! registration and its fifth the kind of entity (4 resident, 5 non-resident legal entity, 6 joint
//! individual entrepreneurship).
//!
//! ```
//! use qala::applications::service::ids::{check_digit, is_valid_iin};
//! // 8·1 + 6·2 + 0·3 + 1·4 + 0·5 + 1·6 + 3·7 + 0·8 + 0·9 + 5·10 + 6·11 = 167 = 15·11 + 2
//! assert_eq!(check_digit(b"86010130056"), Some(2));
//! assert!(is_valid_iin("860101300562"));
//! assert!(!is_valid_iin("860101300565"));
//! ```

use chrono::NaiveDate;

const WEIGHTS_1: [u32; 11] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const WEIGHTS_2: [u32; 11] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

/// The check digit of the first eleven digits of an IIN or BIN (ASCII digits), or `None` when
/// the input is not eleven digits or no check digit exists (both remainders are 10).
pub fn check_digit(first11: &[u8]) -> Option<u8> {
    if first11.len() != 11 || !first11.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum = |w: &[u32; 11]| first11.iter().zip(w).map(|(d, w)| u32::from(d - b'0') * w).sum::<u32>() % 11;
    match sum(&WEIGHTS_1) {
        10 => match sum(&WEIGHTS_2) {
            10 => None,
            r => u8::try_from(r).ok(),
        },
        r => u8::try_from(r).ok(),
    }
}

/// Whether `s` is twelve digits whose last is the check digit of the others.
pub fn has_valid_check_digit(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 12 && b[11].is_ascii_digit() && check_digit(&b[..11]) == Some(b[11] - b'0')
}

/// Whether `s` is a valid IIN: check digit, a real birth date and a known century digit.
pub fn is_valid_iin(s: &str) -> bool {
    if !has_valid_check_digit(s) {
        return false;
    }
    let b = s.as_bytes();
    let two = |i: usize| u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0');
    let (yy, mm, dd) = (two(0), two(2), two(4));
    let century = match b[6] - b'0' {
        1 | 2 => Some(1800),
        3 | 4 => Some(1900),
        5 | 6 => Some(2000),
        0 => None,
        _ => return false,
    };
    // Unknown century: any leap year accepts 29 February.
    let year = century.map_or(2000, |c| c + yy as i32);
    NaiveDate::from_ymd_opt(year, mm, dd).is_some()
}

/// Whether `s` is a valid BIN: check digit, a registration month 01-12 and an entity kind 4-6.
pub fn is_valid_bin(s: &str) -> bool {
    if !has_valid_check_digit(s) {
        return false;
    }
    let b = s.as_bytes();
    let month = u32::from(b[2] - b'0') * 10 + u32::from(b[3] - b'0');
    (1..=12).contains(&month) && matches!(b[4], b'4'..=b'6')
}

/// An IIN or BIN as typed: spaces and dashes between digits are dropped.
pub fn normalize_id(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{a0}')).collect()
}

/// A Kazakh phone number in the form `+77XXXXXXXXX`, from what people type: `+7 (701) 123-45-67`,
/// `8 701 123 45 67`, `87011234567`, `77011234567`. Kazakh numbers are the +7 numbers whose next
/// digit is 7 (mobile 70x/747/75x/76x/77x, fixed lines such as Almaty's 727); other +7 numbers
/// (Russia) are refused.
///
/// ```
/// use qala::applications::service::ids::normalize_phone;
/// assert_eq!(normalize_phone("8 (701) 123-45-67").as_deref(), Some("+77011234567"));
/// assert_eq!(normalize_phone("+7 495 123 45 67"), None);
/// ```
pub fn normalize_phone(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() > 32 {
        return None;
    }
    let plus = s.starts_with('+');
    let rest = if plus { &s[1..] } else { s };
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '\u{a0}')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let national = match (plus, digits.len()) {
        (true, 11) => digits.strip_prefix('7')?,
        (false, 11) => digits.strip_prefix('8').or_else(|| digits.strip_prefix('7'))?,
        _ => return None,
    };
    national.starts_with('7').then(|| format!("+7{national}"))
}

/// Longest e-mail address (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL: usize = 254;

/// Whether `s` looks like a deliverable e-mail address: one `@`, a local part of at most 64 visible
/// ASCII characters without quotes, and a domain of at least two dot-separated labels of letters,
/// digits and inner hyphens (internationalised domains in their `xn--` form).
pub fn is_valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|c| c.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && !tld.bytes().all(|c| c.is_ascii_digit()));
    s.len() <= MAX_EMAIL && local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completes eleven digits with their check digit.
    fn complete(first11: &str) -> String {
        format!("{first11}{}", check_digit(first11.as_bytes()).unwrap())
    }

    #[test]
    fn check_digit_by_both_weight_sets() {
        let first = "86010130056";
        let sum: u32 = first.bytes().zip(1..).map(|(d, w)| u32::from(d - b'0') * w).sum();
        assert_eq!(check_digit(first.as_bytes()), Some(u8::try_from(sum % 11).unwrap()));
        assert_eq!(check_digit(first.as_bytes()), Some(2));
        // A remainder of 10 with the first weights goes to the second ones: 00000000010 weighs
        // 1·10 = 10 with the first, 1·1 = 1 with the second.
        assert_eq!(check_digit(b"00000000010"), Some(1));
        // Both remainders 10: no such number.
        let none = (0..100_000u32)
            .map(|i| format!("{i:011}"))
            .find(|s| check_digit(s.as_bytes()).is_none())
            .expect("some eleven digits have no check digit");
        assert!(!has_valid_check_digit(&format!("{none}0")));
        assert_eq!(check_digit(b"1234567890"), None);
        assert_eq!(check_digit(b"1234567890a"), None);
    }

    #[test]
    fn iins_need_a_birth_date_and_a_century() {
        assert!(is_valid_iin(&complete("86010130056")));
        assert!(is_valid_iin(&complete("00022950012")), "29 February 2000");
        assert!(!is_valid_iin(&complete("01022950012")), "29 February 2001 does not exist");
        assert!(!is_valid_iin(&complete("86130130056")), "month 13");
        assert!(!is_valid_iin(&complete("86010170056")), "century digit 7");
        assert!(is_valid_iin(&complete("86010100056")), "century digit 0 is accepted");
        let good = complete("86010130056");
        let last = good.as_bytes()[11] - b'0';
        let bad = format!("{}{}", &good[..11], (last + 1) % 10);
        assert!(!is_valid_iin(&bad));
        assert!(!is_valid_iin("86010130056"));
        assert!(!is_valid_iin("８６０１０１３００５６６"));
    }

    #[test]
    fn bins_need_a_month_and_an_entity_kind() {
        assert!(is_valid_bin(&complete("99034000012")));
        assert!(!is_valid_bin(&complete("99134000012")), "month 13");
        assert!(!is_valid_bin(&complete("99033000012")), "kind 3");
        assert_eq!(normalize_id(" 9903 4000 012-3 "), "990340000123");
    }

    #[test]
    fn phones_are_kazakh_numbers() {
        for typed in ["+7 701 123 45 67", "8(701)1234567", "77011234567", "+7-701-123-45-67"] {
            assert_eq!(normalize_phone(typed).as_deref(), Some("+77011234567"), "{typed}");
        }
        assert_eq!(normalize_phone("8 727 250 00 00").as_deref(), Some("+77272500000"));
        for bad in ["+7 912 123 45 67", "701 123 45 67", "+1 701 123 45 67", "8701123456a", "+7701123456"] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn email_addresses() {
        for ok in ["a@b.kz", "aigerim.n+qala@mail.almaty.kz", "x@xn--80ao21a.xn--p1ai"] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "a@@b.kz", "a b@c.kz", "a@-b.kz", "a@b..kz", ".a@b.kz", "a@b.k", "a@1.22"]
        {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert!(!is_valid_email(&format!("{}@b.kz", "a".repeat(65))));
    }
}
