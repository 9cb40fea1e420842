//! `qala-state-simulator`: SIMULATORS of the state systems for tests and the demo, not the real
//! systems. Each serves deterministic, realistic-looking data (`state_simulator/data.rs`) under
//! its code, over real HTTP, as Qala's adapters (`qala::adapters`) call them:
//!
//! - `/ar` (ИС АР): `GET /ar/addresses/{id}`, `GET /ar/addresses?q=&limit=`, `GET /ar/geocode?q=`,
//!   `GET /ar/reverse?lon=&lat=`;
//! - `/fl` (ГБД ФЛ): `POST /fl/soap`, SOAP 1.1 `GetPersonRequest` → `GetPersonResponse`;
//! - `/ul` (ГБД ЮЛ): `GET /ul/entities/{bin}`;
//! - `/rn` (ГБД РН): `GET /rn/properties/{cadastral}`, `GET /rn/properties?owner=`;
//! - `/bmg` (БМГ): `GET /bmg/phones/{iin}`;
//! - `/alseco` (ALSECO): `GET /alseco/subscribers/{account}`, `POST /alseco/subscribers`,
//!   `POST /alseco/subscribers/{account}/close`, `POST /alseco/subscribers/{account}/transfer`
//!   (writes keyed by `Idempotency-Key`: a repeated key gets the first answer again).
//!
//! For tests: `POST /control` `{"system", "fail_next", "hang_next", "malformed_next"}` makes the
//! system's next N requests answer 503, the next M never answer, the next K answer something
//! unreadable (`{"system": "*"}`: every system; all zero resets); `GET /control` counts the
//! requests each system received; `GET /_sim/people` lists the people (IIN, phone or not, alive).
//! A system left out of `--systems` answers 503.
//!
//! `qala-state-simulator --listen 127.0.0.1:9030 [--systems ar,fl,ul,rn,bmg,alseco]` prints
//! `listening on http://ADDR` once ready.

#[path = "state_simulator/data.rs"]
mod data;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use qala::adapters::System;
use qala::adapters::address::Nearest;
use qala::adapters::billing::Subscriber;
use qala::adapters::{individuals, soap};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Default, Clone, Copy)]
struct Faults {
    fail_next: u32,
    hang_next: u32,
    malformed_next: u32,
}

#[derive(Debug)]
struct Sim {
    data: data::Data,
    enabled: BTreeSet<System>,
    faults: Mutex<HashMap<System, Faults>>,
    requests: Mutex<BTreeMap<System, u64>>,
    subscribers: Mutex<BTreeMap<String, Subscriber>>,
    /// Idempotency key → the first answer.
    done: Mutex<HashMap<String, (u16, Value)>>,
}

type Shared = Arc<Sim>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What to do with a request to `system` before answering it.
enum Gate {
    Serve,
    Answer(Response),
    Malformed,
}

async fn gate(s: &Sim, system: System) -> Gate {
    *lock(&s.requests).entry(system).or_default() += 1;
    if !s.enabled.contains(&system) {
        return Gate::Answer(
            (StatusCode::SERVICE_UNAVAILABLE, "not served by this simulator").into_response(),
        );
    }
    let hang = {
        let mut faults = lock(&s.faults);
        let f = faults.entry(system).or_default();
        if f.fail_next > 0 {
            f.fail_next -= 1;
            return Gate::Answer((StatusCode::SERVICE_UNAVAILABLE, "simulated failure").into_response());
        }
        if f.hang_next > 0 {
            f.hang_next -= 1;
            true
        } else if f.malformed_next > 0 {
            f.malformed_next -= 1;
            return Gate::Malformed;
        } else {
            false
        }
    };
    if hang {
        std::future::pending::<()>().await;
    }
    Gate::Serve
}

/// Runs `f` unless the gate of `system` says otherwise; a malformed answer is cut JSON.
async fn serve(s: &Sim, system: System, f: impl FnOnce() -> Response) -> Response {
    match gate(s, system).await {
        Gate::Serve => f(),
        Gate::Answer(r) => r,
        Gate::Malformed => {
            ([("content-type", "application/json")], "{\"items\": [{\"id\": 12").into_response()
        }
    }
}

