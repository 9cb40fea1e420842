//! The one access policy: for a caller and a layer, none / read / write.
//!
//! Every route that returns layer data (catalog, tiles, features, search, exports, PDFs) asks
//! [`layer_access`]; nothing else decides. A layer the caller may not read must look exactly like a
//! layer that does not exist (404, absent from lists).
//!
//! ```
//! use qala::auth::policy::{layer_access, Access, Caller};
//! # let layer = qala::layers::catalog::parse_layer("parcels.toml",
//! #     include_str!("../../tests/fixtures/layers/valid_layer.toml")).unwrap();
//! assert_eq!(layer_access(&Caller::Anonymous, &layer), Access::Read); // a public layer
//! ```

use crate::layers::catalog::LayerDef;

/// What a caller may do with a layer, ordered: `None < Read < Write`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    Read,
    Write,
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Caller {
    #[default]
    Anonymous,
    User {
        login: String,
        roles: Vec<String>,
        org: Option<String>,
    },
}

impl Caller {
    fn has_role(&self, role: &str) -> bool {
        matches!(self, Caller::User { roles, .. } if roles.iter().any(|r| r == role))
    }

    /// A key that is equal for two callers exactly when the policy treats them alike on every
    /// layer; caches key on it so one caller's data is never served to another with other rights.
    pub fn policy_key(&self) -> String {
        match self {
            Caller::Anonymous => "anon".into(),
            Caller::User { roles, org, .. } => {
                let mut r = roles.clone();
                r.sort();
                format!("roles={};org={}", r.join(","), org.as_deref().unwrap_or(""))
            }
        }
    }
}

/// The access of `caller` to `layer`.
///
/// - `admin` may write every layer;
/// - `editor` may write every layer it may read;
/// - anybody may read a public layer;
/// - a restricted layer is readable by the roles and organisations its file lists.
pub fn layer_access(caller: &Caller, layer: &LayerDef) -> Access {
    if caller.has_role("admin") {
        return Access::Write;
    }
    let readable = layer.access.public
        || match caller {
            Caller::Anonymous => false,
            Caller::User { roles, org, .. } => {
                roles.iter().any(|r| layer.access.roles.contains(r))
                    || org.as_ref().is_some_and(|o| layer.access.orgs.contains(o))
            }
        };
    match (readable, caller.has_role("editor")) {
        (false, _) => Access::None,
        (true, true) => Access::Write,
        (true, false) => Access::Read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::catalog::AccessDef;

    fn layer(access: AccessDef) -> LayerDef {
        let mut l = crate::layers::catalog::parse_layer(
            "parcels.toml",
            include_str!("../../tests/fixtures/layers/valid_layer.toml"),
        )
        .unwrap();
        l.access = access;
        l
    }

    fn user(roles: &[&str], org: Option<&str>) -> Caller {
        Caller::User {
            login: "u".into(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            org: org.map(str::to_string),
        }
    }

    #[test]
    fn access_matrix() {
        let public = layer(AccessDef { public: true, ..Default::default() });
        let restricted = layer(AccessDef {
            public: false,
            roles: vec!["reviewer".into()],
            orgs: vec!["almaty-su".into()],
        });
        let cases = [
            (Caller::Anonymous, &public, Access::Read),
            (Caller::Anonymous, &restricted, Access::None),
            (user(&["viewer"], None), &restricted, Access::None),
            (user(&["viewer"], Some("other")), &restricted, Access::None),
            (user(&["viewer"], Some("almaty-su")), &restricted, Access::Read),
            (user(&["reviewer"], None), &restricted, Access::Read),
            (user(&["editor"], None), &restricted, Access::None),
            (user(&["editor"], None), &public, Access::Write),
            (user(&["editor"], Some("almaty-su")), &restricted, Access::Write),
            (user(&["admin"], None), &restricted, Access::Write),
        ];
        for (caller, l, want) in cases {
            assert_eq!(layer_access(&caller, l), want, "{caller:?} on public={}", l.access.public);
        }
    }

    #[test]
    fn policy_key_ignores_role_order_but_not_org() {
        assert_eq!(user(&["a", "b"], None).policy_key(), user(&["b", "a"], None).policy_key());
        assert_ne!(user(&["a"], Some("x")).policy_key(), user(&["a"], Some("y")).policy_key());
        assert_ne!(Caller::Anonymous.policy_key(), user(&[], None).policy_key());
    }
}
