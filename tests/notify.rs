//! Notifications (NOT-1) end to end: the outbox written in the action's transaction, the worker
//! against a real SMTP server (`qala-smtp-sink`, a separate process) and the SMS gateway simulator
//! (`qala-sms-simulator`, a separate process), retries with backoff on an injected clock, the
//! channel alert, and a `qala serve` killed with SIGKILL while it holds a notification.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::procs::{Proc, sms_simulator, smtp_sink};
use common::{TestDb, test_db};
use qala::i18n::Lang;
use qala::notify::send::{EmailSender, SmsGateway};
use qala::notify::templates::Templates;
use qala::notify::worker::{ManualClock, Senders, Worker, WorkerSettings};
use qala::notify::{Channel, NewNotification, enqueue};
use serde_json::{Value, json};

fn templates() -> Arc<Templates> {
    Arc::new(Templates::load_dir(&common::repo().join("notifications")).unwrap())
}

/// The worker's clock, a little ahead of the database's, so rows enqueued now are due.
fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(chrono::Utc::now() + chrono::Duration::seconds(5)))
}

fn settings() -> WorkerSettings {
    WorkerSettings {
        lease: Duration::from_secs(60),
        max_attempts: 4,
        backoff_base: Duration::from_secs(30),
        alert_after: 3,
        ..Default::default()
    }
}

fn worker(db: &TestDb, senders: Senders, clock: &Arc<ManualClock>) -> Worker {
    Worker::new(db.pool.clone(), templates(), senders, settings(), clock.clone())
}

fn data() -> Value {
    json!({
        "application": {"number": "ALM-2026-000042", "url": "http://qala.test/a/42"},
        "service.title": "Су құбыры желісіне қосылу",
        "recipient.name": "Айгүл Серікқызы",
        "comment": "Учаскенің жоспары жоқ",
        "fields": ["site_plan"],
        "due.date": "2026-12-15",
    })
}

