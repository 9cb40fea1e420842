//! The IIN (ЖСН/ИИН, the individual identification number) as sign-in reads it (pure): its check
//! digit, and the birth date and sex it carries.
//!
//! The check digit (the rule of the Government's resolution No. 565 of 11 June 2003, implemented
//! once in [`crate::applications::service::ids::check_digit`]): the first eleven digits weighted
//! 1, 2, …, 11, modulo 11; a remainder of 10 weighs them again by 3, 4, …, 11, 1, 2, and a second
//! remainder of 10 means the number is never issued. Digits 1-6 are the birth date `YYMMDD`, the
//! seventh the century and sex: 1/2 the 1800s, 3/4 the 1900s, 5/6 the 2000s, odd men, even women.
//!
//! ```
//! use qala::auth::iin::{Iin, Sex};
//! let iin = Iin::parse("860101300562").unwrap();
//! assert_eq!(iin.birth_date().unwrap().to_string(), "1986-01-01");
//! assert_eq!(iin.sex(), Some(Sex::Male));
//! assert_eq!(iin.masked(), "8601******62");
//! assert!(Iin::parse("860101300563").is_err());
//! ```

use chrono::NaiveDate;

use crate::applications::service::ids::check_digit;

/// Why a text is not an IIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IinError {
    #[error("an IIN is twelve digits")]
    Format,
    #[error("the IIN's check digit is wrong")]
    CheckDigit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

/// A well-formed IIN (twelve digits with a right check digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Iin(String);

impl Iin {
    /// Checks `s` (surrounding spaces are dropped).
    pub fn parse(s: &str) -> Result<Iin, IinError> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
            return Err(IinError::Format);
        }
        if check_digit(&b[..11]) != Some(b[11] - b'0') {
            return Err(IinError::CheckDigit);
        }
        Ok(Iin(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn digit(&self, i: usize) -> u32 {
        u32::from(self.0.as_bytes()[i] - b'0')
    }

    /// The century from the seventh digit (1800, 1900, 2000), if it names one.
    fn century(&self) -> Option<i32> {
        match self.digit(6) {
            1 | 2 => Some(1800),
            3 | 4 => Some(1900),
            5 | 6 => Some(2000),
            _ => None,
        }
    }

    /// The birth date, when the seventh digit gives the century and the date exists.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        let two = |i: usize| self.digit(i) * 10 + self.digit(i + 1);
        let year = self.century()? + i32::try_from(two(0)).ok()?;
        NaiveDate::from_ymd_opt(year, two(2), two(4))
    }

    /// The sex, when the seventh digit gives it.
    pub fn sex(&self) -> Option<Sex> {
        match self.digit(6) {
            1 | 3 | 5 => Some(Sex::Male),
            2 | 4 | 6 => Some(Sex::Female),
            _ => None,
        }
    }

    /// The IIN as journals show it: the first four and the last two digits.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any text as an IIN is masked (`8601******62`); short texts become stars.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars.iter().enumerate().map(|(i, c)| if i < 4 || i >= n - 2 { *c } else { '*' }).collect()
}

/// Makes a valid IIN from a birth date, a sex and a five-digit serial (tests and simulators):
/// `None` when that serial has no check digit.
pub fn make(birth: NaiveDate, sex: Sex, serial: u32) -> Option<String> {
    use chrono::Datelike;
    let century_digit = match (birth.year() / 100, sex) {
        (18, Sex::Male) => 1,
        (18, Sex::Female) => 2,
        (19, Sex::Male) => 3,
        (19, Sex::Female) => 4,
        (20, Sex::Male) => 5,
        (20, Sex::Female) => 6,
        _ => return None,
    };
    let first = format!(
        "{:02}{:02}{:02}{}{:04}",
        birth.year() % 100,
        birth.month(),
        birth.day(),
        century_digit,
        serial % 10_000
    );
    let c = check_digit(first.as_bytes())?;
    Some(format!("{first}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table_of_known_numbers() {
        // 8·1+6·2+0·3+1·4+0·5+1·6+3·7+0·8+0·9+5·10+6·11 = 167 ≡ 2 (mod 11)
        assert!(Iin::parse("860101300562").is_ok());
        assert_eq!(Iin::parse("860101300561"), Err(IinError::CheckDigit));
        assert_eq!(Iin::parse("86010130056"), Err(IinError::Format));
        assert_eq!(Iin::parse("86010130056a"), Err(IinError::Format));
        // The NCA test person's 123456789011: the first remainder is 10, the second 3, not 1.
        assert_eq!(Iin::parse("123456789011"), Err(IinError::CheckDigit));
        // 0·1 + … + 1·11 = 11 ≡ 0: the check digit is 0.
        assert!(Iin::parse("000000000010").is_ok());
        let w = Iin::parse("860101400569").unwrap();
        assert_eq!((w.sex(), w.birth_date()), (Some(Sex::Female), NaiveDate::from_ymd_opt(1986, 1, 1)));
    }

    #[test]
    fn the_second_weights_are_used_when_the_first_give_ten() {
        // 1·10 = 10 with the first weights (digit 10 is 1): the second give 1·1 = 1.
        assert_eq!(check_digit(b"00000000010"), Some(1));
        assert!(Iin::parse("000000000101").is_ok());
        assert_eq!(Iin::parse("000000000100"), Err(IinError::CheckDigit));
    }

    proptest! {
        #[test]
        fn made_numbers_are_valid_and_carry_their_date_and_sex(
            days in 0i64..70_000, male in any::<bool>(), serial in 0u32..10_000,
        ) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            let sex = if male { Sex::Male } else { Sex::Female };
            if let Some(s) = make(birth, sex, serial) {
                let iin = Iin::parse(&s).unwrap();
                prop_assert_eq!(iin.birth_date(), Some(birth));
                prop_assert_eq!(iin.sex(), Some(sex));
                // Any one digit changed breaks the check digit, or leaves no valid number.
                let mut b = s.clone().into_bytes();
                b[11] = b'0' + (b[11] - b'0' + 1) % 10;
                prop_assert!(Iin::parse(std::str::from_utf8(&b).unwrap()).is_err());
            }
        }

        #[test]
        fn anything_not_twelve_digits_is_refused(s in "\\PC{0,20}") {
            if s.trim().len() != 12 || !s.trim().bytes().all(|b| b.is_ascii_digit()) {
                prop_assert_eq!(Iin::parse(&s), Err(IinError::Format));
            }
        }
    }
}
