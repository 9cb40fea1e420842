//! EDS verification (issue 15): CMS signatures made by openssl with the NCA test keys and with a
//! test CA of our own in NCA's profile, judged at pinned times inside (and outside) the
//! certificates' validity; revocation by the recorded NCA OCSP answers and CRLs, by openssl's
//! OCSP responder (nonce echoed) and by base and delta CRLs; `qala eds` exit codes and JSON.
//! No test reaches the network: revocation answers come from a source the test controls.

#[path = "common/eds.rs"]
mod fx;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use qala::eds::cert::Cert;
use qala::eds::revocation::cache::Clock;
use qala::eds::revocation::crl::Crl;
use qala::eds::revocation::{BoxFuture, Checker, OcspReply, Options, Outcome, RevocationSource};
use qala::eds::roots::Anchor;
use qala::eds::{
    EdsConfig, KeyPurpose, Refusal, RevocationStatus, UnknownRevocationPolicy, Verdict, Verifier, chain,
};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

/// Revocation answers the test controls: recorded OCSP responses by serial, openssl's live
/// responder for the test CA, CRLs by URL; counts OCSP requests.
#[derive(Debug, Default)]
struct Source {
    recorded: HashMap<String, Vec<u8>>,
    live: bool,
    /// Answers every live request with this earlier response (a replay).
    replay: Mutex<Option<Vec<u8>>>,
    crls: HashMap<String, Vec<u8>>,
    ocsp_calls: AtomicUsize,
}

impl RevocationSource for Source {
    fn ocsp<'a>(
        &'a self,
        _url: &'a str,
        request: &'a [u8],
        serial: &'a str,
    ) -> BoxFuture<'a, Option<OcspReply>> {
        Box::pin(async move {
            self.ocsp_calls.fetch_add(1, Ordering::SeqCst);
            if let Some(der) = self.recorded.get(serial) {
                return Some(OcspReply { der: der.clone(), live: false });
            }
            if !self.live {
                return None;
            }
            if let Some(old) = self.replay.lock().expect("lock").clone() {
                return Some(OcspReply { der: old, live: true });
            }
            Some(OcspReply { der: fx::ocsp_answer(request), live: true })
        })
    }

    fn crl<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move { self.crls.get(url).cloned() })
    }
}

fn nca(p: &str) -> PathBuf {
    fx::nca().join(p)
}

fn config(roots: Vec<PathBuf>, crl_dirs: Vec<PathBuf>) -> EdsConfig {
    EdsConfig {
        roots,
        crl_dirs,
        ocsp_url: None,
        fetch_crls: true,
        unknown_revocation: UnknownRevocationPolicy::Refuse,
        timeout: Duration::from_secs(5),
    }
}

fn verifier(cfg: EdsConfig, source: Arc<Source>, now: DateTime<Utc>) -> Verifier {
    let clock: Clock = Arc::new(move || now);
    Verifier::with_source(cfg, source, clock).expect("verifier")
}

fn rsa_nca(source: Source, now: &str) -> Verifier {
    verifier(config(vec![nca("ca/nca_rsa_test.crt")], vec![nca("crl")]), Arc::new(source), t(now))
}

fn recorded_good() -> Source {
    let der = std::fs::read(nca("ocsp/ocsp_response_individual_sign_2004.bin")).expect("ocsp");
    Source {
        recorded: HashMap::from([("4279390A141F5353A62947B61ED65E81741467D1".to_string(), der)]),
        ..Default::default()
    }
}

fn refusal(v: &Verdict) -> Option<Refusal> {
    assert_eq!(v.signers.len(), 1);
    v.signers[0].refusal
}

const DATA: &[u8] = "Өтініш № 42: жер учаскесі / Заявление".as_bytes();

