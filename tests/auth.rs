//! Accounts and administration against a real PostgreSQL: who may manage whom, the last
//! administrator, what a new password ends, lockouts per (address, login) pair, rate limits with an
//! injected clock, concurrent logins and the bound on password hashing, token expiry, and the 401 /
//! CSRF checks of every state-changing route.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Resp, TestDb, call_from, places_layer, sync_layers, test_db, user};
use qala::auth::limits::{AuthClock, AuthLimits, quota};
use qala::auth::{AuthService, store};
use qala::http::{AppState, HttpSettings};
use qala::i18n::{Lang, Msg};
use serde_json::{Value, json};

/// The state of a test server with these auth limits and clock.
fn state(db: &TestDb, limits: AuthLimits, clock: AuthClock, dir: &std::path::Path) -> AppState {
    let settings = HttpSettings { attachments_dir: dir.to_path_buf(), ..Default::default() };
    AppState::with_settings(db.pool.clone(), qala::layers::Catalog::new(vec![places_layer(true)]), settings)
        .with_auth(AuthService::with_limits(db.pool.clone(), limits, clock))
}

fn json_ct() -> (&'static str, String) {
    ("content-type", "application/json".to_string())
}

async fn login(app: &axum::Router, ip: &str, login: &str, password: &str) -> Resp {
    let body = json!({"login": login, "password": password}).to_string().into_bytes();
    call_from(app, Some(ip), "POST", "/api/auth/login", &[json_ct()], body).await
}

fn bearer(token: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {token}"))
}

fn basic_with(login: &str, password: &str) -> (&'static str, String) {
    use base64::Engine;
    (
        "authorization",
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))),
    )
}

/// An API token of `login`, straight in the database.
async fn token_of(db: &TestDb, login: &str) -> String {
    let u = store::user_by_login(&db.pool, login).await.unwrap().unwrap();
    let secret = qala::auth::new_secret("qala_");
    store::insert_token(&db.pool, u.id, &qala::auth::sha256_hex(&secret), "test", None).await.unwrap();
    secret
}

/// Users made quickly: one precomputed password hash for all (`target-password`).
async fn quick_user(db: &TestDb, hash: &str, login: &str, roles: &[&str], org: &str) {
    let input = store::UserInput {
        org: Some(org.into()),
        roles: Some(roles.iter().map(|r| r.to_string()).collect()),
        ..Default::default()
    };
    store::insert_user(&db.pool, login, hash, &input).await.unwrap();
}

async fn user_state(db: &TestDb, login: &str) -> Option<(String, String, Vec<String>, String)> {
    store::user_by_login(&db.pool, login)
        .await
        .unwrap()
        .map(|u| (u.password_hash, u.status, u.roles, u.full_name))
}

const ROLES: [&str; 6] = ["viewer", "editor", "reviewer", "applicant", "org_admin", "admin"];
const ACTIONS: [&str; 8] = ["create", "edit", "password", "roles", "promote", "delete", "block", "unblock"];

/// The status each (actor role, target role, action) must get: admins manage everyone; an
/// organisation admin manages users of its organisation below it and may not give high roles;
/// nobody else administers.
fn expected(actor: &str, target: &str, action: &str) -> u16 {
    let high = matches!(target, "admin" | "org_admin");
    let done = match action {
        "create" => 201,
        "delete" | "block" | "unblock" => 204,
        _ => 200,
    };
    match actor {
        "admin" => done,
        "org_admin" => match (action, high) {
            ("create", true) => 400,
            (_, true) => 403,
            ("promote", false) => 400,
            _ => done,
        },
        _ => 403,
    }
}

