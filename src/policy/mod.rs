//! The one access policy: for a caller, a layer and a feature, none / read / write.
//!
//! Every route that returns layer data (catalog, tiles, features, search, exports, attachments,
//! PDFs) asks [`layer_access`] and, for the rows, [`feature_scope`]; nothing else decides. A layer
//! the caller may not read must look exactly like a layer that does not exist (404, absent from
//! lists). This module is pure: the caller carries the grants that apply to it (resolved when it
//! was authenticated), and expiry is decided against the clock passed in.
//!
//! ```
//! use qala::policy::{layer_access, Access, Caller};
//! # let layer = qala::layers::catalog::parse_layer("parcels.toml",
//! #     include_str!("../../tests/fixtures/layers/valid_layer.toml")).unwrap();
//! assert_eq!(layer_access(&Caller::Anonymous, &layer), Access::Read); // a public layer
//! assert_eq!(layer_access(&Caller::user("e", &["editor"]), &layer), Access::Write);
//! ```

pub mod applications;
mod checks;
mod documents;
// issue 16: metrics
mod ops;
// issue 17: rasters
mod rasters;
// issue 16: security monitoring
mod security;
mod users;

pub use checks::{journal_refusal, parse_fid, readable, visible_feature, writable, write_refused};
pub use documents::may_see_staff;
pub use ops::{OpsRefusal, may_read_operations};
pub use rasters::{may_read_raster, raster_access};

// issue 16: backups
/// Whether `caller` may start and list backups: system administrators only.
pub fn may_manage_backups(caller: &Caller) -> Result<(), OpsRefusal> {
    match caller.principal() {
        None => Err(OpsRefusal::Anonymous),
        Some(_) if caller.is_admin() => Ok(()),
        Some(_) => Err(OpsRefusal::NotAllowed),
    }
}
pub use security::{may_report_usage, may_watch_security};
pub use users::{NotManaged, may_manage};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::layers::catalog::{FeatureVisibility, LayerDef};

/// What a caller may do with a layer, ordered: `None < Read < Write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    None,
    Read,
    Write,
}

impl Access {
    pub fn parse(s: &str) -> Option<Access> {
        match s {
            "read" => Some(Access::Read),
            "write" => Some(Access::Write),
            _ => None,
        }
    }
}

/// The roles Qala knows. `admin` is the system administrator; `org_admin` manages the users of
/// its organisation; `monitoring` reads the operations figures (`/metrics`, a scraper's account).
/// `security_admin` sees and acknowledges security incidents.
pub const ROLES: &[&str] =
    &["viewer", "editor", "reviewer", "applicant", "org_admin", "admin", "monitoring", "security_admin"];

/// A grant that applies to a user (through its role, organisation, department or itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub layer: String,
    pub access: Access,
    /// The grant stops at this moment.
    pub valid_until: Option<DateTime<Utc>>,
}

/// How a user proved who it is. Writes through a session need its CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    Session { csrf: String, token_sha256: String },
    Token,
    Basic,
}

/// An authenticated user, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub id: i64,
    pub login: String,
    pub roles: Vec<String>,
    pub org: Option<String>,
    pub dept: Option<String>,
    pub lang: Option<String>,
    pub grants: Vec<Grant>,
    pub method: AuthMethod,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    User(Box<Principal>),
}

impl Caller {
    /// A user with roles and nothing else (tests, command-line tools).
    pub fn user(login: &str, roles: &[&str]) -> Caller {
        Caller::User(Box::new(Principal {
            id: 0,
            login: login.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            org: None,
            dept: None,
            lang: None,
            grants: Vec::new(),
            method: AuthMethod::Token,
        }))
    }

    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::User(p) => Some(p),
            Caller::Anonymous => None,
        }
    }

    pub fn has_role(&self, role: &str) -> bool {
        self.principal().is_some_and(|p| p.roles.iter().any(|r| r == role))
    }

    pub fn is_admin(&self) -> bool {
        self.has_role("admin")
    }

    /// The login, or `anonymous`.
    pub fn login(&self) -> &str {
        self.principal().map_or("anonymous", |p| p.login.as_str())
    }
}

/// The access of `caller` to `layer` now.
pub fn layer_access(caller: &Caller, layer: &LayerDef) -> Access {
    layer_access_at(caller, layer, Utc::now())
}

