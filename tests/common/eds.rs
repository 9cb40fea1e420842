//! Fixtures of the EDS tests: the NCA test material of `../shared/data/eds/`, keys taken out of
//! its PKCS#12 stores and CMS signatures made by openssl, and a test CA of our own in NCA's
//! person profile (SIGN, AUTH, a revoked SIGN, an OCSP responder, base and delta CRLs).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `<open data>/eds`.
pub fn nca() -> PathBuf {
    let open = std::env::var("QALA_OPEN_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
    open.join("eds")
}

/// Runs openssl (or another program) in `dir`, panicking with its error output on failure.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(program).args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

pub fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    run(dir, "openssl", args)
}

/// The working directory of this test run (kept for the process's life).
pub fn work() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir")).path()
}

/// Key and certificate (PEM files) of an NCA 2004 key store (RSA or GOST; openssl reads both
/// stores' certificates, and RSA keys).
pub fn nca_store(name: &str) -> (PathBuf, PathBuf) {
    let dir = work();
    // Tests run in parallel and share the files: one extracts, the others wait for it.
    static EXTRACTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one_at_a_time = EXTRACTING.lock().unwrap_or_else(|p| p.into_inner());
    let p12 = nca().join("keys").join(format!("{name}.p12"));
    let p12 = p12.to_str().expect("path");
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.crt"));
    if !cert.exists() {
        let pass = if name.contains("2015") { "pass:Aa123456" } else { "pass:Qwerty12" };
        openssl(
            dir,
            &[
                "pkcs12",
                "-legacy",
                "-in",
                p12,
                "-passin",
                pass,
                "-nokeys",
                "-clcerts",
                "-out",
                cert.to_str().expect("path"),
            ],
        );
        if !name.contains("gost") && !name.starts_with("ceo") && !name.contains("2015") {
            openssl(
                dir,
                &[
                    "pkcs12",
                    "-legacy",
                    "-in",
                    p12,
                    "-passin",
                    pass,
                    "-nocerts",
                    "-nodes",
                    "-out",
                    key.to_str().expect("path"),
                ],
            );
        }
    }
    (key, cert)
}

/// A CMS (DER) over `data` by `key`/`cert`; `extra` are openssl cms flags (`-nodetach`,
/// `-noattr`, `-certfile F`).
pub fn cms_sign(key: &Path, cert: &Path, data: &[u8], extra: &[&str]) -> Vec<u8> {
    let dir = work();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let input = dir.join(format!("data-{n}.bin"));
    std::fs::write(&input, data).expect("write");
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-outform",
        "DER",
        "-in",
        input.to_str().expect("p"),
        "-signer",
        cert.to_str().expect("p"),
        "-inkey",
        key.to_str().expect("p"),
    ];
    args.extend_from_slice(extra);
    openssl(dir, &args)
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Our own test CA in NCA's profile.
#[derive(Debug)]
pub struct TestPki {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub sign: (PathBuf, PathBuf),
    pub auth: (PathBuf, PathBuf),
    pub revoked: (PathBuf, PathBuf),
    /// A CA cert copying the NCA RSA CA's name and key identifier, and a person it issued.
    pub fake_ca: PathBuf,
    pub fake_person: (PathBuf, PathBuf),
    pub base_crl: Vec<u8>,
    pub delta_crl: Vec<u8>,
}

pub const OCSP_URL: &str = "http://127.0.0.1:9/ocsp";
pub const BASE_URL: &str = "http://127.0.0.1:9/base.crl";
pub const DELTA_URL: &str = "http://127.0.0.1:9/delta.crl";