fn found<T: serde::Serialize>(v: Option<T>) -> Response {
    match v {
        Some(v) => Json(v).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": "not found"}))).into_response(),
    }
}

// ---- ИС АР ----

#[derive(Debug, Deserialize)]
struct SearchQ {
    q: Option<String>,
    limit: Option<usize>,
}

fn search(d: &data::Data, q: &str, limit: usize) -> Vec<qala::adapters::address::Address> {
    let words: Vec<String> =
        q.to_lowercase().split([' ', ',']).filter(|w| !w.is_empty()).map(String::from).collect();
    if words.is_empty() {
        return Vec::new();
    }
    d.addresses
        .iter()
        .filter(|a| {
            let hay = format!("{} {}", a.full_ru, a.full_kk).to_lowercase();
            words.iter().all(|w| hay.contains(w.trim_start_matches("д.")))
        })
        .take(limit)
        .cloned()
        .collect()
}

async fn ar_address(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    serve(&s, System::Ar, || found(s.data.addresses.iter().find(|a| a.id == id))).await
}

async fn ar_search(State(s): State<Shared>, Query(q): Query<SearchQ>) -> Response {
    serve(&s, System::Ar, || {
        let limit = q.limit.unwrap_or(10).clamp(1, 50);
        Json(json!({"items": search(&s.data, q.q.as_deref().unwrap_or(""), limit)})).into_response()
    })
    .await
}

async fn ar_geocode(State(s): State<Shared>, Query(q): Query<SearchQ>) -> Response {
    serve(&s, System::Ar, || found(search(&s.data, q.q.as_deref().unwrap_or(""), 1).into_iter().next())).await
}

#[derive(Debug, Deserialize)]
struct PointQ {
    lon: f64,
    lat: f64,
}

async fn ar_reverse(State(s): State<Shared>, Query(p): Query<PointQ>) -> Response {
    serve(&s, System::Ar, || {
        let dist = |a: &qala::adapters::address::Address| {
            let (dx, dy) =
                ((a.lon - p.lon) * 111_320.0 * p.lat.to_radians().cos(), (a.lat - p.lat) * 110_574.0);
            (dx * dx + dy * dy).sqrt()
        };
        let best = s.data.addresses.iter().map(|a| (dist(a), a)).min_by(|x, y| x.0.total_cmp(&y.0));
        match best {
            Some((d, a)) if d < 5_000.0 => {
                Json(Nearest { address: a.clone(), distance_m: (d * 10.0).round() / 10.0 }).into_response()
            }
            _ => found(None::<Nearest>),
        }
    })
    .await
}

// ---- ГБД ФЛ (SOAP) ----

fn soap_fault(code: &str, text: &str) -> Response {
    let xml = soap::envelope(&format!(
        "<soap:Fault><faultcode>soap:{code}</faultcode><faultstring>{}</faultstring></soap:Fault>",
        soap::escape(text)
    ));
    (StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "text/xml; charset=utf-8")], xml).into_response()
}

async fn fl_soap(State(s): State<Shared>, body: Bytes) -> Response {
    match gate(&s, System::Fl).await {
        Gate::Serve => {}
        Gate::Answer(_) => return soap_fault("Server", "simulated failure"),
        Gate::Malformed => {
            return ([("content-type", "text/xml")], "<soap:Envelope><soap:Body><fl:GetPersonResponse>")
                .into_response();
        }
    }
    let Ok(text) = std::str::from_utf8(&body) else { return soap_fault("Client", "not UTF-8") };
    let req = match soap::body(text) {
        Ok(soap::Body::Content(r)) if r.name == "GetPersonRequest" => r,
        _ => return soap_fault("Client", "expected a GetPersonRequest"),
    };
    let iin = req.child_text("IIN").unwrap_or("");
    let xml = individuals::response_xml(s.data.people.get(iin));
    ([("content-type", "text/xml; charset=utf-8")], xml).into_response()
}