#[tokio::test]
async fn valid_rsa_cms_accepted_with_recorded_ocsp() {
    let (key, cert) = fx::nca_store("individual_valid_sign_2004");
    let cms = fx::cms_sign(&key, &cert, DATA, &["-nodetach"]);
    let v = rsa_nca(recorded_good(), "2022-09-02T17:00:00Z");
    let verdict = v.verify(&cms, None, KeyPurpose::Sign, t("2021-06-01T00:00:00Z")).await.expect("verdict");
    let s = &verdict.signers[0];
    assert!(verdict.valid, "{s:?}");
    assert_eq!(verdict.content.as_deref(), Some(DATA));
    assert_eq!(s.identity.iin.as_deref(), Some("123456789011"));
    assert_eq!(s.identity.surname.as_deref(), Some("ТЕСТОВ"));
    assert_eq!(s.identity.given_name.as_deref(), Some("ТЕСТ"));
    assert_eq!(s.identity.patronymic.as_deref(), Some("ТЕСТОВИЧ"));
    assert_eq!(s.certificate_serial, "4279390A141F5353A62947B61ED65E81741467D1");
    assert_eq!(s.algorithm, "RSA");
    assert_eq!(s.purpose, Some(KeyPurpose::Sign));
    assert_eq!(s.chain.len(), 2);
    assert!(s.chain[1].contains("ҰКО 3.0 (RSA TEST)"), "{:?}", s.chain);
    assert!(s.signing_time.is_some());
    assert!(matches!(s.revocation, RevocationStatus::Good { source: "ocsp", .. }), "{:?}", s.revocation);
    // The same signature without signed attributes, detached.
    let cms = fx::cms_sign(&key, &cert, DATA, &["-noattr", "-nosmimecap"]);
    let verdict =
        v.verify(&cms, Some(DATA), KeyPurpose::Sign, t("2021-06-01T00:00:00Z")).await.expect("verdict");
    assert!(verdict.valid, "{:?}", verdict.signers[0]);
    assert_eq!(verdict.content, None);
}

#[tokio::test]
async fn the_crl_answers_when_ocsp_is_silent_and_answers_are_cached() {
    let (key, cert) = fx::nca_store("individual_valid_sign_2004");
    let cms = fx::cms_sign(&key, &cert, DATA, &["-nodetach"]);
    let source = Arc::new(Source::default());
    let v = verifier(config(vec![nca("ca")], vec![nca("crl")]), source.clone(), t("2022-06-01T00:00:00Z"));
    let verdict = v.verify(&cms, None, KeyPurpose::Sign, t("2021-06-01T00:00:00Z")).await.expect("verdict");
    assert!(verdict.valid, "{:?}", verdict.signers[0]);
    assert!(matches!(verdict.signers[0].revocation, RevocationStatus::Good { source: "crl", .. }));
    // OCSP answered by the recorded response: the second verification asks no responder.
    let source = Arc::new(recorded_good());
    let v = verifier(config(vec![nca("ca")], vec![]), source.clone(), t("2022-09-02T17:00:00Z"));
    for _ in 0..3 {
        let verdict =
            v.verify(&cms, None, KeyPurpose::Sign, t("2021-06-01T00:00:00Z")).await.expect("verdict");
        assert!(verdict.valid);
    }
    assert_eq!(source.ocsp_calls.load(Ordering::SeqCst), 1, "OCSP answer cached");
}

#[tokio::test]
async fn revoked_by_the_nca_crl() {
    let (key, cert) = fx::nca_store("individual_sign_revoked_2004");
    let cms = fx::cms_sign(&key, &cert, DATA, &["-nodetach"]);
    let v = rsa_nca(Source::default(), "2022-06-01T00:00:00Z");
    let verdict = v.verify(&cms, None, KeyPurpose::Sign, t("2022-06-01T00:00:00Z")).await.expect("verdict");
    assert_eq!(refusal(&verdict), Some(Refusal::Revoked));
    match &verdict.signers[0].revocation {
        RevocationStatus::Revoked { revoked_at, source, .. } => {
            assert_eq!(*source, "crl");
            assert_eq!(*revoked_at, t("2022-01-18T04:40:24Z"));
        }
        other => panic!("{other:?}"),
    }
    // Before its revocation it was good.
    let verdict = v.verify(&cms, None, KeyPurpose::Sign, t("2022-01-18T04:40:00Z")).await.expect("verdict");
    assert!(verdict.valid, "{:?}", verdict.signers[0]);
}