/// The access of `caller` to `layer` at `now`:
///
/// - `admin` may write every layer;
/// - anybody may read a public layer; a restricted one is readable by the roles and organisations
///   its file lists;
/// - `editor` may write every layer it may read;
/// - grants (to a role, organisation, department or the user) add read or write until they expire.
pub fn layer_access_at(caller: &Caller, layer: &LayerDef, now: DateTime<Utc>) -> Access {
    let Some(p) = caller.principal() else {
        return if layer.access.public { Access::Read } else { Access::None };
    };
    if caller.is_admin() {
        return if layer.access.features == FeatureVisibility::Applications {
            Access::Read
        } else {
            Access::Write
        };
    }
    let listed = layer.access.public
        || p.roles.iter().any(|r| layer.access.roles.contains(r))
        || p.org.as_ref().is_some_and(|o| layer.access.orgs.contains(o));
    let granted = p
        .grants
        .iter()
        .filter(|g| g.layer == layer.id && g.valid_until.is_none_or(|t| t > now))
        .map(|g| g.access)
        .max()
        .unwrap_or(Access::None);
    let base = match (listed, caller.has_role("editor")) {
        (false, _) => Access::None,
        (true, true) => Access::Write,
        (true, false) => Access::Read,
    };
    let access = base.max(granted);
    if layer.access.features == FeatureVisibility::Applications {
        // Applications change only through their workflow, never as features.
        return access.min(Access::Read);
    }
    access
}

/// Which features of a layer a caller sees (and, with write access, may change).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureScope {
    All,
    /// Features whose `owner_dept` is this department.
    Department(String),
    /// Features created by this login.
    Creator(String),
    /// Applications: published ones only (anonymous callers).
    Published,
    /// Applications: published ones, the caller's own and those of the organisations (and
    /// departments) it works for; see [`applications::scope`].
    Applications {
        login: String,
        keys: Vec<String>,
    },
}

impl FeatureScope {
    /// A key that tells cached tiles of the same layer apart by scope.
    pub fn cache_suffix(&self) -> String {
        match self {
            FeatureScope::All => String::new(),
            FeatureScope::Department(d) => format!("@dept:{d}"),
            FeatureScope::Creator(c) => format!("@user:{c}"),
            FeatureScope::Published => "@public".to_string(),
            FeatureScope::Applications { login, .. } => format!("@apps:{login}"),
        }
    }

    /// The SQL condition on a feature row aliased `f`, with its parameter at `$n` (bound by the
    /// caller as [`FeatureScope::param`], NULL for `All`).
    pub fn sql(&self, n: usize) -> String {
        match self {
            FeatureScope::All => format!("(${n}::text IS NULL)"),
            FeatureScope::Department(_) => format!("(f.owner_dept = ${n}::text)"),
            FeatureScope::Creator(_) => format!("(f.created_by = ${n}::text)"),
            FeatureScope::Published => format!("(${n}::text IS NULL AND f.attrs @> '{{\"public\": true}}')"),
            FeatureScope::Applications { .. } => format!(
                "(f.attrs @> '{{\"public\": true}}' OR f.created_by = (${n}::jsonb ->> 'login') \
                 OR (f.attrs -> 'access') ?| ARRAY(SELECT jsonb_array_elements_text(${n}::jsonb -> 'keys')))"
            ),
        }
    }

    pub fn param(&self) -> Option<String> {
        match self {
            FeatureScope::All => None,
            FeatureScope::Department(d) => Some(d.clone()),
            FeatureScope::Creator(c) => Some(c.clone()),
            FeatureScope::Published => None,
            FeatureScope::Applications { login, keys } => {
                Some(serde_json::json!({ "login": login, "keys": keys }).to_string())
            }
        }
    }
}