const CNF: &str = r#"
[ca]
default_ca = t
[t]
database = index.txt
new_certs_dir = issued
serial = serial
crlnumber = crlnumber
default_md = sha256
default_days = 365
default_crl_days = 30
policy = any
unique_subject = no
string_mask = utf8only
[any]
countryName = optional
commonName = optional
surname = optional
serialNumber = optional
organizationName = optional
organizationalUnitName = optional
givenName = optional
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[fake_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = A6:8C:16:33:7C:B8:E8:35:67:06:3E:5E:41:57:55:A2:AF:34:50:68
[sign]
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection, 1.2.398.3.3.4.1.1
certificatePolicies = 1.2.398.3.3.2.3
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
crlDistributionPoints = URI:http://127.0.0.1:9/base.crl
freshestCRL = URI:http://127.0.0.1:9/delta.crl
[auth]
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth, 1.2.398.3.3.4.1.1
certificatePolicies = 1.2.398.3.3.2.4
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
crlDistributionPoints = URI:http://127.0.0.1:9/base.crl
[ocsp]
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
authorityKeyIdentifier = keyid
[delta]
2.5.29.27 = critical, DER:02:01:01
"#;

const PERSON: &str = "/CN=ТЕСТОВ ТЕСТ/SN=ТЕСТОВ/serialNumber=IIN900101300123/C=KZ/GN=ТЕСТОВИЧ";

fn issue(dir: &Path, name: &str, subject: &str, ext: &str, ca: (&str, &str)) -> (PathBuf, PathBuf) {
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let crt = format!("{name}.crt");
    openssl(
        dir,
        &[
            "req", "-config", "ca.cnf", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out",
            &csr, "-subj", subject, "-utf8",
        ],
    );
    openssl(
        dir,
        &[
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-cert",
            ca.0,
            "-keyfile",
            ca.1,
            "-in",
            &csr,
            "-out",
            &crt,
            "-extensions",
            ext,
            "-notext",
        ],
    );
    (dir.join(key), dir.join(crt))
}

/// Builds the test PKI once.
pub fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = work().join("pki");
        std::fs::create_dir_all(dir.join("issued")).expect("mkdir");
        std::fs::write(dir.join("ca.cnf"), CNF).expect("cnf");
        std::fs::write(dir.join("index.txt"), "").expect("index");
        std::fs::write(dir.join("serial"), "1000\n").expect("serial");
        std::fs::write(dir.join("crlnumber"), "01\n").expect("crlnumber");
        openssl(
            &dir,
            &[
                "req",
                "-config",
                "ca.cnf",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-subj",
                "/C=KZ/CN=QALA TEST CA (RSA)",
                "-utf8",
                "-days",
                "3650",
                "-extensions",
                "v3_ca",
            ],
        );
        let ca = ("ca.crt", "ca.key");
        let sign = issue(&dir, "sign", PERSON, "sign", ca);
        let auth = issue(&dir, "auth", PERSON, "auth", ca);
        let revoked = issue(&dir, "revoked", PERSON, "sign", ca);
        issue(&dir, "ocsp", "/C=KZ/CN=OCSP RESPONDER", "ocsp", ca);
        let base_crl =
            openssl(&dir, &["ca", "-config", "ca.cnf", "-gencrl", "-cert", "ca.crt", "-keyfile", "ca.key"]);
        openssl(
            &dir,
            &[
                "ca",
                "-config",
                "ca.cnf",
                "-cert",
                "ca.crt",
                "-keyfile",
                "ca.key",
                "-revoke",
                "revoked.crt",
                "-crl_reason",
                "keyCompromise",
            ],
        );
        let delta_crl = openssl(
            &dir,
            &[
                "ca", "-config", "ca.cnf", "-gencrl", "-cert", "ca.crt", "-keyfile", "ca.key", "-crlexts",
                "delta",
            ],
        );
        let der = |pem: Vec<u8>, name: &str| {
            std::fs::write(dir.join(name), pem).expect("crl");
            openssl(&dir, &["crl", "-in", name, "-outform", "DER"])
        };
        let base_crl = der(base_crl, "base.pem");
        let delta_crl = der(delta_crl, "delta.pem");
        // A CA copying the NCA RSA CA's subject and key identifier, with its own key.
        openssl(
            &dir,
            &[
                "req",
                "-config",
                "ca.cnf",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "fake.key",
                "-out",
                "fake.crt",
                "-subj",
                "/C=KZ/CN=ҰКО 3.0 (RSA TEST)",
                "-utf8",
                "-days",
                "3650",
                "-extensions",
                "fake_ca",
            ],
        );
        let fake_person = issue(&dir, "fake_person", PERSON, "sign", ("fake.crt", "fake.key"));
        TestPki {
            ca: dir.join("ca.crt"),
            fake_ca: dir.join("fake.crt"),
            dir,
            sign,
            auth,
            revoked,
            fake_person,
            base_crl,
            delta_crl,
        }
    })
}

/// openssl's OCSP responder answering `request` (DER) from the test CA's index.
pub fn ocsp_answer(request: &[u8]) -> Vec<u8> {
    let p = pki();
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let req = format!("req-{n}.der");
    let resp = format!("resp-{n}.der");
    std::fs::write(p.dir.join(&req), request).expect("req");
    openssl(
        &p.dir,
        &[
            "ocsp",
            "-index",
            "index.txt",
            "-CA",
            "ca.crt",
            "-rsigner",
            "ocsp.crt",
            "-rkey",
            "ocsp.key",
            "-reqin",
            &req,
            "-respout",
            &resp,
            "-ndays",
            "1",
        ],
    );
    std::fs::read(p.dir.join(resp)).expect("resp")
}
