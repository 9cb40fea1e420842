//! Open311 GeoReport v2 (`/open311/v2`) through the in-process router: discovery, services and
//! service definitions, `POST requests` with an API key (a submitted application, routed, with its
//! term), `GET requests` and `tokens`, field by field in JSON and XML; private services and drafts
//! never shown, and none of the personal data a client posted in any answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::{Resp, TestDb, basic, call, test_db, user};
use qala::applications::calendar::Calendar;
use qala::applications::registry::Registry;
use qala::applications::service::{ServiceDef, parse_service};
use serde_json::{Value, json};

const PUBLIC_URL: &str = "https://gis.example.kz";
const KEY: &str = "open311-test-key-0123456789";

/// A valid IIN: eleven digits and their check digit.
fn iin() -> String {
    let first = "85020212345";
    let d = qala::applications::service::ids::check_digit(first.as_bytes()).unwrap();
    format!("{first}{d}")
}

/// `network_connection` (point site) without required documents, as `id`, public or not.
fn service(id: &str, public: bool) -> ServiceDef {
    let text = std::fs::read_to_string(common::repo().join("services/network_connection.toml")).unwrap();
    let text = text
        .replace("max_mb = 10\nrequired = true", "max_mb = 10")
        .replace("max_mb = 20\nrequired = true", "max_mb = 20")
        .replace("id = \"network_connection\"", &format!("id = \"{id}\""));
    let text = if public {
        text
    } else {
        text.replace(
            "[publish]\npublic = true\nfields = [\"object_kind\", \"floors\"]\ngeometry = true",
            "[publish]\npublic = false",
        )
    };
    assert!(!text.contains("max_mb = 10\nrequired = true"));
    parse_service(&format!("{id}.toml"), &text).unwrap()
}

/// The world: the applications layer, the city boundary, a public and a private service, users
/// and an API key of `citizen`; the router.
async fn world(db: &TestDb) -> axum::Router {
    let layers = vec![common::layer_from(
        "applications",
        &std::fs::read_to_string(common::repo().join("layers/applications.toml")).unwrap(),
    )];
    common::sync_layers(&db.pool, &layers).await;
    common::city_boundary(&db.pool).await;
    let services = vec![service("network_connection", true), service("network_private", false)];
    qala::applications::sync::sync(&db.pool, &services).await.unwrap();
    user(db, "citizen", &["applicant"], None, None).await;
    user(db, "dana", &["applicant"], None, None).await;
    user(db, "intake", &["reviewer"], Some("almaty-akimat"), None).await;
    sqlx::query("INSERT INTO open311_keys (key_sha256, login) VALUES ($1, 'citizen')")
        .bind(qala::auth::sha256_hex(KEY))
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO open311_keys (key_sha256, login, revoked_at) VALUES ($1, 'dana', now())")
        .bind(qala::auth::sha256_hex("revoked-key"))
        .execute(&db.pool)
        .await
        .unwrap();
    let settings = qala::http::HttpSettings { public_url: PUBLIC_URL.into(), ..Default::default() };
    let state =
        qala::http::AppState::with_settings(db.pool.clone(), qala::layers::Catalog::new(layers), settings)
            .with_applications(Arc::new(Registry::new(services, Calendar::new())));
    qala::http::app(state)
}

/// Percent-encodes a form value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn form_body(pairs: &[(&str, String)]) -> Vec<u8> {
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

/// The personal data the client posts.
const FIRST: &str = "Салтанат";
const LAST: &str = "Жумабекова";
const PHONE: &str = "+77019876543";
const EMAIL: &str = "saltanat.zh@example.kz";
const ADDRESS: &str = "Алматы, Достык д-лы, 97";