/// The features of `layer` the caller sees, for a layer it may read. Layers whose file says
/// `features = "department"` show each department only its own features (a user without a
/// department: its own), `features = "creator"` each user its own; admins see all.
pub fn feature_scope(caller: &Caller, layer: &LayerDef) -> FeatureScope {
    if caller.is_admin() {
        return FeatureScope::All;
    }
    let login = caller.login().to_string();
    match layer.access.features {
        FeatureVisibility::All => FeatureScope::All,
        FeatureVisibility::Department => match caller.principal().and_then(|p| p.dept.clone()) {
            Some(d) => FeatureScope::Department(d),
            None => FeatureScope::Creator(login),
        },
        FeatureVisibility::Creator => FeatureScope::Creator(login),
        FeatureVisibility::Applications => applications::scope(caller),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::catalog::AccessDef;

    fn layer(access: AccessDef) -> LayerDef {
        let mut l = crate::layers::catalog::fixtures::parcels();
        l.access = access;
        l
    }

    fn user(roles: &[&str], org: Option<&str>, dept: Option<&str>, grants: Vec<Grant>) -> Caller {
        let Caller::User(mut p) = Caller::user("u", roles) else { unreachable!() };
        p.org = org.map(str::to_string);
        p.dept = dept.map(str::to_string);
        p.grants = grants;
        Caller::User(p)
    }

    #[test]
    fn access_matrix() {
        let public = layer(AccessDef { public: true, ..Default::default() });
        let restricted = layer(AccessDef {
            public: false,
            roles: vec!["reviewer".into()],
            orgs: vec!["almaty-su".into()],
            ..Default::default()
        });
        let cases = [
            (user(&["viewer"], None, None, vec![]), &restricted, Access::None),
            (Caller::Anonymous, &public, Access::Read),
            (Caller::Anonymous, &restricted, Access::None),
            (user(&["viewer"], Some("other"), None, vec![]), &restricted, Access::None),
            (user(&["viewer"], Some("almaty-su"), None, vec![]), &restricted, Access::Read),
            (user(&["reviewer"], None, None, vec![]), &restricted, Access::Read),
            (user(&["editor"], None, None, vec![]), &restricted, Access::None),
            (user(&["editor"], None, None, vec![]), &public, Access::Write),
            (user(&["viewer"], None, None, vec![]), &public, Access::Read),
            (user(&["editor"], Some("almaty-su"), None, vec![]), &restricted, Access::Write),
            (user(&["admin"], None, None, vec![]), &restricted, Access::Write),
        ];
        for (caller, l, want) in cases {
            assert_eq!(layer_access(&caller, l), want, "{caller:?} on public={}", l.access.public);
        }
    }

    #[test]
    fn grants_add_access_until_they_expire() {
        let restricted =
            layer(AccessDef { public: false, roles: vec!["reviewer".into()], ..Default::default() });
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        let grant = |access, until: Option<&str>| Grant {
            layer: restricted.id.clone(),
            access,
            valid_until: until.map(|u| u.parse().unwrap()),
        };
        let reader = user(&["viewer"], None, None, vec![grant(Access::Read, None)]);
        assert_eq!(layer_access_at(&reader, &restricted, now), Access::Read);
        let writer = user(&["viewer"], None, None, vec![grant(Access::Write, Some("2026-12-02T00:00:00Z"))]);
        assert_eq!(layer_access_at(&writer, &restricted, now), Access::Write);
        let expired = user(&["viewer"], None, None, vec![grant(Access::Write, Some("2026-12-01T11:59:59Z"))]);
        assert_eq!(layer_access_at(&expired, &restricted, now), Access::None);
        let other_layer = user(
            &["viewer"],
            None,
            None,
            vec![Grant { layer: "x".into(), access: Access::Write, valid_until: None }],
        );
        assert_eq!(layer_access_at(&other_layer, &restricted, now), Access::None);
    }

    #[test]
    fn features_per_department() {
        let l = layer(AccessDef {
            public: false,
            roles: vec!["editor".into()],
            features: FeatureVisibility::Department,
            ..Default::default()
        });
        let a = user(&["editor"], Some("o"), Some("roads"), vec![]);
        assert_eq!(feature_scope(&a, &l), FeatureScope::Department("roads".into()));
        let lone = user(&["editor"], None, None, vec![]);
        assert_eq!(feature_scope(&lone, &l), FeatureScope::Creator("u".into()));
        assert_eq!(feature_scope(&user(&["admin"], None, None, vec![]), &l), FeatureScope::All);
        let open = layer(AccessDef { public: true, ..Default::default() });
        assert_eq!(feature_scope(&a, &open), FeatureScope::All);
    }
}
