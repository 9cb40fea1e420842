//! Deadline alerts at 50, 80 and 100% of a stage's term, in Kazakh working days on an injected
//! clock: sent once per threshold to the stage's executor and its organisation's managers, from
//! their contacts, and only the highest when a pass finds several crossed. Then the stage is left,
//! and analytics' time per stage counts its working time on the same clock.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{test_db, user};
use qala::applications::calendar::Calendar;
use qala::applications::lifecycle::actions::{Request, act};
use qala::applications::lifecycle::{Ctx, drafts};
use qala::applications::registry::Registry;
use qala::applications::service::values::FileRef;
use qala::i18n::Lang;
use qala::layers::Catalog;
use qala::notify::worker::ManualClock;
use qala::policy::Caller;
use serde_json::{Value, json};

fn staff(login: &str, roles: &[&str], org: &str) -> Caller {
    let Caller::User(mut p) = Caller::user(login, roles) else { unreachable!() };
    p.org = Some(org.into());
    Caller::User(p)
}

fn file(id: &str) -> FileRef {
    FileRef { id: id.repeat(64 / id.len()), name: "d.pdf".into(), size: 10, media_type: None }
}

#[tokio::test]
async fn alerts_fire_once_per_threshold_to_the_executor_and_managers() {
    let db = test_db().await;
    let service = qala::applications::service::load_dir(&common::repo().join("services"))
        .unwrap()
        .into_iter()
        .find(|s| s.id == "network_connection")
        .unwrap();
    qala::applications::sync::sync(&db.pool, std::slice::from_ref(&service)).await.unwrap();
    let calendar = Calendar::load_dir(&common::open_data().join("calendar")).unwrap();
    // Monday 2 March 2026, 09:00 in Almaty.
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 4, 0, 0).unwrap()));
    let registry = Registry::new(vec![service], calendar).with_clock(clock.clone());
    user(&db, "aigerim", &["applicant"], None, None).await;
    user(&db, "intake", &["reviewer"], Some("almaty-akimat"), None).await;
    user(&db, "head", &["org_admin"], Some("almaty-akimat"), None).await;
    user(&db, "intake2", &["reviewer"], Some("almaty-akimat"), None).await;
    user(&db, "other", &["org_admin"], Some("almaty-su"), None).await;
    sqlx::raw_sql(
        "UPDATE users SET email = 'intake@akimat.kz' WHERE login = 'intake';
         UPDATE users SET email = 'intake2@akimat.kz' WHERE login = 'intake2';
         UPDATE users SET phone = '+77010000001', lang = 'kk' WHERE login = 'head';
         UPDATE users SET email = 'other@su.kz' WHERE login = 'other';",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let catalog = Catalog::new(vec![]);
    let cx = |now| Ctx {
        pool: &db.pool,
        registry: &registry,
        catalog: &catalog,
        public_url: "https://gis.example",
        now,
    };
    let applicant = Caller::user("aigerim", &["applicant"]);
    let d = qala::applications::service::ids::check_digit(b"90010112345").unwrap();
    let form = json!({
        "applicant_kind": "person", "iin": format!("90010112345{d}"), "full_name": "Айгерим", "phone": "+77011234567",
        "address": "Алматы", "cadastral_number": "20:311:011:123", "object_kind": "house", "floors": 2,
        "water_demand": 1, "power_demand": 10, "needs_sewerage": false
    });
    let input: drafts::NewDraftInput = serde_json::from_value(json!({
        "service": "network_connection", "form": form, "geometry": {"type": "Point", "coordinates": [76.9, 43.25]}
    }))
    .unwrap();
    let now = registry.now();
    let id = drafts::create(&cx(now), &applicant, Lang::Ru, input).await.unwrap();
    drafts::add_document(&cx(now), &applicant, id, 1, "title_deed", file("a"), false).await.unwrap();
    drafts::add_document(&cx(now), &applicant, id, 2, "site_plan", file("b"), false).await.unwrap();
    act(&cx(now), &applicant, id, 3, Request::Submit).await.unwrap();
    act(
        &cx(now),
        &staff("intake", &["reviewer"], "almaty-akimat"),
        id,
        4,
        Request::Claim { stage: "intake".into() },
    )
    .await
    .unwrap();

    let pass = || async {
        qala::applications::alerts::run_once(&db.pool, &registry, "https://gis.example", registry.now())
            .await
            .unwrap()
    };
    let alerts = || async {
        sqlx::query_as::<_, (String, String, String, Value)>(
            "SELECT channel, recipient, lang, data FROM notification_outbox WHERE event = 'application.deadline_alert' ORDER BY id",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap()
    };
    assert_eq!(pass().await, 0, "nothing is due yet");
    // A manager gives the stage to someone else: the assignee is told.
    act(
        &cx(now),
        &staff("head", &["org_admin"], "almaty-akimat"),
        id,
        5,
        Request::Assign { stage: "intake".into(), to: "intake2".into() },
    )
    .await
    .unwrap();
    let assigned: Vec<(String, Value)> = sqlx::query_as(
        "SELECT recipient, data FROM notification_outbox WHERE event = 'application.assigned'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(assigned.len(), 1);
    assert_eq!(assigned[0].0, "intake2@akimat.kz");
    assert_eq!(assigned[0].1["stage"]["title"], "Приём заявки");
    act(
        &cx(now),
        &staff("head", &["org_admin"], "almaty-akimat"),
        id,
        6,
        Request::Assign { stage: "intake".into(), to: "intake".into() },
    )
    .await
    .unwrap();
    // Intake has 1 working day: Monday is the registration day, Tuesday the term. Tuesday 13:00
    // in Almaty is past half of it.
    clock.advance(Duration::from_secs(28 * 3600));
    assert_eq!(pass().await, 2);
    let got = alerts().await;
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].0.as_str(), got[0].1.as_str(), got[0].2.as_str()),
        ("email", "intake@akimat.kz", "ru")
    );
    assert_eq!((got[1].0.as_str(), got[1].1.as_str(), got[1].2.as_str()), ("sms", "+77010000001", "kk"));
    assert_eq!(got[0].3["percent"], 50);
    assert_eq!(got[0].3["executor"]["name"], "intake");
    assert!(!got.iter().any(|g| g.1 == "other@su.kz"), "managers of other organisations are not told");
    assert_eq!(pass().await, 0, "each threshold once");
    // Past the deadline (Wednesday 01:00): 80 and 100 are crossed at once, only 100 is sent.
    clock.advance(Duration::from_secs(12 * 3600));
    assert_eq!(pass().await, 2);
    let got = alerts().await;
    assert_eq!(got[2].3["percent"], 100);
    let recorded: Vec<i16> = sqlx::query_scalar(
        "SELECT percent FROM application_alerts WHERE application_id = $1 ORDER BY percent",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(recorded, vec![50, 80, 100]);

    // Intake forwards on Wednesday 01:00: 15 hours of Monday, all of Tuesday and one hour of
    // Wednesday, 40 working hours, are its time; the two utilities' branches start.
    let intake = staff("intake", &["reviewer"], "almaty-akimat");
    act(
        &cx(registry.now()),
        &intake,
        id,
        7,
        Request::Forward { stage: "intake".into(), to: None, values: Default::default() },
    )
    .await
    .unwrap();
    let scope = qala::applications::monitoring::TableScope::All;
    let summary =
        qala::applications::analytics::summary(&db.pool, &scope, None, None, registry.now()).await.unwrap();
    let row = |stage: &str| summary.time_per_stage.iter().find(|t| t.stage == stage).unwrap().clone();
    let intake_time = row("intake");
    assert_eq!((intake_time.done, intake_time.open), (1, 0));
    assert_eq!(intake_time.median_days, Some(1.67));
    assert_eq!((row("water").done, row("water").open, row("water").median_days), (0, 1, None));
    assert_eq!((row("power").done, row("power").open), (0, 1));
    let visits: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT stage, executor FROM application_stage_visits WHERE application_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        visits,
        [
            ("intake".to_string(), Some("intake".to_string())),
            ("water".to_string(), None),
            ("power".to_string(), None)
        ]
    );
}
