//! EDS over HTTP against a real `qala serve` whose trust anchor is a TEST CA made here with
//! openssl (NCA's profile, valid now; revocation by its CRL): the sign-in (challenge, attached CMS,
//! account made at the first sign-in, refusals with their reasons in the caller's language) and
//! HC-1: a housing certificate is an agreement the applicant and the akimat both sign, listed and
//! checked on `/verify`.

#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};

use base64::Engine;
use common::pki::{self, TestPki, Usage};
use common::procs::Proc;
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const AKIMAT_BIN: &str = "050140000656";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

struct Srv {
    _proc: Proc,
    base: String,
    http: reqwest::Client,
}

/// A signed-in browser: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

impl Srv {
    fn start(db: &common::TestDb, dir: &std::path::Path, pki: &TestPki) -> Srv {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_qala"))
            .args(["--layers-dir", "layers", "--services-dir", "services"])
            .arg("--open-data-dir")
            .arg(common::open_data())
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--eds-roots")
            .arg(&pki.ca_cert)
            .arg("--eds-crl-dir")
            .arg(&pki.crl_dir)
            .arg("--eds-no-crl-fetch")
            .arg("--styles-dir")
            .arg(common::repo().join("styles"))
            .current_dir(dir)
            .env("DATABASE_URL", &db.url)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        Srv { _proc: Proc(child), base: format!("http://127.0.0.1:{port}"), http: reqwest::Client::new() }
    }

