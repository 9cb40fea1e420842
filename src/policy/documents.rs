//! Who may see the staff behind a document record (pure): the logins of its issuer and of whoever
//! revoked it are personal data; the public sees the issuing organisation only.

use super::Caller;

/// Whether `caller` may see the staff logins of a record issued by `issuer` of `issuer_org`:
/// administrators, administrators of the issuing organisation, and the issuer.
///
/// ```
/// use qala::policy::{Caller, may_see_staff};
/// assert!(!may_see_staff(&Caller::Anonymous, Some("aigerim"), Some("akimat")));
/// assert!(may_see_staff(&Caller::user("root", &["admin"]), Some("aigerim"), Some("akimat")));
/// ```
pub fn may_see_staff(caller: &Caller, issuer: Option<&str>, issuer_org: Option<&str>) -> bool {
    let Some(p) = caller.principal() else { return false };
    caller.is_admin()
        || issuer == Some(p.login.as_str())
        || (caller.has_role("org_admin") && p.org.is_some() && p.org.as_deref() == issuer_org)
}
