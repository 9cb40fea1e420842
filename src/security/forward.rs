//! Forwarding incidents to a SIEM: RFC 5424 syslog over UDP (`syslog://HOST:PORT`) or TCP
//! (`syslog+tcp://HOST:PORT`, octet-counted frames of RFC 6587) and JSON lines appended to a
//! file (`file:///path`). Each sink has its cursor (`forward:<url>` in `security_cursors`), locked
//! by the one server sending, so each incident reaches each sink once (a crash between a send
//! and its commit may repeat that one incident).

use std::path::PathBuf;

use chrono::SecondsFormat;
use serde_json::json;
use sqlx::PgPool;
use tokio::io::AsyncWriteExt;

use super::store::Incident;

/// Most incidents sent per sink in one pass.
const BATCH: i64 = 200;
/// Private enterprise number of the structured data (32473: reserved for documentation, RFC 5612).
const PEN: u32 = 32473;

/// Where incidents go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    Syslog { addr: String, tcp: bool },
    File(PathBuf),
}

impl std::str::FromStr for Sink {
    type Err = String;

    fn from_str(url: &str) -> Result<Sink, String> {
        let url = url.trim();
        let syslog = |rest: &str, tcp| {
            if rest.is_empty() || !rest.contains(':') || rest.contains('/') {
                Err(format!("`{url}`: a syslog sink is syslog://HOST:PORT"))
            } else {
                Ok(Sink::Syslog { addr: rest.to_string(), tcp })
            }
        };
        if let Some(rest) = url.strip_prefix("syslog://").or_else(|| url.strip_prefix("syslog+udp://")) {
            syslog(rest, false)
        } else if let Some(rest) = url.strip_prefix("syslog+tcp://") {
            syslog(rest, true)
        } else if let Some(path) = url.strip_prefix("file://").filter(|p| p.starts_with('/')) {
            Ok(Sink::File(PathBuf::from(path)))
        } else {
            Err(format!("`{url}` is not syslog://HOST:PORT, syslog+tcp://HOST:PORT or file:///PATH"))
        }
    }
}

impl Sink {
    /// The name of the sink's cursor.
    pub fn cursor(&self) -> String {
        match self {
            Sink::Syslog { addr, tcp: false } => format!("forward:syslog://{addr}"),
            Sink::Syslog { addr, tcp: true } => format!("forward:syslog+tcp://{addr}"),
            Sink::File(p) => format!("forward:file://{}", p.display()),
        }
    }
}

/// An incident as one JSON object.
pub fn json_of(i: &Incident) -> serde_json::Value {
    json!({
        "id": i.id, "rule": i.rule, "subject": i.subject, "severity": i.severity, "state": i.state,
        "window_start": i.window_start, "raised_at": i.raised_at, "evidence": i.evidence, "detail": i.detail,
    })
}

/// An SD-PARAM value with `"`, `\` and `]` escaped (RFC 5424 §6.3.3).
fn sd_escape(v: &str) -> String {
    v.chars().fold(String::new(), |mut s, c| {
        if matches!(c, '"' | '\\' | ']') {
            s.push('\\');
        }
        s.push(c);
        s
    })
}

/// The RFC 5424 message of an incident: facility authpriv (10), severity by the incident's.
pub fn syslog_line(i: &Incident, hostname: &str) -> String {
    let severity = match i.severity.as_str() {
        "high" => 3,
        "medium" => 4,
        _ => 5,
    };
    format!(
        "<{}>1 {} {} qala - {} [qala@{PEN} id=\"{}\" rule=\"{}\" severity=\"{}\" subject=\"{}\"] \u{feff}{}",
        10 * 8 + severity,
        i.raised_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        if hostname.is_empty() { "-" } else { hostname },
        i.rule,
        i.id,
        sd_escape(&i.rule),
        sd_escape(&i.severity),
        sd_escape(&i.subject),
        json_of(i),
    )
}

