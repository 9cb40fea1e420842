//! Users, the access policy over every route, OGC API - Features (read, CRS, CQL2, paging,
//! Part 4 writes), history and restore, attachments, exports and the journal, against a real
//! PostGIS; GDAL's OAPIF driver and OWSLib as independent clients over a real socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use base64::Engine;
use common::{TestDb, basic, call, places_layer, sync_layers, test_db, user};
use qala::http::{AppState, HttpSettings};
use qala::layers::catalog::LayerDef;
use serde_json::{Value, json};

/// The restricted layer of the matrix: readable by reviewers only, unless granted.
fn pipes_layer() -> LayerDef {
    let mut l = places_layer(false);
    l.id = "pipes".into();
    l.access.roles = vec!["reviewer".into()];
    l
}

fn point(lon: f64, lat: f64, name: &str) -> Vec<u8> {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": {"name": name, "floors": 3}})
        .to_string()
        .into_bytes()
}

/// The media type of a feature body (writes without one are a 400).
fn geo() -> (&'static str, String) {
    ("content-type", "application/geo+json".to_string())
}

fn state_for(db: &TestDb, layers: Vec<LayerDef>, attachments: &std::path::Path) -> AppState {
    let settings = HttpSettings {
        attachments_dir: attachments.to_path_buf(),
        max_upload_bytes: 4096,
        ..Default::default()
    };
    AppState::with_settings(db.pool.clone(), qala::layers::Catalog::new(layers), settings)
}

