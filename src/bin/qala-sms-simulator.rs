//! `qala-sms-simulator`: an SMS gateway SIMULATOR for tests and the demo, not a real gateway. It
//! sends nothing to any phone; it keeps what it receives in memory.
//!
//! - `POST /messages` `{"id", "to", "text"}`: a message (what Qala's SMS adapter sends). A message
//!   whose `id` was already received is acknowledged again and not stored twice (idempotency: its
//!   `deliveries` count grows instead).
//! - `GET /messages`: `{"messages": [{"id", "to", "text", "received_at", "deliveries"}], "requests"}`.
//! - `POST /control` `{"fail_next": N, "hold_next": M}`: the next N requests answer 503 without
//!   storing anything; the next M store the message and never answer (a gateway whose answer is
//!   lost: the sender times out or dies waiting).
//!
//! `qala-sms-simulator --listen 127.0.0.1:9025` prints `listening on http://ADDR` once ready.

use std::sync::{Arc, Mutex};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Most messages kept.
const MAX_MESSAGES: usize = 100_000;

#[derive(Debug, Clone, Serialize)]
struct Message {
    id: String,
    to: String,
    text: String,
    received_at: String,
    deliveries: u32,
}

#[derive(Debug, Default)]
struct Inner {
    messages: Vec<Message>,
    requests: u64,
    fail_next: u32,
    hold_next: u32,
}

type Shared = Arc<Mutex<Inner>>;

#[derive(Debug, Deserialize)]
struct Incoming {
    id: String,
    to: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Control {
    #[serde(default)]
    fail_next: u32,
    #[serde(default)]
    hold_next: u32,
}

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

async fn receive(
    State(s): State<Shared>,
    body: Result<Json<Incoming>, axum::extract::rejection::JsonRejection>,
) -> (StatusCode, Json<serde_json::Value>) {
    let hold = {
        let mut inner = lock(&s);
        inner.requests += 1;
        let Ok(Json(m)) = body else {
            return (StatusCode::BAD_REQUEST, Json(json!({"error": "expected {\"id\", \"to\", \"text\"}"})));
        };
        if m.id.is_empty() || m.id.len() > 200 || m.to.len() > 32 || m.text.chars().count() > 1000 {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "id 1-200 bytes, to up to 32, text up to 1000 characters"})),
            );
        }
        if inner.fail_next > 0 {
            inner.fail_next -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "simulated failure"})));
        }
        if let Some(known) = inner.messages.iter_mut().find(|x| x.id == m.id) {
            known.deliveries += 1;
            return (StatusCode::OK, Json(json!({"id": m.id, "duplicate": true})));
        }
        if inner.messages.len() >= MAX_MESSAGES {
            return (StatusCode::INSUFFICIENT_STORAGE, Json(json!({"error": "the simulator is full"})));
        }
        let received_at = chrono::Utc::now().to_rfc3339();
        inner.messages.push(Message { id: m.id.clone(), to: m.to, text: m.text, received_at, deliveries: 1 });
        println!("sms {} -> stored", m.id);
        let hold = inner.hold_next > 0;
        if hold {
            inner.hold_next -= 1;
        }
        hold
    };
    if hold {
        std::future::pending::<()>().await;
    }
    (StatusCode::OK, Json(json!({"duplicate": false})))
}

async fn list(State(s): State<Shared>) -> Json<serde_json::Value> {
    let inner = lock(&s);
    Json(json!({"messages": inner.messages, "requests": inner.requests}))
}

async fn control(State(s): State<Shared>, Json(c): Json<Control>) -> StatusCode {
    let mut inner = lock(&s);
    inner.fail_next = c.fail_next;
    inner.hold_next = c.hold_next;
    StatusCode::NO_CONTENT
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut listen = "127.0.0.1:9025".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => listen = args.next().ok_or_else(|| anyhow::anyhow!("--listen needs ADDR"))?,
            _ => anyhow::bail!(
                "usage: qala-sms-simulator [--listen 127.0.0.1:9025]  (an SMS gateway simulator for tests and the demo, not a real gateway)"
            ),
        }
    }
    let state: Shared = Arc::default();
    let app = Router::new()
        .route("/messages", post(receive).get(list))
        .route("/control", post(control))
        .layer(DefaultBodyLimit::max(16 * 1024))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!(
        "qala-sms-simulator (a simulator, not a real gateway) listening on http://{}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
