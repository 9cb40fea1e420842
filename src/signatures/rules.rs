//! Who may sign a document for which party (pure): the applicant with a personal certificate
//! whose IIN is the applicant's; the provider's staff with a certificate carrying the provider's
//! BIN (and, when the staff member's account has an IIN, that IIN).
//!
//! ```
//! use qala::signatures::rules::{Signer, Required, party_for, SignRefusal};
//! use qala::signatures::SigningParty;
//! let required = [Required { party: SigningParty::Applicant, login: Some("880101300123".into()), iin: Some("880101300123".into()), bin: None, org: None }];
//! let me = Signer { login: "880101300123", org: None, account_iin: Some("880101300123"), cert_iin: Some("880101300123"), cert_bin: None };
//! assert_eq!(party_for(&required, &me), Ok(SigningParty::Applicant));
//! let other = Signer { cert_iin: Some("990101300123"), ..me };
//! assert_eq!(party_for(&required, &other), Err(SignRefusal::NotTheParty));
//! ```

use serde::{Deserialize, Serialize};

use super::SigningParty;

/// A party that must sign, with what identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Required {
    pub party: SigningParty,
    /// The applicant's login (applicant party).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// The applicant's IIN, when the account has one (applicant party).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iin: Option<String>,
    /// The provider's BIN (provider party); `None` when the organisation has none recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    /// The provider's organisation id (provider party).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
}

/// Who is signing: the caller's account and what the certificate says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signer<'a> {
    pub login: &'a str,
    pub org: Option<&'a str>,
    /// The IIN of the caller's account, if it has one.
    pub account_iin: Option<&'a str>,
    pub cert_iin: Option<&'a str>,
    pub cert_bin: Option<&'a str>,
}

/// Why a signer may not sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignRefusal {
    /// The caller is neither the applicant nor staff of the provider, or the certificate is not
    /// theirs (another IIN) or not the provider's (another BIN).
    NotTheParty,
    /// The document asks for no signature.
    NothingToSign,
}

/// The party `signer` signs for, or why not.
pub fn party_for(required: &[Required], signer: &Signer<'_>) -> Result<SigningParty, SignRefusal> {
    if required.is_empty() {
        return Err(SignRefusal::NothingToSign);
    }
    // A certificate is the caller's own only when its IIN is the account's (if the account has one).
    let own_cert = match (signer.account_iin, signer.cert_iin) {
        (Some(a), Some(c)) => a == c,
        (Some(_), None) => false,
        (None, _) => true,
    };
    for r in required {
        match r.party {
            SigningParty::Applicant => {
                let is_applicant = r.login.as_deref() == Some(signer.login);
                let iin_ok = match (&r.iin, signer.cert_iin) {
                    (Some(want), Some(got)) => want == got,
                    (Some(_), None) => false,
                    // An applicant account without an IIN: the certificate must carry one, and be
                    // a personal certificate (no BIN).
                    (None, got) => got.is_some() && signer.cert_bin.is_none(),
                };
                if is_applicant && iin_ok && own_cert {
                    return Ok(SigningParty::Applicant);
                }
            }
            SigningParty::Provider => {
                let staff = r.org.is_some() && r.org.as_deref() == signer.org;
                let bin_ok = r.bin.is_some() && r.bin.as_deref() == signer.cert_bin;
                if staff && bin_ok && own_cert {
                    return Ok(SigningParty::Provider);
                }
            }
        }
    }
    Err(SignRefusal::NotTheParty)
}

/// The public form of an IIN: its first six digits (the birth date) hidden, the last two shown.
///
/// ```
/// assert_eq!(qala::signatures::rules::mask_iin("880101300123"), "**********23");
/// ```
pub fn mask_iin(iin: &str) -> String {
    let n = iin.chars().count();
    iin.chars().enumerate().map(|(i, c)| if i + 2 >= n { c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both() -> Vec<Required> {
        vec![
            Required {
                party: SigningParty::Applicant,
                login: Some("ivanov".into()),
                iin: Some("880101300123".into()),
                bin: None,
                org: None,
            },
            Required {
                party: SigningParty::Provider,
                login: None,
                iin: None,
                bin: Some("123456789021".into()),
                org: Some("almaty-akimat".into()),
            },
        ]
    }

    #[test]
    fn the_applicant_signs_with_their_own_iin_only() {
        let s = Signer {
            login: "ivanov",
            org: None,
            account_iin: Some("880101300123"),
            cert_iin: Some("880101300123"),
            cert_bin: None,
        };
        assert_eq!(party_for(&both(), &s), Ok(SigningParty::Applicant));
        let wrong = Signer { cert_iin: Some("880101300124"), ..s };
        assert_eq!(party_for(&both(), &wrong), Err(SignRefusal::NotTheParty));
        let stranger = Signer { login: "petrov", ..s };
        assert_eq!(party_for(&both(), &stranger), Err(SignRefusal::NotTheParty));
    }

    #[test]
    fn the_provider_signs_with_its_bin_by_its_staff() {
        let s = Signer {
            login: "akimat-head",
            org: Some("almaty-akimat"),
            account_iin: Some("700101300111"),
            cert_iin: Some("700101300111"),
            cert_bin: Some("123456789021"),
        };
        assert_eq!(party_for(&both(), &s), Ok(SigningParty::Provider));
        let other_bin = Signer { cert_bin: Some("999999999999"), ..s };
        assert_eq!(party_for(&both(), &other_bin), Err(SignRefusal::NotTheParty));
        let other_org = Signer { org: Some("alseco"), ..s };
        assert_eq!(party_for(&both(), &other_org), Err(SignRefusal::NotTheParty));
        // Someone else's certificate of the right organisation.
        let borrowed = Signer { cert_iin: Some("700101300222"), ..s };
        assert_eq!(party_for(&both(), &borrowed), Err(SignRefusal::NotTheParty));
        // An organisation without a recorded BIN cannot be signed for.
        let mut no_bin = both();
        no_bin[1].bin = None;
        assert_eq!(party_for(&no_bin, &s), Err(SignRefusal::NotTheParty));
    }

    #[test]
    fn nothing_to_sign() {
        let s = Signer { login: "x", org: None, account_iin: None, cert_iin: Some("1"), cert_bin: None };
        assert_eq!(party_for(&[], &s), Err(SignRefusal::NothingToSign));
    }
}
