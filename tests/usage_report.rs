//! The quarterly usage report (RPT-1): known users, sign-ins and changes of the current quarter
//! give the expected counts in the XLSX (read back from its sheet XML) and in the PDF
//! (`pdftotext`); sign-ins of another quarter and failed ones are not counted; only admins get it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Datelike, Duration, Utc};
use common::{basic, call, places_layer, qala, sync_layers, test_db, user};
use qala::reports::Quarter;
use serde_json::json;

/// The rows of sheet `n` (1-based) of an XLSX: cell texts by row and column.
fn sheet(xlsx: &[u8], n: usize) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    let unzip = |member: &str| {
        let out = std::process::Command::new("unzip").arg("-p").arg(&path).arg(member).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let unescape =
        |s: &str| s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&amp;", "&");
    let shared: Vec<String> = unzip("xl/sharedStrings.xml")
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = si.split_once("<t").unwrap().1;
            let t = t.split_once('>').unwrap().1;
            unescape(t.split_once("</t>").unwrap().0)
        })
        .collect();
    let xml = unzip(&format!("xl/worksheets/sheet{n}.xml"));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for c in xml.split("<c ").skip(1) {
        let (attrs, rest) = c.split_once('>').unwrap();
        let r = attrs.split("r=\"").nth(1).unwrap().split('"').next().unwrap();
        let col =
            r.chars().take_while(|c| c.is_ascii_alphabetic()).fold(0, |a, c| a * 26 + (c as usize - 64)) - 1;
        let row: usize =
            r.trim_start_matches(|c: char| c.is_ascii_alphabetic()).parse::<usize>().unwrap() - 1;
        let v = rest
            .split_once("<v>")
            .map(|(_, v)| v.split_once("</v>").unwrap().0.to_string())
            .unwrap_or_default();
        let v = if attrs.contains("t=\"s\"") { shared[v.parse::<usize>().unwrap()].clone() } else { v };
        while rows.len() <= row {
            rows.push(Vec::new());
        }
        while rows[row].len() <= col {
            rows[row].push(String::new());
        }
        rows[row][col] = v;
    }
    rows
}

fn find<'a>(rows: &'a [Vec<String>], first: &str, second: Option<&str>) -> &'a [String] {
    rows.iter()
        .find(|r| {
            r.first().map(String::as_str) == Some(first)
                && second.is_none_or(|s| r.get(1).map(String::as_str) == Some(s))
        })
        .unwrap_or_else(|| panic!("no row {first} {second:?} in {rows:?}"))
}

/// The quarter we are in (Almaty time).
fn this_quarter() -> Quarter {
    let now = Utc::now().with_timezone(&qala::reports::almaty());
    Quarter { year: now.year(), q: (now.month() - 1) / 3 + 1 }
}