/// This machine's name for syslog's HOSTNAME field.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().chars().filter(|c| c.is_ascii_graphic()).take(255).collect())
        .unwrap_or_default()
}

/// Sends the incidents each sink has not received yet; returns how many were sent in all.
pub async fn run_once(pool: &PgPool, sinks: &[Sink], hostname: &str) -> anyhow::Result<usize> {
    let mut sent = 0;
    for sink in sinks {
        match send_new(pool, sink, hostname).await {
            Ok(n) => sent += n,
            Err(e) => {
                tracing::warn!(sink = sink.cursor(), error = %e, "security forwarding failed; retried on the next pass")
            }
        }
    }
    Ok(sent)
}

async fn send_new(pool: &PgPool, sink: &Sink, hostname: &str) -> anyhow::Result<usize> {
    let name = sink.cursor();
    sqlx::query("INSERT INTO security_cursors (name) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(&name)
        .execute(pool)
        .await?;
    let mut tx = pool.begin().await?;
    let Some(last): Option<i64> =
        sqlx::query_scalar("SELECT last_id FROM security_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED")
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(0);
    };
    let rows: Vec<Incident> = sqlx::query_as(
        "SELECT id, rule, subject, window_start, severity, state, evidence, detail, raised_at, last_seen,
                acted_by, acted_at, comment, history
         FROM incidents WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(last)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    let mut done = last;
    let result = deliver(sink, &rows, hostname, &mut done).await;
    sqlx::query("UPDATE security_cursors SET last_id = $2, updated_at = now() WHERE name = $1")
        .bind(&name)
        .bind(done)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    result.map(|_| rows.iter().filter(|r| r.id <= done).count())
}

/// Sends `rows` in order; `done` is the last id delivered.
async fn deliver(sink: &Sink, rows: &[Incident], hostname: &str, done: &mut i64) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match sink {
        Sink::File(path) => {
            let mut f = tokio::fs::OpenOptions::new().create(true).append(true).open(path).await?;
            for r in rows {
                let mut line = json_of(r).to_string();
                line.push('\n');
                f.write_all(line.as_bytes()).await?;
                f.flush().await?;
                *done = r.id;
            }
            f.sync_data().await?;
        }
        Sink::Syslog { addr, tcp: false } => {
            let target = tokio::net::lookup_host(addr.as_str())
                .await?
                .next()
                .ok_or_else(|| anyhow::anyhow!("{addr}: no address"))?;
            let bind = if target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
            let sock = tokio::net::UdpSocket::bind(bind).await?;
            for r in rows {
                sock.send_to(syslog_line(r, hostname).as_bytes(), target).await?;
                *done = r.id;
            }
        }
        Sink::Syslog { addr, tcp: true } => {
            let mut s = tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tokio::net::TcpStream::connect(addr.as_str()),
            )
            .await??;
            for r in rows {
                let msg = syslog_line(r, hostname);
                s.write_all(format!("{} {msg}", msg.len()).as_bytes()).await?;
                *done = r.id;
            }
            s.flush().await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_parse() {
        assert_eq!(
            "syslog://127.0.0.1:514".parse(),
            Ok(Sink::Syslog { addr: "127.0.0.1:514".into(), tcp: false })
        );
        assert_eq!(
            "syslog+tcp://siem:6514".parse(),
            Ok(Sink::Syslog { addr: "siem:6514".into(), tcp: true })
        );
        assert_eq!("file:///var/log/qala.jsonl".parse(), Ok(Sink::File("/var/log/qala.jsonl".into())));
        assert!("http://x".parse::<Sink>().is_err());
        assert!("file://relative".parse::<Sink>().is_err());
        assert!("syslog://nohost".parse::<Sink>().is_err());
    }

    #[test]
    fn sd_values_are_escaped() {
        assert_eq!(sd_escape(r#"a"b]c\"#), r#"a\"b\]c\\"#);
    }
}
