//! Who may read the server's operations figures (issue 16: `/metrics`, `/api/admin/status`):
//! system administrators and the `monitoring` role (a Prometheus scraper's account). Pure.

use super::Caller;

/// Why reading the operations figures is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsRefusal {
    /// Nobody signed in: 401.
    Anonymous,
    /// Signed in without `admin` or `monitoring`: 403.
    NotAllowed,
}

/// Whether `caller` may read the operations figures.
///
/// ```
/// use qala::policy::{Caller, OpsRefusal, may_read_operations};
/// assert_eq!(may_read_operations(&Caller::Anonymous), Err(OpsRefusal::Anonymous));
/// assert_eq!(may_read_operations(&Caller::user("v", &["viewer"])), Err(OpsRefusal::NotAllowed));
/// assert_eq!(may_read_operations(&Caller::user("p", &["monitoring"])), Ok(()));
/// assert_eq!(may_read_operations(&Caller::user("a", &["admin"])), Ok(()));
/// ```
pub fn may_read_operations(caller: &Caller) -> Result<(), OpsRefusal> {
    match caller.principal() {
        None => Err(OpsRefusal::Anonymous),
        Some(_) if caller.is_admin() || caller.has_role("monitoring") => Ok(()),
        Some(_) => Err(OpsRefusal::NotAllowed),
    }
}
