//! The raw math against GOST R 34.10-2012 appendix A.1 (RFC 7091 §7.1), and sign/verify round
//! trips in NCA's byte order for every kind.

use super::*;
use rand::SeedableRng;

fn hex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).unwrap()
}

/// The 256-bit test curve of GOST R 34.10-2012 appendix A.1 (RFC 7091 §7.1).
fn example_curve() -> Curve {
    Curve {
        name: "GOST R 34.10-2012 A.1 test curve",
        p: hex("8000000000000000000000000000000000000000000000000000000000000431"),
        a: BigUint::from(7u32),
        b: hex("5FBFF498AA938CE739B8E022FBAFEF40563F6E6A3472FC2A514C0CE9DAE23B7E"),
        q: hex("8000000000000000000000000000000150FE8A1892976154C59CFC193ACCF5B3"),
        gx: BigUint::from(2u32),
        gy: hex("08E2A8A0E65147D4BD6316030E16D19C85C97F0A9CA267122B96ABBCEA7E8FC8"),
        size: 32,
    }
}

#[test]
fn gost_r_34_10_2012_appendix_a1_example() {
    let curve = example_curve();
    let d = hex("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28");
    let e = hex("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5");
    let k = hex("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3");
    let (qx, qy) = curve.to_affine(&curve.mul(&d, &curve.generator())).unwrap();
    assert_eq!(qx, hex("7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B"));
    assert_eq!(qy, hex("26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA"));
    let (r, s) = sign_with_k(&curve, &d, &e, &k).unwrap();
    assert_eq!(r, hex("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493"));
    assert_eq!(s, hex("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40"));

    // The same signature verifies in NCA's byte order (e and r‖s little-endian) ...
    let hash = le_fixed(&e, 32);
    let mut sig = le_fixed(&r, 32);
    sig.extend(le_fixed(&s, 32));
    verify_digest(&curve, &qx, &qy, &hash, &sig).unwrap();
    // ... and not after any single bit of it flips.
    for bit in [0, 7, 100, 255, 256, 300, 511] {
        let mut bad = sig.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(verify_digest(&curve, &qx, &qy, &hash, &bad).is_err(), "bit {bit}");
    }
    let mut bad_hash = hash.clone();
    bad_hash[0] ^= 1;
    assert!(verify_digest(&curve, &qx, &qy, &bad_hash, &sig).is_err());
}

#[test]
fn sign_verify_round_trip_for_every_kind() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
    for kind in [GostKind::Gost2004, GostKind::Gost2015_256, GostKind::Gost2015_512] {
        let key = GostPrivateKey::generate(kind, &mut rng);
        let spki = key.public_key_info_der();
        let message = b"Qala: document to sign";
        let sig = sign(kind.signature_oid(), &key, message, &mut rng).unwrap();
        assert_eq!(sig.len(), 2 * key.curve().size);
        verify(kind.signature_oid(), &spki, message, &sig).unwrap();

        assert!(matches!(
            verify(kind.signature_oid(), &spki, b"another document", &sig),
            Err(GostError::Invalid)
        ));
        let mut flipped = sig.clone();
        flipped[3] ^= 0x10;
        assert!(verify(kind.signature_oid(), &spki, message, &flipped).is_err());
        assert!(matches!(
            verify(kind.signature_oid(), &spki, message, &sig[1..]),
            Err(GostError::BadSignatureLength(_))
        ));

        // Another key's SPKI does not accept it; a signature OID of another kind is refused.
        let other = GostPrivateKey::generate(kind, &mut rng).public_key_info_der();
        assert!(verify(kind.signature_oid(), &other, message, &sig).is_err());
        let wrong_kind = if kind == GostKind::Gost2004 { GostKind::Gost2015_512 } else { GostKind::Gost2004 };
        assert!(matches!(
            verify(wrong_kind.signature_oid(), &spki, message, &sig),
            Err(GostError::KeyMismatch)
        ));
        assert!(matches!(
            verify("1.2.840.113549.1.1.11", &spki, message, &sig),
            Err(GostError::UnknownAlgorithm(_))
        ));

        // PKCS#8 in NCA's form reads back to the same key.
        let again = GostPrivateKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
        assert_eq!(again.public_key_info_der(), spki);
    }
}

#[test]
fn digests_by_oid() {
    assert_eq!(digest(oid::GOST34311_95, b"abc").unwrap().len(), 32);
    assert_eq!(digest(oid::STREEBOG_256, b"abc").unwrap().len(), 32);
    assert_eq!(digest(oid::STREEBOG_512, b"abc").unwrap().len(), 64);
    assert_eq!(digest("2.16.840.1.101.3.4.2.1", b"abc"), None);
    // Streebog-512 of the empty string (GOST 34.11-2012 / RFC 6986 reference value).
    assert_eq!(
        hex::encode(digest(oid::STREEBOG_512, b"").unwrap()),
        "8e945da209aa869f0455928529bcae4679e9873ab707b55315f56ceb98bef0a7\
         362f715528356ee83cda5f2aac4c6ad2ba3a715c1bcd81cb8e9f90bf4c1c1a8a"
    );
}

#[test]
fn malformed_public_keys_are_refused() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let key = GostPrivateKey::generate(GostKind::Gost2004, &mut rng);
    let sig = sign(oid::GOST2004_SIGNATURE, &key, b"m", &mut rng).unwrap();
    assert!(matches!(
        verify(oid::GOST2004_SIGNATURE, b"\x30\x03\x02\x01\x00", b"m", &sig),
        Err(GostError::BadPublicKey)
    ));
    // A point off the curve: change one byte of y inside the SPKI.
    let mut spki = key.public_key_info_der();
    let last = spki.len() - 1;
    spki[last] ^= 1;
    assert!(matches!(verify(oid::GOST2004_SIGNATURE, &spki, b"m", &sig), Err(GostError::BadPublicKey)));
}
