//! Who sees and works applications. Pure, like the rest of the policy.
//!
//! - The applicant sees its own applications whole (and acts on them as the workflow allows).
//! - Staff (`reviewer`, `editor`, `org_admin`) of an organisation that works a stage of the
//!   application's workflow see it whole, personal data included (each opening is journalled by
//!   the caller); a staff member with a department only when a stage of its organisation names
//!   that department or none.
//! - `admin` sees every application.
//! - Everybody else, anonymous visitors included, sees only what the service publishes: status,
//!   the listed fields (never personal ones) and, when it says so, the site.
//!
//! The same rule, as access keys on the application's feature ([`access_keys`]) and on the caller
//! ([`scope`]), limits the applications layer in tiles, the features API and exports.

use super::{Caller, FeatureScope};
use crate::applications::service::ServiceDef;

/// Roles that work applications.
pub const STAFF: &[&str] = &["reviewer", "editor", "org_admin"];

/// How much of an application a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum View {
    /// Nothing: it does not exist for the caller (404).
    None,
    /// What the service publishes.
    Public,
    /// The whole application, as staff of an organisation that works it.
    Staff,
    /// The whole application, as its applicant.
    Applicant,
    /// The whole application, as an administrator.
    Admin,
}

impl View {
    /// Whether the caller sees personal data (IIN, names, contacts, files).
    pub fn personal(self) -> bool {
        self >= View::Staff
    }
}

/// The access keys of an application routed to `org`: for each stage, its organisation, and
/// `<org>/<dept>` (or `<org>/*` for a stage any department of it may work).
pub fn access_keys(service: &ServiceDef, org: &str) -> Vec<String> {
    let mut keys = std::collections::BTreeSet::new();
    for s in &service.workflow.stages {
        let o = s.org.as_deref().unwrap_or(org);
        keys.insert(o.to_string());
        keys.insert(format!("{o}/{}", s.dept.as_deref().unwrap_or("*")));
    }
    keys.into_iter().collect()
}

/// The keys a staff caller matches: `<org>` without a department, `<org>/<dept>` and `<org>/*`
/// with one; none for others.
pub fn caller_keys(caller: &Caller) -> Vec<String> {
    let Some(p) = caller.principal() else { return Vec::new() };
    let Some(org) = p.org.as_deref() else { return Vec::new() };
    if !STAFF.iter().any(|r| caller.has_role(r)) {
        return Vec::new();
    }
    match p.dept.as_deref() {
        None => vec![org.to_string()],
        Some(d) => vec![format!("{org}/{d}"), format!("{org}/*")],
    }
}

/// The view of `caller` on an application of `service` by `applicant`, routed to `org`. The
/// applicant's own application is always the applicant's view, an administrator's too: it edits
/// its drafts like anyone, and does not review what it applied for.
pub fn view(caller: &Caller, service: &ServiceDef, applicant: &str, org: &str) -> View {
    if caller.principal().is_some_and(|p| p.login == applicant) {
        return View::Applicant;
    }
    if caller.is_admin() {
        return View::Admin;
    }
    let keys = access_keys(service, org);
    if caller_keys(caller).iter().any(|k| keys.contains(k)) {
        return View::Staff;
    }
    if service.publish.public { View::Public } else { View::None }
}

/// The scope of the applications layer for `caller`.
pub fn scope(caller: &Caller) -> FeatureScope {
    match caller.principal() {
        _ if caller.is_admin() => FeatureScope::All,
        None => FeatureScope::Published,
        Some(p) => FeatureScope::Applications { login: p.login.clone(), keys: caller_keys(caller) },
    }
}

/// Who may see an object drawn or uploaded on an application (a detailed plan, a network).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ObjectAccess {
    /// The staff who work the application.
    Staff,
    /// The staff and the applicant.
    Applicant,
    /// Everyone who sees the application, the public included.
    Public,
}

