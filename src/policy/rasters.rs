//! Who may read a raster (issue 17): the rules of layers ([`super::layer_access`]) without
//! writing: anybody reads a public raster; a restricted one is read by the roles and
//! organisations it lists, and by administrators. Pure.

use super::{Access, Caller};
use crate::rasters::RasterDef;

/// The access of `caller` to `raster`: `Read` or `None` (rasters are written only by the
/// operator's `qala raster` command).
pub fn raster_access(caller: &Caller, raster: &RasterDef) -> Access {
    let a = &raster.access;
    let Some(p) = caller.principal() else {
        return if a.public { Access::Read } else { Access::None };
    };
    let listed = a.public
        || caller.is_admin()
        || p.roles.iter().any(|r| a.roles.contains(r))
        || p.org.as_ref().is_some_and(|o| a.orgs.contains(o));
    if listed { Access::Read } else { Access::None }
}

/// Whether `caller` may read `raster` (see [`raster_access`]).
pub fn may_read_raster(caller: &Caller, raster: &RasterDef) -> bool {
    raster_access(caller, raster) >= Access::Read
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::catalog::{AccessDef, Translated};
    use crate::rasters::RasterKind;

    fn raster(access: AccessDef) -> RasterDef {
        RasterDef {
            id: "ortho".into(),
            title: Translated { kk: "a".into(), ru: "b".into(), en: "c".into() },
            kind: RasterKind::Orthophoto,
            access,
            file: "rasters/ortho.tif".into(),
            source_name: "o.tif".into(),
            source_sha256: "0".repeat(64),
            source_crs: "EPSG:32643".into(),
            bounds_4326: [0.0; 4],
            bounds_3857: [0.0; 4],
            resolution_m: 1.0,
            bands: 3,
            min_zoom: 0,
            max_zoom: 18,
            nodata: None,
            created_by: "cli".into(),
            created_at: chrono::Utc::now(),
        }
    }

    fn user(roles: &[&str], org: Option<&str>) -> Caller {
        let Caller::User(mut p) = Caller::user("u", roles) else { unreachable!() };
        p.org = org.map(str::to_string);
        Caller::User(p)
    }

    #[test]
    fn access_matrix() {
        let public = raster(AccessDef { public: true, ..Default::default() });
        let restricted = raster(AccessDef {
            roles: vec!["reviewer".into()],
            orgs: vec!["almaty-su".into()],
            ..Default::default()
        });
        let cases = [
            (Caller::Anonymous, &public, true),
            (Caller::Anonymous, &restricted, false),
            (user(&["viewer"], None), &public, true),
            (user(&["viewer"], None), &restricted, false),
            (user(&["editor"], Some("other")), &restricted, false),
            (user(&["reviewer"], None), &restricted, true),
            (user(&["viewer"], Some("almaty-su")), &restricted, true),
            (user(&["admin"], None), &restricted, true),
        ];
        for (caller, r, want) in cases {
            assert_eq!(may_read_raster(&caller, r), want, "{caller:?} on public={}", r.access.public);
        }
    }
}