fn post_pairs(key: &str, service: &str) -> Vec<(&'static str, String)> {
    vec![
        ("api_key", key.into()),
        ("service_code", service.into()),
        ("lat", "43.25".into()),
        ("long", "76.95".into()),
        ("first_name", FIRST.into()),
        ("last_name", LAST.into()),
        ("phone", PHONE.into()),
        ("email", EMAIL.into()),
        ("address_string", ADDRESS.into()),
        ("description", "private words of the citizen".into()),
        ("attribute[applicant_kind]", "person".into()),
        ("attribute[iin]", iin()),
        ("attribute[cadastral_number]", "20:311:011:123".into()),
        ("attribute[object_kind]", "house".into()),
        ("attribute[floors]", "2".into()),
        ("attribute[water_demand]", "1.5".into()),
        ("attribute[power_demand]", "15".into()),
        ("attribute[needs_sewerage]", "false".into()),
    ]
}

async fn post(app: &axum::Router, path: &str, pairs: &[(&str, String)]) -> Resp {
    let ct = ("content-type", "application/x-www-form-urlencoded".to_string());
    call(app, "POST", path, &[ct], form_body(pairs)).await
}

async fn get(app: &axum::Router, path: &str) -> Resp {
    call(app, "GET", path, &[("host", "evil.example".to_string())], Vec::new()).await
}

