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
