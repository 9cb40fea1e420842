//! Who may manage which user accounts (pure): the administrators' half of the access policy.

use super::Caller;

/// Why an administrator may not manage a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotManaged {
    /// The user is outside the caller's organisation (answered like a missing user).
    OutOfScope,
    /// The user has a role the caller may not manage (`admin`, `org_admin`, `monitoring`).
    RoleAbove,
    /// The caller administers nobody.
    NotAnAdmin,
}

/// Whether `actor` may manage (edit, reset, block, unblock, delete) a user with `roles` in `org`:
/// an `admin` manages everyone; an `org_admin` with an organisation manages the users of that
/// organisation that are neither `admin` nor `org_admin` (pure).
pub fn may_manage(actor: &Caller, roles: &[String], org: Option<&str>) -> Result<(), NotManaged> {
    if actor.is_admin() {
        return Ok(());
    }
    let Some(own_org) =
        actor.principal().and_then(|p| p.org.as_deref()).filter(|_| actor.has_role("org_admin"))
    else {
        return Err(NotManaged::NotAnAdmin);
    };
    if org != Some(own_org) {
        return Err(NotManaged::OutOfScope);
    }
    // `monitoring` reads the whole server's operations figures: a system role, like `admin`.
    if roles.iter().any(|r| r == "admin" || r == "org_admin" || r == "monitoring") {
        return Err(NotManaged::RoleAbove);
    }
    Ok(())
}
