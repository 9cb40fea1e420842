//! Maintenance windows (ADM-2, issue 16): the rules of an announcement (three working days of the
//! Kazakh 2026 calendar ahead, at most eight hours, no overlap), who may announce, the public list,
//! the read-only mode on an injected clock (writes 503 with `Retry-After`, reads and sign-in work,
//! writes again after the window or once an admin ends it), the journal, and a second server's
//! schedule reloaded by NOTIFY. Against a real PostGIS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use common::{Resp, TestDb, basic, call, places_layer, sync_layers, test_db, user};
use qala::applications::calendar::Calendar;
use qala::applications::registry::Registry;
use qala::http::{AppState, HttpSettings};
use qala::layers::Catalog;
use qala::notify::worker::ManualClock;
use serde_json::json;

/// Almaty local time (UTC+5) in 2026 as UTC.
fn almaty(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap() - TimeDelta::hours(5)
}

struct Server {
    app: axum::Router,
    clock: Arc<ManualClock>,
    state: AppState,
}

/// A server over `db` whose applications' clock starts at `at`, with the 2026 calendar.
async fn server(db: &TestDb, at: DateTime<Utc>) -> Server {
    let layers = vec![places_layer(true)];
    sync_layers(&db.pool, &layers).await;
    let calendar = Calendar::load_dir(&common::open_data().join("calendar")).unwrap();
    let clock = Arc::new(ManualClock::new(at));
    let registry = Registry::new(Vec::new(), calendar).with_clock(clock.clone());
    let state = AppState::with_settings(db.pool.clone(), Catalog::new(layers), HttpSettings::default())
        .with_applications(Arc::new(registry));
    Server { app: qala::http::app(state.clone()), clock, state }
}

impl Server {
    fn set(&self, to: DateTime<Utc>) {
        let now = self.state.apps.now();
        assert!(to >= now, "the clock only moves forward");
        self.clock.advance((to - now).to_std().unwrap());
    }
}

fn json_ct() -> (&'static str, String) {
    ("content-type", "application/json".to_string())
}

fn lang(l: &str) -> (&'static str, String) {
    ("accept-language", l.to_string())
}

fn window(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<u8> {
    json!({
        "starts_at": start,
        "ends_at": end,
        "message": {
            "kk": "Дерекқор жаңартылады",
            "ru": "Обновление базы данных",
            "en": "Database upgrade",
        }
    })
    .to_string()
    .into_bytes()
}

async fn announce(app: &axum::Router, who: &str, l: &str, body: Vec<u8>) -> Resp {
    call(app, "POST", "/api/admin/maintenance", &[basic(who), json_ct(), lang(l)], body).await
}

fn feature(name: &str) -> Vec<u8> {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.93, 43.24]},
           "properties": {"name": name, "floors": 3}})
    .to_string()
    .into_bytes()
}

async fn write(app: &axum::Router, l: &str, name: &str) -> Resp {
    let h = [basic("ed"), ("content-type", "application/geo+json".to_string()), lang(l)];
    call(app, "POST", "/ogc/collections/places/items", &h, feature(name)).await
}