async fn count(db: &TestDb, layer: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM features WHERE layer_id = $1 AND deleted_at IS NULL")
        .bind(layer)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_access_matrix_holds_for_tiles_features_and_exports() {
    let db = test_db().await;
    let layers = vec![places_layer(true), pipes_layer()];
    sync_layers(&db.pool, &layers).await;
    user(&db, "viewer", &["viewer"], Some("akimat"), Some("roads")).await;
    user(&db, "editor", &["editor"], Some("akimat"), Some("roads")).await;
    user(&db, "other", &["editor"], Some("akimat"), Some("water")).await;
    // The roads department may read the restricted layer, and its editor may write it.
    sqlx::query(
        "INSERT INTO layer_grants (layer_id, grantee_kind, grantee, access, granted_by)
         VALUES ('pipes', 'dept', 'roads', 'read', 't'), ('pipes', 'user', 'editor', 'write', 't')",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let admin_hdr = {
        user(&db, "root", &["admin"], None, None).await;
        vec![basic("root"), geo()]
    };
    for layer in ["places", "pipes"] {
        let r = call(
            &app,
            "POST",
            &format!("/ogc/collections/{layer}/items"),
            &admin_hdr,
            point(76.9, 43.25, "seed"),
        )
        .await;
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    }
    // (caller, layer) -> (may read, write status)
    let cases: &[(&str, &str, bool, u16)] = &[
        ("anonymous", "places", true, 401),
        ("anonymous", "pipes", false, 404),
        ("viewer", "places", true, 403),
        ("viewer", "pipes", true, 403),
        ("editor", "places", true, 201),
        ("editor", "pipes", true, 201),
        ("other", "places", true, 201),
        ("other", "pipes", false, 404),
    ];
    let t = qala::tiles::coords::TileCoord::containing(76.9, 43.25, 14);
    for (who, layer, read, write) in cases {
        let h: Vec<(&str, String)> = if *who == "anonymous" { vec![geo()] } else { vec![basic(who), geo()] };
        let tile =
            call(&app, "GET", &format!("/tiles/{layer}/{}/{}/{}.mvt", t.z, t.x, t.y), &h, vec![]).await;
        let items = call(&app, "GET", &format!("/ogc/collections/{layer}/items"), &h, vec![]).await;
        let export =
            call(&app, "GET", &format!("/ogc/collections/{layer}/export?format=csv"), &h, vec![]).await;
        let search = call(&app, "GET", "/ogc/collections", &h, vec![]).await;
        let listed = search.json()["collections"].as_array().unwrap().iter().any(|c| c["id"] == *layer);
        if *read {
            let private = items.header("cache-control").contains("private");
            assert_eq!(private, *layer == "pipes", "{who} {layer}: {}", items.header("cache-control"));
            assert_eq!(tile.status, 200, "{who} reads tiles of {layer}");
            assert_eq!(items.status, 200, "{who} reads features of {layer}");
            assert_eq!(items.json()["features"].as_array().unwrap().len() as i64, count(&db, layer).await);
            assert_eq!(export.status, 200, "{who} exports {layer}");
            assert!(String::from_utf8_lossy(&export.body).contains("seed"));
            assert!(listed, "{who} sees {layer} in the collections");
        } else {
            assert_eq!(
                (tile.status, items.status, export.status),
                (404, 404, 404),
                "{who} must not read {layer}"
            );
            assert!(!listed, "{layer} is not listed for {who}");
        }
        let before = count(&db, layer).await;
        let w = call(&app, "POST", &format!("/ogc/collections/{layer}/items"), &h, point(76.91, 43.26, who))
            .await;
        assert_eq!(w.status, *write, "{who} writes {layer}: {}", String::from_utf8_lossy(&w.body));
        let after = count(&db, layer).await;
        assert_eq!(after - before, i64::from(*write == 201), "a refused write stores nothing");
        let options = call(&app, "OPTIONS", &format!("/ogc/collections/{layer}/items"), &h, vec![]).await;
        if *read {
            assert_eq!(
                options.header("allow").contains("POST"),
                *write == 201,
                "{who} {layer}: {}",
                options.header("allow")
            );
        }
    }
    // Refusals are journalled.
    let refusals: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'refusal'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(refusals >= 4, "{refusals}");
}

#[tokio::test]
async fn access_granted_until_a_moment_stops_by_itself() {
    let db = test_db().await;
    let layers = vec![pipes_layer()];
    sync_layers(&db.pool, &layers).await;
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "guest", &["viewer"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let guest = vec![basic("guest")];
    assert_eq!(call(&app, "GET", "/ogc/collections/pipes/items", &guest, vec![]).await.status, 404);
    let until = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339();
    let grant = json!({"layer_id": "pipes", "grantee_kind": "user", "grantee": "guest", "access": "read", "valid_until": until});
    let r = call(
        &app,
        "POST",
        "/api/admin/grants",
        &[basic("root"), ("content-type", "application/json".into())],
        grant.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        call(&app, "GET", "/ogc/collections/pipes/items", &guest, vec![]).await.status,
        200,
        "granted"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        call(&app, "GET", "/ogc/collections/pipes/items", &guest, vec![]).await.status,
        404,
        "expired"
    );
    // A viewer may not grant.
    let r = call(
        &app,
        "POST",
        "/api/admin/grants",
        &[basic("guest"), ("content-type", "application/json".into())],
        grant.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn part4_round_trip_with_etags() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let ed = vec![basic("ed"), geo()];
    let r = call(&app, "POST", "/ogc/collections/places/items", &ed, point(76.9, 43.25, "Мектеп")).await;
    assert_eq!(r.status, 201);
    let location = r.header("location");
    assert!(
        location.starts_with("http://") && location.contains("/ogc/collections/places/items/"),
        "{location}"
    );
    let path = location.split_once("://").unwrap().1.split_once('/').map(|(_, p)| format!("/{p}")).unwrap();
    let got = call(&app, "GET", &path, &[], vec![]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.header("etag"), "\"v1\"");
    assert_eq!(got.json()["properties"]["name"], "Мектеп");
    let not_modified = call(&app, "GET", &path, &[("if-none-match", "\"v1\"".into())], vec![]).await;
    assert_eq!(not_modified.status, 304);

    let replacement = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.95, 43.2]}, "properties": {"name": "Школа", "kind": "school"}});
    let body = replacement.to_string().into_bytes();
    assert_eq!(call(&app, "PUT", &path, &ed, body.clone()).await.status, 428, "If-Match is required");
    let mut with_old = ed.clone();
    with_old.push(("if-match", "\"v7\"".into()));
    let stale = call(&app, "PUT", &path, &with_old, body.clone()).await;
    assert_eq!(stale.status, 412);
    assert_eq!(stale.header("etag"), "\"v1\"", "the current ETag is told");
    assert_eq!(
        call(&app, "GET", &path, &[], vec![]).await.json()["properties"]["name"],
        "Мектеп",
        "nothing changed"
    );
    let mut with_v1 = ed.clone();
    with_v1.push(("if-match", "\"v1\"".into()));
    let put = call(&app, "PUT", &path, &with_v1, body).await;
    assert_eq!((put.status, put.header("etag")), (200, "\"v2\"".into()));
    let now = call(&app, "GET", &path, &[], vec![]).await.json();
    assert_eq!(now["properties"], json!({"name": "Школа", "kind": "school"}), "PUT replaces: floors is gone");
    assert_eq!(now["geometry"]["coordinates"], json!([76.95, 43.2]));

    // PATCH is a merge-patch: members are added or changed, null removes.
    let mut with_v2 = ed.clone();
    with_v2.push(("if-match", "\"v2\"".into()));
    let patch = json!({"properties": {"floors": 4, "kind": null}}).to_string().into_bytes();
    let p = call(&app, "PATCH", &path, &with_v2, patch).await;
    assert_eq!((p.status, p.header("etag")), (200, "\"v3\"".into()));
    let now = call(&app, "GET", &path, &[], vec![]).await.json();
    assert_eq!(now["properties"], json!({"name": "Школа", "floors": 4}));
    assert_eq!(now["geometry"]["coordinates"], json!([76.95, 43.2]), "geometry kept");

    assert_eq!(call(&app, "DELETE", &path, &ed, vec![]).await.status, 428);
    assert_eq!(call(&app, "DELETE", &path, &with_v2, vec![]).await.status, 412);
    let mut with_v3 = ed.clone();
    with_v3.push(("if-match", "\"v3\"".into()));
    assert_eq!(call(&app, "DELETE", &path, &with_v3, vec![]).await.status, 204);
    assert_eq!(call(&app, "GET", &path, &[], vec![]).await.status, 404);

    // Every write is in the history and the journal, in the editor's name.
    let ops: Vec<(String, String)> = sqlx::query_as("SELECT op, changed_by FROM feature_history ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        ops.iter().map(|o| o.0.as_str()).collect::<Vec<_>>(),
        ["insert", "update", "update", "delete"]
    );
    assert!(ops.iter().all(|o| o.1 == "ed"));
    let edits: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'edit' AND actor = 'ed'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(edits, 4);
}