#[tokio::test]
async fn expired_not_yet_valid_wrong_usage_and_other_data_refused() {
    let (key, cert) = fx::nca_store("individual_valid_sign_2004");
    let v = rsa_nca(recorded_good(), "2022-09-02T17:00:00Z");
    let attached = fx::cms_sign(&key, &cert, DATA, &["-nodetach"]);
    let at = |s| t(s);
    let r = v.verify(&attached, None, KeyPurpose::Sign, at("2022-06-01T00:00:00Z")).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::Expired));
    assert!(!r.valid);
    let r = v.verify(&attached, None, KeyPurpose::Sign, at("2020-06-01T00:00:00Z")).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::NotYetValid));
    let r = v.verify(&attached, None, KeyPurpose::Auth, at("2021-06-01T00:00:00Z")).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::WrongKeyUsage));
    assert_eq!(r.signers[0].revocation, RevocationStatus::NotChecked);
    let detached = fx::cms_sign(&key, &cert, DATA, &[]);
    let r = v
        .verify(&detached, Some(b"other data"), KeyPurpose::Sign, at("2021-06-01T00:00:00Z"))
        .await
        .expect("v");
    assert_eq!(refusal(&r), Some(Refusal::DataMismatch));
    let bare = fx::cms_sign(&key, &cert, DATA, &["-noattr"]);
    let r =
        v.verify(&bare, Some(b"other data"), KeyPurpose::Sign, at("2021-06-01T00:00:00Z")).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::BadSignature));
    assert_eq!(
        v.verify(&detached, None, KeyPurpose::Sign, at("2021-06-01T00:00:00Z")).await.err(),
        Some(qala::eds::EdsError::NoContent)
    );
    assert!(matches!(
        v.verify(b"not a cms", None, KeyPurpose::Sign, at("2021-06-01T00:00:00Z")).await,
        Err(qala::eds::EdsError::Unreadable(_))
    ));
    // A flipped byte in the signature value.
    let mut broken = attached.clone();
    let n = broken.len();
    broken[n - 10] ^= 1;
    let r = v.verify(&broken, None, KeyPurpose::Sign, at("2021-06-01T00:00:00Z")).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::BadSignature));
}

#[tokio::test]
async fn unknown_ca_and_a_copy_of_the_nca_name_refused() {
    let p = fx::pki();
    let v = rsa_nca(Source::default(), "2022-06-01T00:00:00Z");
    let now = Utc::now();
    let cms = fx::cms_sign(&p.sign.0, &p.sign.1, DATA, &["-nodetach"]);
    let r = v.verify(&cms, None, KeyPurpose::Sign, now).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::UntrustedChain));
    // The fake CA has the NCA CA's exact name and key identifier; only its key differs.
    let real = Cert::read_all(&std::fs::read(nca("ca/nca_rsa_test.crt")).expect("ca")).expect("ca").remove(0);
    let fake = Cert::read_all(&std::fs::read(&p.fake_ca).expect("fake")).expect("fake").remove(0);
    assert_eq!(fake.subject_der, real.subject_der);
    assert_eq!(fake.ski, real.ski);
    let person = Cert::read_all(&std::fs::read(&p.fake_person.1).expect("p")).expect("p").remove(0);
    assert!(person.names_issuer(&real), "the copy matches the anchor by name and key identifier");
    let cms = fx::cms_sign(
        &p.fake_person.0,
        &p.fake_person.1,
        DATA,
        &["-nodetach", "-certfile", p.fake_ca.to_str().expect("p")],
    );
    let r = v.verify(&cms, None, KeyPurpose::Sign, now).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::UntrustedChain));
}

fn own(source: Source, policy: UnknownRevocationPolicy) -> (Verifier, Arc<Source>) {
    let p = fx::pki();
    let source = Arc::new(source);
    let mut cfg = config(vec![p.ca.clone()], vec![]);
    cfg.unknown_revocation = policy;
    (verifier(cfg, source.clone(), Utc::now()), source)
}

