//! The state systems' adapters against `qala-state-simulator` (a real process over HTTP and SOAP):
//! each system's operations and the checks of their answers, then failure: timeouts, 5xx,
//! malformed answers, retries of reads only, and the circuit breaker opening, half-opening and
//! closing on an injected clock; the journal hashes its keys.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::procs::{sms_simulator, state_simulator};
use qala::adapters::billing::NewAccount;
use qala::adapters::breaker::CircuitState;
use qala::adapters::journal::CallJournal;
use qala::adapters::{AdapterError, Adapters, CallPolicy, System};
use qala::auth::limits::AuthClock;
use qala::i18n::Lang;

const DEMO_IIN: &str = "900515301234";
const NO_PHONE_IIN: &str = "850720400017";
const DECEASED_IIN: &str = "410302300017";

fn policy() -> CallPolicy {
    CallPolicy {
        timeout: Duration::from_millis(700),
        read_attempts: 3,
        backoff: Duration::from_millis(10),
        breaker_threshold: 50,
        breaker_cooldown: Duration::from_secs(30),
        max_body: 256 * 1024,
    }
}

#[tokio::test]
async fn every_system_answers_through_its_adapter() {
    let sim = state_simulator();
    let a = Adapters::new(&sim.settings(None, policy()), AuthClock::real(), CallJournal::memory());
    let listing = sim.listing().await;

    // ИС АР: search, by id, geocoding both ways.
    let found = a.address.search("Абая", 5).await.unwrap();
    assert_eq!(found.len(), 5);
    assert!(found.iter().all(|x| x.street_ru == "проспект Абая" && x.kato == "751110000"));
    let one = a.address.by_id(&found[2].id).await.unwrap().unwrap();
    assert_eq!(one, found[2]);
    assert!(a.address.by_id("AR-000000000-0000").await.unwrap().is_none());
    let g = a.address.geocode("Достық даңғылы").await.unwrap().unwrap();
    assert_eq!(g.district_kk, "Медеу ауданы");
    let near = a.address.reverse(g.lon + 0.0001, g.lat).await.unwrap().unwrap();
    assert_eq!(near.address.id, g.id);
    assert!(near.distance_m > 0.0 && near.distance_m < 20.0, "{}", near.distance_m);
    assert!(a.address.reverse(71.43, 51.13).await.unwrap().is_none(), "Astana is far from every address");

    // ГБД ФЛ over SOAP: a person, a family, a deceased person, an unknown IIN.
    let p = a.individuals.person(DEMO_IIN).await.unwrap().unwrap();
    assert_eq!(p.full_name(), "Сейткали Арман Нурланович");
    assert_eq!(p.birth_date.to_string(), "1990-05-15");
    assert!(p.alive);
    let family = listing["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["iin"].as_str().unwrap().to_string())
        .find(|iin| iin != DEMO_IIN && iin != "123456789011")
        .unwrap();
    let someone = a.individuals.person(&family).await.unwrap().unwrap();
    for r in &someone.family {
        let rel = a.individuals.person(&r.iin).await.unwrap().unwrap();
        assert!(rel.family.iter().any(|x| x.iin == someone.iin), "family links go both ways");
    }
    let dead = a.individuals.person(DECEASED_IIN).await.unwrap().unwrap();
    assert!(!dead.alive && dead.death_date.is_some());
    assert!(a.individuals.person("000000000000").await.unwrap().is_none());
    let nca = a.individuals.person("123456789011").await.unwrap().unwrap();
    assert_eq!(nca.surname, "ТЕСТОВ");

    // ГБД ЮЛ.
    let bin = listing["entities"][0].as_str().unwrap();
    let e = a.legal.entity(bin).await.unwrap().unwrap();
    assert!(e.name_ru.starts_with("ТОО «") && e.name_kk.ends_with("ЖШС"));
    assert!(qala::applications::service::ids::is_valid_bin(&e.bin));
    assert!(a.individuals.person(&e.head_iin).await.unwrap().is_some(), "the head is a known person");
    assert!(a.legal.entity("000000000000").await.unwrap().is_none());

    // ГБД РН.
    let cad = listing["properties"][0].as_str().unwrap();
    let prop = a.realty.by_cadastral(cad).await.unwrap().unwrap();
    assert_eq!(prop.cadastral, cad);
    let owned = a.realty.by_owner(&prop.owners[0]).await.unwrap();
    assert!(owned.iter().any(|x| x.cadastral == cad));
    assert!(a.realty.by_cadastral("20:311:999:999999").await.unwrap().is_none());

    // БМГ.
    assert_eq!(a.mobile.phone(DEMO_IIN).await.unwrap().as_deref(), Some("+77010000001"));
    assert_eq!(a.mobile.phone(NO_PHONE_IIN).await.unwrap(), None);

    // ALSECO: read, open, close, transfer; a write repeated with its key is applied once.
    let acc = listing["accounts"][0].as_str().unwrap();
    let s = a.billing.subscriber(acc).await.unwrap().unwrap();
    assert_eq!(s.status, "open");
    let new = NewAccount {
        holder: DEMO_IIN.into(),
        address_ru: s.address_ru.clone(),
        services: vec!["gas".into()],
    };
    let opened = a.billing.open("req-1", &new).await.unwrap();
    assert_eq!(a.billing.open("req-1", &new).await.unwrap(), opened, "the same request id, the same account");
    let other = a.billing.open("req-2", &new).await.unwrap();
    assert_ne!(other.account, opened.account);
    let moved = a.billing.transfer("req-3", &opened.account, NO_PHONE_IIN).await.unwrap();
    assert_eq!(moved.holder, NO_PHONE_IIN);
    let closed = a.billing.close("req-4", &opened.account).await.unwrap();
    assert_eq!(closed.status, "closed");
    assert_eq!(a.billing.subscriber(&opened.account).await.unwrap().unwrap().status, "closed");
    let again = a.billing.close("req-5", &opened.account).await.unwrap_err();
    assert!(matches!(again, AdapterError::Refused { status: 409, .. }), "{again:?}");
    assert!(matches!(a.billing.close("req-6", "9999999999").await, Err(AdapterError::Refused { .. })));

    // The journal: one entry per call, keys hashed.
    let journal = a.journal.recent();
    assert!(journal.len() > 20);
    let text = serde_json::to_string(&journal).unwrap();
    assert!(!text.contains(DEMO_IIN) && !text.contains("7010000001"), "no IIN or phone in the journal");
    assert!(journal.iter().any(|r| r.system == System::Fl && r.outcome == "not_found"));
    assert!(journal.iter().any(|r| r.system == System::Alseco && r.outcome == "refused"));
}

#[tokio::test]
async fn the_sms_gateway_through_its_adapter() {
    let sms = sms_simulator();
    let sim = state_simulator();
    let a = Adapters::new(
        &sim.settings(Some(&sms.gateway_url()), policy()),
        AuthClock::real(),
        CallJournal::memory(),
    );
    a.sms.send("t-1", "+77010000001", "Сәлем").await.unwrap();
    let got = sms.received().await;
    assert_eq!(got["messages"][0]["to"], "+77010000001");
    assert_eq!(got["messages"][0]["text"], "Сәлем");
    sms.control(1, 0).await;
    let e = a.sms.send("t-2", "+77010000001", "x").await.unwrap_err();
    assert_eq!(e, AdapterError::Status { system: System::Sms, status: 503 });
    assert_eq!(sms.received().await["requests"], 2, "a send is not retried");
}

#[tokio::test]
async fn reads_are_retried_and_writes_are_not() {
    let sim = state_simulator();
    let a = Adapters::new(&sim.settings(None, policy()), AuthClock::real(), CallJournal::memory());
    // Two 503s, then the answer: the third attempt of a read gets it.
    sim.control("bmg", 2, 0, 0).await;
    assert_eq!(a.mobile.phone(DEMO_IIN).await.unwrap().as_deref(), Some("+77010000001"));
    assert_eq!(sim.requests("bmg").await, 3);
    let last = a.journal.recent().pop().unwrap();
    assert_eq!((last.outcome, last.attempts), ("ok", 3));
    // Three 503s: the read gives up after its three attempts.
    sim.control("bmg", 3, 0, 0).await;
    let e = a.mobile.phone(DEMO_IIN).await.unwrap_err();
    assert_eq!(e, AdapterError::Status { system: System::Bmg, status: 503 });
    assert_eq!(sim.requests("bmg").await, 6);
    // A write is tried once.
    let acc = sim.listing().await["accounts"][1].as_str().unwrap().to_string();
    sim.control("alseco", 1, 0, 0).await;
    let e = a.billing.close("w-1", &acc).await.unwrap_err();
    assert_eq!(e, AdapterError::Status { system: System::Alseco, status: 503 });
    assert_eq!(sim.requests("alseco").await, 1);
    assert_eq!(a.billing.subscriber(&acc).await.unwrap().unwrap().status, "open", "nothing was applied");
    // SOAP: a fault (HTTP 500) is retried as any 5xx.
    sim.control("fl", 1, 0, 0).await;
    assert!(a.individuals.person(DEMO_IIN).await.unwrap().is_some());
    assert_eq!(sim.requests("fl").await, 2);
}

#[tokio::test]
async fn timeouts_and_malformed_answers_are_typed_errors() {
    let sim = state_simulator();
    let p = CallPolicy { timeout: Duration::from_millis(300), read_attempts: 1, ..policy() };
    let a = Adapters::new(&sim.settings(None, p), AuthClock::real(), CallJournal::memory());
    sim.control("ul", 0, 1, 0).await;
    let bin = sim.listing().await["entities"][0].as_str().unwrap().to_string();
    let e = a.legal.entity(&bin).await.unwrap_err();
    assert!(matches!(e, AdapterError::Timeout { system: System::Ul, .. }), "{e:?}");
    assert!(a.legal.entity(&bin).await.unwrap().is_some(), "the next call is answered");

    for (system, code) in [("ar", System::Ar), ("rn", System::Rn), ("bmg", System::Bmg), ("fl", System::Fl)] {
        sim.control(system, 0, 0, 1).await;
        let e = match code {
            System::Ar => a.address.search("Абая", 3).await.map(|_| ()).unwrap_err(),
            System::Rn => a.realty.by_owner(DEMO_IIN).await.map(|_| ()).unwrap_err(),
            System::Bmg => a.mobile.phone(DEMO_IIN).await.map(|_| ()).unwrap_err(),
            _ => a.individuals.person(DEMO_IIN).await.map(|_| ()).unwrap_err(),
        };
        assert!(matches!(&e, AdapterError::Malformed { system: s, .. } if *s == code), "{e:?}");
        // What a user reads: the system does not answer, in their language.
        assert!(e.message(Lang::Ru).contains("не отвечает"));
        assert!(e.message(Lang::Kk).contains("жауап бермейді"));
        assert!(e.message(Lang::En).contains("does not answer"));
    }
    // A malformed answer is not retried (it would be the same).
    let retrying = Adapters::new(&sim.settings(None, policy()), AuthClock::real(), CallJournal::memory());
    let before = sim.requests("bmg").await;
    sim.control("bmg", 0, 0, 1).await;
    assert!(retrying.mobile.phone(DEMO_IIN).await.is_err());
    assert_eq!(sim.requests("bmg").await, before + 1);
    // A system left unconfigured fails the same way, without a request.
    let none = Adapters::default();
    let e = none.mobile.phone(DEMO_IIN).await.unwrap_err();
    assert_eq!(e, AdapterError::NotConfigured { system: System::Bmg });
    assert_eq!(e.message(Lang::Ru), "База мобильных граждан (БМГ) не отвечает, попробуйте позже");
}

#[tokio::test]
async fn the_circuit_opens_half_opens_and_closes_on_the_injected_clock() {
    let sim = state_simulator();
    let clock = AuthClock::manual();
    let p = CallPolicy {
        read_attempts: 1,
        breaker_threshold: 3,
        breaker_cooldown: Duration::from_secs(30),
        ..policy()
    };
    let adapters = Adapters::new(&sim.settings(None, p.clone()), clock.clone(), CallJournal::memory());
    // The breaker is reachable through the concrete client for its state.
    let endpoint = std::sync::Arc::new(qala::adapters::call::Endpoint::new(
        System::Bmg,
        Some(format!("{}/bmg", sim.base)),
        p,
        clock.clone(),
        CallJournal::memory(),
    ));
    let bmg = qala::adapters::mobile::Client(endpoint.clone());
    use qala::adapters::mobile::MobileCitizens;

    sim.control("bmg", 3, 0, 0).await;
    for _ in 0..3 {
        assert!(matches!(bmg.phone(DEMO_IIN).await, Err(AdapterError::Status { status: 503, .. })));
    }
    assert_eq!(endpoint.breaker.state(), CircuitState::Open);
    assert_eq!(sim.requests("bmg").await, 3);
    // Open: refused at once, nothing sent.
    let e = bmg.phone(DEMO_IIN).await.unwrap_err();
    assert_eq!(e, AdapterError::CircuitOpen { system: System::Bmg, retry_after: Duration::from_secs(30) });
    assert_eq!(sim.requests("bmg").await, 3);
    // Other systems and other clients' breakers are not affected.
    assert!(adapters.mobile.phone(DEMO_IIN).await.unwrap().is_some());
    assert_eq!(sim.requests("bmg").await, 4);
    // After the cool-down one trial goes through; it fails: open again.
    clock.advance(Duration::from_secs(30));
    assert_eq!(endpoint.breaker.state(), CircuitState::HalfOpen);
    sim.control("bmg", 1, 0, 0).await;
    assert!(matches!(bmg.phone(DEMO_IIN).await, Err(AdapterError::Status { .. })));
    assert_eq!(endpoint.breaker.state(), CircuitState::Open);
    assert!(matches!(bmg.phone(DEMO_IIN).await, Err(AdapterError::CircuitOpen { .. })));
    assert_eq!(sim.requests("bmg").await, 5);
    // The next trial succeeds: closed.
    clock.advance(Duration::from_secs(30));
    assert_eq!(bmg.phone(DEMO_IIN).await.unwrap().as_deref(), Some("+77010000001"));
    assert_eq!(endpoint.breaker.state(), CircuitState::Closed);
    assert!(bmg.phone(NO_PHONE_IIN).await.unwrap().is_none());
    assert_eq!(sim.requests("bmg").await, 7);
}

#[tokio::test]
async fn calls_are_journalled_in_the_database_with_keyed_hashes() {
    let db = common::test_db().await;
    let sim = state_simulator();
    let journal = CallJournal::database(db.pool.clone(), Some(b"a deployment's secret"));
    let a = Adapters::new(&sim.settings(None, policy()), AuthClock::real(), journal.clone());
    assert!(a.mobile.phone(DEMO_IIN).await.unwrap().is_some());
    sim.control("fl", 3, 0, 0).await;
    assert!(a.individuals.person(DEMO_IIN).await.is_err());
    let rows: Vec<(String, String, String, i32, String)> = sqlx::query_as(
        "SELECT system, operation, outcome, attempts, key_hash FROM adapter_calls ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let hash = journal.key_hash(DEMO_IIN);
    assert_eq!(
        rows,
        vec![
            ("bmg".into(), "phone".into(), "ok".into(), 1, hash.clone()),
            ("fl".into(), "person".into(), "error_status".into(), 3, hash.clone()),
        ]
    );
    let same_secret = CallJournal::database(db.pool.clone(), Some(b"a deployment's secret"));
    assert_eq!(same_secret.key_hash(DEMO_IIN), hash, "the same secret, the same hash across restarts");
    let all: String = sqlx::query_scalar(
        "SELECT string_agg(concat_ws(' ', system, operation, key_hash), ' ') FROM adapter_calls",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(!all.contains(DEMO_IIN));
}
