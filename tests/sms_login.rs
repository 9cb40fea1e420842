//! Sign-in by IIN with an SMS code, end to end against the real SMS gateway simulator and the
//! state systems' simulator (БМГ for the phone, ГБД ФЛ for the name): the code read from the
//! gateway's messages, the session it opens, wrong codes, expiry and single use on an injected
//! clock, the limits per IIN, phone and address, an IIN without a phone, a blocked account, and a
//! state system that does not answer (503 with its message in ru and kk).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::procs::{Simulator, StateSim, sms_simulator, state_simulator};
use common::{Resp, TestDb, call_from, test_db};
use qala::adapters::journal::CallJournal;
use qala::adapters::{Adapters, CallPolicy};
use qala::auth::limits::{AuthClock, AuthLimits};
use qala::auth::sms_login::SmsSettings;
use qala::auth::{AuthService, store};
use qala::http::AppState;
use serde_json::{Value, json};

const DEMO_IIN: &str = "900515301234";
const NO_PHONE_IIN: &str = "850720400017";

struct Env {
    db: TestDb,
    app: axum::Router,
    clock: AuthClock,
    sms: Simulator,
    sim: StateSim,
}

async fn env(settings: SmsSettings) -> Env {
    let db = test_db().await;
    let sms = sms_simulator();
    let sim = state_simulator();
    let clock = AuthClock::manual();
    let policy = CallPolicy { timeout: Duration::from_secs(2), read_attempts: 1, ..Default::default() };
    let adapters =
        Adapters::new(&sim.settings(Some(&sms.gateway_url()), policy), clock.clone(), CallJournal::memory());
    let state = AppState::new(db.pool.clone(), qala::layers::Catalog::new(vec![]))
        .with_auth(AuthService::with_limits(db.pool.clone(), AuthLimits::default(), clock.clone()))
        .with_adapters(adapters)
        .with_sms_login(settings);
    Env { app: qala::http::app(state), db, clock, sms, sim }
}

impl Env {
    async fn post(&self, ip: &str, lang: &str, path: &str, body: Value) -> Resp {
        let h = [("content-type", "application/json".to_string()), ("accept-language", lang.to_string())];
        call_from(&self.app, Some(ip), "POST", path, &h, body.to_string().into_bytes()).await
    }
    async fn start(&self, ip: &str, iin: &str) -> Resp {
        self.post(ip, "ru", "/api/auth/sms/start", json!({"iin": iin})).await
    }
    async fn verify(&self, ip: &str, iin: &str, code: &str) -> Resp {
        self.post(ip, "ru", "/api/auth/sms/verify", json!({"iin": iin, "code": code})).await
    }
    /// The code of the latest SMS to `phone`, and that SMS's text.
    async fn last_code(&self, phone: &str) -> (String, String) {
        let got = self.sms.received().await;
        let m = got["messages"].as_array().unwrap().iter().rev().find(|m| m["to"] == phone).unwrap().clone();
        let text = m["text"].as_str().unwrap().to_string();
        let code: String = text.split(|c: char| !c.is_ascii_digit()).find(|w| w.len() == 6).unwrap().into();
        (code, text)
    }
    async fn messages(&self) -> usize {
        self.sms.received().await["messages"].as_array().unwrap().len()
    }
}

fn code_of(r: &Resp) -> String {
    r.json()["error"]["code"].as_str().unwrap_or_default().to_string()
}

