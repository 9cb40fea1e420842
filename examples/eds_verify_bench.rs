//! The EDS verification of one sign-in, in process: `Verifier::verify` of an attached CMS (RSA
//! 2048, SHA-256) with its chain to the anchor and its revocation by the CA's CRL, cold (the first
//! call reads and checks the CRL) and then warm (the CRL's answer cached until its nextUpdate), one
//! at a time and from 8 tasks at once. Used by `benches/eds.sh`.
//!
//! `cargo run --release --example eds_verify_bench -- CA_PEM CRL_DIR CMS_DER [N]` prints JSON.

use std::time::Instant;

use qala::eds::verifier::{EdsConfig, UnknownRevocationPolicy};
use qala::eds::{KeyPurpose, Verifier};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, ca, crl_dir, cms, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: eds_verify_bench CA_PEM CRL_DIR CMS_DER [N]");
    };
    let n: usize = rest.first().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let verifier = Verifier::new(EdsConfig {
        roots: vec![ca.into()],
        crl_dirs: vec![crl_dir.into()],
        ocsp_url: None,
        fetch_crls: false,
        unknown_revocation: UnknownRevocationPolicy::Refuse,
        timeout: std::time::Duration::from_secs(5),
    })?;
    let cms = std::fs::read(cms)?;
    let now = chrono::Utc::now();
    let t = Instant::now();
    let first = verifier.verify(&cms, None, KeyPurpose::Auth, now).await?;
    let cold_ms = t.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(first.valid, "the benchmark's signature does not verify: {first:?}");
    let mut one = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let v = verifier.verify(&cms, None, KeyPurpose::Auth, now).await?;
        one.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(v.valid);
    }
    one.sort_by(f64::total_cmp);
    let t = Instant::now();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (verifier, cms) = (verifier.clone(), cms.clone());
            tokio::spawn(async move {
                for _ in 0..n / 8 {
                    let v = verifier.verify(&cms, None, KeyPurpose::Auth, now).await.map(|v| v.valid);
                    assert!(matches!(v, Ok(true)));
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let per_s = (n / 8 * 8) as f64 / t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "n": n, "cold_ms": cold_ms, "p50_ms": percentile(&one, 0.5), "p95_ms": percentile(&one, 0.95),
            "p99_ms": percentile(&one, 0.99), "verifies_per_s_8_tasks": per_s,
        })
    );
    Ok(())
}