    async fn ready(&self) {
        let url = format!("{}/healthz", self.base);
        common::apps::until("the server answers", || {
            let (http, url) = (self.http.clone(), url.clone());
            async move { http.get(&url).send().await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
    }

    async fn challenge(&self) -> Vec<u8> {
        let r = self.http.post(format!("{}/api/auth/eds/challenge", self.base)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        B64.decode(v["challenge"].as_str().unwrap()).unwrap()
    }

    /// Signs in with `cms`; the status, body and session.
    async fn login(&self, cms: &[u8], lang: &str) -> (u16, Value, Option<Session>) {
        let r = self
            .http
            .post(format!("{}/api/auth/eds/login", self.base))
            .header("accept-language", lang)
            .header("content-type", "application/json")
            .body(json!({"cms": B64.encode(cms)}).to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|c| c.split(';').next())
            .map(String::from);
        let body: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
        let session =
            cookie.map(|cookie| Session { cookie, csrf: body["csrf"].as_str().unwrap_or("").into() });
        (status, body, session)
    }

    async fn send(
        &self,
        who: &Who<'_>,
        method: &str,
        path: &str,
        etag: Option<&str>,
        body: Option<Value>,
    ) -> (u16, String, Value) {
        let mut req = self.http.request(method.parse().unwrap(), format!("{}{path}", self.base));
        req = match who {
            Who::Session(s) => req.header("cookie", &s.cookie).header("x-csrf-token", &s.csrf),
            Who::Basic(login) => req.basic_auth(login, Some(format!("{login}-password"))),
            Who::Anonymous => req,
        };
        if let Some(e) = etag {
            req = req.header("if-match", e);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let body = serde_json::from_str(&r.text().await.unwrap()).unwrap_or(Value::Null);
        (status, etag, body)
    }

    async fn upload(&self, who: &Who<'_>, id: i64, doc: &str, etag: &str) -> String {
        let mut req = self
            .http
            .put(format!("{}/api/applications/{id}/documents/{doc}?name={doc}.pdf", self.base))
            .header("if-match", etag)
            .body(PDF.to_vec());
        req = match who {
            Who::Session(s) => req.header("cookie", &s.cookie).header("x-csrf-token", &s.csrf),
            Who::Basic(login) => req.basic_auth(login, Some(format!("{login}-password"))),
            Who::Anonymous => req,
        };
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        assert_eq!(status, 201, "{doc}: {}", r.text().await.unwrap());
        etag
    }

    async fn bytes(&self, who: &Who<'_>, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        req = match who {
            Who::Session(s) => req.header("cookie", &s.cookie),
            Who::Basic(login) => req.basic_auth(login, Some(format!("{login}-password"))),
            Who::Anonymous => req,
        };
        let r = req.send().await.unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.bytes().await.unwrap().to_vec())
    }
}

enum Who<'a> {
    Session(&'a Session),
    Basic(&'a str),
    Anonymous,
}

fn iin(n: u32) -> String {
    for s in n * 10.. {
        let first = format!("900101{}{:04}", 3, s % 10000);
        if let Some(d) = qala::applications::service::ids::check_digit(first.as_bytes()) {
            return format!("{first}{d}");
        }
    }
    unreachable!()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eds_sign_in_and_an_agreement_signed_by_both_parties() {
    let db = common::test_db().await;
    let dir = tempfile::tempdir().unwrap();
    for d in ["layers", "services"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    std::fs::copy(
        common::repo().join("services/housing_certificate.toml"),
        dir.path().join("services/housing_certificate.toml"),
    )
    .unwrap();
    common::user(&db, "housing1", &["reviewer"], Some("almaty-akimat"), Some("housing")).await;
    common::user(&db, "akimhead", &["org_admin", "reviewer"], Some("almaty-akimat"), None).await;
    let head_iin = iin(7);
    sqlx::query("UPDATE users SET iin = $1 WHERE login = 'akimhead'")
        .bind(&head_iin)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE organisations SET bin = $1, name = 'Алматы қаласының әкімдігі' WHERE id = 'almaty-akimat'",
    )
    .bind(AKIMAT_BIN)
    .execute(&db.pool)
    .await
    .unwrap();

    let ca = TestPki::new("QALA TEST CA");
    let stranger_ca = TestPki::new("QALA OTHER CA");
    let citizen_iin = iin(1);
    let auth = ca.person(&citizen_iin, "ТЕСТОВ", "ЕРЛАН", Usage::Auth);
    let sign = ca.person(&citizen_iin, "ТЕСТОВ", "ЕРЛАН", Usage::Sign);
    let revoked = ca.person(&iin(2), "ҚАЙТАРЫЛҒАН", "АЙГҮЛ", Usage::Auth);
    ca.revoke(&revoked);
    let somebody_sign = ca.person(&iin(3), "БАСҚА", "АДАМ", Usage::Sign);
    let head_sign = ca.employee(&head_iin, "БАСШЫ", "БОЛАТ", "АКИМАТ ГОРОДА АЛМАТЫ", AKIMAT_BIN, Usage::Sign);
    let head_auth = ca.employee(&head_iin, "БАСШЫ", "БОЛАТ", "АКИМАТ ГОРОДА АЛМАТЫ", AKIMAT_BIN, Usage::Auth);
    let foreign = stranger_ca.person(&citizen_iin, "ТЕСТОВ", "ЕРЛАН", Usage::Auth);

    let srv = Srv::start(&db, dir.path(), &ca);
    srv.ready().await;

    // Refusals, each with its reason, before anyone signs in.
    let c = srv.challenge().await;
    let (st, body, session) = srv.login(&pki::sign(&sign, &c, true), "ru").await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("eds_wrong_key_usage")), "{body}");
    assert!(session.is_none());
    let c = srv.challenge().await;
    let (st, body, _) = srv.login(&pki::sign(&revoked, &c, true), "kk").await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("eds_revoked")), "{body}");
    let kk_message = body["error"]["message"].as_str().unwrap().to_string();
    let c = srv.challenge().await;
    let (st, body, _) = srv.login(&pki::sign(&revoked, &c, true), "en").await;
    assert_ne!(
        body["error"]["message"].as_str().unwrap(),
        kk_message,
        "the message follows the caller's language"
    );
    assert_eq!(st, 401);
    let c = srv.challenge().await;
    let (st, body, _) = srv.login(&pki::sign(&foreign, &c, true), "ru").await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("eds_untrusted_chain")), "{body}");
    // Not a challenge of ours.
    let (st, body, _) = srv.login(&pki::sign(&auth, b"qala-eds-login made up", true), "ru").await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("eds_challenge_unknown")), "{body}");
    let (st, _, _) = srv.login(b"not a CMS at all", "ru").await;
    assert_eq!(st, 422);

    // The first sign-in of an IIN makes an applicant's account named from the certificate.
    let c = srv.challenge().await;
    let cms = pki::sign(&auth, &c, true);
    let (st, me, session) = srv.login(&cms, "ru").await;
    assert_eq!(st, 200, "{me}");
    assert_eq!(me["login"], citizen_iin.as_str());
    assert_eq!(me["roles"], json!(["applicant"]));
    assert_eq!(me["full_name"], "ТЕСТОВ ЕРЛАН ТЕСТОВИЧ");
    let citizen = session.unwrap();
    let (st, _, who) = srv.send(&Who::Session(&citizen), "GET", "/api/auth/me", None, None).await;
    assert_eq!((st, who["login"].as_str()), (200, Some(citizen_iin.as_str())));
    // A challenge is used once.
    let (st, body, _) = srv.login(&cms, "ru").await;
    assert_eq!((st, body["error"]["code"].as_str()), (401, Some("eds_challenge_unknown")), "{body}");
    // An account with that IIN signs in as itself: the akimat's head, by the organisation's key.
    let c = srv.challenge().await;
    let (st, me, head_session) = srv.login(&pki::sign(&head_auth, &c, true), "ru").await;
    assert_eq!((st, me["login"].as_str()), (200, Some("akimhead")), "{me}");
    let head = head_session.unwrap();
    // The journal names the method and the certificate, never the IIN.
    let events: Vec<(String, Value)> =
        sqlx::query_as("SELECT outcome, detail FROM events WHERE kind = 'login' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert!(events.iter().any(|(o, d)| o == "ok" && d["method"] == "eds"));
    assert!(events.iter().any(|(o, d)| o == "refused" && d["reason"] == "eds_revoked"));
    assert!(!events.iter().any(|(_, d)| d.to_string().contains(&citizen_iin)), "no IIN in the journal");

    // HC-1: the citizen applies for a housing certificate; the akimat approves it.
    let form = json!({"iin": citizen_iin, "full_name": "Тестов Ерлан Тестович", "phone": "+77011234567",
        "aid_kind": "social_aid", "requested_amount": 1500000, "bank_name": "Отбасы банк"});
    let (st, etag, app) = srv
        .send(
            &Who::Session(&citizen),
            "POST",
            "/api/applications",
            None,
            Some(json!({"service": "housing_certificate", "form": form})),
        )
        .await;
    assert_eq!(st, 201, "{app}");
    let id = app["id"].as_i64().unwrap();
    let etag = srv.upload(&Who::Session(&citizen), id, "identity_document", &etag).await;
    let etag = srv.upload(&Who::Session(&citizen), id, "bank_approval", &etag).await;
    let (st, etag, body) = srv
        .send(
            &Who::Session(&citizen),
            "POST",
            &format!("/api/applications/{id}/actions"),
            Some(&etag),
            Some(json!({"action": "submit"})),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let act = |who: &'static str, etag: String, action: Value| {
        let srv = &srv;
        async move {
            let (st, etag, body) = srv
                .send(
                    &Who::Basic(who),
                    "POST",
                    &format!("/api/applications/{id}/actions"),
                    Some(&etag),
                    Some(action),
                )
                .await;
            assert_eq!(st, 200, "{body}");
            etag
        }
    };
    let etag = act("housing1", etag, json!({"action": "claim", "stage": "housing_dept"})).await;
    let etag = act("housing1", etag, json!({"action": "forward", "stage": "housing_dept"})).await;
    let etag = act("housing1", etag, json!({"action": "claim", "stage": "commission"})).await;
    let etag = srv.upload(&Who::Basic("housing1"), id, "certificate_pdf", &etag).await;
    let etag = act(
        "housing1",
        etag,
        json!({"action": "approve", "stage": "commission", "values": {"certificate_number": "HC-2026-17"}}),
    )
    .await;
    let etag = act("akimhead", etag, json!({"action": "claim", "stage": "head"})).await;
    act("akimhead", etag, json!({"action": "approve", "stage": "head"})).await;

    let (st, headers, pdf) =
        srv.bytes(&Who::Session(&citizen), &format!("/api/applications/{id}/document.pdf")).await;
    assert_eq!(st, 200);
    let code = headers["qala-document"].to_str().unwrap().to_string();
    // One document for both parties: the akimat's copy is the applicant's.
    let (st, head_headers, head_pdf) =
        srv.bytes(&Who::Basic("akimhead"), &format!("/api/applications/{id}/document.pdf")).await;
    assert_eq!(st, 200);
    assert_eq!(head_headers["qala-document"].to_str().unwrap(), code);
    assert!(head_pdf == pdf, "the same bytes");
    let sigs_path = format!("/api/documents/{code}/signatures");
    let (st, _, list) = srv.send(&Who::Session(&citizen), "GET", &sigs_path, None, None).await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(
        list["required"],
        json!([{"party": "applicant", "signed": false}, {"party": "provider", "signed": false}])
    );
    assert_eq!((list["can_sign"].as_bool(), list["complete"].as_bool()), (Some(true), Some(false)));
    let (st, _, content) =
        srv.bytes(&Who::Session(&citizen), &format!("/api/documents/{code}/content")).await;
    assert_eq!((st, content == pdf), (200, true), "the signed bytes are the issued document");
    // Others do not see it at all.
    let (st, _, _) = srv.send(&Who::Anonymous, "GET", &sigs_path, None, None).await;
    assert_eq!(st, 404);

    // Refused signatures: someone else's certificate, a signature over other bytes.
    let post = |who: Who<'static>, cms: Vec<u8>| {
        let srv = &srv;
        let path = sigs_path.clone();
        async move { srv.send(&who, "POST", &path, None, Some(json!({"cms": B64.encode(cms)}))).await }
    };
    let citizen_s: &'static Session =
        Box::leak(Box::new(Session { cookie: citizen.cookie.clone(), csrf: citizen.csrf.clone() }));
    let head_s: &'static Session =
        Box::leak(Box::new(Session { cookie: head.cookie.clone(), csrf: head.csrf.clone() }));
    let (st, _, body) = post(Who::Session(citizen_s), pki::sign(&somebody_sign, &content, false)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (403, Some("signature_not_your_party")), "{body}");
    let (st, _, body) = post(Who::Session(citizen_s), pki::sign(&sign, b"other bytes", false)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (422, Some("eds_data_mismatch")), "{body}");
    let (st, _, body) = post(Who::Session(citizen_s), pki::sign(&auth, &content, false)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (422, Some("eds_wrong_key_usage")), "{body}");

    // Both parties sign.
    let (st, _, body) = post(Who::Session(citizen_s), pki::sign(&sign, &content, false)).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!((body["party"].as_str(), body["valid"].as_bool()), (Some("applicant"), Some(true)));
    let (st, _, body) = post(Who::Session(citizen_s), pki::sign(&sign, &content, false)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (409, Some("signature_already_made")), "{body}");
    // A reviewer of the akimat without the organisation's certificate cannot sign for it.
    let (st, _, body) = post(Who::Basic("housing1"), pki::sign(&somebody_sign, &content, false)).await;
    assert_eq!((st, body["error"]["code"].as_str()), (403, Some("signature_not_your_party")), "{body}");
    let (st, _, body) = post(Who::Session(head_s), pki::sign(&head_sign, &content, false)).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(body["party"], "provider");
    assert_eq!(body["bin"], AKIMAT_BIN);

    let (_, _, list) = srv.send(&Who::Basic("akimhead"), "GET", &sigs_path, None, None).await;
    assert_eq!(list["complete"], true, "{list}");
    let sigs = list["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    assert!(sigs.iter().all(|s| s["valid"] == true), "{list}");
    assert_eq!(sigs[0]["iin"], citizen_iin.as_str());

    // The public page lists both, each still valid, the applicant only by a masked IIN.
    let (st, _, html) = srv.bytes(&Who::Anonymous, &format!("/verify/{code}?lang=ru")).await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(st, 200);
    assert!(html.contains(r#"data-party="applicant" data-signature="valid""#), "{html}");
    assert!(html.contains(r#"data-party="provider" data-signature="valid""#), "{html}");
    assert!(html.contains(AKIMAT_BIN));
    assert!(!html.contains(&citizen_iin), "the applicant's IIN is not public");
    assert!(html.contains(&format!("**********{}", &citizen_iin[10..])));

    // Tampering with a stored signature shows: it no longer checks.
    sqlx::query("UPDATE document_signatures SET cms = $1 WHERE party = 'applicant'")
        .bind(pki::sign(&sign, b"something else", false))
        .execute(&db.pool)
        .await
        .unwrap();
    let (_, _, html) = srv.bytes(&Who::Anonymous, &format!("/verify/{code}?lang=ru")).await;
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains(r#"data-party="applicant" data-signature="invalid""#), "{html}");
    let journal: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'document_sign' AND outcome = 'ok'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(journal, 2);
}
