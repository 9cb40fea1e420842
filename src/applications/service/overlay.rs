//! What a service asks of the map when an application is submitted (`[overlay]`) and how it is
//! routed to an organisation (`[routing]`). The overlay itself is computed in PostGIS by
//! [`crate::applications::overlay`]; this module is the declaration and its checks.
//!
//! ```toml
//! [overlay]
//! zones = [{ layer = "land_fund", attribute = "category" }, { layer = "master_plan", attribute = "zone" }]
//! networks = { layer = "utility_networks", attribute = "kind", buffer_m = 100 }
//! nearby_m = 50              # open applications of the same service within 50 m: possible duplicates
//!
//! [routing]                  # the organisation follows from the polygon the site falls in
//! layer = "districts"
//! attribute = "kato"
//! orgs = { "751710000" = "almaty-akimat-bostandyk", "751910000" = "almaty-akimat-medeu" }
//! margin_m = 30              # a site closer than this to another routing polygon goes to triage
//! ```
//! Without `[overlay]` the defaults above apply (layers the catalog lacks are skipped and named in
//! the report). Without `[routing]` the application goes to the service's `provider`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::form::{is_name, is_org_id};

/// Largest network buffer and duplicate radius, metres.
pub const MAX_RADIUS_M: u32 = 5_000;
/// Most zone layers one overlay reads.
pub const MAX_ZONES: usize = 10;

/// A polygon layer and the attribute reported with its share of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerAttribute {
    pub layer: String,
    pub attribute: String,
}

/// Networks reported within `buffer_m` of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworksDef {
    pub layer: String,
    pub attribute: String,
    pub buffer_m: u32,
}

/// The overlay a submission computes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayDef {
    #[serde(default = "default_zones")]
    pub zones: Vec<LayerAttribute>,
    #[serde(default = "default_networks")]
    pub networks: Option<NetworksDef>,
    #[serde(default = "default_nearby")]
    pub nearby_m: u32,
}

impl Default for OverlayDef {
    fn default() -> Self {
        OverlayDef { zones: default_zones(), networks: default_networks(), nearby_m: default_nearby() }
    }
}

fn default_zones() -> Vec<LayerAttribute> {
    vec![
        LayerAttribute { layer: "land_fund".into(), attribute: "category".into() },
        LayerAttribute { layer: "master_plan".into(), attribute: "zone".into() },
    ]
}

fn default_networks() -> Option<NetworksDef> {
    Some(NetworksDef { layer: "utility_networks".into(), attribute: "kind".into(), buffer_m: 100 })
}

fn default_nearby() -> u32 {
    50
}

/// Routing by polygons: the value of `attribute` of the `layer` polygon containing the site names
/// the organisation through `orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingDef {
    pub layer: String,
    pub attribute: String,
    pub orgs: BTreeMap<String, String>,
    #[serde(default = "default_margin")]
    pub margin_m: u32,
}

fn default_margin() -> u32 {
    30
}

/// Checks `[overlay]` and `[routing]`: the first problem as (field path, reason).
pub fn check(overlay: &OverlayDef, routing: Option<&RoutingDef>) -> Result<(), (String, String)> {
    let e = |f: &str, r: String| Err((f.to_string(), r));
    if overlay.zones.len() > MAX_ZONES {
        return e("overlay.zones", format!("at most {MAX_ZONES} layers"));
    }
    for (i, z) in overlay.zones.iter().enumerate() {
        names(&format!("overlay.zones[{i}]"), &z.layer, &z.attribute)?;
    }
    if let Some(n) = &overlay.networks {
        names("overlay.networks", &n.layer, &n.attribute)?;
        if n.buffer_m == 0 || n.buffer_m > MAX_RADIUS_M {
            return e("overlay.networks.buffer_m", format!("must be 1 to {MAX_RADIUS_M} m"));
        }
    }
    if overlay.nearby_m > MAX_RADIUS_M {
        return e("overlay.nearby_m", format!("must be 0 to {MAX_RADIUS_M} m"));
    }
    if let Some(r) = routing {
        names("routing", &r.layer, &r.attribute)?;
        if r.orgs.is_empty() {
            return e("routing.orgs", "map at least one value of the attribute to an organisation".into());
        }
        if let Some((k, v)) = r.orgs.iter().find(|(_, v)| !is_org_id(v)) {
            return e(&format!("routing.orgs.{k}"), format!("`{v}` is not an organisation id"));
        }
        if r.margin_m > MAX_RADIUS_M {
            return e("routing.margin_m", format!("must be 0 to {MAX_RADIUS_M} m"));
        }
    }
    Ok(())
}

fn names(path: &str, layer: &str, attribute: &str) -> Result<(), (String, String)> {
    if !crate::layers::catalog::is_valid_id(layer) {
        return Err((format!("{path}.layer"), format!("`{layer}` is not a layer id")));
    }
    if !is_name(attribute) {
        return Err((format!("{path}.attribute"), format!("`{attribute}` is not an attribute name")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        assert!(check(&OverlayDef::default(), None).is_ok());
        let o = OverlayDef { nearby_m: MAX_RADIUS_M + 1, ..Default::default() };
        assert_eq!(check(&o, None).unwrap_err().0, "overlay.nearby_m");
        let r = RoutingDef {
            layer: "districts".into(),
            attribute: "kato".into(),
            orgs: BTreeMap::from([("751710000".into(), "Not An Org".into())]),
            margin_m: 30,
        };
        assert_eq!(check(&OverlayDef::default(), Some(&r)).unwrap_err().0, "routing.orgs.751710000");
    }
}