#[tokio::test]
async fn own_ca_live_ocsp_with_nonce_good_and_revoked() {
    let p = fx::pki();
    let (v, source) = own(Source { live: true, ..Default::default() }, UnknownRevocationPolicy::Refuse);
    let now = Utc::now();
    let auth = fx::cms_sign(&p.auth.0, &p.auth.1, b"login challenge", &["-nodetach"]);
    let r = v.verify(&auth, None, KeyPurpose::Auth, now).await.expect("v");
    assert!(r.valid, "{:?}", r.signers[0]);
    assert_eq!(r.signers[0].identity.iin.as_deref(), Some("900101300123"));
    assert_eq!(r.signers[0].purpose, Some(KeyPurpose::Auth));
    assert!(matches!(r.signers[0].revocation, RevocationStatus::Good { source: "ocsp", .. }));
    let revoked = fx::cms_sign(&p.revoked.0, &p.revoked.1, DATA, &["-nodetach"]);
    let r = v.verify(&revoked, None, KeyPurpose::Sign, now).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::Revoked));
    assert!(
        matches!(&r.signers[0].revocation, RevocationStatus::Revoked { source: "ocsp", reason: Some(x), .. } if x == "key_compromise")
    );
    assert_eq!(source.ocsp_calls.load(Ordering::SeqCst), 2);

    // A replayed answer (another request's nonce) is refused; no CRL: unknown, refused or accepted by policy.
    let signed = fx::cms_sign(&p.sign.0, &p.sign.1, DATA, &["-nodetach"]);
    let cert = Cert::read_all(&std::fs::read(&p.sign.1).expect("c")).expect("c").remove(0);
    let ca = Cert::read_all(&std::fs::read(&p.ca).expect("c")).expect("c").remove(0);
    let old = qala::eds::revocation::ocsp::request(&cert, &ca).expect("req");
    let old_answer = fx::ocsp_answer(&old.der);
    for (policy, valid) in [(UnknownRevocationPolicy::Refuse, false), (UnknownRevocationPolicy::Accept, true)]
    {
        let (v, _) = own(
            Source { live: true, replay: Mutex::new(Some(old_answer.clone())), ..Default::default() },
            policy,
        );
        let r = v.verify(&signed, None, KeyPurpose::Sign, now).await.expect("v");
        assert_eq!(r.valid, valid, "{:?}", r.signers[0]);
        assert_eq!(r.signers[0].revocation, RevocationStatus::Unknown { accepted_by_policy: valid });
        if !valid {
            assert_eq!(refusal(&r), Some(Refusal::RevocationUnknown));
        }
    }
    // The same answer as a recorded one (no nonce to compare) is taken.
    let (v, _) = own(
        Source { recorded: HashMap::from([(cert.serial_hex.clone(), old_answer)]), ..Default::default() },
        UnknownRevocationPolicy::Refuse,
    );
    assert!(v.verify(&signed, None, KeyPurpose::Sign, now).await.expect("v").valid);
}

#[tokio::test]
async fn own_ca_delta_crl_revokes_what_the_base_does_not() {
    let p = fx::pki();
    let crls = HashMap::from([
        (fx::BASE_URL.to_string(), p.base_crl.clone()),
        (fx::DELTA_URL.to_string(), p.delta_crl.clone()),
    ]);
    let now = Utc::now();
    let revoked = fx::cms_sign(&p.revoked.0, &p.revoked.1, DATA, &["-nodetach"]);
    let (v, _) = own(Source { crls: crls.clone(), ..Default::default() }, UnknownRevocationPolicy::Refuse);
    let r = v.verify(&revoked, None, KeyPurpose::Sign, now).await.expect("v");
    assert_eq!(refusal(&r), Some(Refusal::Revoked));
    assert!(matches!(r.signers[0].revocation, RevocationStatus::Revoked { source: "crl", .. }));
    // Without the delta the base CRL says good.
    let base_only = HashMap::from([(fx::BASE_URL.to_string(), p.base_crl.clone())]);
    let (v, _) = own(Source { crls: base_only, ..Default::default() }, UnknownRevocationPolicy::Refuse);
    let r = v.verify(&revoked, None, KeyPurpose::Sign, now).await.expect("v");
    assert!(r.valid, "{:?}", r.signers[0]);
    assert!(matches!(r.signers[0].revocation, RevocationStatus::Good { source: "crl", .. }));
    let crl = Crl::parse(&p.delta_crl).expect("delta");
    assert!(crl.delta_base.is_some());
}

