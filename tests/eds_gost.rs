//! GOST signatures, key stores and CMS signing against NCA's published test PKI
//! (`../shared/data/eds/`, or `$QALA_OPEN_DATA_DIR/eds`): CA signatures on certificates, CRLs and a
//! time-stamp token verify in NCA's byte order; every key store opens and its key matches its
//! certificate; CMS made here verifies with OpenSSL and with our own GOST code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use der::{Decode, Encode};
use qala::eds::gost;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

fn eds_dir() -> PathBuf {
    let data = std::env::var("QALA_OPEN_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    let dir = data.join("eds");
    assert!(dir.join("README.md").exists(), "NCA test PKI not found at {}", dir.display());
    dir
}

/// A file of the test PKI as DER (PEM files are decoded).
fn read_der(rel: &str) -> Vec<u8> {
    let bytes = std::fs::read(eds_dir().join(rel)).unwrap();
    if bytes.starts_with(b"-----BEGIN") {
        let (_, der) = der::pem::decode_vec(&bytes).unwrap();
        der
    } else {
        bytes
    }
}

fn cert(rel: &str) -> Certificate {
    Certificate::from_der(&read_der(rel)).unwrap()
}

fn spki_der(c: &Certificate) -> Vec<u8> {
    c.tbs_certificate.subject_public_key_info.to_der().unwrap()
}

/// Verifies `child`'s CA signature with `issuer`'s key.
fn verify_cert(child: &Certificate, issuer: &Certificate) -> Result<(), gost::GostError> {
    gost::verify(
        &child.signature_algorithm.oid.to_string(),
        &spki_der(issuer),
        &child.tbs_certificate.to_der().unwrap(),
        child.signature.raw_bytes(),
    )
}

fn verify_crl(crl: &CertificateList, issuer: &Certificate) -> Result<(), gost::GostError> {
    gost::verify(
        &crl.signature_algorithm.oid.to_string(),
        &spki_der(issuer),
        &crl.tbs_cert_list.to_der().unwrap(),
        crl.signature.raw_bytes(),
    )
}

#[test]
fn gost_2004_certificate_signed_by_its_ca() {
    let ca = cert("ca/nca_gost_test.crt");
    let ceo = cert("certs/ceo_valid_sign_2004_gost.cer");
    assert_eq!(ceo.signature_algorithm.oid.to_string(), gost::oid::GOST2004_SIGNATURE);
    verify_cert(&ceo, &ca).unwrap();

    // One flipped bit anywhere (signed data or signature) fails.
    let tbs = ceo.tbs_certificate.to_der().unwrap();
    let sig = ceo.signature.raw_bytes().to_vec();
    let alg = gost::oid::GOST2004_SIGNATURE;
    for i in [0, 100, tbs.len() - 1] {
        let mut bad = tbs.clone();
        bad[i] ^= 0x01;
        assert!(gost::verify(alg, &spki_der(&ca), &bad, &sig).is_err(), "tbs byte {i}");
    }
    for i in [0, 31, 32, 63] {
        let mut bad = sig.clone();
        bad[i] ^= 0x80;
        assert!(gost::verify(alg, &spki_der(&ca), &tbs, &bad).is_err(), "signature byte {i}");
    }
    // The certificate does not verify with its own key, nor with the 2015 CA's.
    assert!(verify_cert(&ceo, &ceo).is_err());
    assert!(verify_cert(&ceo, &cert("ca/nca_gost2015_test.cer")).is_err());
}

#[test]
fn gost_crls_signed_by_their_cas() {
    let crl2004 = CertificateList::from_der(&read_der("crl/nca_gost_test.crl")).unwrap();
    verify_crl(&crl2004, &cert("ca/nca_gost_test.crt")).unwrap();

    let crl2015 = CertificateList::from_der(&read_der("crl/nca_gost2022_test.crl")).unwrap();
    assert_eq!(crl2015.signature_algorithm.oid.to_string(), gost::oid::GOST2015_512_SIGNATURE);
    verify_crl(&crl2015, &cert("ca/nca_gost2015_test.cer")).unwrap();

    // Crossed over they fail: wrong kind of key, and a 512-bit signature cut short.
    assert!(verify_crl(&crl2004, &cert("ca/nca_gost2015_test.cer")).is_err());
    assert!(verify_crl(&crl2015, &cert("ca/nca_gost_test.crt")).is_err());
    let mut bad = crl2015.signature.raw_bytes().to_vec();
    bad[70] ^= 0x04;
    assert!(
        gost::verify(
            gost::oid::GOST2015_512_SIGNATURE,
            &spki_der(&cert("ca/nca_gost2015_test.cer")),
            &crl2015.tbs_cert_list.to_der().unwrap(),
            &bad,
        )
        .is_err()
    );
}

/// NCA's time-stamp token is a GOST 2004 CMS: it pins the digest's byte order in
/// `messageDigest` (GOST 34.311-95 with the test S-box) and the signature over signed attributes.
#[test]
fn gost_2004_time_stamp_token() {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;

    let token = ContentInfo::from_der(&read_der("tsp/tsp_token.bin")).unwrap();
    let sd: SignedData = token.content.decode_as().unwrap();
    let tst_info = sd.encap_content_info.econtent.as_ref().unwrap();
    let tst_info = der::asn1::OctetString::from_der(&tst_info.to_der().unwrap()).unwrap();

    let tsa = match sd.certificates.as_ref().unwrap().0.iter().next().unwrap() {
        cms::cert::CertificateChoices::Certificate(c) => c.clone(),
        _ => panic!("a certificate"),
    };
    verify_cert(&tsa, &cert("ca/nca_gost_test.crt")).unwrap();

    let si = sd.signer_infos.0.iter().next().unwrap();
    assert_eq!(si.digest_alg.oid.to_string(), gost::oid::GOST34311_95);
    let attrs = si.signed_attrs.as_ref().unwrap();
    let md = attrs
        .iter()
        .find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
        .unwrap()
        .values
        .iter()
        .next()
        .unwrap()
        .decode_as::<der::asn1::OctetString>()
        .unwrap();
    assert_eq!(gost::digest(gost::oid::GOST34311_95, tst_info.as_bytes()).unwrap(), md.as_bytes());

    let signed = attrs.to_der().unwrap();
    gost::verify(&si.signature_algorithm.oid.to_string(), &spki_der(&tsa), &signed, si.signature.as_bytes())
        .unwrap();
    assert!(
        gost::verify(
            &si.signature_algorithm.oid.to_string(),
            &spki_der(&tsa),
            tst_info.as_bytes(),
            si.signature.as_bytes(),
        )
        .is_err()
    );
}

use qala::eds::keystore::{KeyStore, KeyStoreError, PrivateKey};

/// Every key store of the test PKI: path, password, GOST kind (`None` for RSA).
const KEY_STORES: [(&str, &str, Option<gost::GostKind>); 6] = [
    ("keys/individual_valid_sign_2004.p12", "Qwerty12", None),
    ("keys/individual_auth_revoked_2004.p12", "Qwerty12", None),
    ("keys/individual_sign_revoked_2004.p12", "Qwerty12", None),
    ("keys/ceo_sign_revoked_2004.p12", "Qwerty12", Some(gost::GostKind::Gost2004)),
    ("keys/individual_valid_2015.p12", "Aa123456", Some(gost::GostKind::Gost2015_512)),
    ("keys/ceo_revoked_2015.p12", "Aa123456", Some(gost::GostKind::Gost2015_512)),
];

fn store(rel: &str, password: &str) -> KeyStore {
    KeyStore::from_pkcs12(&read_der(rel), password).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn every_key_store_opens_and_its_key_is_its_certificates() {
    for (rel, password, kind) in KEY_STORES {
        let ks = store(rel, password);
        let c = Certificate::from_der(ks.certificate_der()).unwrap();
        assert_eq!(ks.key().public_key_info_der().unwrap(), spki_der(&c), "{rel}");
        let got = match ks.key() {
            PrivateKey::Gost(k) => Some(k.kind()),
            PrivateKey::Rsa(_) => None,
        };
        assert_eq!(got, kind, "{rel}: key kind");
        for der in ks.chain_der() {
            Certificate::from_der(der).unwrap();
        }
    }
}

#[test]
fn key_store_certificates_chain_to_the_test_cas() {
    let gost = store("keys/individual_valid_2015.p12", "Aa123456");
    let c = Certificate::from_der(gost.certificate_der()).unwrap();
    assert_eq!(c.signature_algorithm.oid.to_string(), gost::oid::GOST2015_512_SIGNATURE);
    verify_cert(&c, &cert("ca/nca_gost2015_test.cer")).unwrap();
    assert!(verify_cert(&c, &cert("ca/nca_gost_test.crt")).is_err());

    let revoked = store("keys/ceo_revoked_2015.p12", "Aa123456");
    verify_cert(
        &Certificate::from_der(revoked.certificate_der()).unwrap(),
        &cert("ca/nca_gost2015_test.cer"),
    )
    .unwrap();

    let gost2004 = store("keys/ceo_sign_revoked_2004.p12", "Qwerty12");
    verify_cert(&Certificate::from_der(gost2004.certificate_der()).unwrap(), &cert("ca/nca_gost_test.crt"))
        .unwrap();
}

#[test]
fn key_store_refuses_a_wrong_password() {
    for (rel, _, _) in [KEY_STORES[0], KEY_STORES[3], KEY_STORES[4]] {
        let err = KeyStore::from_pkcs12(&read_der(rel), "wrong-password").unwrap_err();
        assert!(matches!(err, KeyStoreError::WrongPassword), "{rel}: {err}");
    }
    let mut damaged = read_der(KEY_STORES[0].0);
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x55;
    assert!(KeyStore::from_pkcs12(&damaged, "Qwerty12").is_err());
}

/// A GOST 2015 key from NCA's store signs, and its certificate's key verifies that signature.
#[test]
fn nca_gost_key_signs_and_its_certificate_verifies() {
    let ks = store("keys/individual_valid_2015.p12", "Aa123456");
    let PrivateKey::Gost(key) = ks.key() else { panic!("a GOST key") };
    let c = Certificate::from_der(ks.certificate_der()).unwrap();
    let mut rng = rand::rng();
    let sig = gost::sign(gost::oid::GOST2015_512_SIGNATURE, key, b"hello", &mut rng).unwrap();
    gost::verify(gost::oid::GOST2015_512_SIGNATURE, &spki_der(&c), b"hello", &sig).unwrap();
    assert!(gost::verify(gost::oid::GOST2015_512_SIGNATURE, &spki_der(&c), b"hellO", &sig).is_err());
}

// ---- CMS signing -------------------------------------------------------------------------------

use std::process::Command;

use chrono::{DateTime, TimeZone, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerInfo};
use qala::eds::sign::{SignError, sign_cms, sign_cms_with};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 6, 1, 12, 0, 0).unwrap()
}

