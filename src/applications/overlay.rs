//! The overlay report of a submission, computed in PostGIS and stored with the application: the
//! KATO unit, the zones the site falls in (land-fund category, master-plan zone) with their share
//! of the site, the networks within the service's buffer, open applications of the same service
//! nearby (possible duplicates) and the routing decision with the polygons it rests on. Every
//! line names its layer and feature and gives a distance in metres or a share, so the report
//! explains itself. [`decide_route`] is the pure routing rule.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use super::service::ServiceDef;
use super::service::overlay::RoutingDef;
use super::workflow::engine::Route;
use crate::layers::Catalog;
use crate::layers::catalog::Translated;

/// Most lines of each part of a report.
pub const MAX_LINES: i64 = 20;

/// The KATO unit the site lies in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct District {
    pub code: String,
    pub name: Translated,
}

/// A zone polygon the site overlaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneHit {
    pub layer: String,
    pub feature: i64,
    pub attribute: String,
    pub value: Option<String>,
    /// Share of the site's area inside the polygon (1 for points and lines that touch it).
    pub share: f64,
}

/// A network feature near the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkHit {
    pub layer: String,
    pub feature: i64,
    pub value: Option<String>,
    pub distance_m: f64,
}

/// An open application of the same service near the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearbyApplication {
    pub id: i64,
    pub number: Option<String>,
    pub status: String,
    pub distance_m: f64,
}

/// A routing polygon near the site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingCandidate {
    pub feature: i64,
    pub value: Option<String>,
    /// The organisation the value maps to, if any.
    pub org: Option<String>,
    /// Whether the polygon contains the whole site.
    pub contains: bool,
    pub distance_m: f64,
}

/// The routing decision and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutingReport {
    pub layer: String,
    pub margin_m: u32,
    pub candidates: Vec<RoutingCandidate>,
    /// `org`, `provider` or `triage`.
    pub decision: String,
    pub org: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OverlayReport {
    pub district: Option<District>,
    pub zones: Vec<ZoneHit>,
    pub networks: Vec<NetworkHit>,
    pub nearby: Vec<NearbyApplication>,
    pub routing: Option<RoutingReport>,
    /// Layers the service's overlay names that the catalog lacks.
    pub missing_layers: Vec<String>,
    /// How long PostGIS took to compute the report, in milliseconds (a measurement, shown with
    /// the report and summed up by `make bench-apps`; 0 in reports stored before it existed).
    #[serde(default)]
    pub elapsed_ms: f64,
}

/// The routing rule: the organisations of the polygons within the margin decide. None: the
/// provider. One, whose polygon contains the site: that organisation. Otherwise (the site crosses
/// or nears a boundary between organisations, or lies just outside the only one): triage.
///
/// ```
/// use qala::applications::overlay::{decide_route, RoutingCandidate};
/// use qala::applications::workflow::engine::Route;
/// let c = |org: &str, contains, d| RoutingCandidate {
///     feature: 1, value: None, org: Some(org.into()), contains, distance_m: d };
/// assert_eq!(decide_route(&[]), Route::Provider);
/// assert_eq!(decide_route(&[c("a", true, 0.0)]), Route::Org("a".into()));
/// assert_eq!(decide_route(&[c("a", true, 0.0), c("b", false, 12.0)]), Route::Triage);
/// assert_eq!(decide_route(&[c("a", true, 0.0), c("a", false, 12.0)]), Route::Org("a".into()));
/// ```
pub fn decide_route(candidates: &[RoutingCandidate]) -> Route {
    let orgs: BTreeSet<&str> = candidates.iter().filter_map(|c| c.org.as_deref()).collect();
    match orgs.len() {
        0 => Route::Provider,
        1 => {
            let org = orgs.into_iter().next().unwrap_or_default();
            let inside = candidates.iter().any(|c| c.contains && c.org.as_deref() == Some(org));
            if inside { Route::Org(org.to_string()) } else { Route::Triage }
        }
        _ => Route::Triage,
    }
}