// ---- ГБД ЮЛ, ГБД РН, БМГ ----

async fn ul_entity(State(s): State<Shared>, Path(bin): Path<String>) -> Response {
    serve(&s, System::Ul, || found(s.data.entities.get(&bin))).await
}

async fn rn_property(State(s): State<Shared>, Path(cad): Path<String>) -> Response {
    serve(&s, System::Rn, || found(s.data.properties.get(&cad))).await
}

#[derive(Debug, Deserialize)]
struct OwnerQ {
    owner: String,
}

async fn rn_by_owner(State(s): State<Shared>, Query(q): Query<OwnerQ>) -> Response {
    serve(&s, System::Rn, || {
        let items: Vec<_> =
            s.data.properties.values().filter(|p| p.owners.contains(&q.owner)).take(100).collect();
        Json(json!({"items": items})).into_response()
    })
    .await
}

async fn bmg_phone(State(s): State<Shared>, Path(iin): Path<String>) -> Response {
    serve(&s, System::Bmg, || found(s.data.phones.get(&iin).map(|p| json!({"iin": iin, "phone": p})))).await
}

// ---- ALSECO ----

async fn alseco_get(State(s): State<Shared>, Path(account): Path<String>) -> Response {
    serve(&s, System::Alseco, || found(lock(&s.subscribers).get(&account).cloned())).await
}

/// A write keyed by its `Idempotency-Key`: the first answer is kept and given again.
fn idempotent(
    s: &Sim,
    headers: &HeaderMap,
    f: impl FnOnce(&mut BTreeMap<String, Subscriber>) -> (u16, Value),
) -> Response {
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(String::from);
    let Some(key) = key.filter(|k| !k.is_empty() && k.len() <= 200) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "Idempotency-Key required"}))).into_response();
    };
    let mut done = lock(&s.done);
    let (status, body) = match done.get(&key) {
        Some(answer) => answer.clone(),
        None => {
            let answer = f(&mut lock(&s.subscribers));
            done.insert(key, answer.clone());
            answer
        }
    };
    (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), Json(body)).into_response()
}

fn is_holder(h: &str) -> bool {
    h.len() == 12 && h.bytes().all(|b| b.is_ascii_digit())
}

async fn alseco_open(State(s): State<Shared>, headers: HeaderMap, Json(b): Json<Value>) -> Response {
    serve(&s, System::Alseco, || {
        idempotent(&s, &headers, |subs| {
            let holder = b["holder"].as_str().unwrap_or("");
            let address = b["address_ru"].as_str().unwrap_or("");
            if !is_holder(holder) || address.is_empty() {
                return (422, json!({"error": "holder (IIN/BIN) and address_ru required"}));
            }
            let account = format!("{:010}", 4_000_000_000u64 + subs.len() as u64 * 104_729);
            let services = b["services"]
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).take(10).collect())
                .unwrap_or_default();
            let sub = Subscriber {
                account: account.clone(),
                holder: holder.into(),
                address_ru: address.into(),
                status: "open".into(),
                services,
                balance_tiyn: 0,
            };
            subs.insert(account, sub.clone());
            (201, serde_json::to_value(sub).unwrap_or_default())
        })
    })
    .await
}