async fn events(db: &TestDb, kind: &str, outcome: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = $1 AND outcome = $2")
        .bind(kind)
        .bind(outcome)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn announcements_follow_the_notice_length_and_overlap_rules() {
    let db = test_db().await;
    // Friday 11 December 2026, 09:00 in Almaty. The working days after it: Monday 14, Tuesday 15,
    // (Wednesday 16 is Independence Day) Thursday 17.
    let s = server(&db, almaty(12, 11, 9, 0)).await;
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "ed", &["editor"], None, None).await;

    // Thursday 17 at 20:00 counts only two working days and a holiday: refused, in Russian, with
    // the earliest start (Friday 18, 00:00 in Almaty).
    let r = announce(&s.app, "root", "ru", window(almaty(12, 17, 20, 0), almaty(12, 17, 23, 0))).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "maintenance_too_soon");
    assert_eq!(
        r.json()["error"]["message"],
        "Технические работы объявляются не менее чем за три рабочих дня"
    );
    let earliest: DateTime<Utc> =
        serde_json::from_value(r.json()["error"]["details"]["earliest_start"].clone()).unwrap();
    assert_eq!(earliest, almaty(12, 18, 0, 0));
    // Eight hours and a half: refused, in Kazakh.
    let r = announce(&s.app, "root", "kk", window(almaty(12, 18, 1, 0), almaty(12, 18, 9, 30))).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (422, json!("maintenance_too_long")),
        "{}",
        r.text()
    );
    assert_eq!(r.json()["error"]["message"], "Техникалық жұмыстар терезесі сегіз сағаттан аспауы тиіс");
    // Ending before it starts; a message missing in one language.
    let r = announce(&s.app, "root", "en", window(almaty(12, 18, 5, 0), almaty(12, 18, 4, 0))).await;
    assert_eq!(r.json()["error"]["code"], "maintenance_ends_before_start", "{}", r.text());
    let no_en = json!({"starts_at": almaty(12, 18, 1, 0), "ends_at": almaty(12, 18, 2, 0),
                       "message": {"kk": "a", "ru": "b", "en": " "}});
    let r = announce(&s.app, "root", "en", no_en.to_string().into_bytes()).await;
    assert_eq!(
        (r.status, r.json()["error"]["details"]["field"].clone()),
        (422, json!("message.en")),
        "{}",
        r.text()
    );
    // Exactly eight hours from Friday 18 at 01:00: accepted.
    let ok = announce(&s.app, "root", "en", window(almaty(12, 18, 1, 0), almaty(12, 18, 9, 0))).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    let id = ok.json()["id"].as_i64().unwrap();
    // Overlapping it: refused (409); touching its end: accepted.
    let r = announce(&s.app, "root", "en", window(almaty(12, 18, 8, 0), almaty(12, 18, 10, 0))).await;
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (409, json!("maintenance_overlap")),
        "{}",
        r.text()
    );
    assert_eq!(r.json()["error"]["details"]["window"], id);
    let r = announce(&s.app, "root", "en", window(almaty(12, 18, 9, 0), almaty(12, 18, 10, 0))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Only a system administrator announces or lists.
    let r = announce(&s.app, "ed", "en", window(almaty(12, 21, 1, 0), almaty(12, 21, 2, 0))).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let anon = call(
        &s.app,
        "POST",
        "/api/admin/maintenance",
        &[json_ct()],
        window(almaty(12, 21, 1, 0), almaty(12, 21, 2, 0)),
    )
    .await;
    assert_eq!(anon.status, 401);
    assert_eq!(call(&s.app, "GET", "/api/admin/maintenance", &[basic("ed")], vec![]).await.status, 403);
    let list = call(&s.app, "GET", "/api/admin/maintenance", &[basic("root")], vec![]).await;
    assert_eq!(list.json()["windows"].as_array().unwrap().len(), 2, "{}", list.text());

    // Anyone reads the windows to come, the message in their language.
    let public = call(&s.app, "GET", "/api/maintenance?lang=kk", &[], vec![]).await;
    assert_eq!(public.status, 200, "{}", public.text());
    let p = public.json();
    assert_eq!(p["read_only"], false);
    assert_eq!(p["windows"].as_array().unwrap().len(), 2);
    assert_eq!(p["windows"][0]["id"], id);
    assert_eq!(p["windows"][0]["text"], "Дерекқор жаңартылады");
    assert_eq!(p["windows"][0]["message"]["en"], "Database upgrade");

    assert_eq!(events(&db, "maintenance announce", "ok").await, 2);
    assert!(events(&db, "maintenance announce", "refused").await >= 4);
}

#[tokio::test]
async fn during_a_window_writes_wait_and_reads_and_sign_in_work() {
    let db = test_db().await;
    let s = server(&db, almaty(12, 11, 9, 0)).await;
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "ed", &["editor"], None, None).await;
    assert_eq!(write(&s.app, "en", "before").await.status, 201);
    let r = announce(&s.app, "root", "en", window(almaty(12, 18, 1, 0), almaty(12, 18, 9, 0))).await;
    assert_eq!(r.status, 201, "{}", r.text());

    // Friday 18 at 02:00: seven hours left.
    s.set(almaty(12, 18, 2, 0));
    let refused = write(&s.app, "kk", "during").await;
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert_eq!(refused.header("retry-after"), "25200");
    let e = &refused.json()["error"];
    assert_eq!(e["code"], "maintenance_read_only");
    assert!(e["message"].as_str().unwrap().starts_with("Жоспарлы техникалық жұмыстар жүріп жатыр"), "{e}");
    assert!(e["message"].as_str().unwrap().contains("2026-12-18 09:00 (Asia/Almaty)"), "{e}");
    assert_eq!(e["details"]["message"], "Дерекқор жаңартылады");
    let ru = write(&s.app, "ru", "during").await;
    assert!(ru.json()["error"]["message"].as_str().unwrap().starts_with("Идут плановые технические работы"));
    // Deleting and applications' actions wait too; an application write is refused before its
    // own checks.
    let del = call(&s.app, "DELETE", "/ogc/collections/places/items/1", &[basic("ed")], vec![]).await;
    assert_eq!(del.status, 503);
    let app_write =
        call(&s.app, "POST", "/api/applications", &[basic("ed"), json_ct()], b"{}".to_vec()).await;
    assert_eq!(app_write.status, 503);

    // Reads, health and signing in keep working; everyone sees the server is read-only.
    let items = call(&s.app, "GET", "/ogc/collections/places/items", &[], vec![]).await;
    assert_eq!(items.status, 200);
    assert_eq!(items.json()["features"].as_array().unwrap().len(), 1);
    assert_eq!(call(&s.app, "GET", "/healthz", &[], vec![]).await.status, 200);
    let login = json!({"login": "ed", "password": "ed-password"}).to_string().into_bytes();
    let r = call(&s.app, "POST", "/api/auth/login", &[json_ct()], login).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let public = call(&s.app, "GET", "/api/maintenance", &[], vec![]).await.json();
    assert_eq!(public["read_only"], true);
    assert_eq!(public["current"]["current"], true);

    // At its end, writes are taken again.
    s.set(almaty(12, 18, 9, 0));
    let after = write(&s.app, "en", "after").await;
    assert_eq!(after.status, 201, "{}", after.text());

    // A second window, ended early by the admin: writes are taken at once.
    let r = announce(&s.app, "root", "en", window(almaty(12, 24, 2, 0), almaty(12, 24, 4, 0))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_i64().unwrap();
    s.set(almaty(12, 24, 2, 30));
    assert_eq!(write(&s.app, "en", "blocked").await.status, 503);
    let end = call(&s.app, "DELETE", &format!("/api/admin/maintenance/{id}"), &[basic("root")], vec![]).await;
    assert_eq!(end.status, 204, "{}", end.text());
    assert_eq!(write(&s.app, "en", "early").await.status, 201);
    let again =
        call(&s.app, "DELETE", &format!("/api/admin/maintenance/{id}"), &[basic("root")], vec![]).await;
    assert_eq!((again.status, again.json()["error"]["code"].clone()), (404, json!("maintenance_not_found")));
    assert_eq!(events(&db, "maintenance cancel", "ok").await, 1);
}