/// Computes the report of application `id` (its site, if `has_site`, must be stored) on `conn`,
/// the submission's transaction. An application without a site gets an empty report.
pub async fn compute(
    conn: &mut PgConnection,
    catalog: &Catalog,
    service: &ServiceDef,
    id: i64,
    has_site: bool,
) -> sqlx::Result<(OverlayReport, Route)> {
    if !has_site {
        return Ok((OverlayReport::default(), Route::Provider));
    }
    let started = std::time::Instant::now();
    let (mut report, route) = compute_parts(conn, catalog, service, id).await?;
    report.elapsed_ms = (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0;
    Ok((report, route))
}

async fn compute_parts(
    conn: &mut PgConnection,
    catalog: &Catalog,
    service: &ServiceDef,
    id: i64,
) -> sqlx::Result<(OverlayReport, Route)> {
    let mut report = OverlayReport { district: district(conn, id).await?, ..Default::default() };
    let exists = |layer: &str| catalog.get(layer).is_some();
    for z in &service.overlay.zones {
        if !exists(&z.layer) {
            report.missing_layers.push(z.layer.clone());
            continue;
        }
        let rows: Vec<(i64, Option<String>, f64)> =
            sqlx::query_as(&layer_sql(include_str!("sql/overlay_zones.sql"), &z.layer))
                .bind(id)
                .bind(&z.attribute)
                .bind(MAX_LINES)
                .fetch_all(&mut *conn)
                .await?;
        report.zones.extend(rows.into_iter().map(|(feature, value, share)| ZoneHit {
            layer: z.layer.clone(),
            feature,
            attribute: z.attribute.clone(),
            value,
            share: (share * 1000.0).round() / 1000.0,
        }));
    }
    if let Some(n) = &service.overlay.networks {
        if exists(&n.layer) {
            let rows: Vec<(i64, Option<String>, f64)> =
                sqlx::query_as(&layer_sql(include_str!("sql/overlay_near.sql"), &n.layer))
                    .bind(id)
                    .bind(&n.attribute)
                    .bind(n.buffer_m as f64)
                    .bind(MAX_LINES)
                    .fetch_all(&mut *conn)
                    .await?;
            report.networks = rows
                .into_iter()
                .map(|(feature, value, d)| NetworkHit {
                    layer: n.layer.clone(),
                    feature,
                    value,
                    distance_m: round_m(d),
                })
                .collect();
        } else {
            report.missing_layers.push(n.layer.clone());
        }
    }
    if service.overlay.nearby_m > 0 {
        let rows: Vec<(i64, Option<String>, String, f64)> =
            sqlx::query_as(include_str!("sql/overlay_nearby.sql"))
                .bind(id)
                .bind(service.overlay.nearby_m as f64)
                .bind(MAX_LINES)
                .fetch_all(&mut *conn)
                .await?;
        report.nearby = rows
            .into_iter()
            .map(|(id, number, status, d)| NearbyApplication { id, number, status, distance_m: round_m(d) })
            .collect();
    }
    let route = match &service.routing {
        Some(r) if exists(&r.layer) => {
            let routing = routing(conn, id, r).await?;
            let route = decide_route(&routing.candidates);
            let (decision, org) = match &route {
                Route::Provider => ("provider", None),
                Route::Org(o) => ("org", Some(o.clone())),
                Route::Triage => ("triage", None),
            };
            report.routing = Some(RoutingReport { decision: decision.into(), org, ..routing });
            route
        }
        Some(r) => {
            report.missing_layers.push(r.layer.clone());
            Route::Provider
        }
        None => Route::Provider,
    };
    Ok((report, route))
}

/// The SQL of `template` on the partition of `layer` (a catalogued, validated id).
fn layer_sql(template: &str, layer: &str) -> String {
    template.replace("{table}", &format!("\"features_{layer}\""))
}

fn round_m(d: f64) -> f64 {
    (d * 10.0).round() / 10.0
}

async fn district(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<District>> {
    let row: Option<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as(include_str!("sql/overlay_district.sql")).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.map(|(code, ru, kk, en)| District {
        code: code.trim().to_string(),
        name: Translated { kk: kk.unwrap_or_else(|| ru.clone()), en: en.unwrap_or_else(|| ru.clone()), ru },
    }))
}

async fn routing(conn: &mut PgConnection, id: i64, r: &RoutingDef) -> sqlx::Result<RoutingReport> {
    let rows: Vec<(i64, Option<String>, bool, f64)> =
        sqlx::query_as(&layer_sql(include_str!("sql/overlay_routing.sql"), &r.layer))
            .bind(id)
            .bind(&r.attribute)
            .bind(r.margin_m as f64)
            .bind(MAX_LINES)
            .fetch_all(&mut *conn)
            .await?;
    let candidates = rows
        .into_iter()
        .map(|(feature, value, contains, d)| RoutingCandidate {
            org: value.as_ref().and_then(|v| r.orgs.get(v).cloned()),
            feature,
            value,
            contains,
            distance_m: round_m(d),
        })
        .collect();
    Ok(RoutingReport {
        layer: r.layer.clone(),
        margin_m: r.margin_m,
        candidates,
        decision: String::new(),
        org: None,
    })
}
