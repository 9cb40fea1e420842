//! A TEST certification authority made with openssl in a temporary directory (test-only: nothing
//! here is NCA's). Certificates are valid from now, in the profile of NCA's certificates (see
//! `../shared/data/eds/README.md`): persons (AUTH, SIGN) and an organisation's employee (SIGN,
//! `O=<name>`, `OU=BIN<bin>`, EKU 1.2.398.3.3.4.1.2 with a role). Revocation goes through
//! `openssl ca -revoke` and a DER CRL in `crl_dir`; CMS signatures are made by `openssl cms -sign`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Auth,
    Sign,
}

/// A holder of a key and a certificate.
#[derive(Debug, Clone)]
pub struct Holder {
    pub key: PathBuf,
    pub cert: PathBuf,
    pub iin: String,
}

#[derive(Debug)]
pub struct TestPki {
    pub dir: tempfile::TempDir,
    pub ca_cert: PathBuf,
    pub crl_dir: PathBuf,
    conf: PathBuf,
    ca_key: PathBuf,
    serial: std::cell::Cell<u32>,
}

fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

impl TestPki {
    /// A CA named `name` (different names make different, unrelated CAs).
    pub fn new(name: &str) -> TestPki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let crl_dir = d.join("crl");
        std::fs::create_dir_all(&crl_dir).unwrap();
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("crlnumber"), "01\n").unwrap();
        let (ca_key, ca_cert, conf) = (d.join("ca.key"), d.join("ca.crt"), d.join("ca.cnf"));
        std::fs::write(
            &conf,
            format!(
                "[ca]\ndefault_ca = test_ca\n[test_ca]\ndir = {d}\ndatabase = {d}/index.txt\ncrlnumber = {d}/crlnumber\n\
                 certificate = {c}\nprivate_key = {k}\ndefault_md = sha256\ndefault_crl_days = 7\ncrl_extensions = crl_ext\n\
                 [crl_ext]\nauthorityKeyIdentifier = keyid:always\n[req]\ndistinguished_name = dn\nstring_mask = utf8only\nutf8 = yes\n[dn]\n",
                d = d.display(),
                c = ca_cert.display(),
                k = ca_key.display()
            ),
        )
        .unwrap();
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-config",
            s(&conf),
            "-utf8",
            "-subj",
            &format!("/C=KZ/O=QALA TEST/CN={name} (RSA, not NCA)"),
            "-keyout",
            s(&ca_key),
            "-out",
            s(&ca_cert),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-addext",
            "subjectKeyIdentifier=hash",
        ]);
        let pki = TestPki { dir, ca_cert, crl_dir, conf, ca_key, serial: std::cell::Cell::new(0x1000) };
        pki.crl();
        pki
    }

    /// Writes the CA's CRL again (DER, `crl_dir/test-ca.crl`).
    pub fn crl(&self) {
        let pem = self.dir.path().join("crl.pem");
        openssl(&["ca", "-config", s(&self.conf), "-gencrl", "-out", s(&pem)]);
        openssl(&["crl", "-in", s(&pem), "-outform", "DER", "-out", s(&self.crl_dir.join("test-ca.crl"))]);
    }

    /// A person's certificate: `CN=<surname> <name>, SN, serialNumber=IIN…, C=KZ, GN`.
    pub fn person(&self, iin: &str, surname: &str, name: &str, usage: Usage) -> Holder {
        let subj = format!("/CN={surname} {name}/SN={surname}/serialNumber=IIN{iin}/C=KZ/GN=ТЕСТОВИЧ");
        let (ku, eku, policy) = match usage {
            Usage::Auth => (
                "critical,digitalSignature,keyEncipherment",
                "clientAuth,1.2.398.3.3.4.1.1",
                "1.2.398.3.3.2.4",
            ),
            Usage::Sign => (
                "critical,digitalSignature,nonRepudiation",
                "emailProtection,1.2.398.3.3.4.1.1",
                "1.2.398.3.3.2.3",
            ),
        };
        self.issue(iin, &subj, ku, eku, policy)
    }

    /// An organisation's employee's certificate: SIGN (head) or AUTH, `O=<org>`, `OU=BIN<bin>`.
    pub fn employee(
        &self,
        iin: &str,
        surname: &str,
        name: &str,
        org: &str,
        bin: &str,
        usage: Usage,
    ) -> Holder {
        let subj = format!(
            "/CN={surname} {name}/SN={surname}/serialNumber=IIN{iin}/C=KZ/O={org}/OU=BIN{bin}/GN=ТЕСТОВИЧ"
        );
        let (ku, eku, policy) = match usage {
            Usage::Auth => (
                "critical,digitalSignature,keyEncipherment",
                "clientAuth,1.2.398.3.3.4.1.2",
                "1.2.398.3.3.2.2",
            ),
            Usage::Sign => (
                "critical,digitalSignature,nonRepudiation",
                "emailProtection,1.2.398.3.3.4.1.2,1.2.398.3.3.4.1.2.1",
                "1.2.398.3.3.2.1",
            ),
        };
        self.issue(iin, &subj, ku, eku, policy)
    }

    fn issue(&self, iin: &str, subj: &str, ku: &str, eku: &str, policy: &str) -> Holder {
        let n = self.serial.get() + 1;
        self.serial.set(n);
        let base = self.dir.path().join(format!("h{n}"));
        let ext = base.with_extension("ext");
        std::fs::write(
            &ext,
            format!(
                "basicConstraints = critical,CA:FALSE\nkeyUsage = {ku}\nextendedKeyUsage = {eku}\n\
                 certificatePolicies = {policy}\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
            ),
        )
        .unwrap();
        let (key, csr, cert) =
            (base.with_extension("key"), base.with_extension("csr"), base.with_extension("crt"));
        openssl(&[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-config",
            s(&self.conf),
            "-utf8",
            "-subj",
            subj,
            "-keyout",
            s(&key),
            "-out",
            s(&csr),
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            s(&csr),
            "-CA",
            s(&self.ca_cert),
            "-CAkey",
            s(&self.ca_key),
            "-set_serial",
            &format!("0x{n:x}"),
            "-days",
            "30",
            "-sha256",
            "-extfile",
            s(&ext),
            "-out",
            s(&cert),
        ]);
        Holder { key, cert, iin: iin.to_string() }
    }

    /// Revokes `h` and writes the CRL again.
    pub fn revoke(&self, h: &Holder) {
        openssl(&["ca", "-config", s(&self.conf), "-revoke", s(&h.cert), "-crl_reason", "keyCompromise"]);
        self.crl();
    }
}

/// A CMS signature (DER) of `data` by `h`: attached (the data inside) or detached.
pub fn sign(h: &Holder, data: &[u8], attached: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("data"), dir.path().join("cms.der"));
    std::fs::write(&input, data).unwrap();
    let mut args = vec![
        "cms",
        "-sign",
        "-binary",
        "-md",
        "sha256",
        "-in",
        s(&input),
        "-signer",
        s(&h.cert),
        "-inkey",
        s(&h.key),
        "-outform",
        "DER",
        "-out",
        s(&output),
    ];
    if attached {
        args.push("-nodetach");
    }
    openssl(&args);
    std::fs::read(output).unwrap()
}