async fn alseco_change(
    State(s): State<Shared>,
    Path((account, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(&s, System::Alseco, || {
        let b: Value = serde_json::from_slice(&body).unwrap_or_default();
        idempotent(&s, &headers, |subs| {
            let Some(sub) = subs.get_mut(&account) else { return (404, json!({"error": "no such account"})) };
            if sub.status == "closed" {
                return (409, json!({"error": "the account is closed"}));
            }
            match action.as_str() {
                "close" => sub.status = "closed".into(),
                "transfer" => {
                    let to = b["new_holder"].as_str().unwrap_or("");
                    if !is_holder(to) {
                        return (422, json!({"error": "new_holder (IIN/BIN) required"}));
                    }
                    sub.holder = to.into();
                }
                _ => return (404, json!({"error": "unknown action"})),
            }
            (200, serde_json::to_value(&*sub).unwrap_or_default())
        })
    })
    .await
}

// ---- control ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    system: String,
    #[serde(default)]
    fail_next: u32,
    #[serde(default)]
    hang_next: u32,
    #[serde(default)]
    malformed_next: u32,
}

async fn control(State(s): State<Shared>, Json(c): Json<Control>) -> Response {
    let systems: Vec<System> = if c.system == "*" {
        System::ALL.to_vec()
    } else {
        match System::parse(&c.system) {
            Some(x) => vec![x],
            None => return (StatusCode::BAD_REQUEST, "unknown system").into_response(),
        }
    };
    let mut faults = lock(&s.faults);
    for x in systems {
        faults.insert(
            x,
            Faults { fail_next: c.fail_next, hang_next: c.hang_next, malformed_next: c.malformed_next },
        );
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn counts(State(s): State<Shared>) -> Json<Value> {
    let r = lock(&s.requests);
    Json(
        json!({"requests": r.iter().map(|(k, v)| (k.code().to_string(), json!(v))).collect::<serde_json::Map<_, _>>()}),
    )
}

async fn people(State(s): State<Shared>) -> Json<Value> {
    let list: Vec<Value> = s
        .data
        .people
        .values()
        .map(|p| json!({"iin": p.iin, "alive": p.alive, "has_phone": s.data.phones.contains_key(&p.iin), "birth_date": p.birth_date}))
        .collect();
    Json(json!({"people": list, "entities": s.data.entities.keys().collect::<Vec<_>>(),
        "properties": s.data.properties.keys().take(20).collect::<Vec<_>>(),
        "accounts": s.data.subscribers.keys().take(20).collect::<Vec<_>>()}))
}

fn usage() -> anyhow::Error {
    anyhow::anyhow!(
        "usage: qala-state-simulator [--listen 127.0.0.1:9030] [--systems ar,fl,ul,rn,bmg,alseco]  (SIMULATORS of the state systems for tests and the demo, not the real systems)"
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut listen = "127.0.0.1:9030".to_string();
    let mut enabled: BTreeSet<System> = System::ALL.into_iter().filter(|s| *s != System::Sms).collect();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => listen = args.next().ok_or_else(usage)?,
            "--systems" => {
                let list = args.next().ok_or_else(usage)?;
                enabled = list
                    .split(',')
                    .map(|c| {
                        System::parse(c)
                            .filter(|s| *s != System::Sms)
                            .ok_or_else(|| anyhow::anyhow!("unknown system `{c}`"))
                    })
                    .collect::<anyhow::Result<_>>()?;
            }
            _ => return Err(usage()),
        }
    }
    let data = data::generate();
    let sim = Arc::new(Sim {
        subscribers: Mutex::new(data.subscribers.clone()),
        data,
        enabled,
        faults: Mutex::default(),
        requests: Mutex::default(),
        done: Mutex::default(),
    });
    let app = Router::new()
        .route("/ar/addresses", get(ar_search))
        .route("/ar/addresses/{id}", get(ar_address))
        .route("/ar/geocode", get(ar_geocode))
        .route("/ar/reverse", get(ar_reverse))
        .route("/fl/soap", post(fl_soap))
        .route("/ul/entities/{bin}", get(ul_entity))
        .route("/rn/properties", get(rn_by_owner))
        .route("/rn/properties/{cadastral}", get(rn_property))
        .route("/bmg/phones/{iin}", get(bmg_phone))
        .route("/alseco/subscribers", post(alseco_open))
        .route("/alseco/subscribers/{account}", get(alseco_get))
        .route("/alseco/subscribers/{account}/{action}", post(alseco_change))
        .route("/control", post(control).get(counts))
        .route("/_sim/people", get(people))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(sim);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "qala-state-simulator (SIMULATORS of the state systems, not the real ones) listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
