//! Who may see and act on security incidents and run usage reports (pure): incidents belong to
//! security admins and system admins; the quarterly usage report to system admins.

use super::Caller;

/// Whether `caller` may list, acknowledge and close security incidents.
///
/// ```
/// use qala::policy::{Caller, may_watch_security};
/// assert!(may_watch_security(&Caller::user("s", &["security_admin"])));
/// assert!(may_watch_security(&Caller::user("root", &["admin"])));
/// assert!(!may_watch_security(&Caller::user("v", &["viewer"])));
/// assert!(!may_watch_security(&Caller::user("o", &["org_admin"])));
/// assert!(!may_watch_security(&Caller::Anonymous));
/// ```
pub fn may_watch_security(caller: &Caller) -> bool {
    caller.is_admin() || caller.has_role("security_admin")
}

/// Whether `caller` may produce the quarterly usage report.
///
/// ```
/// use qala::policy::{Caller, may_report_usage};
/// assert!(may_report_usage(&Caller::user("root", &["admin"])));
/// assert!(!may_report_usage(&Caller::user("s", &["security_admin"])));
/// ```
pub fn may_report_usage(caller: &Caller) -> bool {
    caller.is_admin()
}