#[tokio::test]
async fn bad_features_are_refused_field_by_field_and_nothing_is_stored() {
    let db = test_db().await;
    let parcels = common::parcels_layer();
    let mut layers = vec![places_layer(true), parcels.clone()];
    layers[0].extent = Some([76.7, 43.0, 77.3, 43.5]);
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let ed = vec![basic("ed"), ("accept-language", "en".to_string()), geo()];
    let cases = [
        (
            "places",
            json!({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[76.9, 43.2], [76.95, 43.25]]}, "properties": {"name": "x"}}),
            "geometry",
            "this layer holds POINT",
        ),
        (
            "parcels",
            json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[76.9, 43.2], [76.95, 43.25], [76.95, 43.2], [76.9, 43.25], [76.9, 43.2]]]}, "properties": {"name": "bow tie"}}),
            "geometry",
            "is not valid: Self-intersection",
        ),
        (
            "places",
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.0, 50.0]}, "properties": {"name": "Berlin"}}),
            "geometry",
            "outside the layer's extent",
        ),
        (
            "places",
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}, "properties": {"name": "x", "colour": "red"}}),
            "properties.colour",
            "not an attribute",
        ),
        (
            "places",
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}, "properties": {"floors": "many"}}),
            "properties.floors",
            "not an integer",
        ),
        ("places", json!({"type": "Feature", "properties": {"name": "x"}}), "geometry", "is missing"),
        (
            "places",
            json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": "nonsense"}, "properties": {"name": "x"}}),
            "geometry",
            "not a GeoJSON geometry",
        ),
    ];
    for (layer, body, field, reason) in cases {
        let r = call(
            &app,
            "POST",
            &format!("/ogc/collections/{layer}/items"),
            &ed,
            body.to_string().into_bytes(),
        )
        .await;
        assert_eq!(r.status, 400, "{body}");
        let err = r.json();
        assert_eq!(err["error"]["code"], "invalid_feature");
        let details = err["error"]["details"].as_array().unwrap();
        assert!(
            details.iter().any(|d| d["field"] == field && d["reason"].as_str().unwrap().contains(reason)),
            "{field}: {reason} in {err}"
        );
    }
    let r = call(&app, "POST", "/ogc/collections/places/items", &ed, b"{not json".to_vec()).await;
    assert_eq!(r.status, 400);
    assert_eq!(count(&db, "places").await + count(&db, "parcels").await, 0, "nothing was stored");
    let history: i64 =
        sqlx::query_scalar("SELECT count(*) FROM feature_history").fetch_one(&db.pool).await.unwrap();
    assert_eq!(history, 0);
}

/// Features with known attributes for the filter and paging tests.
async fn seed_places(db: &TestDb, n: usize) {
    let mut tx = db.pool.begin().await.unwrap();
    for i in 0..n {
        let lon = 76.80 + (i % 20) as f64 * 0.01;
        let lat = 43.20 + (i / 20) as f64 * 0.01;
        let mut attrs = json!({"name": format!("Place {i}"), "floors": (i % 9) + 1});
        if i % 3 == 0 {
            attrs["kind"] = json!(if i % 2 == 0 { "school" } else { "clinic" });
        }
        sqlx::query("INSERT INTO features (layer_id, geom, attrs) VALUES ('places', ST_SetSRID(ST_MakePoint($1, $2), 4326), $3)")
            .bind(lon)
            .bind(lat)
            .bind(attrs)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn ids_of(v: &Value) -> Vec<i64> {
    v["features"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect()
}

fn enc(s: &str) -> String {
    qala::features::query::urlencode(s)
}

#[tokio::test]
async fn cql2_filters_select_what_the_same_sql_selects() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    seed_places(&db, 120).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    // (cql2-text, the same condition in SQL on features f)
    let cases = [
        ("floors > 5", "(attrs->>'floors')::int > 5"),
        (
            "floors >= 3 AND floors <= 4 OR name = 'Place 7'",
            "((attrs->>'floors')::int BETWEEN 3 AND 4) OR attrs->>'name' = 'Place 7'",
        ),
        ("NOT (floors <> 2)", "(attrs->>'floors')::int = 2"),
        ("name LIKE 'Place 1%'", "attrs->>'name' LIKE 'Place 1%'"),
        ("floors BETWEEN 2 AND 4", "(attrs->>'floors')::int BETWEEN 2 AND 4"),
        ("kind IN ('school')", "attrs->>'kind' = 'school'"),
        ("kind IS NULL", "attrs->>'kind' IS NULL"),
        ("CASEI(name) = casei('PLACE 11')", "lower(attrs->>'name') = 'place 11'"),
        ("floors * 2 > 14", "(attrs->>'floors')::int * 2 > 14"),
        ("id = floors", "id = (attrs->>'floors')::int"),
        (
            "S_INTERSECTS(geometry, BBOX(76.80, 43.20, 76.85, 43.23))",
            "ST_Intersects(geom, ST_MakeEnvelope(76.80, 43.20, 76.85, 43.23, 4326))",
        ),
        (
            "S_WITHIN(geometry, POLYGON((76.79 43.19, 76.9 43.19, 76.9 43.25, 76.79 43.25, 76.79 43.19)))",
            "ST_Within(geom, ST_GeomFromText('POLYGON((76.79 43.19, 76.9 43.19, 76.9 43.25, 76.79 43.25, 76.79 43.19))', 4326))",
        ),
        (
            "S_DISJOINT(geometry, POINT(76.8 43.2))",
            "NOT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(76.8, 43.2), 4326))",
        ),
        (
            "S_EQUALS(geometry, POINT(76.81 43.2))",
            "ST_Equals(geom, ST_SetSRID(ST_MakePoint(76.81, 43.2), 4326))",
        ),
    ];
    for (text, sql) in cases {
        let want: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT id FROM features f WHERE layer_id = 'places' AND deleted_at IS NULL AND ({sql}) ORDER BY id"
        ))
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let r = call(
            &app,
            "GET",
            &format!("/ogc/collections/places/items?limit=1000&filter={}", enc(text)),
            &[],
            vec![],
        )
        .await;
        assert_eq!(r.status, 200, "{text}: {}", String::from_utf8_lossy(&r.body));
        assert_eq!(ids_of(&r.json()), want, "{text}");
        assert!(
            !want.is_empty() || text.contains("S_EQUALS"),
            "a case that selects nothing proves little: {text}"
        );
    }
    // The same filter as CQL2 JSON.
    let json_filter = json!({"op": "and", "args": [{"op": ">", "args": [{"property": "floors"}, 5]}, {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [76.80, 43.20, 76.85, 43.23]}]}]});
    let want: Vec<i64> = sqlx::query_scalar("SELECT id FROM features WHERE layer_id = 'places' AND (attrs->>'floors')::int > 5 AND ST_Intersects(geom, ST_MakeEnvelope(76.80, 43.20, 76.85, 43.23, 4326)) ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let r = call(
        &app,
        "GET",
        &format!(
            "/ogc/collections/places/items?limit=1000&filter-lang=cql2-json&filter={}",
            enc(&json_filter.to_string())
        ),
        &[],
        vec![],
    )
    .await;
    assert_eq!(ids_of(&r.json()), want);
    // Property filters, bbox, sortby and datetime.
    let want: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM features WHERE layer_id = 'places' AND attrs->>'floors' = '3' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        ids_of(
            &call(&app, "GET", "/ogc/collections/places/items?limit=1000&floors=3", &[], vec![]).await.json()
        ),
        want
    );
    let r = call(&app, "GET", "/ogc/collections/places/items?limit=5&sortby=-floors,name", &[], vec![])
        .await
        .json();
    let floors: Vec<i64> = r["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["floors"].as_i64().unwrap())
        .collect();
    assert_eq!(floors, [9, 9, 9, 9, 9]);
    let future =
        call(&app, "GET", "/ogc/collections/places/items?datetime=2999-01-01T00:00:00Z/..", &[], vec![])
            .await
            .json();
    assert_eq!(ids_of(&future), Vec::<i64>::new());
    let today = call(
        &app,
        "GET",
        &format!(
            "/ogc/collections/places/items?limit=1000&datetime={}",
            chrono::Utc::now().format("%Y-%m-%d")
        ),
        &[],
        vec![],
    )
    .await
    .json();
    assert_eq!(ids_of(&today).len(), 120);
    // Bad filters and parameters are 400s that say what was wrong.
    for (q, says) in [
        ("filter=colour%3D1", "colour"),
        ("filter=floors%20%3E", "filter"),
        ("filter=T_AFTER(updated_at,TIMESTAMP('2020-01-01T00:00:00Z'))", "not supported"),
        ("filter-lang=cql2-xml&filter=a", "filter-lang"),
        ("resultType=hits", "resultType"),
        ("limit=abc", "limit"),
        ("sortby=geometry", "sortby"),
    ] {
        let r = call(
            &app,
            "GET",
            &format!("/ogc/collections/places/items?{q}"),
            &[("accept-language", "en".into())],
            vec![],
        )
        .await;
        assert_eq!(r.status, 400, "{q}");
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(says), "{q}: {}", r.json());
    }
}