#[test]
fn roots_are_listed_with_their_facts() {
    let v = verifier(config(vec![nca("ca")], vec![nca("crl")]), Arc::new(Source::default()), Utc::now());
    let roots = v.roots();
    assert_eq!(roots.len(), 3);
    let rsa = roots.iter().find(|r| r.algorithm == "RSA").expect("rsa");
    assert_eq!(rsa.serial, "452A6437611C183FBF1EC5A1BA4920DD72148A9B");
    assert!(rsa.subject.contains("ҰКО 3.0 (RSA TEST)"));
    assert_eq!(rsa.sha256.len(), 64);
    assert!(roots.iter().any(|r| r.algorithm == "GOST 34.310-2004"));
    assert!(roots.iter().any(|r| r.algorithm == "GOST 34.10-2015"));
}

// GOST: these need crate::eds::gost::verify.

fn anchors() -> Vec<Anchor> {
    qala::eds::roots::load(&[nca("ca")]).expect("anchors")
}

fn cert_of(path: &std::path::Path) -> Cert {
    Cert::read_all(&std::fs::read(path).expect("read")).expect("cert").remove(0)
}

#[test]
fn gost_chains_2004_and_2015() {
    let leaf = cert_of(&nca("certs/ceo_valid_sign_2004_gost.cer"));
    assert_eq!(leaf.key_algorithm, "GOST 34.310-2004");
    let path = chain::build(&leaf, &[], &anchors()).expect("GOST 2004 chain");
    assert_eq!(path.len(), 2);
    assert!(path[1].subject.contains("ҰКО 3.0 (GOST TEST)"));
    let (_, c2015) = fx::nca_store("ceo_revoked_2015");
    let leaf = cert_of(&c2015);
    assert_eq!(leaf.key_algorithm, "GOST 34.10-2015");
    let path = chain::build(&leaf, &[], &anchors()).expect("GOST 2015 chain");
    assert!(path[1].subject.contains("(GOST) TEST 2022"));
    // A GOST certificate does not chain to the RSA CA.
    let rsa_only = qala::eds::roots::load(&[nca("ca/nca_rsa_test.crt")]).expect("rsa");
    assert!(chain::build(&cert_of(&nca("certs/ceo_valid_sign_2004_gost.cer")), &[], &rsa_only).is_err());
}

#[tokio::test]
async fn gost_revoked_by_recorded_ocsp_and_by_crl() {
    let anchors = anchors();
    let issuer_of = |c: &Cert| anchors.iter().find(|a| c.names_issuer(&a.cert)).expect("issuer").cert.clone();
    for (store, answer, serial) in [
        (
            "ceo_sign_revoked_2004",
            "ocsp_response_ceo_sign_2004_revoked.bin",
            "12E3E7B9966D09EB9CDA64251457E815C2A8DDED",
        ),
        (
            "ceo_revoked_2015",
            "ocsp_response_ceo_2015_revoked.bin",
            "3A90343E720594C55204B19CB9A402422EF0E622",
        ),
    ] {
        let (_, c) = fx::nca_store(store);
        let cert = cert_of(&c);
        let issuer = issuer_of(&cert);
        let der = std::fs::read(nca("ocsp").join(answer)).expect("ocsp");
        let source =
            Arc::new(Source { recorded: HashMap::from([(serial.to_string(), der)]), ..Default::default() });
        let clock: Clock = Arc::new(|| t("2022-09-02T17:05:00Z"));
        let checker = Checker::new(source, clock, Options { ocsp_url: None, fetch_crls: false }, vec![]);
        let out = checker.status(&cert, &issuer, t("2022-09-01T00:00:00Z")).await;
        assert!(matches!(out, Outcome::Revoked { source: "ocsp", .. }), "{store}: {out:?}");
        // The CA's CRL says the same.
        let crls = ["nca_gost_test.crl", "nca_gost2022_test.crl"]
            .iter()
            .map(|f| Crl::parse(&std::fs::read(nca("crl").join(f)).expect("crl")).expect("crl"))
            .collect();
        let clock: Clock = Arc::new(|| t("2022-09-02T17:05:00Z"));
        let checker = Checker::new(
            Arc::new(Source::default()),
            clock,
            Options { ocsp_url: None, fetch_crls: false },
            crls,
        );
        let out = checker.status(&cert, &issuer, t("2022-09-01T00:00:00Z")).await;
        assert!(matches!(out, Outcome::Revoked { source: "crl", .. }), "{store}: {out:?}");
    }
}