fn other(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

#[tokio::test]
async fn a_code_by_sms_opens_a_session_and_makes_the_account() {
    let e = env(SmsSettings::default()).await;
    let r = e.start("10.0.0.1", DEMO_IIN).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"phone_hint": "+7 7** *** 00 01", "expires_in": 300, "resend_in": 60}));
    let (code, text) = e.last_code("+77010000001").await;
    assert!(text.contains("код входа"), "Russian text: {text}");

    let r = e.verify("10.0.0.1", DEMO_IIN, &code).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let me = r.json();
    assert_eq!(me["login"], DEMO_IIN);
    assert_eq!(me["full_name"], "Сейткали Арман Нурланович", "the name from ГБД ФЛ");
    assert_eq!(me["roles"], json!(["applicant"]));
    let cookie = r.header("set-cookie").split(';').next().unwrap().to_string();
    let me = call_from(&e.app, Some("10.0.0.1"), "GET", "/api/auth/me", &[("cookie", cookie)], vec![]).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["login"], DEMO_IIN);
    assert!(me.json()["csrf"].is_string());

    // Single use.
    let r = e.verify("10.0.0.1", DEMO_IIN, &code).await;
    assert_eq!((r.status, code_of(&r)), (401, "sms_code_expired".into()));

    // The next sign-in finds the same account; the SMS in Kazakh and English.
    e.clock.advance(Duration::from_secs(61));
    let r = e.post("10.0.0.1", "kk", "/api/auth/sms/start", json!({"iin": DEMO_IIN})).await;
    assert_eq!(r.status, 200);
    let (code, text) = e.last_code("+77010000001").await;
    assert!(text.contains("кіру коды"), "{text}");
    let r = e.verify("10.0.0.1", DEMO_IIN, &code).await;
    assert_eq!(r.status, 200);
    e.clock.advance(Duration::from_secs(61));
    assert_eq!(e.post("10.0.0.1", "en", "/api/auth/sms/start", json!({"iin": DEMO_IIN})).await.status, 200);
    assert!(e.last_code("+77010000001").await.1.contains("sign-in code"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE iin = $1")
        .bind(DEMO_IIN)
        .fetch_one(&e.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Codes are stored only hashed; the journal has the IIN masked and never the code.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT code_sha256 FROM sms_login_codes").fetch_all(&e.db.pool).await.unwrap();
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&code)));
    let events: Vec<String> =
        sqlx::query_scalar("SELECT concat_ws(' ', kind, actor, target, detail::text) FROM events WHERE kind IN ('sms_login', 'login')")
            .fetch_all(&e.db.pool)
            .await
            .unwrap();
    assert!(events.len() >= 6);
    let sms_events: Vec<&String> = events.iter().filter(|t| t.starts_with("sms_login")).collect();
    assert!(
        sms_events.iter().all(|t| !t.contains(DEMO_IIN) && t.contains("9005******34") && !t.contains(&code)),
        "{sms_events:?}"
    );
    assert!(events.iter().all(|t| !t.contains("7010000001")), "no phone in the journal");
}

#[tokio::test]
async fn wrong_codes_count_and_kill_the_code_expiry_follows_the_clock() {
    let e = env(SmsSettings::default()).await;
    assert_eq!(e.start("10.0.0.2", DEMO_IIN).await.status, 200);
    let (code, _) = e.last_code("+77010000001").await;
    for left in (0..5).rev() {
        let r = e.verify("10.0.0.2", DEMO_IIN, &other(&code)).await;
        assert_eq!((r.status, code_of(&r)), (401, "sms_code_wrong".into()));
        assert_eq!(r.json()["error"]["details"]["attempts_left"], left);
    }
    let r = e.verify("10.0.0.2", DEMO_IIN, &code).await;
    assert_eq!((r.status, code_of(&r)), (401, "sms_code_expired".into()), "dead after five wrong tries");

    // A new code, five minutes: valid at 299 s, not at 300 s.
    e.clock.advance(Duration::from_secs(60));
    assert_eq!(e.start("10.0.0.2", DEMO_IIN).await.status, 200);
    let (code, _) = e.last_code("+77010000001").await;
    e.clock.advance(Duration::from_secs(300));
    let r = e.verify("10.0.0.2", DEMO_IIN, &code).await;
    assert_eq!((r.status, code_of(&r)), (401, "sms_code_expired".into()));

    // A newer code kills the older one.
    assert_eq!(e.start("10.0.0.2", DEMO_IIN).await.status, 200);
    let (first, _) = e.last_code("+77010000001").await;
    e.clock.advance(Duration::from_secs(60));
    assert_eq!(e.start("10.0.0.2", DEMO_IIN).await.status, 200);
    let (second, _) = e.last_code("+77010000001").await;
    if first != second {
        let r = e.verify("10.0.0.2", DEMO_IIN, &first).await;
        assert_eq!(r.status, 401);
    }
    e.clock.advance(Duration::from_secs(299));
    assert_eq!(e.verify("10.0.0.2", DEMO_IIN, &second).await.status, 200);

    // Bad input.
    let r = e.verify("10.0.0.2", DEMO_IIN, "12ab56").await;
    assert_eq!((r.status, code_of(&r)), (422, "sms_code_format".into()));
    let r = e.verify("10.0.0.2", "900515301235", "123456").await;
    assert_eq!((r.status, code_of(&r)), (422, "invalid_iin".into()));
}