#[tokio::test]
async fn keyset_pages_are_complete_and_without_duplicates_under_concurrent_inserts() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    seed_places(&db, 200).await;
    let before: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM features WHERE layer_id = 'places' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let pool = db.pool.clone();
    let writer = tokio::spawn(async move {
        for i in 0..60 {
            sqlx::query("INSERT INTO features (layer_id, geom, attrs) VALUES ('places', ST_SetSRID(ST_MakePoint(76.9, 43.3), 4326), $1)")
                .bind(json!({"name": format!("new {i}"), "floors": 5}))
                .execute(&pool)
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(3)).await;
        }
    });
    for sortby in ["", "&sortby=-floors,name"] {
        let mut seen = Vec::new();
        let mut uri = format!("/ogc/collections/places/items?limit=7{sortby}");
        let mut pages = 0;
        loop {
            let page = call(&app, "GET", &uri, &[], vec![]).await;
            assert_eq!(page.status, 200, "{uri}");
            let v = page.json();
            seen.extend(ids_of(&v));
            pages += 1;
            match v["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next") {
                Some(next) => {
                    let href = next["href"].as_str().unwrap();
                    uri = href[href.find("/ogc/").unwrap()..].to_string();
                }
                None => break,
            }
        }
        let unique: BTreeSet<i64> = seen.iter().copied().collect();
        assert_eq!(unique.len(), seen.len(), "no feature twice ({sortby})");
        assert!(
            before.iter().all(|id| unique.contains(id)),
            "every feature present at the start is listed ({sortby})"
        );
        assert!(pages >= 29, "{pages} pages");
        if sortby.is_empty() {
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "in id order");
        }
    }
    writer.await.unwrap();
}

#[tokio::test]
async fn crs_of_responses_and_of_bboxes() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    seed_places(&db, 40).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let id: i64 = sqlx::query_scalar("SELECT min(id) FROM features").fetch_one(&db.pool).await.unwrap();
    for (epsg, flip) in [(3857, false), (32643, false), (28413, true), (4326, true)] {
        let uri = format!("http://www.opengis.net/def/crs/EPSG/0/{epsg}");
        let r =
            call(&app, "GET", &format!("/ogc/collections/places/items/{id}?crs={}", enc(&uri)), &[], vec![])
                .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-crs"), format!("<{uri}>"));
        let (x, y): (f64, f64) = sqlx::query_as(&format!(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(geom, {epsg}) g FROM features WHERE id = $1) s"
        ))
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        let c = r.json()["geometry"]["coordinates"].clone();
        let (a, b) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        let (want_a, want_b) = if flip { (y, x) } else { (x, y) };
        assert!(
            (a - want_a).abs() < 1e-3 && (b - want_b).abs() < 1e-3,
            "EPSG:{epsg}: {c} vs {want_a} {want_b}"
        );
    }
    // A bbox in UTM 43N selects what the same box selects in SQL.
    let want: Vec<i64> = sqlx::query_scalar("SELECT id FROM features WHERE ST_Intersects(ST_Transform(geom, 32643), ST_MakeEnvelope(650000, 4785000, 660000, 4795000, 32643)) ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert!(!want.is_empty());
    let r = call(
        &app,
        "GET",
        &format!(
            "/ogc/collections/places/items?limit=100&bbox=650000,4785000,660000,4795000&bbox-crs={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/32643")
        ),
        &[],
        vec![],
    )
    .await;
    assert_eq!(ids_of(&r.json()), want);
    let conf = call(&app, "GET", "/ogc/conformance", &[], vec![]).await.json();
    let classes = conf["conformsTo"].as_array().unwrap();
    for c in [
        "ogcapi-features-4/1.0/conf/create-replace-delete",
        "ogcapi-common-5/1.0/conf/create-replace-delete",
        "ogcapi-features-2/1.0/conf/crs",
        "cql2/1.0/conf/basic-cql2",
    ] {
        assert!(classes.iter().any(|x| x.as_str().unwrap().ends_with(c)), "{c}");
    }
    let q =
        call(&app, "GET", "/ogc/collections/places/queryables", &[("accept-language", "kk".into())], vec![])
            .await;
    assert_eq!(q.header("content-type"), "application/schema+json");
    assert_eq!(
        q.json()["properties"]["floors"],
        json!({"type": "integer", "title": "Қабат", "minimum": 1.0, "maximum": 100.0})
    );
    let api = call(&app, "GET", "/ogc/api", &[], vec![]).await.json();
    assert_eq!(api["openapi"], "3.0.3");
    assert!(api["paths"]["/collections/places/items"]["get"]["parameters"].is_array());
    assert!(api["paths"]["/collections/places/items"]["post"].is_null(), "an anonymous caller may not write");
}

