//! What the reviewer's workstation and the applicant's pages read, over real HTTP against a `qala
//! serve` process: the queues and their counts, the actions the card offers (and that they are what
//! acting gives), the in-app notifications with their counter, and the vector objects drawn or
//! uploaded on an application with their access.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::apps::*;
use common::procs::{sms_simulator, smtp_sink};
use common::test_db;
use serde_json::{Value, json};

/// A submitted application of `aigerim`; its id and ETag.
async fn submitted(s: &Server, lon: f64) -> (i64, String) {
    s.submitted("aigerim", "network_connection", square(lon, 43.25, 0.001)).await
}

async fn queues(s: &Server, who: &str) -> Value {
    let r = s.send(Some(who), "GET", "/api/applications/queues", None, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["queues"].clone()
}

async fn queue_ids(s: &Server, who: &str, q: &str) -> Vec<i64> {
    let r = s.send(Some(who), "GET", &format!("/api/applications?queue={q}"), None, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["applications"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

fn offer<'a>(card: &'a Value, action: &str) -> &'a Value {
    card["actions"].as_array().unwrap().iter().find(|o| o["action"] == action).unwrap_or(&Value::Null)
}

#[tokio::test]
async fn queues_offers_notifications_and_objects() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;

    let (a, _) = submitted(&s, 76.90).await;
    let (b, etag_b) = submitted(&s, 76.91).await;

    // Both wait in the akimat's pool as new; nobody holds them; the water utility sees nothing.
    let q = queues(&s, "intake").await;
    assert_eq!(
        (q["new"].as_i64(), q["pool"].as_i64(), q["mine"].as_i64()),
        (Some(2), Some(2), Some(0)),
        "{q}"
    );
    assert_eq!(queue_ids(&s, "intake", "pool").await, vec![b, a]);
    assert_eq!(queues(&s, "su").await["pool"], 0);
    assert_eq!(s.send(None, "GET", "/api/applications/queues", None, None).await.status, 401);
    let r = s.send(Some("intake"), "GET", "/api/applications?queue=everything", None, None).await;
    assert_eq!(r.status, 400, "{}", r.body);

    // The card offers a claim, and approving only once claimed, with the engine's reason.
    let card = s.card(Some("intake"), b).await.body;
    assert_eq!(offer(&card, "claim")["allowed"], true, "{}", card["actions"]);
    assert_eq!(offer(&card, "forward")["allowed"], false);
    assert!(offer(&card, "forward")["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(offer(&card, "forward")["to"][0]["stage"], "approvals", "{}", card["actions"]);
    // Another organisation's staff and the public are offered nothing; the applicant its own.
    assert_eq!(s.card(Some("gaz"), b).await.body["actions"], json!([]));
    assert_eq!(s.card(None, b).await.body["actions"], json!([]));
    let mine = s.card(Some("aigerim"), b).await.body;
    let allowed: Vec<&str> = mine["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["allowed"] == true)
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, vec!["comment", "withdraw"]);

    // Claimed: out of the pool, into mine and in review; the offers follow.
    let r = s.act("intake", b, &etag_b, json!({"action": "claim", "stage": "intake"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let q = queues(&s, "intake").await;
    assert_eq!(
        (q["new"].as_i64(), q["pool"].as_i64(), q["mine"].as_i64(), q["in_review"].as_i64()),
        (Some(1), Some(1), Some(1), Some(1)),
        "{q}"
    );
    assert_eq!(queue_ids(&s, "intake", "mine").await, vec![b]);
    assert_eq!(queues(&s, "intake2").await["mine"], 0);
    let card = s.card(Some("intake"), b).await;
    for a in ["release", "forward", "return_for_corrections", "save", "comment"] {
        assert_eq!(offer(&card.body, a)["allowed"], true, "{a}: {}", card.body["actions"]);
    }
    assert_eq!(offer(&s.card(Some("head"), b).await.body, "assign")["allowed"], true);

    // Returned for corrections: the applicant hears of it in the app, once, in its language.
    let r = s
        .act(
            "intake",
            b,
            &card.etag,
            json!({"action": "return_for_corrections", "stage": "intake", "fields": ["floors"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(queues(&s, "intake").await["returned"], 1);
    let inbox = s.send(Some("aigerim"), "GET", "/api/me/notifications", None, None).await.body;
    assert_eq!(inbox["unread"], 1, "{inbox}");
    assert_eq!(inbox["items"][0]["event"], "returned");
    assert_eq!(inbox["items"][0]["link"], format!("/app/my/{b}"));
    let number = r.body["number"].as_str().unwrap();
    assert!(inbox["items"][0]["text"].as_str().unwrap().contains(number), "{inbox}");
    let kk = s
        .http
        .get(format!("{}/api/me/notifications", s.base))
        .basic_auth("aigerim", Some("aigerim-password"))
        .header("accept-language", "kk")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let kk: Value = serde_json::from_str(&kk).unwrap();
    assert!(kk["items"][0]["text"].as_str().unwrap().contains("түзетуге"), "{kk}");
    // The reviewers of the pool heard of the two new applications; the one who acted not of its own.
    let staff = s.send(Some("intake2"), "GET", "/api/me/notifications", None, None).await.body;
    assert_eq!(staff["unread"], 2, "{staff}");
    assert!(staff["items"].as_array().unwrap().iter().all(|i| i["event"] == "in_pool"));
    let last = inbox["items"][0]["id"].as_i64().unwrap();
    let r = s
        .send(Some("aigerim"), "POST", "/api/me/notifications/read", None, Some(json!({"up_to": last})))
        .await;
    assert_eq!(r.body["marked"], 1, "{}", r.body);
    assert_eq!(s.send(Some("aigerim"), "GET", "/api/me/notifications", None, None).await.body["unread"], 0);
    // Someone else's notifications cannot be marked: only the caller's own are touched.
    let r = s
        .send(Some("dana"), "POST", "/api/me/notifications/read", None, Some(json!({"up_to": i64::MAX})))
        .await;
    assert_eq!(r.body["marked"], 0);
    assert_eq!(s.send(Some("intake2"), "GET", "/api/me/notifications", None, None).await.body["unread"], 2);

    // A returned document is sent anew: replaced, not added to.
    let r = s.card(Some("intake"), a).await;
    let r = s.act("intake", a, &r.etag, json!({"action": "claim", "stage": "intake"})).await;
    let r = s
        .act(
            "intake",
            a,
            &r.etag,
            json!({"action": "return_for_corrections", "stage": "intake", "fields": ["site_plan"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.upload("aigerim", a, "site_plan", &r.etag, "plan-2.pdf", b"%PDF-1.4\n%second\n%%EOF\n").await;
    assert_eq!(r.status, 422, "one file at most: adding is refused {}", r.body);
    assert_eq!(r.body["error"]["details"][0]["code"], "too_many_files_in_field", "{}", r.body);
    let r = s.card(Some("aigerim"), a).await;
    let resp = s
        .http
        .put(format!("{}/api/applications/{a}/documents/site_plan?name=plan-3.pdf&replace=true", s.base))
        .basic_auth("aigerim", Some("aigerim-password"))
        .header("if-match", &r.etag)
        .body(b"%PDF-1.4\n%third\n%%EOF\n".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let card = s.card(Some("aigerim"), a).await.body;
    let names: Vec<&str> = card["documents"]["site_plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["plan-3.pdf"]);

    // A draft may wait for its site; submission asks for it.
    let (d, etag) = s.ready_draft("dana", "network_connection", Value::Null).await;
    let r = s.act("dana", d, &etag, json!({"action": "submit"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "geometry", "{}", r.body);

    // Objects: the executor draws a plan for the applicant and a network for the staff only.
    let plan = json!({"type": "Feature", "properties": {"name": "участок"}, "geometry": square(76.91, 43.25, 0.0005)});
    let path = format!("/api/applications/{b}/objects?kind=plan&access=applicant&title=План");
    let r = s
        .send(
            Some("intake"),
            "POST",
            &path.replace("План", "%D0%9F%D0%BB%D0%B0%D0%BD"),
            None,
            Some(plan.clone()),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let net = json!({"type": "LineString", "coordinates": [[76.910, 43.250], [76.911, 43.251]]});
    let r = s
        .send(Some("intake"), "POST", &format!("/api/applications/{b}/objects?kind=network"), None, Some(net))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let kinds = |v: &Value| -> Vec<String> {
        v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["kind"].as_str().unwrap().to_string())
            .collect()
    };
    let objects = format!("/api/applications/{b}/objects");
    assert_eq!(
        kinds(&s.send(Some("intake"), "GET", &objects, None, None).await.body),
        vec!["plan", "network"]
    );
    assert_eq!(kinds(&s.send(Some("aigerim"), "GET", &objects, None, None).await.body), vec!["plan"]);
    assert_eq!(kinds(&s.send(None, "GET", &objects, None, None).await.body), Vec::<String>::new());
    // Only the staff who work it draw; the applicant and other organisations may not.
    assert_eq!(s.send(Some("aigerim"), "POST", &objects, None, Some(plan.clone())).await.status, 403);
    assert_eq!(s.send(Some("gaz"), "POST", &objects, None, Some(plan.clone())).await.status, 403);
    // Bad input: a clear 422, nothing stored.
    let r = s.send(Some("intake"), "POST", &objects, None, Some(json!({"type": "Feature"}))).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = s
        .send(Some("intake"), "POST", &format!("{objects}?crs=32643"), None, Some(square(76.9, 43.25, 0.001)))
        .await;
    assert_eq!(r.status, 422, "degrees read as UTM metres fall off the earth: {}", r.body);
    assert_eq!(r.body["error"]["code"], "objects_off_site", "{}", r.body);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("систему координат"), "{}", r.body);
    // A DXF drawn in UTM 43N (as CAD delivers it), read by GDAL and put back into WGS84.
    let dxf = dir.path().join("plan.dxf");
    let gj = dir.path().join("plan.geojson");
    std::fs::write(&gj, json!({"type": "FeatureCollection", "features": [plan]}).to_string()).unwrap();
    let ogr = std::process::Command::new("ogr2ogr")
        .args([
            "-f",
            "DXF",
            dxf.to_str().unwrap(),
            gj.to_str().unwrap(),
            "-s_srs",
            "EPSG:4326",
            "-t_srs",
            "EPSG:32643",
        ])
        .output()
        .unwrap();
    assert!(dxf.exists(), "{}", String::from_utf8_lossy(&ogr.stderr));
    let resp = s
        .http
        .post(format!("{}{objects}?kind=plan&filename=plan.dxf&crs=32643", s.base))
        .basic_auth("intake", Some("intake-password"))
        .header("content-type", "application/octet-stream")
        .body(std::fs::read(&dxf).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let all = s.send(Some("intake"), "GET", &objects, None, None).await.body;
    let last = all["features"].as_array().unwrap().last().unwrap().clone();
    let first_corner = &last["geometry"]["coordinates"][0][0];
    assert!((first_corner[0].as_f64().unwrap() - 76.91).abs() < 1e-6, "{last}");
    assert!((first_corner[1].as_f64().unwrap() - 43.25).abs() < 1e-6, "{last}");
    // Access changed to public: the public sees it; removed: nobody does.
    let id = last["id"].as_i64().unwrap();
    let r = s
        .send(Some("intake"), "PATCH", &format!("{objects}/{id}"), None, Some(json!({"access": "public"})))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(kinds(&s.send(None, "GET", &objects, None, None).await.body), vec!["plan"]);
    assert_eq!(s.send(Some("intake"), "DELETE", &format!("{objects}/{id}"), None, None).await.status, 204);
    assert_eq!(s.send(None, "GET", &objects, None, None).await.body["features"], json!([]));
    assert_eq!(s.send(Some("intake"), "DELETE", &format!("{objects}/{id}"), None, None).await.status, 404);
}