fn signed_data(cms_der: &[u8]) -> SignedData {
    let ci = ContentInfo::from_der(cms_der).unwrap();
    assert_eq!(ci.content_type, const_oid::db::rfc5911::ID_SIGNED_DATA);
    ci.content.decode_as().unwrap()
}

fn attr_oids(si: &SignerInfo) -> Vec<String> {
    let mut v: Vec<String> = si.signed_attrs.as_ref().unwrap().iter().map(|a| a.oid.to_string()).collect();
    v.sort();
    v
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl").args(args).output().expect("openssl on PATH (scripts/setup.sh installs it)")
}

/// `openssl cms -verify -noverify` (signature and digests, not the expired test chain).
fn openssl_verifies(
    dir: &std::path::Path,
    cms_der: &[u8],
    detached_content: Option<&[u8]>,
) -> (bool, Vec<u8>) {
    let cms_path = dir.join("sig.p7s");
    std::fs::write(&cms_path, cms_der).unwrap();
    let out_path = dir.join("out.bin");
    let mut args = vec!["cms", "-verify", "-noverify", "-binary", "-inform", "DER", "-in"];
    args.push(cms_path.to_str().unwrap());
    args.extend(["-out", out_path.to_str().unwrap()]);
    let content_path = dir.join("content.bin");
    if let Some(c) = detached_content {
        std::fs::write(&content_path, c).unwrap();
        args.extend(["-content", content_path.to_str().unwrap()]);
    }
    let out = openssl(&args);
    (out.status.success(), std::fs::read(&out_path).unwrap_or_default())
}