#[tokio::test]
async fn history_as_of_and_restore() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let ed = vec![basic("ed"), geo()];
    let r = call(&app, "POST", "/ogc/collections/places/items", &ed, point(76.9, 43.25, "first")).await;
    let id = r.json()["id"].as_i64().unwrap();
    let path = format!("/ogc/collections/places/items/{id}");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let between = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut h = ed.clone();
    h.push(("if-match", "\"v1\"".into()));
    let r = call(&app, "PATCH", &path, &h, json!({"properties": {"name": "second"}, "geometry": {"type": "Point", "coordinates": [76.95, 43.3]}}).to_string().into_bytes()).await;
    assert_eq!(r.status, 200);
    let mut h = ed.clone();
    h.push(("if-match", "\"v2\"".into()));
    assert_eq!(call(&app, "DELETE", &path, &h, vec![]).await.status, 204);

    let hist = call(&app, "GET", &format!("{path}/history"), &[], vec![]).await.json();
    let versions = hist["versions"].as_array().unwrap();
    assert_eq!(
        versions.iter().map(|v| v["op"].as_str().unwrap()).collect::<Vec<_>>(),
        ["delete", "update", "insert"]
    );
    assert_eq!(versions[1]["properties_before"]["name"], "first");
    assert_eq!(versions[1]["properties_after"]["name"], "second");
    assert_eq!(versions[1]["changed_by"], "ed");

    let at = call(&app, "GET", &format!("{path}?at={}", enc(&between.to_rfc3339())), &[], vec![]).await;
    assert_eq!(at.status, 200);
    assert_eq!(at.json()["properties"]["name"], "first");
    assert_eq!(at.json()["geometry"]["coordinates"], json!([76.9, 43.25]));
    let now =
        call(&app, "GET", &format!("{path}?at={}", enc(&chrono::Utc::now().to_rfc3339())), &[], vec![]).await;
    assert_eq!(now.status, 404, "deleted now");

    // Restoring version 1 undeletes the feature as a new version 4 with version 1's content.
    assert_eq!(
        call(&app, "POST", &format!("{path}/restore"), &[], json!({"version": 1}).to_string().into_bytes())
            .await
            .status,
        401
    );
    let r =
        call(&app, "POST", &format!("{path}/restore"), &ed, json!({"version": 1}).to_string().into_bytes())
            .await;
    assert_eq!((r.status, r.header("etag")), (200, "\"v4\"".into()), "{}", String::from_utf8_lossy(&r.body));
    let back = call(&app, "GET", &path, &[], vec![]).await.json();
    assert_eq!(back["properties"]["name"], "first");
    assert_eq!(back["geometry"]["coordinates"], json!([76.9, 43.25]));
    let hist = call(&app, "GET", &format!("{path}/history"), &[], vec![]).await.json();
    assert_eq!(hist["versions"][0]["op"], "restore");
    assert_eq!(
        call(&app, "POST", &format!("{path}/restore"), &ed, json!({"version": 99}).to_string().into_bytes())
            .await
            .status,
        404
    );
}