/// The texts of every `<tag>...</tag>` (or empty `<tag/>`) in `xml`, in order; no nesting of the
/// same tag.
fn texts(xml: &str, tag: &str) -> Vec<String> {
    let (open, close, empty) = (format!("<{tag}>"), format!("</{tag}>"), format!("<{tag}/>"));
    let mut out = Vec::new();
    let mut rest = xml;
    loop {
        let o = rest.find(&open);
        let e = rest.find(&empty);
        match (o, e) {
            (Some(o), e) if e.is_none_or(|e| o < e) => {
                let start = o + open.len();
                let end = start + rest[start..].find(&close).unwrap();
                out.push(rest[start..end].to_string());
                rest = &rest[end + close.len()..];
            }
            (_, Some(e)) => {
                out.push(String::new());
                rest = &rest[e + empty.len()..];
            }
            _ => return out,
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn assert_xml(r: &Resp, root: &str) {
    assert_eq!(r.header("content-type"), "text/xml; charset=utf-8");
    let t = r.text();
    assert!(t.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"), "{t}");
    assert!(t.contains(&format!("<{root}>")) || t.contains(&format!("<{root}/>")), "{t}");
}

#[tokio::test]
async fn discovery_services_and_definitions() {
    let db = test_db().await;
    let app = world(&db).await;

    // Discovery, at the configured URL whatever the Host header says.
    let r = get(&app, "/open311/v2/discovery.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/json; charset=utf-8");
    let d = r.json();
    assert!(d["changeset"].as_str().unwrap().starts_with("20"));
    assert!(d["contact"].is_string() && d["key_service"].is_string());
    let ep = &d["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert_eq!(ep["url"], format!("{PUBLIC_URL}/open311/v2"));
    assert_eq!(ep["type"], "production");
    assert_eq!(ep["formats"], json!(["application/json", "text/xml"]));
    assert!(!r.text().contains("evil.example"));
    let r = get(&app, "/open311/v2/discovery.xml").await;
    assert_eq!(r.status, 200);
    assert_xml(&r, "discovery");
    let x = r.text();
    assert_eq!(texts(&x, "url"), vec![format!("{PUBLIC_URL}/open311/v2")]);
    assert_eq!(texts(&x, "specification"), vec!["http://wiki.open311.org/GeoReport_v2"]);
    assert_eq!(texts(&x, "format"), vec!["application/json", "text/xml"]);
    assert_eq!(texts(&x, "endpoint").len(), 1);
    assert_eq!(texts(&x, "changeset").len(), 2);
    for t in ["contact", "key_service", "type"] {
        assert_eq!(texts(&x, t).len(), 1, "{t}");
    }

    // An unknown suffix or document is 404.
    assert_eq!(get(&app, "/open311/v2/discovery.txt").await.status, 404);
    assert_eq!(get(&app, "/open311/v2/discovery").await.status, 404);
    assert_eq!(get(&app, "/open311/v2/nothing.json").await.status, 404);

    // Services: the public one only, in the caller's language (Russian by default).
    let r = get(&app, "/open311/v2/services.json").await;
    assert_eq!(r.status, 200);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let s = &list[0];
    assert_eq!(s["service_code"], "network_connection");
    assert_eq!(
        s["service_name"],
        "Выдача технических условий на подключение к сетям водоснабжения и электроснабжения"
    );
    assert!(s["description"].as_str().unwrap().starts_with("Получение условий подключения"));
    assert_eq!(s["metadata"], true);
    assert_eq!(s["type"], "realtime");
    assert_eq!(s["group"], "utilities");
    assert!(s["keywords"].as_str().unwrap().contains("utilities"));
    assert!(!r.text().contains("network_private"));
    let en = get(&app, "/open311/v2/services.json?lang=en").await.json();
    assert_eq!(en[0]["service_name"], "Technical conditions for connection to the water and power networks");
    let kk =
        call(&app, "GET", "/open311/v2/services.json", &[("accept-language", "kk".into())], vec![]).await;
    assert!(kk.json()[0]["service_name"].as_str().unwrap().starts_with("Сумен жабдықтау"));
    let r = get(&app, "/open311/v2/services.xml?lang=en").await;
    assert_eq!(r.status, 200);
    assert_xml(&r, "services");
    let x = r.text();
    assert_eq!(texts(&x, "service").len(), 1);
    assert_eq!(texts(&x, "service_code"), vec!["network_connection"]);
    assert_eq!(
        texts(&x, "service_name"),
        vec!["Technical conditions for connection to the water and power networks"]
    );
    assert_eq!(texts(&x, "metadata"), vec!["true"]);
    assert_eq!(texts(&x, "type"), vec!["realtime"]);
    assert_eq!(texts(&x, "group"), vec!["utilities"]);
    assert_eq!(texts(&x, "description").len(), 1);
    assert_eq!(texts(&x, "keywords").len(), 1);

    // The definition: the applicant's fields, typed.
    let r = get(&app, "/open311/v2/services/network_connection.json?lang=en").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let def = r.json();
    assert_eq!(def["service_code"], "network_connection");
    let attrs = def["attributes"].as_array().unwrap();
    let attr = |code: &str| attrs.iter().find(|a| a["code"] == code).cloned().unwrap_or(Value::Null);
    let codes: Vec<&str> = attrs.iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        [
            "applicant_kind",
            "iin",
            "bin",
            "full_name",
            "phone",
            "email",
            "address",
            "cadastral_number",
            "object_kind",
            "floors",
            "water_demand",
            "power_demand",
            "needs_sewerage",
            "sewerage_discharge"
        ]
    );
    for (i, a) in attrs.iter().enumerate() {
        assert_eq!(a["order"], i + 1);
        assert_eq!(a["variable"], true);
        assert!(a["datatype_description"].is_string() && a["description"].is_string());
    }
    let kind = attr("applicant_kind");
    assert_eq!(kind["datatype"], "singlevaluelist");
    assert_eq!(kind["required"], true);
    assert_eq!(kind["description"], "Applicant");
    assert_eq!(
        kind["values"],
        json!([{"key": "person", "name": "Person"}, {"key": "organisation", "name": "Organisation"}])
    );
    assert_eq!(attr("iin")["datatype"], "string");
    assert_eq!(attr("iin")["required"], false, "required only when applicant_kind is person");
    assert_eq!(attr("address")["required"], true);
    assert_eq!(attr("email")["required"], false);
    assert_eq!(attr("floors")["datatype"], "integer");
    assert_eq!(attr("water_demand")["datatype"], "number");
    assert!(attr("water_demand")["datatype_description"].as_str().unwrap().contains("m³/day"));
    assert_eq!(attr("needs_sewerage")["datatype"], "singlevaluelist");
    assert_eq!(
        attr("needs_sewerage")["values"],
        json!([{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}])
    );
    assert_eq!(attr("cadastral_number")["datatype"], "string");
    assert_eq!(attr("address")["values"], json!([]));
    assert!(attr("water_conditions_number").is_null(), "the provider's fields are not the client's");
    let r = get(&app, "/open311/v2/services/network_connection.xml").await;
    assert_eq!(r.status, 200);
    assert_xml(&r, "service_definition");
    let x = r.text();
    assert_eq!(texts(&x, "attribute").len(), 14);
    assert_eq!(texts(&x, "code")[0], "applicant_kind");
    assert_eq!(texts(&x, "datatype")[9], "integer");
    assert_eq!(texts(&x, "order")[0], "1");
    assert_eq!(texts(&x, "variable")[0], "true");
    assert_eq!(texts(&x, "key")[..2], ["person", "organisation"]);
    assert_eq!(texts(&x, "name")[0], "Физическое лицо");
    assert!(texts(&x, "value").len() >= 5);
    assert!(unescape(&texts(&x, "description")[0]).contains("Заявитель"));

    // Private and unknown services do not exist here.
    for path in [
        "/open311/v2/services/network_private.json",
        "/open311/v2/services/nothing.json",
        "/open311/v2/services/network_private.xml",
    ] {
        let r = get(&app, path).await;
        assert_eq!(r.status, 404, "{path}");
        if path.ends_with(".xml") {
            assert_xml(&r, "errors");
            assert_eq!(texts(&r.text(), "code"), vec!["404"]);
        } else {
            assert_eq!(r.json()[0]["code"], 404);
            assert!(r.json()[0]["description"].is_string());
        }
    }
    assert_eq!(get(&app, "/open311/v2/services/network_connection.yaml").await.status, 404);
}

#[tokio::test]
async fn posted_requests_are_submitted_and_public_without_personal_data() {
    let db = test_db().await;
    let app = world(&db).await;
    let n_apps = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM applications").fetch_one(&db.pool).await.unwrap()
    };

    // Keys: none, wrong, revoked → 403 with Open311's error shape.
    let mut no_key = post_pairs(KEY, "network_connection");
    no_key.remove(0);
    for (pairs, fmt) in [
        (no_key.clone(), "json"),
        (post_pairs("wrong-key", "network_connection"), "json"),
        (post_pairs("revoked-key", "network_connection"), "xml"),
    ] {
        let r = post(&app, &format!("/open311/v2/requests.{fmt}"), &pairs).await;
        assert_eq!(r.status, 403, "{}", r.text());
        if fmt == "json" {
            let e = r.json();
            assert_eq!(e[0]["code"], 403);
            assert!(!e[0]["description"].as_str().unwrap().is_empty());
        } else {
            assert_xml(&r, "errors");
            assert_eq!(texts(&r.text(), "code"), vec!["403"]);
            assert_eq!(texts(&r.text(), "description").len(), 1);
        }
    }
    // A private or unknown service: 404.
    for code in ["network_private", "nothing"] {
        let r = post(&app, "/open311/v2/requests.json", &post_pairs(KEY, code)).await;
        assert_eq!(r.status, 404, "{}", r.text());
        assert_eq!(r.json()[0]["code"], 404);
    }
    // No site: 400.
    let no_site: Vec<_> = post_pairs(KEY, "network_connection")
        .into_iter()
        .filter(|(k, _)| !["lat", "long", "address_string"].contains(k))
        .collect();
    let r = post(&app, "/open311/v2/requests.json", &no_site).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.json()[0]["description"].as_str().unwrap().contains("lat"));
    let only_lat: Vec<_> =
        post_pairs(KEY, "network_connection").into_iter().filter(|(k, _)| *k != "long").collect();
    assert_eq!(post(&app, "/open311/v2/requests.json", &only_lat).await.status, 400);
    // Bad values (checked on the draft) and missing ones (checked on submission): 400 naming the
    // fields.
    let mut bad = post_pairs(KEY, "network_connection");
    bad.retain(|(k, _)| *k != "attribute[floors]");
    bad.push(("attribute[floors]", "many".into()));
    let r = post(&app, "/open311/v2/requests.json", &bad).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let desc = r.json()[0]["description"].as_str().unwrap().to_string();
    assert!(desc.contains("floors"), "{desc}");
    let mut missing = post_pairs(KEY, "network_connection");
    missing.retain(|(k, _)| *k != "attribute[cadastral_number]" && *k != "attribute[power_demand]");
    let r = post(&app, "/open311/v2/requests.json?lang=en", &missing).await;
    assert_eq!(r.status, 400, "{}", r.text());
    let desc = r.json()[0]["description"].as_str().unwrap().to_string();
    assert!(desc.contains("cadastral_number") && desc.contains("power_demand"), "{desc}");
    let mut unknown = post_pairs(KEY, "network_connection");
    unknown.push(("attribute[water_conditions_number]", "W-1".into()));
    let r = post(&app, "/open311/v2/requests.xml", &unknown).await;
    assert_eq!(r.status, 400);
    assert!(texts(&r.text(), "description")[0].contains("water_conditions_number"));
    // Outside the city: refused by the submission's checks, and nothing is left behind.
    let mut outside = post_pairs(KEY, "network_connection");
    outside.retain(|(k, _)| *k != "lat");
    outside.push(("lat", "44.5".into()));
    let r = post(&app, "/open311/v2/requests.json", &outside).await;
    assert_eq!(r.status, 400, "{}", r.text());
    // Too many attributes, too large a body.
    let many: Vec<(&str, String)> = (0..250).map(|_| ("attribute[floors]", "1".to_string())).collect();
    assert_eq!(post(&app, "/open311/v2/requests.json", &many).await.status, 400);
    let huge = vec![("description", "x".repeat(70 * 1024))];
    assert_eq!(post(&app, "/open311/v2/requests.json", &huge).await.status, 413);
    assert_eq!(n_apps().await, 0, "refused posts store nothing");

    // A valid post: a submitted application, routed, with its term.
    let r = post(&app, "/open311/v2/requests.json", &post_pairs(KEY, "network_connection")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let answer = r.json();
    let id = answer[0]["service_request_id"].as_i64().unwrap();
    assert!(answer[0]["service_notice"].as_str().unwrap().starts_with("A-"));
    assert!(answer[0]["account_id"].is_null());
    let (status, applicant, org): (String, String, String) =
        sqlx::query_as("SELECT status, applicant, org FROM applications WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        (status.as_str(), applicant.as_str(), org.as_str()),
        ("in_progress", "citizen", "almaty-akimat")
    );
    // The journal and the notifications of the submission were written, as for any submission.
    let journal: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE kind = 'application.submit' AND actor = 'citizen' AND target = $1",
    )
    .bind(format!("application:{id}"))
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(journal, 1);
    let notes: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notification_outbox WHERE subject_kind = 'application' AND subject_id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(notes >= 1, "the submission's notifications");
    // XML post.
    let r = post(&app, "/open311/v2/requests.xml", &post_pairs(KEY, "network_connection")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_xml(&r, "service_requests");
    let id2: i64 = texts(&r.text(), "service_request_id")[0].parse().unwrap();
    assert!(id2 > id);
    assert_eq!(texts(&r.text(), "account_id"), vec![""]);

    // A draft of the public service and a submitted application of the private one.
    let auth = basic("dana");
    let json_ct = ("content-type", "application/json".to_string());
    let body = json!({"service": "network_connection", "form": {"floors": 3}, "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}});
    let r = call(
        &app,
        "POST",
        "/api/applications",
        &[auth.clone(), json_ct.clone()],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let draft = r.json()["id"].as_i64().unwrap();
    let private_pairs = post_pairs(KEY, "network_private");
    let mut form = serde_json::Map::new();
    for (k, v) in &private_pairs {
        if let Some(code) = k.strip_prefix("attribute[").and_then(|c| c.strip_suffix(']')) {
            let v = match code {
                "floors" | "power_demand" => json!(v.parse::<i64>().unwrap()),
                "water_demand" => json!(1.5),
                "needs_sewerage" => json!(false),
                _ => json!(v),
            };
            form.insert(code.to_string(), v);
        }
    }
    form.insert("full_name".into(), json!(format!("{FIRST} {LAST}")));
    form.insert("phone".into(), json!(PHONE));
    form.insert("address".into(), json!(ADDRESS));
    let body = json!({"service": "network_private", "form": form, "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}});
    let r = call(
        &app,
        "POST",
        "/api/applications",
        &[auth.clone(), json_ct.clone()],
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let private = r.json()["id"].as_i64().unwrap();
    let etag = r.header("etag");
    let r = call(
        &app,
        "POST",
        &format!("/api/applications/{private}/actions"),
        &[auth.clone(), json_ct.clone(), ("if-match", etag)],
        br#"{"action": "submit"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["status"], "in_progress");

    // GET requests: the two posted, open, field by field; never the draft or the private one.
    let mut bodies = Vec::new();
    let r = get(&app, "/open311/v2/requests.json").await;
    assert_eq!(r.status, 200, "{}", r.text());
    bodies.push(r.text());
    let list = r.json();
    let ids: Vec<i64> =
        list.as_array().unwrap().iter().map(|e| e["service_request_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![id2, id], "newest first, no draft ({draft}), no private ({private})");
    let e = &list[1];
    assert_eq!(e["status"], "open");
    assert_eq!(e["status_notes"], "in_progress: Приём заявки");
    assert_eq!(e["service_code"], "network_connection");
    assert_eq!(
        e["service_name"],
        "Выдача технических условий на подключение к сетям водоснабжения и электроснабжения"
    );
    assert!(e["description"].is_null());
    assert_eq!(e["agency_responsible"], "almaty-akimat");
    assert!(e["service_notice"].as_str().unwrap().starts_with("A-"));
    for t in ["requested_datetime", "updated_datetime", "expected_datetime"] {
        let v = e[t].as_str().unwrap_or_else(|| panic!("{t}: {e}"));
        assert!(chrono::DateTime::parse_from_rfc3339(v).is_ok(), "{t}: {v}");
    }
    assert!(e["expected_datetime"].as_str().unwrap() > e["requested_datetime"].as_str().unwrap());
    assert!(
        e["address"].is_null()
            && e["address_id"].is_null()
            && e["zipcode"].is_null()
            && e["media_url"].is_null()
    );
    assert!((e["lat"].as_f64().unwrap() - 43.25).abs() < 1e-6);
    assert!((e["long"].as_f64().unwrap() - 76.95).abs() < 1e-6);
    assert_eq!(e["geometry"]["type"], "Point");
    assert_eq!(e["attributes"], json!({"object_kind": "house", "floors": 2}));

    let r = get(&app, "/open311/v2/requests.xml?lang=en").await;
    assert_eq!(r.status, 200);
    assert_xml(&r, "service_requests");
    bodies.push(r.text());
    let x = r.text();
    assert_eq!(texts(&x, "request").len(), 2);
    assert_eq!(texts(&x, "service_request_id"), vec![id2.to_string(), id.to_string()]);
    assert_eq!(texts(&x, "status"), vec!["open", "open"]);
    assert_eq!(texts(&x, "status_notes")[0], "in_progress: Intake");
    assert_eq!(texts(&x, "agency_responsible"), vec!["almaty-akimat", "almaty-akimat"]);
    assert_eq!(texts(&x, "description"), vec!["", ""]);
    assert_eq!(texts(&x, "address"), vec!["", ""]);
    assert_eq!(texts(&x, "lat")[1], "43.25");
    assert_eq!(texts(&x, "long")[1], "76.95");
    assert_eq!(texts(&x, "expected_datetime").iter().filter(|t| !t.is_empty()).count(), 2);
    assert_eq!(texts(&x, "object_kind"), vec!["house", "house"]);
    let g: Value = serde_json::from_str(&unescape(&texts(&x, "geometry")[0])).unwrap();
    assert_eq!(g["type"], "Point");

    // One request, by id; tokens.
    for path in [
        format!("/open311/v2/requests/{id}.json"),
        format!("/open311/v2/requests.json?service_request_id={id}"),
    ] {
        let r = get(&app, &path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.json().as_array().unwrap().len(), 1);
        assert_eq!(r.json()[0]["service_request_id"], id);
        bodies.push(r.text());
    }
    let r = get(&app, &format!("/open311/v2/requests/{id}.xml")).await;
    assert_eq!(texts(&r.text(), "service_request_id"), vec![id.to_string()]);
    bodies.push(r.text());
    let r = get(&app, &format!("/open311/v2/requests.json?service_request_id={id},{id2},{draft},{private}"))
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 2);
    bodies.push(r.text());
    for hidden in [draft, private, 999_999] {
        assert_eq!(get(&app, &format!("/open311/v2/requests/{hidden}.json")).await.status, 404);
        assert_eq!(get(&app, &format!("/open311/v2/tokens/{hidden}.json")).await.status, 404);
    }
    assert_eq!(get(&app, "/open311/v2/requests/abc.json").await.status, 404);
    let r = get(&app, &format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([{"service_request_id": id, "token": id.to_string()}]));
    let r = get(&app, &format!("/open311/v2/tokens/{id}.xml")).await;
    assert_eq!(texts(&r.text(), "token"), vec![id.to_string()]);

    // Filters.
    let count = |r: &Resp| r.json().as_array().map_or(usize::MAX, Vec::len);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?status=open").await), 2);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?status=closed").await), 0);
    assert_eq!(get(&app, "/open311/v2/requests.json?status=maybe").await.status, 400);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?service_code=network_connection").await), 2);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?service_code=network_private").await), 0);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?start_date=2099-01-01T00:00:00Z").await), 0);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?end_date=2000-01-01T00:00:00%2B05:00").await), 0);
    assert_eq!(count(&get(&app, "/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z").await), 2);
    assert_eq!(get(&app, "/open311/v2/requests.json?start_date=yesterday").await.status, 400);
    assert_eq!(get(&app, "/open311/v2/requests.json?service_request_id=1,x").await.status, 400);

    // No personal data in any answer.
    let secrets = [
        iin(),
        FIRST.to_string(),
        LAST.to_string(),
        PHONE.to_string(),
        "7019876543".to_string(),
        EMAIL.to_string(),
        ADDRESS.to_string(),
        "Достык".to_string(),
        "private words".to_string(),
        "citizen".to_string(),
        "dana".to_string(),
        "20:311:011:123".to_string(),
    ];
    for body in &bodies {
        for s in &secrets {
            assert!(!body.contains(s.as_str()), "{s} in {body}");
        }
    }
}

#[tokio::test]
async fn keys_are_made_listed_and_revoked_with_the_cli() {
    let db = test_db().await;
    let app = world(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let qala = |args: &[&str]| common::qala(&db, dir.path(), args);
    let made = qala(&["open311", "keys", "add", "dana"]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let key = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert!(key.starts_with("o311_") && key.len() > 40, "{key}");
    let fingerprint = qala::auth::sha256_hex(&key)[..12].to_string();
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_sha256 FROM open311_keys WHERE login = 'dana'")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert!(!stored.iter().any(|s| s == &key), "only the digest is stored");
    // The key posts as dana.
    let r = post(&app, "/open311/v2/requests.json", &post_pairs(&key, "network_connection")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let applicant: String = sqlx::query_scalar("SELECT applicant FROM applications ORDER BY id DESC LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(applicant, "dana");
    // Listed by fingerprint, never by key.
    let list = String::from_utf8(qala(&["open311", "keys", "list"]).stdout).unwrap();
    let line = list.lines().find(|l| l.starts_with(&fingerprint)).unwrap_or_else(|| panic!("{list}"));
    assert!(line.contains("\tdana\t") && line.ends_with("live"), "{line}");
    assert!(!list.contains(&key));
    // Nobody's key, an ambiguous or unknown fingerprint: refused with the reason.
    let nobody = qala(&["open311", "keys", "add", "nobody"]);
    assert!(!nobody.status.success());
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no active user `nobody`"));
    let short = qala(&["open311", "keys", "revoke", "abc"]);
    assert!(!short.status.success());
    // Revoked: the key no longer posts.
    let revoked = qala(&["open311", "keys", "revoke", &fingerprint[..8]]);
    assert!(revoked.status.success(), "{}", String::from_utf8_lossy(&revoked.stderr));
    assert_eq!(String::from_utf8(revoked.stdout).unwrap().trim(), "revoked the key of `dana`");
    let r = post(&app, "/open311/v2/requests.json", &post_pairs(&key, "network_connection")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let list = String::from_utf8(qala(&["open311", "keys", "list"]).stdout).unwrap();
    assert!(list.lines().any(|l| l.starts_with(&fingerprint) && l.contains("revoked ")), "{list}");
}
