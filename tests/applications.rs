//! Applications end to end: a `qala serve` process over real HTTP with its SMTP sink and SMS
//! gateway simulator (separate processes), the whole lifecycle of an application with a polygon
//! and files, routing by polygons and triage, the access matrix over the applications API and the
//! applications layer, and bad input that stores nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::apps::*;
use common::procs::{sms_simulator, smtp_sink};
use common::test_db;
use serde_json::{Value, json};

#[tokio::test]
async fn the_whole_lifecycle_over_http() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;

    // The service is offered, with its form.
    let svc = s.send(None, "GET", "/api/services/network_connection", None, None).await;
    assert_eq!(svc.status, 200);
    assert_eq!(svc.body["geometry"]["kind"], "polygon");

    // A draft needs a signed-in applicant.
    let body =
        json!({"service": "network_connection", "form": form(), "geometry": square(76.90, 43.25, 0.001)});
    assert_eq!(s.send(None, "POST", "/api/applications", None, Some(body.clone())).await.status, 401);
    let created = s.send(Some("aigerim"), "POST", "/api/applications", None, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_i64().unwrap();
    assert_eq!(created.etag, "\"v1\"");

    // Submitting without the required documents is refused, naming them, and changes nothing.
    let r = s.act("aigerim", id, &created.etag, json!({"action": "submit"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<&str> =
        r.body["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(
        fields.contains(&"documents.title_deed") && fields.contains(&"documents.site_plan"),
        "{fields:?}"
    );
    let card = s.card(Some("aigerim"), id).await;
    assert_eq!((card.body["status"].as_str(), card.etag.as_str()), (Some("draft"), "\"v1\""));

    // Files: a wrong type is refused; the two documents are stored.
    let r = s.upload("aigerim", id, "title_deed", &card.etag, "deed.exe", b"MZ\x90\x00").await;
    assert_eq!(r.status, 422, "{}", r.body);
    // A PNG named .pdf: the bytes say what it is, and the answer says so in the caller's language.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01";
    let r = s.upload("aigerim", id, "title_deed", &card.etag, "deed.pdf", png).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["code"], "file_content_mismatch", "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "documents.title_deed[0]", "{}", r.body);
    assert_eq!(s.card(Some("aigerim"), id).await.etag, card.etag, "nothing was recorded");
    let r = s.upload("aigerim", id, "title_deed", &card.etag, "deed.pdf", PDF).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s.upload("aigerim", id, "site_plan", &r.etag, "plan.pdf", PDF).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // Submitted: numbered, routed by the zone that holds the site, with its overlay, in the pool.
    let r = s.act("aigerim", id, &r.etag, json!({"action": "submit"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = &r.body;
    assert_eq!(c["status"], "in_progress");
    assert!(c["number"].as_str().unwrap().starts_with("A-"), "{c}");
    assert_eq!(c["org"], "almaty-akimat");
    assert_eq!(c["stages"][0]["stage"], "intake");
    assert_eq!(c["stages"][0]["executor"], Value::Null);
    let overlay = &c["overlay"];
    assert_eq!(overlay["routing"]["decision"], "org", "{overlay}");
    assert_eq!(overlay["zones"][0]["layer"], "zones");
    assert_eq!(overlay["zones"][0]["value"], "a");
    assert_eq!(overlay["zones"][0]["share"], 1.0);
    assert_eq!(overlay["district"]["code"], "750000000");
    assert!(c["due_at"].is_string());
    let mut etag = r.etag;

    // Two executors claim at once: exactly one wins.
    let (a, b) = tokio::join!(
        s.act("intake", id, &etag, json!({"action": "claim", "stage": "intake"})),
        s.act("intake2", id, &etag, json!({"action": "claim", "stage": "intake"}))
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses[0], 200, "{} / {}", a.body, b.body);
    assert!(statuses[1] == 412 || statuses[1] == 409, "{statuses:?}");
    let (winner, r) = if a.status == 200 { ("intake", a) } else { ("intake2", b) };
    etag = r.etag;
    // Someone of another organisation may not act on it.
    assert_eq!(s.act("gaz", id, &etag, json!({"action": "claim", "stage": "intake"})).await.status, 403);

    // Returned for corrections of `floors`: the applicant may change only that.
    let r = s
        .act(winner, id, &etag, json!({"action": "return_for_corrections", "stage": "intake", "fields": ["floors"], "comment": "Этажность не совпадает с проектом"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "returned");
    let mut f = form();
    f["floors"] = json!(3);
    f["address"] = json!("Алматы, другой адрес");
    let bad = s
        .send(
            Some("aigerim"),
            "PATCH",
            &format!("/api/applications/{id}"),
            Some(&r.etag),
            Some(json!({"form": f})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body["error"]["message"].is_string());
    f["address"] = form()["address"].clone();
    let ok = s
        .send(
            Some("aigerim"),
            "PATCH",
            &format!("/api/applications/{id}"),
            Some(&r.etag),
            Some(json!({"form": f})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let r = s.act("aigerim", id, &ok.etag, json!({"action": "resubmit"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let history = r.body["history"].as_array().unwrap();
    let resubmitted = history.iter().find(|h| h["action"] == "resubmit").unwrap();
    assert_eq!(resubmitted["events"][0]["changed"], json!(["floors"]), "the resubmission keeps its diff");

    // Forward into the parallel approvals of the water and power utilities.
    let r = s.act(winner, id, &r.etag, json!({"action": "forward", "stage": "intake"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stages: Vec<&str> =
        r.body["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, vec!["water", "power"]);
    // The water utility's networks department sees it, its billing department does not.
    assert_eq!(s.card(Some("su"), id).await.status, 200);
    assert_eq!(s.card(Some("subill"), id).await.body["form"].get("iin"), None);
    let r = s.act("su", id, &r.etag, json!({"action": "claim", "stage": "water"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r2 = s.act("az", id, &r.etag, json!({"action": "claim", "stage": "power"})).await;
    assert_eq!(r2.status, 200, "{}", r2.body);
    // A guard: the conditions' number and document first.
    let r = s.act("su", id, &r2.etag, json!({"action": "approve", "stage": "water"})).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = s.upload("su", id, "water_conditions", &r2.etag, "tu.pdf", PDF).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s
        .act(
            "su",
            id,
            &r.etag,
            json!({"action": "approve", "stage": "water", "values": {"water_conditions_number": "W-17"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stages: Vec<&str> =
        r.body["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, vec!["power"], "the join waits for every branch");
    let r = s.upload("az", id, "power_conditions", &r.etag, "tu.pdf", PDF).await;
    let r = s
        .act(
            "az",
            id,
            &r.etag,
            json!({"action": "approve", "stage": "power", "values": {"power_conditions_number": "P-5"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["stages"][0]["stage"], "decision");
    let r = s.act("intake", id, &r.etag, json!({"action": "claim", "stage": "decision"})).await;

    // The executor reads the approval before deciding: a preview, not recorded, only for it.
    let records = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM documents").fetch_one(&db.pool).await.unwrap()
    };
    let before = records().await;
    let preview = s
        .http
        .get(format!("{}/api/applications/{id}/document.pdf?preview=true", s.base))
        .basic_auth("intake", Some("intake-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(preview.status(), 200);
    assert_eq!(preview.headers()["content-type"], "application/pdf");
    assert!(preview.bytes().await.unwrap().starts_with(b"%PDF"));
    assert_eq!(records().await, before, "a preview is not recorded");
    for who in ["aigerim", "intake2"] {
        let r = s
            .send(Some(who), "GET", &format!("/api/applications/{id}/document.pdf?preview=true"), None, None)
            .await;
        assert_eq!(r.status, 404, "{who}: {}", r.body);
    }

    // Returned at the decision, after the utilities filled their fields: the applicant's form
    // neither sends nor loses them, and the return's comment is in the history at its stage.
    let r = s
        .act("intake", id, &r.etag, json!({"action": "return_for_corrections", "stage": "decision", "fields": ["floors"], "comment": "Уточните этажность"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mine = s.card(Some("aigerim"), id).await;
    let said = mine.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|h| h["events"].as_array().unwrap().clone())
        .any(|e| {
            e["event"] == "commented"
                && e["text"] == "Уточните этажность"
                && e["stage"] == "decision"
                && e["to_applicant"] == true
        });
    assert!(said, "{}", mine.body["history"]);
    let mut f = form();
    f["floors"] = json!(4);
    let ok = s
        .send(
            Some("aigerim"),
            "PATCH",
            &format!("/api/applications/{id}"),
            Some(&mine.etag),
            Some(json!({"form": f})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["form"]["water_conditions_number"], "W-17", "{}", ok.body["form"]);
    let r = s.act("aigerim", id, &ok.etag, json!({"action": "resubmit"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.act("intake", id, &r.etag, json!({"action": "claim", "stage": "decision"})).await;
    let r = s.act("intake", id, &r.etag, json!({"action": "approve", "stage": "decision"})).await;
    assert_eq!(r.body["stages"][0]["stage"], "head_approval", "{}", r.body);
    let r = s.act("head", id, &r.etag, json!({"action": "claim", "stage": "head_approval"})).await;
    let r = s.act("head", id, &r.etag, json!({"action": "approve", "stage": "head_approval"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "approved");
    assert!(r.body["closed_at"].is_string());

    // Notifications: e-mails at the SMTP sink and SMS at the simulator, in the application's
    // language, and the delivery log says so.
    until("the e-mails arrive", || async { sink.messages().len() >= 3 }).await;
    let mails = sink.messages().join("\n");
    assert!(mails.contains("aigerim@example.kz"), "{mails}");
    until("the SMS arrive", || async {
        sim.received().await["messages"].as_array().map_or(0, Vec::len) >= 3
    })
    .await;
    let sms = sim.received().await;
    assert_eq!(sms["messages"][0]["to"], "+77011234567", "{sms}");
    until("the log says sent", || async {
        let log =
            s.send(Some("aigerim"), "GET", &format!("/api/applications/{id}/deliveries"), None, None).await;
        let list = log.body["deliveries"].as_array().cloned().unwrap_or_default();
        list.len() >= 6 && list.iter().all(|d| d["status"] == "sent")
    })
    .await;
    let events: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT event FROM notification_outbox WHERE subject_id = $1 ORDER BY 1")
            .bind(id)
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(events, vec!["application.approved", "application.returned", "application.submitted"]);

    // The journal has every action with who, before and after; reading personal data too.
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM events WHERE target = $1 ORDER BY id")
        .bind(format!("application:{id}"))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    for k in [
        "application.create",
        "application.submit",
        "application.claim",
        "application.resubmit",
        "application.approve",
        "application.read_personal",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn routing_near_a_boundary_goes_to_triage_and_access_is_the_policy() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;

    // Bad input: nothing is stored.
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM applications").fetch_one(&db.pool).await.unwrap()
    };
    let mut f = form();
    f["iin"] = json!(format!("{}{}", &iin()[..11], (iin().as_bytes()[11] - b'0' + 1) % 10));
    let r = s
        .send(
            Some("dana"),
            "POST",
            "/api/applications",
            None,
            Some(json!({"service": "network_connection", "form": f})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.body["error"]["details"][0]["field"], "iin");
    let big =
        json!({"service": "network_connection", "form": form(), "geometry": square(76.90, 43.25, 0.01)});
    let r = s.send(Some("dana"), "POST", "/api/applications", None, Some(big)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = s
        .send(
            Some("dana"),
            "POST",
            "/api/applications",
            None,
            Some(json!({"service": "no_such", "form": {}})),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = s
        .send(
            Some("dana"),
            "POST",
            "/api/applications",
            None,
            Some(json!({"service": "network_connection", "form": {"nope": 1}})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(count().await, 0);
    // Outside the city: accepted as a draft, refused at submission.
    let (oid, etag) = s.ready_draft("dana", "network_connection", square(78.0, 44.0, 0.001)).await;
    let refused = s.act("dana", oid, &etag, json!({"action": "submit"})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["error"]["details"][0]["field"], "geometry", "{}", refused.body);
    assert!(refused.body["error"]["details"][0]["message"].is_string());
    assert_eq!(s.card(Some("dana"), oid).await.body["status"], "draft");

    // A site across the boundary between the zones of two organisations goes to triage.
    let near =
        json!({"service": "network_connection", "form": form(), "geometry": square(76.9499, 43.25, 0.0005)});
    let r = s.send(Some("aigerim"), "POST", "/api/applications", None, Some(near)).await;
    let id = r.body["id"].as_i64().unwrap();
    let r = s.upload("aigerim", id, "title_deed", &r.etag, "d.pdf", PDF).await;
    let r = s.upload("aigerim", id, "site_plan", &r.etag, "p.pdf", PDF).await;
    let r = s.act("aigerim", id, &r.etag, json!({"action": "submit"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["overlay"]["routing"]["decision"], "triage", "{}", r.body["overlay"]);
    assert_eq!(r.body["stages"][0]["stage"], "triage");

    // The access matrix on the card: personal data only for the applicant, the staff who work
    // it and admins; the public sees the published fields.
    for (who, personal) in [
        (Some("aigerim"), true),
        (Some("head"), true),
        (Some("root"), true),
        (Some("dana"), false),
        (Some("gaz"), false),
        (None, false),
    ] {
        let c = s.card(who, id).await;
        assert_eq!(c.status, 200, "{who:?}");
        assert_eq!(c.body["form"].get("iin").is_some(), personal, "{who:?}: {}", c.body);
        assert_eq!(c.body.get("documents").is_some(), personal, "{who:?}");
        if !personal {
            assert_eq!(c.body["form"]["object_kind"], "house", "published fields are public");
        }
    }
    // A draft is its applicant's alone.
    assert_eq!(s.card(Some("head"), oid).await.status, 404);
    assert_eq!(s.card(None, oid).await.status, 404);

    // The applications layer: the features carry no personal data; who sees which is the policy.
    let items = |who: Option<&'static str>| {
        let s = &s;
        async move {
            let r = s.send(who, "GET", "/ogc/collections/applications/items?limit=100", None, None).await;
            assert_eq!(r.status, 200, "{who:?}: {}", r.body);
            r.body["features"].as_array().cloned().unwrap_or_default()
        }
    };
    let public = items(None).await;
    assert_eq!(public.len(), 1, "the submitted one (published), not the draft");
    let props = public[0]["properties"].to_string();
    for secret in [iin().as_str(), "Айгерим", "+7701", "aigerim@example.kz"] {
        assert!(!props.contains(secret), "{secret} in {props}");
    }
    // Editors may not write the applications layer as features.
    let r = s
        .send(
            Some("root"),
            "DELETE",
            &format!("/ogc/collections/applications/items/{}", public[0]["id"]),
            None,
            None,
        )
        .await;
    assert!(r.status == 403 || r.status == 405, "{}", r.status);
}

/// Submits a fresh application of `who` with a square site at (`lon`, `lat`); its id.
async fn submitted(s: &Server, who: &str, lon: f64, lat: f64) -> i64 {
    s.submitted(who, "network_connection", square(lon, lat, 0.0005)).await.0
}

#[tokio::test]
async fn the_monitoring_table_pages_filters_exports_and_counts() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;
    let ids = [
        submitted(&s, "aigerim", 76.90, 43.25).await,
        submitted(&s, "dana", 76.91, 43.26).await,
        submitted(&s, "aigerim", 76.92, 43.27).await,
    ];
    // The second is claimed by `intake`.
    let card = s.card(Some("intake"), ids[1]).await;
    let r = s.act("intake", ids[1], &card.etag, json!({"action": "claim", "stage": "intake"})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    // Whom a manager can assign the intake to, by load.
    let ex = s
        .send(
            Some("head"),
            "GET",
            &format!("/api/applications/{}/executors?stage=intake", ids[0]),
            None,
            None,
        )
        .await;
    assert_eq!(ex.status, 200, "{}", ex.body);
    let list: Vec<(String, i64)> = ex.body["executors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["login"].as_str().unwrap().to_string(), e["load"].as_i64().unwrap()))
        .collect();
    assert_eq!(list, vec![("head".into(), 0), ("intake2".into(), 0), ("intake".into(), 1)]);
    assert_eq!(
        s.send(
            Some("aigerim"),
            "GET",
            &format!("/api/applications/{}/executors?stage=intake", ids[0]),
            None,
            None
        )
        .await
        .status,
        403
    );

    // Who may read the table.
    assert_eq!(s.send(None, "GET", "/api/applications/table", None, None).await.status, 401);
    assert_eq!(s.send(Some("aigerim"), "GET", "/api/applications/table", None, None).await.status, 403);
    let gaz = s.send(Some("gaz"), "GET", "/api/applications/table", None, None).await;
    assert_eq!(
        (gaz.status, gaz.body["rows"].as_array().map(Vec::len)),
        (200, Some(0)),
        "another utility sees none"
    );

    // Keyset paging in the order asked for, every row once.
    let mut seen = Vec::new();
    let mut path = "/api/applications/table?limit=1&sort=id".to_string();
    loop {
        let r = s.send(Some("head"), "GET", &path, None, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen.extend(r.body["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()));
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/applications/table?limit=1&sort=id&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ids.to_vec());
    // Paging by a timestamp, descending, gives the rows of one big page in the same order.
    let whole = s.send(Some("head"), "GET", "/api/applications/table?sort=-submitted_at", None, None).await;
    let whole: Vec<i64> =
        whole.body["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    let mut paged = Vec::new();
    let mut path = "/api/applications/table?limit=1&sort=-submitted_at".to_string();
    loop {
        let r = s.send(Some("head"), "GET", &path, None, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        paged.extend(r.body["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()));
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/applications/table?limit=1&sort=-submitted_at&cursor={c}"),
            None => break,
        }
    }
    assert_eq!((paged.len(), &paged), (3, &whole));
    // A filter of several values (one query per value, merged) pages the same way.
    let mut merged = Vec::new();
    let mut path =
        "/api/applications/table?limit=1&sort=-submitted_at&status=returned,in_progress".to_string();
    loop {
        let r = s.send(Some("head"), "GET", &path, None, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        merged.extend(r.body["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()));
        match r.body["next_cursor"].as_str() {
            Some(c) => {
                path = format!(
                    "/api/applications/table?limit=1&sort=-submitted_at&status=returned,in_progress&cursor={c}"
                )
            }
            None => break,
        }
    }
    assert_eq!(merged, whole);
    // Filters.
    let by_exec = s.send(Some("head"), "GET", "/api/applications/table?executor=intake", None, None).await;
    let rows = by_exec.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["id"], ids[1]);
    let mine = s
        .send(Some("root"), "GET", "/api/applications/table?applicant=aigerim&sort=-submitted_at", None, None)
        .await;
    let got: Vec<i64> =
        mine.body["rows"].as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(got, vec![ids[2], ids[0]]);
    let none = s.send(Some("head"), "GET", "/api/applications/table?overdue=true", None, None).await;
    assert_eq!(none.body["rows"].as_array().unwrap().len(), 0, "nothing is overdue yet");
    assert_eq!(s.send(Some("head"), "GET", "/api/applications/table?sort=iin", None, None).await.status, 400);
    assert_eq!(s.send(Some("head"), "GET", "/api/applications/table?nope=1", None, None).await.status, 400);

    // Exports hold exactly the rows of the filter.
    let csv = s
        .http
        .get(format!("{}/api/applications/table?applicant=aigerim&format=csv", s.base))
        .basic_auth("head", Some("head-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert_eq!(csv.headers()["qala-rows"], "2");
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 3, "header and two rows: {text}");
    let xlsx = s
        .http
        .get(format!("{}/api/applications/table?format=xlsx", s.base))
        .basic_auth("head", Some("head-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.headers()["qala-rows"], "3");
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "an XLSX is a zip");

    // Analytics and the districts map.
    let a = s.send(Some("head"), "GET", "/api/applications/analytics", None, None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["by_service"][0], json!({"key": "network_connection", "count": 3}));
    assert_eq!(a.body["backlog_age"][0], json!({"key": "0-5", "count": 3}));
    let g = s.send(Some("head"), "GET", "/api/applications/analytics/districts", None, None).await;
    assert_eq!(g.body["type"], "FeatureCollection");
    assert_eq!(g.body["features"][0]["properties"]["count"], 3);
    let kind = g.body["features"][0]["geometry"]["type"].as_str().unwrap_or_default();
    assert!(kind.ends_with("Polygon"), "the district's boundary: {kind}");
    assert_eq!(
        s.send(Some("head"), "GET", "/api/applications/analytics?from=yesterday", None, None).await.status,
        400
    );
}

/// A draft of `who` with its documents; its id and ETag.
async fn ready_draft(s: &Server, who: &str, lon: f64, lat: f64) -> (i64, String) {
    s.ready_draft(who, "network_connection", square(lon, lat, 0.0005)).await
}

#[tokio::test]
async fn a_server_killed_during_submissions_leaves_none_half_done_and_sends_each_once() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let first = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async {
        first.http.get(format!("{}/healthz", first.base)).send().await.is_ok()
    })
    .await;
    let mut drafts = Vec::new();
    for i in 0..8 {
        drafts.push(ready_draft(&first, "aigerim", 76.90 + f64::from(i) * 0.002, 43.25).await);
    }
    // Every submission at once; the server is killed as soon as the first one has answered.
    let base = first.base.clone();
    let mut tasks = tokio::task::JoinSet::new();
    for (id, etag) in drafts.clone() {
        let (base, http) = (base.clone(), first.http.clone());
        tasks.spawn(async move {
            http.post(format!("{base}/api/applications/{id}/actions"))
                .basic_auth("aigerim", Some("aigerim-password"))
                .header("if-match", etag)
                .header("content-type", "application/json")
                .body(r#"{"action": "submit"}"#)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let _ = tasks.join_next().await;
    let pid = first._proc.0.id().to_string();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    while tasks.join_next().await.is_some() {}
    drop(first);

    // Restarted: every application is whole, submitted (with its journal entry and exactly its two
    // notifications) or still a draft (with neither).
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens again", || async {
        s.http.get(format!("{}/healthz", s.base)).send().await.is_ok()
    })
    .await;
    for (id, _) in &drafts {
        let (status, number): (String, Option<String>) =
            sqlx::query_as("SELECT status, number FROM applications WHERE id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        let journal: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE kind = 'application.submit' AND target = $1",
        )
        .bind(format!("application:{id}"))
        .fetch_one(&db.pool)
        .await
        .unwrap();
        let outbox: i64 =
            sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE subject_id = $1")
                .bind(id)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        match status.as_str() {
            "in_progress" => {
                assert_eq!((number.is_some(), journal, outbox), (true, 1, 2), "application {id}")
            }
            "draft" => {
                assert_eq!((number, journal, outbox), (None, 0, 0), "application {id}");
                // What did not happen can be done now.
                let card = s.card(Some("aigerim"), *id).await;
                assert_eq!(s.act("aigerim", *id, &card.etag, json!({"action": "submit"})).await.status, 200);
            }
            other => panic!("application {id} is {other}"),
        }
    }
    // Every notification is delivered, and the gateway stored each message once.
    until("every notification is sent", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE status <> 'sent'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        n == 0
    })
    .await;
    let sms: i64 = sqlx::query_scalar("SELECT count(*) FROM notification_outbox WHERE channel = 'sms'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(sms, 8);
    let got = sim.received().await;
    let ids: std::collections::BTreeSet<String> =
        got["messages"].as_array().unwrap().iter().map(|m| m["id"].to_string()).collect();
    assert_eq!((got["messages"].as_array().unwrap().len(), ids.len()), (8, 8), "{got}");
    assert_eq!(sink.messages().len(), 8);
}

#[tokio::test]
async fn administrators_edit_the_working_day_calendar() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;
    let day =
        json!({"kind": "day_off_moved", "name": {"kk": "Қаулы", "ru": "Постановление", "en": "Decree"}});
    assert_eq!(
        s.send(None, "PUT", "/api/admin/calendar/2026-12-21", None, Some(day.clone())).await.status,
        401
    );
    assert_eq!(
        s.send(Some("head"), "PUT", "/api/admin/calendar/2026-12-21", None, Some(day.clone())).await.status,
        403
    );
    let r = s.send(Some("root"), "PUT", "/api/admin/calendar/2026-12-21", None, Some(day)).await;
    assert_eq!(r.status, 204, "{}", r.body);
    // Nauryz from the files of ../shared/data/calendar and the edit, together.
    let y = s.send(Some("root"), "GET", "/api/admin/calendar?year=2026&lang=en", None, None).await;
    assert_eq!(y.body["covered"], true);
    let days = y.body["days"].as_array().unwrap();
    assert!(days.iter().any(|d| d["date"] == "2026-03-23"), "Nauryz is listed: {days:?}");
    let edit = days.iter().find(|d| d["date"] == "2026-12-21").unwrap();
    assert_eq!((edit["kind"].as_str(), edit["name"].as_str()), (Some("day_off_moved"), Some("Decree")));
    // A working day moved must be a weekend day; a date must be a date.
    let weekday = json!({"kind": "working_day_moved", "name": {"kk": "Қ", "ru": "П", "en": "D"}});
    let r = s.send(Some("root"), "PUT", "/api/admin/calendar/2026-12-22", None, Some(weekday)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        s.send(Some("root"), "DELETE", "/api/admin/calendar/21-12-2026", None, None).await.status,
        400
    );
    assert_eq!(
        s.send(Some("root"), "DELETE", "/api/admin/calendar/2026-12-21", None, None).await.status,
        204
    );
    assert_eq!(
        s.send(Some("root"), "DELETE", "/api/admin/calendar/2026-12-21", None, None).await.status,
        404
    );
    let journal: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind IN ('calendar.set', 'calendar.remove')")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(journal, 2);
}

/// The tile (x, y) at zoom `z` holding (`lon`, `lat`).
fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let r = lat.to_radians();
    (
        ((lon + 180.0) / 360.0 * n) as u32,
        ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32,
    )
}

#[tokio::test]
async fn the_applications_layer_shows_each_caller_only_what_the_policy_allows() {
    use geozero::mvt::{Message, Tile};
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;
    // A private application of aigerim's (and a public one of dana's) in the same tile.
    s.submitted("aigerim", "private_connection", square(76.9000, 43.2500, 0.0005)).await;
    submitted(&s, "dana", 76.9010, 43.2505).await;

    let (x, y) = tile_of(76.9002, 43.2502, 14);
    let tile = |who: Option<&'static str>| {
        let s = &s;
        async move {
            let mut req = s.http.get(format!("{}/tiles/applications/14/{x}/{y}.mvt", s.base));
            if let Some(w) = who {
                req = req.basic_auth(w, Some(format!("{w}-password")));
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{who:?}");
            let bytes = resp.bytes().await.unwrap();
            let t = Tile::decode(bytes.as_ref()).unwrap();
            let n =
                t.layers.iter().filter(|l| l.name == "applications").map(|l| l.features.len()).sum::<usize>();
            let text = String::from_utf8_lossy(&bytes).to_string();
            (n, text)
        }
    };
    // Twice each, in an order that would leak through a shared cache: warm first for those who see
    // more, then for those who see less.
    for round in 0..2 {
        for (who, expected) in [
            (Some("aigerim"), 2),
            (Some("head"), 2),
            (Some("root"), 2),
            (None, 1),
            (Some("dana"), 1),
            (Some("gaz"), 1),
        ] {
            let (n, text) = tile(who).await;
            assert_eq!(n, expected, "{who:?}, round {round}");
            assert!(!text.contains(&iin()) && !text.contains("Айгерим"), "no personal data in tiles");
        }
    }
    // The same over the features API.
    for (who, expected) in [(Some("aigerim"), 2), (None, 1), (Some("gaz"), 1)] {
        let r = s.send(who, "GET", "/ogc/collections/applications/items?limit=100", None, None).await;
        assert_eq!(r.body["features"].as_array().map(Vec::len), Some(expected), "{who:?}");
    }
}

/// Runs a tool; its stdout.
fn tool(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A PDF's text (whitespace collapsed) and the URL its QR code holds (page 1 at 150 dpi, zbar).
fn pdf_text_and_qr(name: &str, pdf: &[u8]) -> (String, String) {
    let dir = common::repo().join("target/artifacts/applications");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let text = tool("pdftotext", &["-enc", "UTF-8", path.to_str().unwrap(), "-"]);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let stem = dir.join(name);
    tool("pdftoppm", &["-r", "150", "-png", "-singlefile", path.to_str().unwrap(), stem.to_str().unwrap()]);
    let png = dir.join(format!("{name}.png"));
    let qr = tool("zbarimg", &["--quiet", "--raw", png.to_str().unwrap()]).trim().to_string();
    (text, qr)
}

impl Server {
    /// `GET /api/applications/{id}/document.pdf`: status, headers, body.
    async fn document(
        &self,
        who: Option<&str>,
        id: i64,
        query: &str,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}/api/applications/{id}/document.pdf{query}", self.base));
        if let Some(w) = who {
            req = req.basic_auth(w, Some(format!("{w}-password")));
        }
        let resp = req.send().await.unwrap();
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        (status, headers, resp.bytes().await.unwrap().to_vec())
    }
}

/// Works application `id` through to approval (both utilities' conditions, decision, head).
async fn approve_all(s: &Server, id: i64) {
    let etag = s.card(Some("intake"), id).await.etag;
    let r = s.act("intake", id, &etag, json!({"action": "claim", "stage": "intake"})).await;
    let r = s.act("intake", id, &r.etag, json!({"action": "forward", "stage": "intake"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.act("su", id, &r.etag, json!({"action": "claim", "stage": "water"})).await;
    let r = s.upload("su", id, "water_conditions", &r.etag, "tu.pdf", PDF).await;
    let r = s
        .act(
            "su",
            id,
            &r.etag,
            json!({"action": "approve", "stage": "water", "values": {"water_conditions_number": "W-17"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.act("az", id, &r.etag, json!({"action": "claim", "stage": "power"})).await;
    let r = s.upload("az", id, "power_conditions", &r.etag, "tu.pdf", PDF).await;
    let r = s
        .act(
            "az",
            id,
            &r.etag,
            json!({"action": "approve", "stage": "power", "values": {"power_conditions_number": "P-5"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = s.act("intake", id, &r.etag, json!({"action": "claim", "stage": "decision"})).await;
    let r = s.act("intake", id, &r.etag, json!({"action": "approve", "stage": "decision"})).await;
    let r = s.act("head", id, &r.etag, json!({"action": "claim", "stage": "head_approval"})).await;
    let r = s.act("head", id, &r.etag, json!({"action": "approve", "stage": "head_approval"})).await;
    assert_eq!(r.body["status"], "approved", "{}", r.body);
}

#[tokio::test]
async fn the_output_document_of_a_decided_application() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    world(&db, dir.path()).await;
    let (sink, sim) = (smtp_sink(), sms_simulator());
    let s = serve(&db, dir.path(), &sink, &sim);
    until("the server listens", || async { s.http.get(format!("{}/healthz", s.base)).send().await.is_ok() })
        .await;

    // In progress: no document yet, not even for its applicant.
    let id = submitted(&s, "aigerim", 76.90, 43.25).await;
    assert_eq!(s.document(Some("aigerim"), id, "").await.0, 404);
    approve_all(&s, id).await;
    let number = s.card(Some("aigerim"), id).await.body["number"].as_str().unwrap().to_string();

    // Approved: the applicant gets the bilingual approval with the number, the filled texts, the
    // overlay, the map to scale and a QR code of its record.
    let (status, h, pdf) = s.document(Some("aigerim"), id, "").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(h["content-type"], "application/pdf");
    assert!(h["content-disposition"].to_str().unwrap().contains(&number), "{:?}", h["content-disposition"]);
    assert_eq!(h["cache-control"], "private, no-store");
    assert!(pdf.starts_with(b"%PDF-"));
    let code = h["qala-document"].to_str().unwrap().to_string();
    let (text, qr) = pdf_text_and_qr("approval", &pdf);
    for needle in [
        number.as_str(),
        "Технические условия на подключение к сетям",
        "Желілерге қосылуға техникалық шарттар",
        "Айгерим Сапарова",
        "№ W-17",
        "P-5",
        "20:311:011:123",
        "Алматы қаласы",
        // A 0.0005° square (about 40 × 56 m) fits a 190 × 80 mm frame at 1:1 000.
        "Масштаб 1:1 000",
        &code,
    ] {
        assert!(text.contains(needle), "`{needle}` is not in the document: {text}");
    }
    assert!(!text.contains("{{"), "every placeholder is filled: {text}");
    assert_eq!(qr, format!("{}/verify/{code}", s.base));
    let page = s.http.get(&qr).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-status=\"valid\""), "{page}");
    let record = s.send(None, "GET", &format!("/api/documents/{code}"), None, None).await.body;
    assert_eq!(record["kind"], "decision", "{record}");
    assert_eq!(record["subject"]["number"], number.as_str());
    assert_eq!(record["subject"]["template"], "approval");
    // The same content is the same record and the same file.
    let (status, h2, again) = s.document(Some("aigerim"), id, "").await;
    assert_eq!((status, h2["qala-document"].to_str().unwrap()), (200, code.as_str()));
    assert_eq!(again, pdf);
    // Staff who work it get it too; anonymous callers and another applicant do not.
    assert_eq!(s.document(Some("head"), id, "").await.0, 200);
    assert_eq!(s.document(None, id, "").await.0, 404);
    assert_eq!(s.document(Some("dana"), id, "").await.0, 404);
    assert_eq!(s.document(Some("gaz"), id, "").await.0, 404);
    assert_eq!(s.document(Some("aigerim"), id, "?lang=de").await.0, 400);
    // Every issue is journalled: the first as an issue, the copies as copies.
    let ops: Vec<String> = sqlx::query_scalar(
        "SELECT detail->>'op' FROM events WHERE kind = 'document' AND target = $1 ORDER BY id",
    )
    .bind(&code)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(ops[..2], ["issue", "copy"], "{ops:?}");

    // Refused: the refusal with its reason and text.
    let rid = submitted(&s, "dana", 76.91, 43.26).await;
    let etag = s.card(Some("intake"), rid).await.etag;
    let r = s.act("intake", rid, &etag, json!({"action": "claim", "stage": "intake"})).await;
    let r = s
        .act(
            "intake",
            rid,
            &r.etag,
            json!({"action": "refuse", "stage": "intake", "code": "no_capacity", "text": "Подстанция перегружена до 2028 года."}),
        )
        .await;
    assert_eq!(r.body["status"], "refused", "{}", r.body);
    let (status, h, pdf) = s.document(Some("dana"), rid, "").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    let (text, qr) = pdf_text_and_qr("refusal", &pdf);
    for needle in [
        "Отказ в выдаче технических условий",
        "Техникалық шарттар беруден бас тарту",
        "Причина отказа: Отсутствует свободная мощность сетей",
        "Желілерде бос қуат жоқ",
        "Подстанция перегружена до 2028 года.",
    ] {
        assert!(text.contains(needle), "`{needle}` is not in the refusal: {text}");
    }
    assert_eq!(qr, format!("{}/verify/{}", s.base, h["qala-document"].to_str().unwrap()));
    assert_eq!(s.document(Some("aigerim"), rid, "").await.0, 404);
}