#[tokio::test]
async fn limits_per_iin_phone_and_address() {
    let e = env(SmsSettings { per_address: 3, ..Default::default() }).await;
    // A resend waits a minute.
    assert_eq!(e.start("10.0.0.3", DEMO_IIN).await.status, 200);
    let r = e.start("10.0.0.3", DEMO_IIN).await;
    assert_eq!((r.status, code_of(&r)), (429, "sms_resend_too_soon".into()));
    assert_eq!(r.header("retry-after"), "60");
    e.clock.advance(Duration::from_secs(59));
    assert_eq!(e.start("10.0.0.4", DEMO_IIN).await.status, 429);
    // Five codes an hour per IIN.
    for i in 0..4 {
        e.clock.advance(Duration::from_secs(61));
        let r = e.start(&format!("10.0.1.{i}"), DEMO_IIN).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    e.clock.advance(Duration::from_secs(61));
    let r = e.start("10.0.1.9", DEMO_IIN).await;
    assert_eq!((r.status, code_of(&r)), (429, "sms_too_many".into()));
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!(wait > 3000 && wait <= 3600, "{wait}");
    assert_eq!(e.messages().await, 5);
    e.clock.advance(Duration::from_secs(wait));
    assert_eq!(e.start("10.0.1.8", DEMO_IIN).await.status, 200, "the hour has passed");

    // Three codes an hour per address, whatever the IIN.
    let people = e.sim.listing().await;
    let with_phone: Vec<String> = people["people"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["has_phone"] == true && p["iin"] != DEMO_IIN && p["iin"] != "123456789011")
        .map(|p| p["iin"].as_str().unwrap().to_string())
        .take(4)
        .collect();
    for iin in &with_phone[..3] {
        assert_eq!(e.start("10.9.9.9", iin).await.status, 200);
    }
    let r = e.start("10.9.9.9", &with_phone[3]).await;
    assert_eq!((r.status, code_of(&r)), (429, "sms_too_many".into()));
    assert_eq!(e.start("10.9.9.8", &with_phone[3]).await.status, 200, "another address");
}

#[tokio::test]
async fn limits_per_phone() {
    // The phone's limit below the IIN's: the phone's is the one that refuses.
    let e = env(SmsSettings { per_phone: 2, per_iin: 10, ..Default::default() }).await;
    for _ in 0..2 {
        assert_eq!(e.start("10.0.2.1", DEMO_IIN).await.status, 200);
        e.clock.advance(Duration::from_secs(61));
    }
    let r = e.start("10.0.2.2", DEMO_IIN).await;
    assert_eq!((r.status, code_of(&r)), (429, "sms_too_many".into()));
    assert_eq!(e.messages().await, 2);
}

#[tokio::test]
async fn no_phone_invalid_iin_blocked_account_and_systems_down() {
    let e = env(SmsSettings::default()).await;
    let r = e.start("10.0.3.1", NO_PHONE_IIN).await;
    assert_eq!((r.status, code_of(&r)), (404, "sms_no_phone".into()));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("не зарегистрирован телефон"));
    for bad in ["123456789011", "90051530123", "90051530123x", ""] {
        let r = e.start("10.0.3.1", bad).await;
        assert_eq!((r.status, code_of(&r)), (422, "invalid_iin".into()), "{bad}");
    }
    let r = e.post("10.0.3.1", "ru", "/api/auth/sms/start", json!({"iin": DEMO_IIN, "x": 1})).await;
    assert_eq!(r.status / 100, 4);

    // БМГ down: 503 with its message in the caller's language; no SMS, nothing counted.
    e.sim.control("bmg", 10, 0, 0).await;
    let r = e.start("10.0.3.1", DEMO_IIN).await;
    assert_eq!((r.status, code_of(&r)), (503, "state_system_unavailable".into()));
    assert_eq!(r.json()["error"]["message"], "База мобильных граждан (БМГ) не отвечает, попробуйте позже");
    assert_eq!(r.json()["error"]["details"]["system"], "bmg");
    assert!(!r.header("retry-after").is_empty());
    let r = e.post("10.0.3.1", "kk", "/api/auth/sms/start", json!({"iin": DEMO_IIN})).await;
    assert_eq!(r.status, 503);
    assert_eq!(
        r.json()["error"]["message"],
        "Мобильді азаматтар базасы (БМГ) жауап бермейді, кейінірек қайталаңыз"
    );
    e.sim.control("bmg", 0, 0, 0).await;

    // The gateway down: 503, and the unsent code neither counts nor verifies.
    e.sms.control(1, 0).await;
    let r = e.start("10.0.3.1", DEMO_IIN).await;
    assert_eq!((r.status, code_of(&r)), (503, "state_system_unavailable".into()));
    assert_eq!(r.json()["error"]["details"]["system"], "sms");
    let r = e.start("10.0.3.1", DEMO_IIN).await;
    assert_eq!(r.status, 200, "no resend wait after a code that was not sent: {}", r.text());

    // ГБД ФЛ down: the account is made without a name.
    e.sim.control("fl", 5, 0, 0).await;
    let (code, _) = e.last_code("+77010000001").await;
    let r = e.verify("10.0.3.1", DEMO_IIN, &code).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["full_name"], "");

    // A blocked account is refused after a right code.
    store::set_status(&e.db.pool, DEMO_IIN, "blocked").await.unwrap();
    e.clock.advance(Duration::from_secs(61));
    assert_eq!(e.start("10.0.3.1", DEMO_IIN).await.status, 200);
    let (code, _) = e.last_code("+77010000001").await;
    let r = e.verify("10.0.3.1", DEMO_IIN, &code).await;
    assert_eq!((r.status, code_of(&r)), (403, "account_blocked".into()));
    assert!(r.header("set-cookie").is_empty());
}
