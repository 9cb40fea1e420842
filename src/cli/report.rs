//! `qala report usage --quarter 2026-Q4 --format xlsx --out FILE`: the quarterly usage report
//! (RPT-1); and [`SecurityArgs`], the security monitoring flags of `qala serve` (the detection
//! pass, its thresholds and where incidents are forwarded) with the task that runs them.

use anyhow::{Context, Result};
use clap::Subcommand;
use qala::config::Settings;
use qala::reports::{Format, Langs, Quarter};

#[derive(Debug, Subcommand)]
pub enum ReportAction {
    /// The quarterly usage report: users with access, visits, changes (XLSX or PDF).
    Usage {
        /// The quarter, `2026-Q4`.
        #[arg(long)]
        quarter: String,
        /// `xlsx` or `pdf`.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// The file to write.
        #[arg(long)]
        out: std::path::PathBuf,
        /// `kk`, `ru` or `en`; default: Russian for XLSX, Kazakh and Russian for PDF.
        #[arg(long)]
        lang: Option<String>,
        /// Directory of DejaVu Sans (for the PDF).
        #[arg(long, env = "QALA_FONTS_DIR", default_value = "/usr/share/fonts/truetype/dejavu")]
        fonts_dir: std::path::PathBuf,
    },
}

pub async fn run(settings: &Settings, action: ReportAction) -> Result<()> {
    let ReportAction::Usage { quarter, format, out, lang, fonts_dir } = action;
    let q = Quarter::parse(&quarter)
        .with_context(|| format!("`{quarter}`: a quarter is written like 2026-Q4"))?;
    let format = Format::parse(&format).with_context(|| format!("`{format}`: the format is xlsx or pdf"))?;
    let langs = match lang.as_deref() {
        Some(l) => Langs::One(
            qala::i18n::Lang::parse(l).with_context(|| format!("`{l}`: a language is kk, ru or en"))?,
        ),
        None if format == Format::Pdf => Langs::KkRu,
        None => Langs::One(qala::i18n::Lang::Ru),
    };
    let db = qala::db::Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
    let report = qala::reports::gather(&db.pool, q).await?;
    let bytes = qala::reports::render(&report, format, langs, &fonts_dir)?;
    std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
    qala::auth::journal::record(
        &db.pool,
        "report",
        Some("qala:cli"),
        None,
        Some(&format!("usage {q}")),
        "ok",
        serde_json::json!({"format": format.extension(), "bytes": bytes.len()}),
    )
    .await;
    println!(
        "{}: {} users, {} sign-ins, {} layer, {} service and {} rights changes",
        out.display(),
        report.access.iter().map(|a| a.users).sum::<i64>(),
        report.total.signins,
        report.layers.len(),
        report.services.len(),
        report.rights.len()
    );
    db.close().await?;
    Ok(())
}

/// Security monitoring (SEC-1) in `qala serve`.
#[derive(Debug, clap::Args)]
pub struct SecurityArgs {
    /// Where incidents are forwarded, each once: `syslog://HOST:PORT` (RFC 5424 over UDP),
    /// `syslog+tcp://HOST:PORT`, `file:///PATH` (JSON lines); repeatable or comma-separated.
    #[arg(long, env = "QALA_SECURITY_FORWARD", value_delimiter = ',')]
    pub security_forward: Vec<String>,
    /// Seconds between passes of the detection over new journal events.
    #[arg(long, env = "QALA_SECURITY_SCAN_S", default_value_t = 10)]
    pub security_scan_s: u64,
    /// Failed logins for this many different logins from one address (or from this many addresses
    /// against one login) within the guessing window are password guessing.
    #[arg(long, env = "QALA_SECURITY_GUESSES", default_value_t = 5)]
    pub security_guesses: i64,
    /// The password guessing window, in seconds.
    #[arg(long, env = "QALA_SECURITY_GUESS_WINDOW_S", default_value_t = 600)]
    pub security_guess_window_s: u64,
    /// Refused requests (401/403) from one address within the refusal window that are an incident.
    #[arg(long, env = "QALA_SECURITY_REFUSALS", default_value_t = 20)]
    pub security_refusals: i64,
    /// The refusal window, in seconds.
    #[arg(long, env = "QALA_SECURITY_REFUSAL_WINDOW_S", default_value_t = 600)]
    pub security_refusal_window_s: u64,
    /// Exports by one account within the export window that are a mass export.
    #[arg(long, env = "QALA_SECURITY_EXPORTS", default_value_t = 20)]
    pub security_exports: i64,
    /// Exported rows (where the journal has them) within the export window that are a mass export.
    #[arg(long, env = "QALA_SECURITY_EXPORT_ROWS", default_value_t = 100_000)]
    pub security_export_rows: i64,
    /// The export window, in seconds.
    #[arg(long, env = "QALA_SECURITY_EXPORT_WINDOW_S", default_value_t = 3600)]
    pub security_export_window_s: u64,
}

impl SecurityArgs {
    /// The rules with these thresholds.
    pub fn rules(&self) -> qala::security::Rules {
        use std::time::Duration;
        qala::security::Rules {
            guess_window: Duration::from_secs(self.security_guess_window_s),
            guess_logins: self.security_guesses,
            guess_addresses: self.security_guesses,
            refusal_window: Duration::from_secs(self.security_refusal_window_s),
            refusals: self.security_refusals,
            export_window: Duration::from_secs(self.security_export_window_s),
            exports: self.security_exports,
            export_rows: self.security_export_rows,
            ..Default::default()
        }
    }

    /// Checks the flags and starts the detection and forwarding pass every `--security-scan-s`
    /// seconds; abort the handle to stop it.
    pub fn spawn(&self, pool: sqlx::PgPool) -> Result<tokio::task::JoinHandle<()>> {
        let sinks: Vec<qala::security::forward::Sink> = self
            .security_forward
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.parse().map_err(|e: String| anyhow::anyhow!("--security-forward: {e}")))
            .collect::<Result<_>>()?;
        let rules = self.rules();
        let every = std::time::Duration::from_secs(self.security_scan_s.max(1));
        let host = qala::security::forward::hostname();
        println!(
            "Security monitoring: a pass every {}s, forwarding to {} sink(s)",
            every.as_secs(),
            sinks.len()
        );
        Ok(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let mut passes = 0u64;
            loop {
                tick.tick().await;
                if let Err(e) = qala::security::scan(&pool, &rules, chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "security monitoring: the pass failed; the next one retries");
                }
                if !sinks.is_empty()
                    && let Err(e) = qala::security::forward::run_once(&pool, &sinks, &host).await
                {
                    tracing::warn!(error = %e, "security forwarding failed; the next pass retries");
                }
                passes += 1;
                if passes % 360 == 1
                    && let Err(e) = qala::security::addresses::forget_old(&pool).await
                {
                    tracing::warn!(error = %e, "old credential addresses could not be removed");
                }
            }
        }))
    }
}