#[test]
fn rsa_cms_verifies_with_openssl_attached_and_detached() {
    let dir = tempfile::tempdir().unwrap();
    let ks = store("keys/individual_valid_sign_2004.p12", "Qwerty12");
    let data = b"{\"challenge\":\"qala-login\",\"n\":1}\n\x00binary\xff".to_vec();

    let attached = sign_cms(&ks, &data, false, at()).unwrap();
    let (ok, content) = openssl_verifies(dir.path(), &attached, None);
    assert!(ok, "attached CMS verifies");
    assert_eq!(content, data);

    let detached = sign_cms(&ks, &data, true, at()).unwrap();
    assert!(signed_data(&detached).encap_content_info.econtent.is_none());
    assert!(openssl_verifies(dir.path(), &detached, Some(&data)).0, "detached CMS verifies");
    assert!(!openssl_verifies(dir.path(), &detached, Some(b"other bytes")).0, "other content fails");

    // A flipped byte in the signature fails.
    let mut bad = attached.clone();
    let n = bad.len();
    bad[n - 5] ^= 0x01;
    assert!(!openssl_verifies(dir.path(), &bad, None).0);
}

/// Our CMS has the shape OpenSSL gives to the same signing: one signer by issuer and serial,
/// sha256, the same signed attributes, the certificate included, the content as id-data.
#[test]
fn rsa_cms_has_the_structure_openssl_makes() {
    use rsa::pkcs8::EncodePrivateKey;
    let dir = tempfile::tempdir().unwrap();
    let ks = store("keys/individual_valid_sign_2004.p12", "Qwerty12");
    let PrivateKey::Rsa(k) = ks.key() else { panic!("an RSA key") };
    let key_pem = dir.path().join("key.pem");
    k.write_pkcs8_pem_file(&key_pem, der::pem::LineEnding::LF).unwrap();
    let cert_pem = dir.path().join("cert.pem");
    std::fs::write(
        &cert_pem,
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, ks.certificate_der()).unwrap(),
    )
    .unwrap();
    let content = dir.path().join("data.bin");
    std::fs::write(&content, b"document").unwrap();
    let theirs_path = dir.path().join("theirs.p7s");
    let out = openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-nosmimecap",
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-in",
        content.to_str().unwrap(),
        "-signer",
        cert_pem.to_str().unwrap(),
        "-inkey",
        key_pem.to_str().unwrap(),
        "-out",
        theirs_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs = signed_data(&std::fs::read(&theirs_path).unwrap());
    let ours = signed_data(&sign_cms(&ks, b"document", false, at()).unwrap());

    assert_eq!(ours.version, theirs.version);
    assert_eq!(ours.encap_content_info.econtent_type, theirs.encap_content_info.econtent_type);
    assert_eq!(ours.encap_content_info.econtent, theirs.encap_content_info.econtent);
    assert_eq!(ours.digest_algorithms, theirs.digest_algorithms);
    assert_eq!(ours.certificates, theirs.certificates);
    assert!(ours.crls.is_none() && theirs.crls.is_none());
    let (o, t) = (ours.signer_infos.0.get(0).unwrap(), theirs.signer_infos.0.get(0).unwrap());
    assert_eq!((ours.signer_infos.0.len(), theirs.signer_infos.0.len()), (1, 1));
    assert_eq!(o.version, t.version);
    assert_eq!(o.sid, t.sid);
    assert_eq!(o.digest_alg, t.digest_alg);
    assert_eq!(attr_oids(o), attr_oids(t));
    let md = |si: &SignerInfo| {
        si.signed_attrs
            .as_ref()
            .unwrap()
            .iter()
            .find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST)
            .unwrap()
            .values
            .clone()
    };
    assert_eq!(md(o), md(t));
    // OpenSSL names the signature rsaEncryption, NCALayer (and we) sha256WithRSAEncryption.
    assert_eq!(t.signature_algorithm.oid.to_string(), "1.2.840.113549.1.1.1");
    assert_eq!(o.signature_algorithm.oid.to_string(), "1.2.840.113549.1.1.11");
    assert!(o.unsigned_attrs.is_none());
}