#[tokio::test]
async fn another_servers_schedule_is_reloaded_by_notify() {
    let db = test_db().await;
    let s = server(&db, almaty(12, 11, 9, 0)).await;
    user(&db, "root", &["admin"], None, None).await;
    // A second server's schedule that would keep what it read for an hour.
    let other = qala::maintenance::Schedule::new(db.pool.clone(), Duration::from_secs(3600));
    let listener = qala::maintenance::listen(db.pool.clone(), other.clone()).await.unwrap();
    let now = s.state.apps.now();
    assert!(other.windows(now).await.is_empty());
    let r = announce(&s.app, "root", "en", window(almaty(12, 18, 1, 0), almaty(12, 18, 9, 0))).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if other.windows(now).await.len() == 1 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the other server never saw the window");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(other.current(almaty(12, 18, 3, 0)).await.is_some());
    listener.abort();
}

/// Runs `web/tests/maintenance.mjs` against `url` expecting `phase`; panics with its output.
async fn browser(url: &str, phase: &str) {
    let artifacts = common::repo().join("target/artifacts/maintenance");
    std::fs::create_dir_all(&artifacts).unwrap();
    common::procs::browser_script(
        "maintenance.mjs",
        &[
            ("QALA_URL", url.to_string()),
            ("QALA_ARTIFACTS", artifacts.display().to_string()),
            ("QALA_EXPECT", phase.to_string()),
        ],
        Duration::from_secs(300),
    )
    .await;
}

/// A window from `from` to `to` straight into the table (the browser test runs on the real clock,
/// where a window announced through the API could not start for three working days), and the
/// notification the admin route sends.
async fn insert_window(db: &TestDb, from: DateTime<Utc>, to: DateTime<Utc>) {
    sqlx::query(
        "INSERT INTO maintenance_windows (starts_at, ends_at, message_kk, message_ru, message_en, announced_at, announced_by)
         VALUES ($1, $2, 'Дерекқор жаңартылады', 'Обновление базы данных', 'Database upgrade', now(), 'root')",
    )
    .bind(from)
    .bind(to)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query("SELECT pg_notify('qala_maintenance', '')").execute(&db.pool).await.unwrap();
}

#[tokio::test]
async fn the_web_map_and_the_applications_show_the_banner_and_admins_announce() {
    let db = test_db().await;
    user(&db, "root", &["admin"], None, None).await;
    let data = tempfile::tempdir().unwrap();
    let now = Utc::now();
    insert_window(&db, now + TimeDelta::days(10), now + TimeDelta::days(10) + TimeDelta::hours(2)).await;
    let (_server, url) = common::procs::qala_serve(&db.url, data.path(), &[]);
    browser(&url, "upcoming").await;
    insert_window(&db, now - TimeDelta::hours(1), now + TimeDelta::hours(1)).await;
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let r = client.get(format!("{url}/api/maintenance")).send().await.unwrap().text().await.unwrap();
        if serde_json::from_str::<serde_json::Value>(&r).unwrap()["read_only"] == true {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the server never saw the window under way: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    browser(&url, "read-only").await;
}