// The command line.

fn qala_eds(args: &[&str]) -> (i32, serde_json::Value) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qala"))
        .arg("eds")
        .args(args)
        .env("QALA_LANG", "en")
        .output()
        .expect("qala");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().expect("code"), json)
}

#[test]
fn cli_verify_exit_codes_and_json() {
    let (key, cert) = fx::nca_store("individual_valid_sign_2004");
    let cms = fx::cms_sign(&key, &cert, DATA, &["-nodetach"]);
    let file = fx::work().join("cli.p7s");
    std::fs::write(&file, &cms).expect("write");
    let roots = nca("ca/nca_rsa_test.crt");
    let crls = nca("crl");
    // OCSP to a closed local port, no CRL downloads: the local CRL answers.
    let common = [
        "--eds-roots",
        roots.to_str().expect("p"),
        "--eds-crl-dir",
        crls.to_str().expect("p"),
        "--eds-ocsp-url",
        "http://127.0.0.1:9/",
        "--eds-no-crl-fetch",
        "--eds-timeout",
        "2",
    ];
    let mut args = vec!["verify", "--cms", file.to_str().expect("p"), "--at", "2021-06-01T00:00:00Z"];
    args.extend(common);
    let (code, json) = qala_eds(&args);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["valid"], true);
    let s = &json["signers"][0];
    assert_eq!(s["identity"]["iin"], "123456789011");
    assert_eq!(s["certificate_serial"], "4279390A141F5353A62947B61ED65E81741467D1");
    assert_eq!(s["revocation"]["status"], "good");
    assert_eq!(s["revocation"]["source"], "crl");
    assert_eq!(s["chain"].as_array().map(Vec::len), Some(2));

    let mut args = vec!["verify", "--cms", file.to_str().expect("p"), "--at", "2022-06-01T00:00:00Z"];
    args.extend(common);
    let (code, json) = qala_eds(&args);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["valid"], false);
    assert_eq!(json["signers"][0]["refusal"], "expired");
    assert_eq!(json["signers"][0]["message"], "The certificate has expired");

    let junk = fx::work().join("junk.p7s");
    std::fs::write(&junk, b"\x30\x03\x02\x01\x01").expect("write");
    let mut args = vec!["verify", "--cms", junk.to_str().expect("p")];
    args.extend(common);
    let (code, json) = qala_eds(&args);
    assert_eq!(code, 2, "{json}");
    assert_eq!(json["error"], "eds_unreadable");

    let (code, json) = qala_eds(&["roots", "--eds-roots", nca("ca").to_str().expect("p")]);
    assert_eq!(code, 0);
    assert_eq!(json.as_array().map(Vec::len), Some(3));
}

#[test]
fn organisation_identity_and_usage_from_nca_certificates() {
    let ceo = cert_of(&nca("certs/ceo_valid_sign_2004_gost.cer"));
    let id = qala::eds::identity::identity(&ceo.cert.tbs_certificate.subject, &ceo.eku);
    assert_eq!(id.iin.as_deref(), Some("123456789011"));
    assert_eq!(id.bin.as_deref(), Some("123456789021"));
    assert_eq!(id.organisation.as_deref(), Some("АО \"ТЕСТ\""));
    assert_eq!(id.roles, vec!["head".to_string()]);
    assert_eq!(qala::eds::usage::purpose_of(&ceo), Some(KeyPurpose::Sign));
    let auth = cert_of(&nca("certs/individual_valid_sign_2004_rsa_auth.cer"));
    assert_eq!(qala::eds::usage::purpose_of(&auth), Some(KeyPurpose::Auth));
    assert!(!qala::eds::usage::allows(&auth, KeyPurpose::Sign));
    assert_eq!(
        qala::eds::usage::describe(&auth),
        ["digital_signature", "key_encipherment", "client_auth", "1.2.398.3.3.4.1.1"]
    );
}
