//! [`FeatureScope`] tested on a stored feature: the same rows as its SQL
//! (`policy::FeatureScope::sql`) selects. Pure.

use super::index::Feature;
use crate::policy::FeatureScope;

/// Whether the caller of `scope` sees `f`.
pub fn sees(scope: &FeatureScope, f: &Feature) -> bool {
    match scope {
        FeatureScope::All => true,
        FeatureScope::Department(d) => f.owner_dept.as_deref() == Some(d.as_str()),
        FeatureScope::Creator(c) => &*f.created_by == c.as_str(),
        FeatureScope::Published => f.public,
        FeatureScope::Applications { login, keys } => {
            f.public
                || &*f.created_by == login.as_str()
                || f.access.iter().any(|a| keys.iter().any(|k| **a == **k))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(dept: Option<&str>, by: &str, public: bool, access: &[&str]) -> Feature {
        Feature {
            id: 1,
            geom: geo::Geometry::Point(geo::Point::new(0.0, 0.0)),
            bbox: [0.0; 4],
            web_size: 0.0,
            rank: 0,
            attrs: Vec::new(),
            latin: None,
            owner_dept: dept.map(Into::into),
            created_by: by.into(),
            public,
            access: access.iter().map(|s| (*s).into()).collect(),
        }
    }

    #[test]
    fn scopes() {
        let f = feature(Some("roads"), "ann", false, &["org:akimat"]);
        assert!(sees(&FeatureScope::All, &f));
        assert!(sees(&FeatureScope::Department("roads".into()), &f));
        assert!(!sees(&FeatureScope::Department("parks".into()), &f));
        assert!(sees(&FeatureScope::Creator("ann".into()), &f));
        assert!(!sees(&FeatureScope::Creator("bob".into()), &f));
        assert!(!sees(&FeatureScope::Published, &f));
        assert!(sees(&FeatureScope::Published, &feature(None, "x", true, &[])));
        let apps = |login: &str, keys: &[&str]| FeatureScope::Applications {
            login: login.into(),
            keys: keys.iter().map(|s| s.to_string()).collect(),
        };
        assert!(sees(&apps("bob", &["org:akimat"]), &f));
        assert!(sees(&apps("ann", &[]), &f));
        assert!(!sees(&apps("bob", &["org:other"]), &f));
        assert!(!sees(&FeatureScope::Department("roads".into()), &feature(None, "ann", false, &[])));
    }
}