impl ObjectAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectAccess::Staff => "staff",
            ObjectAccess::Applicant => "applicant",
            ObjectAccess::Public => "public",
        }
    }
}

/// The object accesses a view reads: staff and administrators all, the applicant its and the
/// public ones, the public only public ones, nobody else any.
///
/// ```
/// use qala::policy::applications::{ObjectAccess, View, objects_readable};
/// assert_eq!(objects_readable(View::Applicant), &[ObjectAccess::Applicant, ObjectAccess::Public]);
/// assert!(objects_readable(View::None).is_empty());
/// ```
pub fn objects_readable(view: View) -> &'static [ObjectAccess] {
    match view {
        View::None => &[],
        View::Public => &[ObjectAccess::Public],
        View::Applicant => &[ObjectAccess::Applicant, ObjectAccess::Public],
        View::Staff | View::Admin => &[ObjectAccess::Staff, ObjectAccess::Applicant, ObjectAccess::Public],
    }
}

/// Whether a view may draw, upload, change or remove objects on an application: the staff who
/// work it and administrators.
pub fn may_edit_objects(view: View) -> bool {
    view >= View::Staff && view != View::Applicant
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::service::tests::network;

    fn staff(login: &str, roles: &[&str], org: &str, dept: Option<&str>) -> Caller {
        let Caller::User(mut p) = Caller::user(login, roles) else { unreachable!() };
        p.org = Some(org.into());
        p.dept = dept.map(str::to_string);
        Caller::User(p)
    }

    #[test]
    fn access_matrix() {
        let s = network();
        let org = s.provider.clone();
        let v = |c: &Caller| view(c, &s, "aigerim", &org);
        assert_eq!(v(&Caller::user("aigerim", &["applicant"])), View::Applicant);
        assert_eq!(v(&Caller::user("root", &["admin"])), View::Admin);
        assert_eq!(v(&Caller::user("aigerim", &["admin"])), View::Applicant, "an admin's own application");
        assert_eq!(v(&staff("berik", &["reviewer"], &org, None)), View::Staff);
        // Another applicant, a viewer of the same organisation, anonymous: what is published.
        let public = if s.publish.public { View::Public } else { View::None };
        assert_eq!(v(&Caller::user("dana", &["applicant"])), public);
        assert_eq!(v(&staff("vera", &["viewer"], &org, None)), public);
        assert_eq!(v(&Caller::Anonymous), public);
        // Staff of an organisation that works none of its stages.
        assert_eq!(v(&staff("zed", &["reviewer"], "qazaqgaz", None)), public);
        assert!(!View::Public.personal() && View::Staff.personal());
    }

    #[test]
    fn departments_see_the_stages_they_work() {
        let s = network();
        let keys = access_keys(&s, &s.provider);
        for st in &s.workflow.stages {
            let o = st.org.clone().unwrap_or(s.provider.clone());
            let c = staff("x", &["reviewer"], &o, Some(st.dept.as_deref().unwrap_or("any")));
            assert!(caller_keys(&c).iter().any(|k| keys.contains(k)), "stage {}", st.id);
        }
        let c = staff("x", &["reviewer"], &s.provider, Some("no-such-dept"));
        let open = s.workflow.stages.iter().any(|st| st.org.is_none() && st.dept.is_none());
        assert_eq!(caller_keys(&c).iter().any(|k| keys.contains(k)), open);
    }

    #[test]
    fn scope_of_the_layer() {
        assert_eq!(scope(&Caller::Anonymous), FeatureScope::Published);
        assert_eq!(scope(&Caller::user("root", &["admin"])), FeatureScope::All);
        let s = scope(&staff("berik", &["reviewer"], "almaty-su", Some("networks")));
        assert_eq!(
            s,
            FeatureScope::Applications {
                login: "berik".into(),
                keys: vec!["almaty-su/networks".into(), "almaty-su/*".into()]
            }
        );
        assert!(s.sql(3).contains("$3::jsonb"));
    }
}