/// GOST CMS (2004 and 2015 keys of NCA's stores): messageDigest and the signature over the signed
/// attributes check out with our GOST code and the certificate inside.
#[test]
fn gost_cms_verifies_with_the_certificate_inside() {
    for (rel, password) in
        [("keys/ceo_sign_revoked_2004.p12", "Qwerty12"), ("keys/individual_valid_2015.p12", "Aa123456")]
    {
        let ks = store(rel, password);
        let PrivateKey::Gost(key) = ks.key() else { panic!("a GOST key") };
        let kind = key.kind();
        for detached in [false, true] {
            let sd = signed_data(&sign_cms(&ks, b"document", detached, at()).unwrap());
            assert_eq!(sd.encap_content_info.econtent.is_none(), detached);
            let si = sd.signer_infos.0.get(0).unwrap();
            assert_eq!(si.digest_alg.oid.to_string(), kind.digest_oid(), "{rel}");
            assert_eq!(si.signature_algorithm.oid.to_string(), kind.signature_oid(), "{rel}");
            let cert = match sd.certificates.as_ref().unwrap().0.get(0).unwrap() {
                cms::cert::CertificateChoices::Certificate(c) => c.clone(),
                _ => panic!("a certificate"),
            };
            assert_eq!(cert.to_der().unwrap(), ks.certificate_der());
            let attrs = si.signed_attrs.as_ref().unwrap();
            let md = attrs.iter().find(|a| a.oid == const_oid::db::rfc5911::ID_MESSAGE_DIGEST).unwrap();
            let md: der::asn1::OctetString = md.values.get(0).unwrap().decode_as().unwrap();
            assert_eq!(md.as_bytes(), gost::digest(kind.digest_oid(), b"document").unwrap());
            let signed = attrs.to_der().unwrap();
            gost::verify(kind.signature_oid(), &spki_der(&cert), &signed, si.signature.as_bytes()).unwrap();
            let mut bad = signed.clone();
            let n = bad.len();
            bad[n - 1] ^= 1;
            assert!(
                gost::verify(kind.signature_oid(), &spki_der(&cert), &bad, si.signature.as_bytes()).is_err()
            );
        }
        // The key written back as PKCS#8 in NCA's form reads to the same key.
        let again = gost::GostPrivateKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
        assert_eq!(again.public_key_info_der(), key.public_key_info_der());
    }
}