async fn put(db: &TestDb, event: &str, channel: Channel, to: &str, lang: Lang, subject: i64) -> i64 {
    let data = data();
    let mut tx = db.pool.begin().await.unwrap();
    let n = NewNotification {
        subject_kind: "application",
        subject_id: Some(subject),
        event,
        channel,
        recipient: to,
        lang,
        data: &data,
    };
    let id = enqueue(&mut tx, &n).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`) of a header value.
fn decode_header(v: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut after_encoded = false;
    for word in v.split_whitespace() {
        let lower = word.to_ascii_lowercase();
        if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
            // Space between two encoded words is not part of the text; after a plain word it is.
            if !out.is_empty() && !after_encoded {
                out.push(' ');
            }
            let b = base64::engine::general_purpose::STANDARD.decode(&word[10..word.len() - 2]).unwrap();
            out.push_str(&String::from_utf8(b).unwrap());
            after_encoded = true;
        } else {
            after_encoded = false;
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
    }
    out
}

/// A header of a stored message (unfolded, decoded) and its body.
fn header(msg: &str, name: &str) -> Option<String> {
    let head = msg.split("\r\n\r\n").next().unwrap().replace("\r\n ", " ").replace("\r\n\t", " ");
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| decode_header(v.trim()))
    })
}

/// The body as text (decoded when sent as base64).
fn body(msg: &str) -> String {
    use base64::Engine;
    let raw = msg.split_once("\r\n\r\n").unwrap().1;
    match header(msg, "Content-Transfer-Encoding").as_deref() {
        Some("base64") => {
            let b64: String = raw.split_whitespace().collect();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
        }
        _ => raw.to_string(),
    }
}

async fn outcomes(db: &TestDb, subject: i64) -> Vec<Vec<String>> {
    qala::notify::deliveries(&db.pool, "application", subject)
        .await
        .unwrap()
        .iter()
        .map(|n| n.deliveries.iter().map(|d| d.outcome.clone()).collect())
        .collect()
}

#[tokio::test]
async fn the_outbox_row_exists_exactly_when_the_transaction_commits() {
    let db = test_db().await;
    let data = data();
    let n = NewNotification {
        subject_kind: "application",
        subject_id: Some(1),
        event: "application.submitted",
        channel: Channel::Email,
        recipient: "a@example.kz",
        lang: Lang::Kk,
        data: &data,
    };
    let mut tx = db.pool.begin().await.unwrap();
    enqueue(&mut tx, &n).await.unwrap();
    tx.rollback().await.unwrap();
    let count =
        || sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notification_outbox").fetch_one(&db.pool);
    assert_eq!(count().await.unwrap(), 0, "a rolled-back action leaves no notification");
    let mut tx = db.pool.begin().await.unwrap();
    enqueue(&mut tx, &n).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count().await.unwrap(), 1);
}

#[tokio::test]
async fn email_and_sms_arrive_in_the_recipients_language() {
    let db = test_db().await;
    let sink = smtp_sink();
    let sim = sms_simulator();
    let senders = Senders {
        email: Some(
            EmailSender::new(&sink.url, "Qala <noreply@qala.test>", Duration::from_secs(10)).unwrap(),
        ),
        sms: Some(SmsGateway::new(&sim.gateway_url(), Duration::from_secs(10)).unwrap()),
    };
    let clock = clock();
    let w = worker(&db, senders, &clock);
    let kk = put(&db, "application.returned", Channel::Email, "aigul@example.kz", Lang::Kk, 42).await;
    let ru = put(&db, "application.returned", Channel::Email, "ivan@example.kz", Lang::Ru, 42).await;
    let sms = put(&db, "application.returned", Channel::Sms, "+77011234567", Lang::Ru, 42).await;

    let round = w.run_once().await.unwrap();
    assert_eq!((round.taken, round.sent), (3, 3), "{round:?}");
    assert_eq!(w.run_once().await.unwrap().taken, 0, "nothing is sent twice");

    let mails = sink.messages();
    assert_eq!(mails.len(), 2);
    let to =
        |addr: &str| mails.iter().find(|m| m.contains(&format!("X-Sink-Envelope-To: <{addr}>"))).unwrap();
    let (m_kk, m_ru) = (to("aigul@example.kz"), to("ivan@example.kz"));
    assert_eq!(header(m_kk, "Subject").unwrap(), "Өтінім ALM-2026-000042 түзетуге қайтарылды");
    assert_eq!(header(m_ru, "Subject").unwrap(), "Заявка ALM-2026-000042 возвращена на доработку");
    assert_eq!(header(m_kk, "Message-ID").unwrap(), format!("<qala-notification-{kk}@qala.test>"));
    assert_eq!(header(m_ru, "Message-ID").unwrap(), format!("<qala-notification-{ru}@qala.test>"));
    assert_eq!(header(m_kk, "Content-Language").unwrap(), "kk");
    assert!(body(m_kk).contains("Құрметті Айгүл Серікқызы,"), "{m_kk}");
    assert!(body(m_kk).contains("Себебі: Учаскенің жоспары жоқ"), "{m_kk}");
    assert!(body(m_kk).contains("Түзетілетін өрістер: site_plan"), "{m_kk}");
    assert!(body(m_ru).contains("Причина: Учаскенің жоспары жоқ"), "{m_ru}");
    assert!(body(m_ru).contains("http://qala.test/a/42"), "{m_ru}");

    let got = sim.received().await;
    let list = got["messages"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{got}");
    assert_eq!(list[0]["id"], format!("qala-notification-{sms}"));
    assert_eq!(list[0]["to"], "+77011234567");
    assert_eq!(list[0]["text"], "Заявка ALM-2026-000042 возвращена на доработку: Учаскенің жоспары жоқ");

    // The delivery log of the application says so.
    let log = qala::notify::deliveries(&db.pool, "application", 42).await.unwrap();
    assert_eq!(log.len(), 3);
    for n in &log {
        assert_eq!(n.status, "sent", "{n:?}");
        assert!(n.sent_at.is_some());
        assert_eq!(n.deliveries.len(), 1);
        assert_eq!((n.deliveries[0].attempt, n.deliveries[0].outcome.as_str()), (1, "sent"));
    }
    assert!(qala::notify::deliveries(&db.pool, "application", 43).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failing_gateway_is_retried_with_backoff_then_sent() {
    let db = test_db().await;
    let sim = sms_simulator();
    sim.control(2, 0).await;
    let senders = Senders {
        sms: Some(SmsGateway::new(&sim.gateway_url(), Duration::from_secs(10)).unwrap()),
        email: None,
    };
    let clock = clock();
    let w = worker(&db, senders, &clock);
    let id = put(&db, "application.approved", Channel::Sms, "+77011234567", Lang::Kk, 7).await;

    assert_eq!(w.run_once().await.unwrap().retried, 1);
    // Not due again before its backoff (30 s), due after it.
    clock.advance(Duration::from_secs(29));
    assert_eq!(w.run_once().await.unwrap().taken, 0);
    clock.advance(Duration::from_secs(1));
    assert_eq!(w.run_once().await.unwrap().retried, 1);
    // The second wait is twice the first.
    clock.advance(Duration::from_secs(59));
    assert_eq!(w.run_once().await.unwrap().taken, 0);
    clock.advance(Duration::from_secs(1));
    assert_eq!(w.run_once().await.unwrap().sent, 1);

    assert_eq!(outcomes(&db, 7).await, vec![vec!["failed", "failed", "sent"]]);
    let log = qala::notify::deliveries(&db.pool, "application", 7).await.unwrap();
    assert!(log[0].deliveries[0].detail.as_deref().unwrap().contains("503"), "{log:?}");
    assert_eq!(log[0].attempts, 3);
    let got = sim.received().await;
    assert_eq!(got["requests"], 3);
    assert_eq!(got["messages"][0]["id"], format!("qala-notification-{id}"));
    assert_eq!(got["messages"][0]["text"], "Өтінім ALM-2026-000042 мақұлданды. Құжат: ");
}

#[tokio::test]
async fn a_channel_that_keeps_failing_gives_up_and_raises_the_admins_alert() {
    let db = test_db().await;
    let sim = sms_simulator();
    sim.control(1000, 0).await;
    let senders = Senders {
        sms: Some(SmsGateway::new(&sim.gateway_url(), Duration::from_secs(10)).unwrap()),
        email: None,
    };
    let clock = clock();
    let w = worker(&db, senders, &clock);
    put(&db, "application.refused", Channel::Sms, "+77011234567", Lang::Ru, 9).await;
    let mut rounds = 0;
    loop {
        let r = w.run_once().await.unwrap();
        rounds += 1;
        if r.failed == 1 {
            break;
        }
        assert!(rounds < 10, "gives up after max_attempts");
        clock.advance(Duration::from_secs(3600));
    }
    assert_eq!(outcomes(&db, 9).await, vec![vec!["failed"; 4]], "max_attempts = 4");
    let log = qala::notify::deliveries(&db.pool, "application", 9).await.unwrap();
    assert_eq!(log[0].status, "failed");
    clock.advance(Duration::from_secs(36_000));
    assert_eq!(w.run_once().await.unwrap().taken, 0, "a failed notification is not taken again");

    // The alert: journalled once, and on the admins' health route.
    let journal: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT kind, target FROM events WHERE kind LIKE 'notify.%' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(journal, vec![("notify.channel_failing".to_string(), Some("sms".to_string()))]);
    common::user(&db, "root", &["admin"], None, None).await;
    common::user(&db, "clerk", &["editor"], None, None).await;
    let app = common::app(&db.pool, vec![]);
    let url = "/api/admin/notifications/health";
    let (status, _) = common::get_json(&app, url, &[]).await;
    assert_eq!(status, 401);
    let (k, v) = common::basic("clerk");
    let (status, _) = common::get_json(&app, url, &[(k, &v)]).await;
    assert_eq!(status, 403);
    let (k, v) = common::basic("root");
    let (status, health) = common::get_json(&app, url, &[(k, &v)]).await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["alert"], true);
    let sms = health["channels"].as_array().unwrap().iter().find(|c| c["channel"] == "sms").unwrap();
    assert_eq!(
        (sms["failing"].clone(), sms["consecutive_failures"].clone(), sms["failed"].clone()),
        (json!(true), json!(4), json!(1))
    );
    assert!(sms["last_error"].as_str().unwrap().contains("503"));

    // The next success clears it, and says so in the journal.
    sim.control(0, 0).await;
    put(&db, "application.refused", Channel::Sms, "+77011234567", Lang::Ru, 10).await;
    assert_eq!(w.run_once().await.unwrap().sent, 1);
    let (_, health) = common::get_json(&app, url, &[(k, &v)]).await;
    assert_eq!(health["alert"], false, "{health}");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'notify.channel_recovered'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn two_workers_never_send_one_notification_twice() {
    let db = test_db().await;
    let sim = sms_simulator();
    let gateway = || Senders {
        sms: Some(SmsGateway::new(&sim.gateway_url(), Duration::from_secs(10)).unwrap()),
        email: None,
    };
    let clock = clock();
    let (a, b) = (worker(&db, gateway(), &clock), worker(&db, gateway(), &clock));
    for i in 0..30 {
        put(&db, "application.submitted", Channel::Sms, "+77011234567", Lang::En, 100 + i).await;
    }
    let mut sent = 0;
    loop {
        let (x, y) = tokio::join!(a.run_once(), b.run_once());
        let (x, y) = (x.unwrap(), y.unwrap());
        if x.taken + y.taken == 0 {
            break;
        }
        sent += x.sent + y.sent;
    }
    assert_eq!(sent, 30);
    let got = sim.received().await;
    assert_eq!(got["requests"], 30, "every notification was requested once: {got}");
    assert_eq!(got["messages"].as_array().unwrap().len(), 30);
}

/// `qala serve` on `port` against `db`, with the SMS gateway and a short lease (6 s; a send times
/// out after 3 s).
fn serve(db: &TestDb, dir: &Path, port: u16, gateway: &str, poll_s: &str) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_qala"))
        .args(["--layers-dir", "layers", "serve", "--bind", &format!("127.0.0.1:{port}")])
        .args(["--sms-gateway-url", gateway, "--notify-lease-s", "6", "--notify-poll-s", poll_s])
        .arg("--notify-templates-dir")
        .arg(common::repo().join("notifications"))
        .current_dir(dir)
        .env("DATABASE_URL", &db.url)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    Proc(child)
}

/// Waits (up to 60 s) until `check` holds.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_server_killed_while_sending_sends_once_after_restart() {
    let db = test_db().await;
    let sim = sms_simulator();
    // The gateway stores the first message and never answers: the server holds its lease.
    sim.control(0, 1).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("layers")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    // An hour between polls: only the outbox trigger's NOTIFY wakes this server.
    let first = serve(&db, dir.path(), port, &sim.gateway_url(), "3600");
    until("the server listens", || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok()
    })
    .await;
    let id = put(&db, "application.assigned", Channel::Sms, "+77017654321", Lang::Kk, 5).await;
    until("the gateway has the message", || async { sim.received().await["requests"] == 1 }).await;
    // Killed at once, well before its send times out: the row stays leased.
    let pid = first.0.id().to_string();
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    drop(first);
    let status: String = sqlx::query_scalar("SELECT status FROM notification_outbox WHERE id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(status, "sending");
    let _second = serve(&db, dir.path(), port, &sim.gateway_url(), "30");
    until("the notification is sent", || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM notification_outbox WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap()
            == "sent"
    })
    .await;
    let got = sim.received().await;
    let list = got["messages"].as_array().unwrap();
    assert_eq!(list.len(), 1, "stored once: {got}");
    assert_eq!(list[0]["id"], format!("qala-notification-{id}"));
    assert_eq!(list[0]["deliveries"], 2, "sent again after the lease, deduped by the gateway: {got}");
    assert_eq!(got["requests"], 2);
    let log = qala::notify::deliveries(&db.pool, "application", 5).await.unwrap();
    let attempts: Vec<(i32, &str)> =
        log[0].deliveries.iter().map(|d| (d.attempt, d.outcome.as_str())).collect();
    assert_eq!(attempts, vec![(1, "failed"), (2, "sent")]);
    assert!(log[0].deliveries[0].detail.as_deref().unwrap().contains("lease ran out"));
}