/// Sends one admin action by `token` on `target` (or creating a user with `role`).
async fn act(app: &axum::Router, token: &str, action: &str, target: &str, role: &str, org: &str) -> Resp {
    let h = [bearer(token), json_ct()];
    let path = format!("/api/admin/users/{target}");
    let patch = |body: Value| {
        let (app, h, path) = (app.clone(), h.clone(), path.clone());
        async move { call_from(&app, None, "PATCH", &path, &h, body.to_string().into_bytes()).await }
    };
    match action {
        "create" => {
            let body = json!({"login": target, "password": "a-new-password-1", "roles": [role], "org": org});
            call_from(app, None, "POST", "/api/admin/users", &h, body.to_string().into_bytes()).await
        }
        "edit" => patch(json!({"full_name": "Changed Name"})).await,
        "password" => patch(json!({"password": "a-new-password-2"})).await,
        "roles" => patch(json!({"roles": ["viewer"]})).await,
        "promote" => patch(json!({"roles": ["org_admin"]})).await,
        "delete" => call_from(app, None, "DELETE", &path, &h, vec![]).await,
        "block" | "unblock" => call_from(app, None, "POST", &format!("{path}/{action}"), &h, vec![]).await,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn admin_actions_over_every_pair_of_roles() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state(&db, AuthLimits::default(), AuthClock::real(), dir.path()));
    store::upsert_org(&db.pool, "city", "City").await.unwrap();
    store::upsert_org(&db.pool, "other", "Other").await.unwrap();
    let hash = qala::auth::password::hash("target-password").unwrap();
    quick_user(&db, &hash, "root", &["admin"], "city").await;
    let mut tokens = Vec::new();
    for actor in ROLES {
        let login = format!("actor-{}", actor.replace('_', "-"));
        quick_user(&db, &hash, &login, &[actor], "city").await;
        tokens.push((actor, token_of(&db, &login).await));
    }
    let mut wrong = Vec::new();
    let mut n = 0;
    for (actor, token) in &tokens {
        for target_role in ROLES {
            for action in ACTIONS {
                n += 1;
                let target = format!("t{n}");
                if action != "create" {
                    quick_user(&db, &hash, &target, &[target_role], "city").await;
                    if action == "unblock" {
                        store::set_status(&db.pool, &target, "blocked").await.unwrap();
                    }
                }
                let before = user_state(&db, &target).await;
                let r = act(&app, token, action, &target, target_role, "city").await;
                let want = expected(actor, target_role, action);
                if r.status != want {
                    wrong.push(format!(
                        "{actor} {action} {target_role}: {} (want {want}) {}",
                        r.status,
                        r.text()
                    ));
                }
                if !(200..300).contains(&r.status) && user_state(&db, &target).await != before {
                    wrong.push(format!("{actor} {action} {target_role}: refused but the user changed"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {n} wrong:\n{}", wrong.len(), wrong.join("\n"));

    // Users of another organisation do not exist for an organisation admin, whatever their role.
    let org_admin = &tokens.iter().find(|(r, _)| *r == "org_admin").unwrap().1;
    for action in ACTIONS {
        n += 1;
        let target = format!("t{n}");
        if action != "create" {
            quick_user(&db, &hash, &target, &["viewer"], "other").await;
        }
        let before = user_state(&db, &target).await;
        let r = act(&app, org_admin, action, &target, "viewer", "other").await;
        let want = if action == "create" { 400 } else { 404 };
        assert_eq!(r.status, want, "org_admin {action} a viewer of another organisation: {}", r.text());
        assert_eq!(user_state(&db, &target).await, before);
    }
    // Nor may it move one of its users into another organisation's department.
    store::upsert_dept(&db.pool, "other-roads", "other", "Roads").await.unwrap();
    quick_user(&db, &hash, "mover", &["viewer"], "city").await;
    let r = call_from(
        &app,
        None,
        "PATCH",
        "/api/admin/users/mover",
        &[bearer(org_admin), json_ct()],
        json!({"dept": "other-roads"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
}

#[tokio::test]
async fn the_last_administrator_cannot_be_deleted_blocked_or_demoted() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state(&db, AuthLimits::default(), AuthClock::real(), dir.path()));
    let hash = qala::auth::password::hash("target-password").unwrap();
    store::upsert_org(&db.pool, "city", "City").await.unwrap();
    quick_user(&db, &hash, "root", &["admin"], "city").await;
    quick_user(&db, &hash, "boss", &["admin"], "city").await;
    quick_user(&db, &hash, "dormant", &["admin"], "city").await;
    let root = token_of(&db, "root").await;
    let h = [bearer(&root), json_ct()];
    assert_eq!(call_from(&app, None, "POST", "/api/admin/users/dormant/block", &h, vec![]).await.status, 204);
    assert_eq!(call_from(&app, None, "DELETE", "/api/admin/users/boss", &h, vec![]).await.status, 204);

    // Root is the last active administrator (a blocked one does not count): it cannot remove itself.
    for lang in [Lang::Kk, Lang::Ru, Lang::En] {
        let q = format!("?lang={}", lang.tag());
        let refusals = [
            call_from(&app, None, "DELETE", &format!("/api/admin/users/root{q}"), &h, vec![]).await,
            call_from(&app, None, "POST", &format!("/api/admin/users/root/block{q}"), &h, vec![]).await,
            call_from(
                &app,
                None,
                "PATCH",
                &format!("/api/admin/users/root{q}"),
                &h,
                json!({"roles": ["viewer", "org_admin"]}).to_string().into_bytes(),
            )
            .await,
        ];
        for r in refusals {
            assert_eq!(r.status, 409, "{}", r.text());
            assert_eq!(r.json()["error"]["code"], "last_admin");
            assert_eq!(r.json()["error"]["message"], Msg::LastAdmin.text(lang));
        }
    }
    let root_row = store::user_by_login(&db.pool, "root").await.unwrap().unwrap();
    assert_eq!((root_row.status.as_str(), root_row.roles.clone()), ("active", vec!["admin".to_string()]));
    // Other edits of the last administrator are fine, and so is its removal once another exists.
    let r = call_from(
        &app,
        None,
        "PATCH",
        "/api/admin/users/root",
        &h,
        json!({"full_name": "Root"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        call_from(&app, None, "POST", "/api/admin/users/dormant/unblock", &h, vec![]).await.status,
        204
    );
    let r = call_from(
        &app,
        None,
        "PATCH",
        "/api/admin/users/root",
        &h,
        json!({"roles": ["viewer"]}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Two administrators deleting each other at once: one of them stays.
    quick_user(&db, &hash, "twin", &["admin"], "city").await;
    let (dormant, twin) = (token_of(&db, "dormant").await, token_of(&db, "twin").await);
    let (ha, hb) = ([bearer(&dormant)], [bearer(&twin)]);
    let a = call_from(&app, None, "DELETE", "/api/admin/users/twin", &ha, vec![]);
    let b = call_from(&app, None, "DELETE", "/api/admin/users/dormant", &hb, vec![]);
    let (a, b) = tokio::join!(a, b);
    let admins: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE 'admin' = ANY (roles) AND status = 'active'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(admins, 1, "{} {}", a.status, b.status);
    assert_eq!([a.status, b.status].iter().filter(|s| **s == 204).count(), 1);
}

#[tokio::test]
async fn a_new_password_ends_sessions_and_tokens() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state(&db, AuthLimits::default(), AuthClock::real(), dir.path()));
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "ed", &["editor"], None, None).await;
    let r = login(&app, "10.0.0.1", "ed", "ed-password").await;
    assert_eq!(r.status, 200);
    let session = r.header("set-cookie").split(';').next().unwrap().to_string();
    let csrf = r.json()["csrf"].as_str().unwrap().to_string();
    let r = call_from(
        &app,
        None,
        "POST",
        "/api/auth/tokens",
        &[("cookie", session.clone()), ("x-csrf-token", csrf), json_ct()],
        json!({"name": "qgis"}).to_string().into_bytes(),
    )
    .await;
    let token = r.json()["token"].as_str().unwrap().to_string();
    let me = |h: (&'static str, String)| {
        let app = app.clone();
        async move { call_from(&app, None, "GET", "/api/auth/me", &[h], vec![]).await.status }
    };
    assert_eq!(me(("cookie", session.clone())).await, 200);
    assert_eq!(me(bearer(&token)).await, 200);
    assert_eq!(me(basic_with("ed", "ed-password")).await, 200);

    let r = call_from(
        &app,
        None,
        "PATCH",
        "/api/admin/users/ed",
        &[basic_with("root", "root-password"), json_ct()],
        json!({"password": "a-brand-new-one"}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(me(("cookie", session)).await, 401, "the session ended");
    assert_eq!(me(bearer(&token)).await, 401, "the token ended");
    assert_eq!(me(basic_with("ed", "ed-password")).await, 401, "the old password ended");
    assert_eq!(me(basic_with("ed", "a-brand-new-one")).await, 200);
}

#[tokio::test]
async fn lockouts_count_per_address_and_login_and_end_with_the_lock() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = AuthClock::manual();
    let st = state(&db, AuthLimits::default(), clock.clone(), dir.path());
    let app = qala::http::app(st.clone());
    user(&db, "ed", &["editor"], None, None).await;
    let attacker = "203.0.113.7";

    // Five wrong passwords lock the attacker's address out of the login; an unknown login answers
    // exactly the same, after the same work.
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..qala::auth::LOCK_AFTER {
        let before = st.auth.hash_stats().total;
        let r = login(&app, attacker, "ed", "guess").await;
        known.push((
            r.status,
            r.json()["error"].clone(),
            r.header("retry-after"),
            st.auth.hash_stats().total - before,
        ));
        let before = st.auth.hash_stats().total;
        let r = login(&app, attacker, "ghost", "guess").await;
        unknown.push((
            r.status,
            r.json()["error"].clone(),
            r.header("retry-after"),
            st.auth.hash_stats().total - before,
        ));
    }
    assert_eq!(known.iter().map(|k| k.0).collect::<Vec<_>>(), [401, 401, 401, 401, 429]);
    assert!(known.iter().all(|k| k.3 == 1), "each attempt verified one password");
    assert_eq!(known, unknown, "the answers do not tell which logins exist");
    let r = login(&app, attacker, "ed", "ed-password").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (429, Some("account_locked")));
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!((899..=900).contains(&wait), "{wait}");

    // The owner, elsewhere, is not locked out by the attacker's guesses.
    assert_eq!(login(&app, "198.51.100.20", "ed", "ed-password").await.status, 200);
    // A successful login between guesses does not reset the count of its address.
    let owner: Vec<u16> = {
        let mut v = Vec::new();
        for pw in ["typo", "typo", "typo", "typo", "ed-password", "typo", "ed-password"] {
            v.push(login(&app, "198.51.100.20", "ed", pw).await.status);
        }
        v
    };
    assert_eq!(owner, [401, 401, 401, 401, 200, 429, 429]);

    // When the lock ends, the count starts again: one more wrong password is a 401, not a new lock.
    clock.advance(qala::auth::LOCKOUT + Duration::from_secs(1));
    assert_eq!(login(&app, attacker, "ed", "guess").await.status, 401);
    assert_eq!(login(&app, attacker, "ed", "ed-password").await.status, 200);
}

#[tokio::test]
async fn a_token_stops_when_it_expires_not_a_minute_later() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = AuthClock::manual();
    let app = qala::http::app(state(&db, AuthLimits::default(), clock.clone(), dir.path()));
    user(&db, "ed", &["editor"], None, None).await;
    let until = clock.now_utc() + chrono::Duration::minutes(10);
    let r = call_from(
        &app,
        None,
        "POST",
        "/api/auth/tokens",
        &[basic_with("ed", "ed-password"), json_ct()],
        json!({"name": "short", "expires_at": until}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_string();
    let me = || async { call_from(&app, None, "GET", "/api/auth/me", &[bearer(&token)], vec![]).await };
    assert_eq!(me().await.status, 200);
    clock.advance(Duration::from_secs(599));
    assert_eq!(me().await.status, 200, "still valid (and now cached)");
    clock.advance(Duration::from_secs(2));
    assert_eq!(me().await.status, 401, "expired: refused at once although it was cached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_one_concurrent_logins_verify_at_most_five_wrong_passwords() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    // Generous rate limits: this is about the lockout's count.
    let limits = AuthLimits {
        per_address: quota(1000, Duration::from_millis(1)),
        per_account: quota(1000, Duration::from_millis(1)),
        ..Default::default()
    };
    let st = state(&db, limits, AuthClock::real(), dir.path());
    let app = qala::http::app(st.clone());
    user(&db, "ed", &["editor"], None, None).await;
    let attempts: Vec<_> = (0..41)
        .map(|i| {
            let app = app.clone();
            let pw = if i == 20 { "ed-password" } else { "wrong-password" };
            tokio::spawn(async move { login(&app, "192.0.2.1", "ed", pw).await.status })
        })
        .collect();
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap());
    }
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE kind = 'login' AND actor = 'ed' AND outcome = 'failed'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(failed <= i64::from(qala::auth::LOCK_AFTER), "{failed} wrong passwords verified: {statuses:?}");
    assert!(st.auth.hash_stats().total <= 6, "{:?}", st.auth.hash_stats());
    assert!(statuses.iter().all(|s| [200, 401, 429].contains(s)), "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 429).count() >= 35, "{statuses:?}");
    assert!(statuses.iter().filter(|s| **s == 200).count() <= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn password_hashing_is_bounded_and_answers_503_when_the_queue_is_full() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let limits = AuthLimits {
        hash_permits: 2,
        hash_queue: 0,
        per_address: quota(1000, Duration::from_millis(1)),
        per_account: quota(1000, Duration::from_millis(1)),
        ..Default::default()
    };
    let st = state(&db, limits, AuthClock::real(), dir.path());
    let app = qala::http::app(st.clone());

    // Both permits busy and no queue: a login is answered 503 with Retry-After at once.
    let (release, held) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Arc::new(std::sync::Mutex::new(held));
    let mut blockers = Vec::new();
    for _ in 0..2 {
        let (h, held) = (st.auth.hasher().clone(), held.clone());
        let (tx, rx) = tokio::sync::oneshot::channel();
        blockers.push(tokio::spawn(async move {
            h.run(move || {
                let _ = tx.send(());
                let _ = held.lock().unwrap().recv();
            })
            .await
        }));
        rx.await.unwrap();
    }
    let r = login(&app, "10.1.0.1", "nobody", "whatever-1").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (503, Some("server_busy")), "{}", r.text());
    assert_eq!(r.header("retry-after"), "1");
    // Basic credentials too.
    let r =
        call_from(&app, Some("10.1.0.1"), "GET", "/api/auth/me", &[basic_with("nobody", "x")], vec![]).await;
    assert_eq!(r.status, 503);
    for _ in 0..2 {
        release.send(()).unwrap();
    }
    for b in blockers {
        b.await.unwrap().unwrap();
    }

    // Sixty anonymous logins at once: each is checked or refused, never more than two hash at once.
    let before = st.auth.hash_stats();
    let tasks: Vec<_> = (0..60)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(
                async move { login(&app, &format!("10.2.0.{i}"), &format!("nobody{i}"), "guess").await },
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        if r.status == 503 {
            assert_eq!(r.header("retry-after"), "1");
        }
        statuses.push(r.status);
    }
    let after = st.auth.hash_stats();
    assert!(statuses.iter().all(|s| [401, 503].contains(s)), "{statuses:?}");
    assert_eq!(after.total - before.total + after.refused - before.refused, 60, "{after:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 401).count() as u64, after.total - before.total);
    assert!(after.peak <= 2, "{after:?}");
    assert_eq!(after.running, 0);
}

#[tokio::test]
async fn rate_limits_per_address_and_per_account_with_an_injected_clock() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = AuthClock::manual();
    let limits = AuthLimits {
        per_address: quota(3, Duration::from_secs(10)),
        per_account: quota(3, Duration::from_secs(30)),
        ..Default::default()
    };
    let app = qala::http::app(state(&db, limits, clock.clone(), dir.path()));
    user(&db, "ed", &["editor"], None, None).await;

    // Per address: three password checks, then 429 until the allowance refills.
    for i in 0..3 {
        assert_eq!(login(&app, "203.0.113.1", &format!("someone{i}"), "guess").await.status, 401);
    }
    let r = login(&app, "203.0.113.1", "someone9", "guess").await;
    assert_eq!((r.status, r.json()["error"]["code"].as_str()), (429, Some("too_many_attempts")));
    assert_eq!(r.header("retry-after"), "10");
    // Failed Basic authentication from that address is limited the same way.
    let r = call_from(&app, Some("203.0.113.1"), "GET", "/api/auth/me", &[basic_with("ed", "guess")], vec![])
        .await;
    assert_eq!(r.status, 429);
    clock.advance(Duration::from_secs(10));
    assert_eq!(login(&app, "203.0.113.1", "someone9", "guess").await.status, 401);

    // Per account: guesses from new addresses share the account's allowance...
    assert_eq!(login(&app, "198.51.100.1", "ed", "ed-password").await.status, 200, "the owner's address");
    assert_eq!(login(&app, "203.0.113.2", "ed", "guess").await.status, 401);
    assert_eq!(login(&app, "203.0.113.3", "ed", "guess").await.status, 401);
    let r = login(&app, "203.0.113.4", "ed", "guess").await;
    assert_eq!((r.status, r.header("retry-after").as_str()), (429, "30"));
    let r = call_from(&app, Some("203.0.113.5"), "GET", "/api/auth/me", &[basic_with("ed", "guess")], vec![])
        .await;
    assert_eq!(r.status, 429, "failed Basic authentication counts too");
    // ...but an address the account has logged in from does not pay it.
    assert_eq!(login(&app, "198.51.100.1", "ed", "ed-password").await.status, 200);
    clock.advance(Duration::from_secs(30));
    assert_eq!(login(&app, "203.0.113.4", "ed", "ed-password").await.status, 200);
}

/// Every state-changing route: (method, path, anonymous callers may use it, it uses the session).
const WRITES: &[(&str, &str, bool, bool)] = &[
    ("POST", "/ogc/collections/{id}/items", false, true),
    ("PUT", "/ogc/collections/{id}/items/{fid}", false, true),
    ("PATCH", "/ogc/collections/{id}/items/{fid}", false, true),
    ("DELETE", "/ogc/collections/{id}/items/{fid}", false, true),
    ("POST", "/ogc/collections/{id}/items/{fid}/restore", false, true),
    ("POST", "/ogc/collections/{id}/items/{fid}/attachments", false, true),
    ("DELETE", "/ogc/collections/{id}/items/{fid}/attachments/{aid}", false, true),
    ("POST", "/api/print", true, true),
    ("POST", "/api/documents/{code}/revoke", false, true),
    ("POST", "/verify/{code}", true, false),
    ("POST", "/api/auth/login", true, false),
    // issue 15: SMS sign-in by IIN
    ("POST", "/api/auth/eds/challenge", true, false),
    ("POST", "/api/auth/eds/login", true, false),
    ("POST", "/api/documents/{code}/signatures", false, true),
    ("POST", "/api/auth/sms/start", true, false),
    ("POST", "/api/auth/sms/verify", true, false),
    ("POST", "/api/auth/logout", true, true),
    ("POST", "/api/auth/tokens", false, true),
    ("DELETE", "/api/auth/tokens/{id}", false, true),
    ("POST", "/api/admin/users", false, true),
    ("PATCH", "/api/admin/users/{login}", false, true),
    ("DELETE", "/api/admin/users/{login}", false, true),
    ("POST", "/api/admin/users/{login}/block", false, true),
    ("POST", "/api/admin/users/{login}/unblock", false, true),
    ("POST", "/api/admin/orgs", false, true),
    ("POST", "/api/admin/departments", false, true),
    ("POST", "/api/admin/grants", false, true),
    ("DELETE", "/api/admin/grants/{id}", false, true),
    ("POST", "/api/applications", false, true),
    ("PATCH", "/api/applications/{id}", false, true),
    ("POST", "/api/applications/{id}/actions", false, true),
    ("PUT", "/api/applications/{id}/documents/{doc}", false, true),
    ("POST", "/api/applications/{id}/objects", false, true),
    ("PATCH", "/api/applications/{id}/objects/{object}", false, true),
    ("DELETE", "/api/applications/{id}/objects/{object}", false, true),
    ("POST", "/api/me/notifications/read", false, true),
    ("PUT", "/api/admin/calendar/{date}", false, true),
    ("DELETE", "/api/admin/calendar/{date}", false, true),
    // issue 16: backups, incidents, maintenance windows
    ("POST", "/api/admin/backups", false, true),
    ("POST", "/api/admin/incidents/{id}", false, true),
    ("POST", "/api/admin/maintenance", false, true),
    ("DELETE", "/api/admin/maintenance/{id}", false, true),
];

/// The write operations both OpenAPI documents declare, as (METHOD, path with this file's names).
fn documented_writes(doc: &Value, prefix: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for m in ["post", "put", "patch", "delete"] {
            if ops.get(m).is_some() {
                let p = format!("{prefix}{path}")
                    .replace("{collectionId}", "{id}")
                    .replace("{featureId}", "{fid}");
                out.push((m.to_uppercase(), p));
            }
        }
    }
    out
}

#[tokio::test]
async fn every_state_changing_route_wants_credentials_and_a_csrf_token() {
    let db = test_db().await;
    sync_layers(&db.pool, &[places_layer(true)]).await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state(&db, AuthLimits::default(), AuthClock::real(), dir.path()));
    user(&db, "root", &["admin"], None, None).await;
    user(&db, "ed", &["editor"], None, None).await;

    // The table covers every write the OpenAPI documents declare.
    let api = call_from(&app, None, "GET", "/api/openapi.json", &[], vec![]).await.json();
    let ogc = call_from(&app, None, "GET", "/ogc/api", &[], vec![]).await.json();
    for (m, p) in documented_writes(&api, "").into_iter().chain(documented_writes(&ogc, "/ogc")) {
        assert!(WRITES.iter().any(|(wm, wp, ..)| *wm == m && *wp == p), "{m} {p} is not in the table");
    }

    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.25]}, "properties": {"name": "x"}});
    let r = call_from(
        &app,
        None,
        "POST",
        "/ogc/collections/places/items",
        &[basic_with("root", "root-password"), json_ct()],
        feature.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let fid = r.header("location").rsplit('/').next().unwrap().to_string();
    let r = login(&app, "10.0.0.1", "root", "root-password").await;
    let session = r.header("set-cookie").split(';').next().unwrap().to_string();

    let mut wrong = Vec::new();
    for (method, template, anonymous_ok, uses_session) in WRITES {
        let uri = template
            .replace("{id}/", "places/")
            .replace("{fid}", &fid)
            .replace("{aid}", "1")
            .replace("{code}", "QALA-TEST")
            .replace("{login}", "ed")
            .replace("{doc}", "title_deed")
            .replace("{date}", "2026-01-01")
            .replace("{object}", "1")
            .replace("/{id}", "/1");
        let headers = [json_ct(), ("if-match", "\"v1\"".to_string())];
        let body = feature.to_string().into_bytes();
        let anon = call_from(&app, None, method, &uri, &headers, body.clone()).await;
        if !anonymous_ok && anon.status != 401 {
            wrong.push(format!("{method} {uri} anonymous: {} {}", anon.status, anon.text()));
        }
        if *anonymous_ok && anon.status == 401 {
            wrong.push(format!("{method} {uri} anonymous: 401 for a public route"));
        }
        let mut with_cookie = headers.to_vec();
        with_cookie.push(("cookie", session.clone()));
        let r = call_from(&app, None, method, &uri, &with_cookie, body).await;
        let csrf_refused = r.status == 403 && r.json()["error"]["code"] == "csrf_failed";
        if *uses_session != csrf_refused {
            wrong.push(format!("{method} {uri} through a session without CSRF: {} {}", r.status, r.text()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Nothing was changed by the refused requests.
    assert!(store::user_by_login(&db.pool, "ed").await.unwrap().is_some_and(|u| u.status == "active"));
}

// issue 12: openapi
#[tokio::test]
async fn nul_characters_and_unknown_references_are_the_callers_mistakes() {
    let db = test_db().await;
    let dir = tempfile::tempdir().unwrap();
    let app = qala::http::app(state(&db, AuthLimits::default(), AuthClock::real(), dir.path()));
    let hash = qala::auth::password::hash("target-password").unwrap();
    store::upsert_org(&db.pool, "city", "City").await.unwrap();
    quick_user(&db, &hash, "root", &["admin"], "city").await;
    let root = token_of(&db, "root").await;
    let h = [bearer(&root), json_ct()];
    let post = |uri: &'static str, body: Value| {
        let app = app.clone();
        let h = h.clone();
        async move { call_from(&app, None, "POST", uri, &h, body.to_string().into_bytes()).await }
    };
    // A NUL character PostgreSQL cannot store: 400, not 500 (found by schemathesis).
    let nul = "a\u{0}b";
    for (uri, body) in [
        ("/api/admin/users", json!({"login": "nul-user", "password": "long-enough-1", "full_name": nul})),
        ("/api/admin/orgs", json!({"id": "nul", "name": nul})),
        ("/api/auth/tokens", json!({"name": nul})),
    ] {
        let r = post(uri, body).await;
        assert_eq!((r.status, r.json()["error"]["code"].clone()), (400, json!("nul_character")), "{uri}");
    }
    for uri in
        ["/api/admin/journal?q=a%00b", "/api/admin/journal?actor=a%00b", "/api/admin/grants?layer=a%00b"]
    {
        let r = call_from(&app, None, "GET", uri, &h, vec![]).await;
        assert_eq!((r.status, r.json()["error"]["code"].clone()), (400, json!("nul_character")), "{uri}");
    }
    // A well-formed reference to an organisation or department that does not exist is not found
    // (404, as a grant's unknown layer), with the field named; it was a 400.
    for (uri, body, field) in [
        ("/api/admin/departments", json!({"id": "roads", "name": "Roads", "org": "nowhere"}), "org"),
        ("/api/admin/users", json!({"login": "lost", "password": "long-enough-1", "org": "nowhere"}), "org"),
        (
            "/api/admin/users",
            json!({"login": "lost", "password": "long-enough-1", "dept": "nowhere"}),
            "dept",
        ),
        (
            "/api/admin/grants",
            json!({"layer_id": "nowhere", "grantee_kind": "role", "grantee": "viewer", "access": "read"}),
            "",
        ),
    ] {
        let r = post(uri, body).await;
        assert_eq!(r.status, 404, "{uri}: {}", r.text());
        if !field.is_empty() {
            assert_eq!(r.json()["error"]["details"][0]["field"], field, "{uri}: {}", r.text());
        }
    }
    // The grants' and the journal's filters are query parameters (the document said path).
    assert_eq!(call_from(&app, None, "GET", "/api/admin/grants?layer=places", &h, vec![]).await.status, 200);
    let doc = call_from(&app, None, "GET", "/api/openapi.json", &[], vec![]).await.json();
    for path in ["/api/admin/grants", "/api/admin/journal"] {
        let params = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
        assert!(params.iter().all(|p| p["in"] == "query"), "{path}: {params:?}");
    }
}