/// A key and certificate made by the test itself (openssl) sign through `sign_cms_with`; a key
/// that is not the certificate's is refused.
#[test]
fn sign_with_an_own_key_and_certificate() {
    use rsa::pkcs8::DecodePrivateKey;
    let dir = tempfile::tempdir().unwrap();
    let key_pem = dir.path().join("k.pem");
    let cert_pem = dir.path().join("c.pem");
    let out = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=Qala test/C=KZ",
        "-days",
        "2",
        "-keyout",
        key_pem.to_str().unwrap(),
        "-out",
        cert_pem.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = rsa::RsaPrivateKey::read_pkcs8_pem_file(&key_pem).unwrap();
    let (_, cert_der) = der::pem::decode_vec(&std::fs::read(&cert_pem).unwrap()).unwrap();
    let cms = sign_cms_with(&PrivateKey::Rsa(key), &cert_der, b"x", false, Utc::now()).unwrap();
    assert!(openssl_verifies(dir.path(), &cms, None).0);

    let nca = store("keys/individual_valid_sign_2004.p12", "Qwerty12");
    assert!(matches!(sign_cms_with(nca.key(), &cert_der, b"x", false, at()), Err(SignError::KeyMismatch)));
    assert!(matches!(
        sign_cms_with(nca.key(), b"not a certificate", b"x", false, at()),
        Err(SignError::BadCertificate)
    ));
}

#[test]
fn debug_output_shows_no_key_material() {
    let rsa = store("keys/individual_valid_sign_2004.p12", "Qwerty12");
    let text = format!("{rsa:?}");
    assert!(text.contains("PrivateKey::Rsa(2048 bits)"), "{text}");
    assert!(!text.contains("primes") && !text.contains(" d:"), "{text}");
    assert!(text.len() < 200, "no certificate bytes: {text}");
    let gost = store("keys/individual_valid_2015.p12", "Aa123456");
    assert!(format!("{:?}", gost.key()).contains("Gost2015_512"));
}