fn multipart(name: &str, bytes: &[u8]) -> (Vec<(&'static str, String)>, Vec<u8>) {
    let boundary = "qalaBoundary7MA4YWxk";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (vec![("content-type", format!("multipart/form-data; boundary={boundary}"))], body)
}

fn tiny_png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(40, 20, image::Rgb([200, 30, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn attachments_follow_the_feature_and_keep_their_limits() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "ed", &["editor"], None, None).await;
    user(&db, "vi", &["viewer"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let r = call(
        &app,
        "POST",
        "/ogc/collections/places/items",
        &[basic("ed"), geo()],
        point(76.9, 43.25, "with files"),
    )
    .await;
    let id = r.json()["id"].as_i64().unwrap();
    let base = format!("/ogc/collections/places/items/{id}/attachments");

    let png = tiny_png();
    let (mut h, body) = multipart("../../фото.jpg", &png);
    h.push(basic("ed"));
    let up = call(&app, "POST", &base, &h, body.clone()).await;
    assert_eq!(up.status, 201, "{}", String::from_utf8_lossy(&up.body));
    let a = &up.json()["attachments"][0];
    assert_eq!(a["name"], "фото.jpg", "directories stripped");
    assert_eq!(a["media_type"], "image/png", "sniffed from the bytes, not the name");
    let sha = a["sha256"].as_str().unwrap().to_string();
    assert!(dir.path().join(&sha[..2]).join(&sha).exists(), "stored by content");
    let aid = a["id"].as_i64().unwrap();

    // A viewer may read but not add; anonymous callers read a public layer's files.
    let (mut hv, body_v) = multipart("x.txt", b"hello");
    hv.push(basic("vi"));
    assert_eq!(call(&app, "POST", &base, &hv, body_v).await.status, 403);
    let list = call(&app, "GET", &base, &[], vec![]).await.json();
    assert_eq!(list["attachments"].as_array().unwrap().len(), 1);
    let full = call(&app, "GET", &format!("{base}/{aid}"), &[], vec![]).await;
    assert_eq!((full.status, full.body.clone()), (200, png.clone()));
    assert!(full.header("content-disposition").contains("filename*=UTF-8''%D1%84"));
    let part = call(&app, "GET", &format!("{base}/{aid}"), &[("range", "bytes=1-3".into())], vec![]).await;
    assert_eq!((part.status, part.body.as_slice()), (206, &png[1..4]));
    assert_eq!(part.header("content-range"), format!("bytes 1-3/{}", png.len()));
    let thumb = call(&app, "GET", &format!("{base}/{aid}/thumbnail"), &[], vec![]).await;
    assert_eq!(thumb.status, 200);
    let t = image::load_from_memory(&thumb.body).unwrap();
    assert!(t.width() <= 256 && t.height() <= 256);

    // Over the limit (4 KiB here): 413, no row, no file left behind.
    let (mut h, body) = multipart("big.bin", &vec![7u8; 5000]);
    h.push(basic("ed"));
    let big = call(&app, "POST", &base, &h, body).await;
    assert_eq!(big.status, 413);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments").fetch_one(&db.pool).await.unwrap();
    assert_eq!(rows, 1);
    let files: usize = walk(dir.path()).len();
    assert_eq!(files, 2, "the image and its thumbnail only: {:?}", walk(dir.path()));
    let (mut h, _) = multipart("x", b"");
    h.push(basic("ed"));
    assert_eq!(call(&app, "POST", &base, &h, b"garbage".to_vec()).await.status, 400);

    // Files of a feature in another layer or of a missing feature are not reachable.
    assert_eq!(
        call(
            &app,
            "GET",
            &format!("/ogc/collections/places/items/{}/attachments/{aid}", id + 1000),
            &[],
            vec![]
        )
        .await
        .status,
        404
    );
    assert_eq!(call(&app, "DELETE", &format!("{base}/{aid}"), &[basic("vi")], vec![]).await.status, 403);
    assert_eq!(call(&app, "DELETE", &format!("{base}/{aid}"), &[basic("ed")], vec![]).await.status, 204);
    assert_eq!(call(&app, "GET", &format!("{base}/{aid}"), &[], vec![]).await.status, 404);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn exports_in_four_formats_with_headers_in_the_users_language() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    seed_places(&db, 30).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let want: i64 = sqlx::query_scalar("SELECT count(*) FROM features WHERE (attrs->>'floors')::int > 4")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let filter = enc("floors > 4");

    let csv = call(
        &app,
        "GET",
        &format!("/ogc/collections/places/export?format=csv&filter={filter}&lang=kk"),
        &[],
        vec![],
    )
    .await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "\u{feff}id,Атауы,Қабат,Түрі,ӘАОЖ,Нұсқа,Өзгертілді,WKT");
    assert_eq!(lines.count() as i64, want);
    let ru = call(
        &app,
        "GET",
        &format!("/ogc/collections/places/export?format=csv&filter={filter}"),
        &[("accept-language", "ru".into())],
        vec![],
    )
    .await;
    assert!(String::from_utf8(ru.body).unwrap().starts_with("\u{feff}id,Название,Этажи,Вид"));

    let gj = call(
        &app,
        "GET",
        &format!("/ogc/collections/places/export?format=geojson&filter={filter}"),
        &[],
        vec![],
    )
    .await;
    assert_eq!(gj.json()["features"].as_array().unwrap().len() as i64, want);

    let xlsx = call(
        &app,
        "GET",
        &format!("/ogc/collections/places/export?format=xlsx&filter={filter}&lang=en"),
        &[],
        vec![],
    )
    .await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(&xlsx.body[..2], b"PK", "an OOXML zip");
    let path = dir.path().join("out.xlsx");
    std::fs::write(&path, &xlsx.body).unwrap();
    // GDAL's XLSX driver reads it back: the header row becomes the fields.
    let info = std::process::Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(&path)
        .env("OGR_XLSX_HEADERS", "FORCE")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&info.stdout);
    assert!(out.contains(&format!("Feature Count: {want}")), "{out}");
    assert!(out.contains("Name: String") && out.contains("Floors: Integer"), "{out}");

    let gpkg = call(
        &app,
        "GET",
        &format!("/ogc/collections/places/export?format=gpkg&filter={filter}&crs={}", enc("EPSG:32643")),
        &[],
        vec![],
    )
    .await;
    assert_eq!(gpkg.status, 200);
    let path = dir.path().join("out.gpkg");
    std::fs::write(&path, &gpkg.body).unwrap();
    let info = std::process::Command::new("ogrinfo").args(["-ro", "-al", "-so"]).arg(&path).output().unwrap();
    let out = String::from_utf8_lossy(&info.stdout);
    assert!(out.contains(&format!("Feature Count: {want}")), "{out}");
    assert!(out.contains("UTM zone 43N"), "{out}");

    for (q, code) in
        [("format=shp", 400), ("", 400), ("format=csv&limit=5", 400), ("format=csv&colour=red", 400)]
    {
        assert_eq!(
            call(&app, "GET", &format!("/ogc/collections/places/export?{q}"), &[], vec![]).await.status,
            code,
            "{q}"
        );
    }
}

#[tokio::test]
async fn features_per_department_stay_in_their_department() {
    let db = test_db().await;
    let mut layer = places_layer(false);
    layer.id = "works".into();
    layer.access.features = qala::layers::catalog::FeatureVisibility::Department;
    let layers = vec![layer];
    sync_layers(&db.pool, &layers).await;
    user(&db, "road1", &["editor"], Some("akimat"), Some("roads")).await;
    user(&db, "road2", &["editor"], Some("akimat"), Some("roads")).await;
    user(&db, "water1", &["editor"], Some("akimat"), Some("water")).await;
    user(&db, "root", &["admin"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let a = call(
        &app,
        "POST",
        "/ogc/collections/works/items",
        &[basic("road1"), geo()],
        point(76.9, 43.25, "road works"),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    let b = call(
        &app,
        "POST",
        "/ogc/collections/works/items",
        &[basic("water1"), geo()],
        point(76.9001, 43.2501, "pipe works"),
    )
    .await
    .json()["id"]
        .as_i64()
        .unwrap();
    let sees = |who: &'static str| {
        let app = app.clone();
        async move {
            ids_of(&call(&app, "GET", "/ogc/collections/works/items", &[basic(who)], vec![]).await.json())
        }
    };
    assert_eq!(sees("road2").await, vec![a], "a colleague sees the department's feature");
    assert_eq!(sees("water1").await, vec![b]);
    assert_eq!(sees("root").await, vec![a, b]);
    assert_eq!(
        call(&app, "GET", &format!("/ogc/collections/works/items/{b}"), &[basic("road1")], vec![])
            .await
            .status,
        404
    );
    let mut h = vec![basic("road1")];
    h.push(("if-match", "\"v1\"".into()));
    assert_eq!(
        call(&app, "DELETE", &format!("/ogc/collections/works/items/{b}"), &h, vec![]).await.status,
        404,
        "nor change it"
    );
    // Tiles too: the same tile holds one feature for each department.
    let t = qala::tiles::coords::TileCoord::containing(76.9, 43.25, 16);
    let tile_uri = format!("/tiles/works/{}/{}/{}.mvt", t.z, t.x, t.y);
    let road = call(&app, "GET", &tile_uri, &[basic("road2")], vec![]).await;
    let water = call(&app, "GET", &tile_uri, &[basic("water1")], vec![]).await;
    let all = call(&app, "GET", &tile_uri, &[basic("root")], vec![]).await;
    assert_eq!((road.status, water.status, all.status), (200, 200, 200));
    let names = |body: &[u8]| -> Vec<String> {
        let text = String::from_utf8_lossy(body).to_string();
        ["road works", "pipe works"].iter().filter(|n| text.contains(*n)).map(|n| n.to_string()).collect()
    };
    assert_eq!(names(&road.body), ["road works"]);
    assert_eq!(names(&water.body), ["pipe works"]);
    assert_eq!(names(&all.body), ["road works", "pipe works"]);
}

#[tokio::test]
async fn logins_sessions_csrf_tokens_lockout_and_the_admin_api() {
    let db = test_db().await;
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    user(&db, "root", &["admin"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state_for(&db, layers, dir.path()));
    let json_ct = ("content-type", "application/json".to_string());

    // The admin creates an editor; bad fields are named.
    let bad = json!({"login": "ed", "password": "short", "roles": ["wizard"], "iin": "12"});
    let r = call(
        &app,
        "POST",
        "/api/admin/users",
        &[basic("root"), json_ct.clone(), ("accept-language", "en".into())],
        bad.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 400);
    let err = r.json();
    let fields: Vec<&str> =
        err["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["roles", "iin", "password"]);
    let good = json!({"login": "ed", "password": "ed-password-9", "roles": ["editor"], "full_name": "Айгүл Сәрсенова", "iin": "900101400123", "lang": "kk"});
    let r = call(
        &app,
        "POST",
        "/api/admin/users",
        &[basic("root"), json_ct.clone()],
        good.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.json().get("password_hash").is_none());
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/admin/users",
            &[basic("root"), json_ct.clone()],
            good.to_string().into_bytes()
        )
        .await
        .status,
        409
    );
    let anon = call(&app, "GET", "/api/admin/users", &[], vec![]).await;
    assert_eq!(anon.status, 401);
    assert!(anon.header("www-authenticate").starts_with("Basic"), "QGIS and GDAL are asked for credentials");
    let me = call(&app, "GET", "/api/auth/me", &[], vec![]).await;
    assert_eq!((me.status, me.header("www-authenticate")), (401, String::new()), "no browser password box");
    let script =
        call(&app, "GET", "/api/admin/users", &[("x-requested-with", "XMLHttpRequest".into())], vec![]).await;
    assert_eq!((script.status, script.header("www-authenticate")), (401, String::new()));

    // Log in: an HttpOnly, Secure session cookie and a CSRF token for writes.
    let login = json!({"login": "ed", "password": "ed-password-9"}).to_string().into_bytes();
    let r = call(&app, "POST", "/api/auth/login", std::slice::from_ref(&json_ct), login.clone()).await;
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let csrf = r.json()["csrf"].as_str().unwrap().to_string();
    let me = call(&app, "GET", "/api/auth/me", &[("cookie", session.clone())], vec![]).await.json();
    assert_eq!((me["login"].as_str(), me["full_name"].as_str()), (Some("ed"), Some("Айгүл Сәрсенова")));
    let write = |mut h: Vec<(&'static str, String)>| {
        let app = app.clone();
        h.push(geo());
        async move {
            call(&app, "POST", "/ogc/collections/places/items", &h, point(76.9, 43.25, "via session"))
                .await
                .status
        }
    };
    assert_eq!(
        write(vec![("cookie", session.clone())]).await,
        403,
        "a write through a session needs the CSRF token"
    );
    assert_eq!(write(vec![("cookie", session.clone()), ("x-csrf-token", "forged".into())]).await, 403);
    assert_eq!(write(vec![("cookie", session.clone()), ("x-csrf-token", csrf.clone())]).await, 201);
    let online = call(&app, "GET", "/api/admin/online", &[basic("root")], vec![]).await.json();
    assert!(online.as_array().unwrap().iter().any(|u| u["login"] == "ed"), "{online}");

    // API tokens for QGIS and scripts.
    let r = call(
        &app,
        "POST",
        "/api/auth/tokens",
        &[("cookie", session.clone()), ("x-csrf-token", csrf.clone()), json_ct.clone()],
        json!({"name": "qgis"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201);
    let token = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(write(vec![("authorization", format!("Bearer {token}"))]).await, 201, "tokens need no CSRF");
    assert_eq!(write(vec![("authorization", "Bearer qala_forged".into())]).await, 401);

    // Log out ends the session.
    assert_eq!(
        call(
            &app,
            "POST",
            "/api/auth/logout",
            &[("cookie", session.clone()), ("x-csrf-token", csrf.clone())],
            vec![]
        )
        .await
        .status,
        204
    );
    assert_eq!(call(&app, "GET", "/api/auth/me", &[("cookie", session.clone())], vec![]).await.status, 401);

    // Blocking stops password, sessions and tokens at once.
    assert_eq!(call(&app, "POST", "/api/admin/users/ed/block", &[basic("root")], vec![]).await.status, 204);
    assert_eq!(
        call(&app, "POST", "/api/auth/login", std::slice::from_ref(&json_ct), login.clone()).await.status,
        403
    );
    assert_eq!(write(vec![("authorization", format!("Bearer {token}"))]).await, 401);
    assert_eq!(call(&app, "POST", "/api/admin/users/ed/unblock", &[basic("root")], vec![]).await.status, 204);
    assert_eq!(
        call(&app, "POST", "/api/auth/login", std::slice::from_ref(&json_ct), login.clone()).await.status,
        200
    );

    // Repeated failures lock the account for a while, even for the right password.
    let wrong = json!({"login": "ed", "password": "guess"}).to_string().into_bytes();
    let mut codes = Vec::new();
    for _ in 0..qala::auth::LOCK_AFTER {
        codes.push(
            call(&app, "POST", "/api/auth/login", std::slice::from_ref(&json_ct), wrong.clone()).await.status,
        );
    }
    assert_eq!(codes, [401, 401, 401, 401, 429]);
    let locked = call(&app, "POST", "/api/auth/login", std::slice::from_ref(&json_ct), login.clone()).await;
    assert_eq!(locked.status, 429);
    assert!(locked.header("retry-after").parse::<u64>().unwrap() > 0);
    assert_eq!(
        call(&app, "POST", "/api/admin/users/ed/unblock", &[basic("root")], vec![]).await.status,
        204,
        "an admin lifts it"
    );
    assert_eq!(
        call(&app, "POST", "/api/auth/login", std::slice::from_ref(&json_ct), login.clone()).await.status,
        200
    );

    // Roles are assigned by editing; an edit applies to the next request.
    let r = call(
        &app,
        "PATCH",
        "/api/admin/users/ed",
        &[basic("root"), json_ct.clone()],
        json!({"roles": ["viewer"]}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.json()["roles"], json!(["viewer"]));
    assert_eq!(
        write(vec![(
            "authorization",
            "Basic ".to_string() + &base64::engine::general_purpose::STANDARD.encode("ed:ed-password-9")
        )])
        .await,
        403
    );
    assert_eq!(call(&app, "DELETE", "/api/admin/users/ed", &[basic("root")], vec![]).await.status, 204);
    assert_eq!(call(&app, "GET", "/api/admin/users/ed", &[basic("root")], vec![]).await.status, 404);

    // The journal has it all, searchable.
    let j =
        call(&app, "GET", "/api/admin/journal?kind=login&outcome=failed&actor=ed", &[basic("root")], vec![])
            .await
            .json();
    assert_eq!(j.as_array().unwrap().len(), 5, "{j}");
    for (kind, n) in [("csrf", 2), ("admin", 6), ("edit", 2), ("logout", 1)] {
        let j = call(&app, "GET", &format!("/api/admin/journal?kind={kind}"), &[basic("root")], vec![])
            .await
            .json();
        assert!(j.as_array().unwrap().len() >= n, "{kind}: {j}");
    }
    let j = call(&app, "GET", "/api/admin/journal?q=block", &[basic("root")], vec![]).await.json();
    assert!(j.as_array().unwrap().iter().any(|e| e["detail"]["action"] == "blocked user"), "{j}");
    assert_eq!(
        call(&app, "GET", "/api/admin/journal?nonsense=1", &[basic("root")], vec![]).await.status,
        400
    );
}

/// Serves `state` on a real socket; returns the base URL.
async fn serve(state: AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = state.with_public_url(format!("http://{addr}"));
    tokio::spawn(async move {
        axum::serve(
            listener,
            qala::http::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gdal_and_owslib_are_clients() {
    let db = test_db().await;
    let layers = vec![places_layer(true), common::parcels_layer()];
    sync_layers(&db.pool, &layers).await;
    seed_places(&db, 25).await;
    user(&db, "qgis", &["editor"], None, None).await;
    let dir = tempfile::tempdir().unwrap();
    let base = serve(state_for(&db, layers, dir.path())).await;

    let out = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            std::process::Command::new("ogrinfo")
                .arg("-ro")
                .arg(format!("OAPIF:{base}/ogc"))
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("places") && text.contains("parcels"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            std::process::Command::new("ogrinfo")
                .args(["-ro", "-so", "-oo", "PAGE_SIZE=10"])
                .arg(format!("OAPIF:{base}/ogc"))
                .arg("places")
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Feature Count: 25"), "{text}{}", String::from_utf8_lossy(&out.stderr));

    let python = common::repo().join("target/pyenv/bin/python");
    assert!(python.exists(), "OWSLib's Python is made by `make test` (target/pyenv)");
    let script = common::repo().join("tests/owslib_client.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .arg(format!("{base}/ogc"))
            .arg("qgis")
            .arg("qgis-password")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let history: Vec<String> =
        sqlx::query_scalar("SELECT op FROM feature_history WHERE changed_by = 'qgis' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(history, ["insert", "update", "delete"], "{text}");
}