#[tokio::test]
async fn the_usage_report_counts_what_happened_in_the_quarter() {
    let db = test_db().await;
    let q = this_quarter();
    sync_layers(&db.pool, &[places_layer(true)]).await;
    let app = common::app(&db.pool, vec![places_layer(true)]);
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "a1", &["editor"], Some("akimat"), Some("arch")).await;
    user(&db, "a2", &["viewer", "editor"], Some("akimat"), Some("arch")).await;
    user(&db, "b1", &["viewer"], Some("utility"), None).await;
    user(&db, "gone", &["viewer"], Some("utility"), None).await;
    sqlx::query("UPDATE users SET status = 'blocked' WHERE login = 'gone'").execute(&db.pool).await.unwrap();

    // Sign-ins through the login route: three that succeed, one that fails.
    let body = |l: &str, p: &str| json!({"login": l, "password": p}).to_string().into_bytes();
    let ct = [("content-type", "application/json".to_string())];
    for (l, p, status) in [
        ("a1", "a1-password", 200),
        ("a1", "a1-password", 200),
        ("b1", "b1-password", 200),
        ("b1", "nope-nope", 401),
    ] {
        assert_eq!(call(&app, "POST", "/api/auth/login", &ct, body(l, p)).await.status, status);
    }
    // EDS and SMS sign-ins in the quarter's first days, and one of the quarter before.
    let start = q.start();
    for (at, login, method) in [
        (start + Duration::hours(30), "a2", "eds"),
        (start + Duration::days(40), "citizen1", "sms"),
        (start - Duration::days(3), "a1", "eds"),
    ] {
        sqlx::query(
            "INSERT INTO events (at, kind, actor, outcome, detail) VALUES ($1, 'login', $2, 'ok', $3)",
        )
        .bind(at)
        .bind(login)
        .bind(json!({"method": method}))
        .execute(&db.pool)
        .await
        .unwrap();
    }
    // Two versions of a service in the quarter, one before.
    for (v, at) in
        [(1, start - Duration::days(10)), (2, start + Duration::days(2)), (3, start + Duration::days(3))]
    {
        sqlx::query(
            "INSERT INTO services (id, version, provider, category, definition, file_sha256, current, synced_at)
             VALUES ('permit', $1, 'akimat', 'land', '{}', repeat('a', 64), false, $2)",
        )
        .bind(v)
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let r = call(
        &app,
        "PATCH",
        "/api/admin/users/b1",
        &[basic("root"), ct[0].clone()],
        json!({"roles": ["viewer", "editor"]}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Only admins get the report.
    let uri = format!("/api/admin/reports/usage?quarter={q}&format=xlsx&lang=en");
    assert_eq!(call(&app, "GET", &uri, &[basic("a1")], vec![]).await.status, 403);
    assert_eq!(call(&app, "GET", &uri, &[], vec![]).await.status, 401);
    let bad = call(&app, "GET", "/api/admin/reports/usage?quarter=2026-Q7", &[basic("root")], vec![]).await;
    assert_eq!((bad.status, bad.json()["error"]["code"].clone()), (400, json!("quarter_invalid")));
    let r = call(&app, "GET", &uri, &[basic("root")], vec![]).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").contains("spreadsheetml"));

    let access = sheet(&r.body, 1);
    let header = find(&access, "Organisation", Some("Department"));
    let col = |role: &str| header.iter().position(|h| h == role).unwrap();
    let arch = find(&access, "akimat", Some("arch"));
    assert_eq!(
        (arch[2].as_str(), arch[col("editor")].as_str(), arch[col("viewer")].as_str()),
        ("2", "2", "1")
    );
    let utility = find(&access, "utility", Some("—"));
    assert_eq!(
        (utility[2].as_str(), utility[col("editor")].as_str()),
        ("1", "1"),
        "the blocked user is left out"
    );
    assert_eq!(find(&access, "Total", None)[2], "4");

    let visits = sheet(&r.body, 2);
    let header = find(&visits, "Month", None);
    let col = |m: &str| header.iter().position(|h| h == m).unwrap();
    let total = find(&visits, &q.to_string(), None);
    assert_eq!(
        (total[col("password")].as_str(), total[col("EDS")].as_str(), total[col("SMS")].as_str()),
        ("3", "1", "1")
    );
    assert_eq!((total[col("Sign-ins")].as_str(), total[col("Distinct users")].as_str()), ("5", "4"));
    let first_month = find(&visits, &q.months()[0], None);
    assert_eq!(first_month[col("EDS")], "1");
    let akimat = visits.iter().rev().find(|r| r.first().map(String::as_str) == Some("akimat")).unwrap();
    assert_eq!((akimat[1].as_str(), akimat[2].as_str()), ("3", "2"));

    let changes = sheet(&r.body, 3);
    assert!(find(&changes, "Layers: 1", None).len() == 1);
    assert!(changes.iter().any(|r| r.get(1).is_some_and(|w| w.starts_with("places"))
        && r.get(2).map(String::as_str) == Some("added")));
    find(&changes, "Services: 2", None);
    assert!(changes.iter().any(|r| r.get(1).map(String::as_str) == Some("permit v2") && r[2] == "changed"));
    assert!(
        changes
            .iter()
            .any(|r| r.get(1).map(String::as_str) == Some("b1") && r[2] == "edit user" && r[3] == "root")
    );
    let journalled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'report' AND actor = 'root'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(journalled, 1);

    // The PDF from the command line, in Kazakh and Russian.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("usage.pdf");
    let run = qala(
        &db,
        &common::repo(),
        &["report", "usage", "--quarter", &q.to_string(), "--format", "pdf", "--out", out.to_str().unwrap()],
    );
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::process::Command::new("pdftotext")
        .args(["-layout", out.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Пайдалану туралы тоқсандық есеп")
            && text.contains("Квартальный отчёт об использовании"),
        "{text}"
    );
    let line = |start: &str| {
        text.lines().find(|l| l.trim_start().starts_with(start)).unwrap_or_else(|| panic!("{start}: {text}"))
    };
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let arch = words(line("akimat"));
    assert_eq!(&arch[..3], ["akimat", "arch", "2"], "{text}");
    let total = words(line(&q.to_string()));
    assert_eq!(&total[1..], ["3", "1", "1", "0", "5", "4"], "{text}");
    assert!(text.contains("permit v2"), "{text}");
}
