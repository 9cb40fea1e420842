//! `qala-smtp-sink`: a small SMTP server for tests and the demo that keeps every message it
//! receives as a file, instead of delivering it. It is a real SMTP server (RFC 5321 subset:
//! EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no authentication, no TLS), bounded in line
//! length, recipients and message size.
//!
//! `qala-smtp-sink --listen 127.0.0.1:2525 --dir DIR` prints `listening on smtp://ADDR` once
//! ready. Each message becomes `DIR/<sha256 of its Message-ID, 32 hex>.eml`: the envelope as
//! `X-Sink-Envelope-From`/`X-Sink-Envelope-To` lines, then the message as received. Like a mailbox
//! that drops a second copy of a message it already holds, a message whose `Message-ID` is already
//! stored is accepted and not stored again; its id is appended to `DIR/duplicates.log`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::Digest;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const MAX_LINE: usize = 4096;
const MAX_MESSAGE: usize = 10 << 20;
const MAX_RCPT: usize = 100;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// One line (without CRLF), at most MAX_LINE bytes; `None` at the end of the stream.
async fn read_line<R: AsyncRead + Unpin>(r: &mut BufReader<R>) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf().await?;
        if buf.is_empty() {
            return Ok(if line.is_empty() { None } else { Some(line) });
        }
        match buf.iter().position(|&b| b == b'\n') {
            Some(i) => {
                line.extend_from_slice(&buf[..i]);
                r.consume(i + 1);
                break;
            }
            None => {
                let n = buf.len();
                line.extend_from_slice(buf);
                r.consume(n);
            }
        }
        if line.len() > MAX_LINE {
            return Err(std::io::Error::other("line too long"));
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn message_id(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("message-id")
        {
            return Some(value.trim().to_string());
        }
    }
    None
}

fn store(dir: &Path, from: &str, to: &[String], data: &[u8]) -> std::io::Result<()> {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let name = match message_id(data) {
        Some(id) => {
            let hash = hex::encode(sha2::Sha256::digest(id.as_bytes()));
            let path = dir.join(format!("{}.eml", &hash[..32]));
            if path.exists() {
                let mut log =
                    std::fs::OpenOptions::new().create(true).append(true).open(dir.join("duplicates.log"))?;
                std::io::Write::write_all(&mut log, format!("{id}\n").as_bytes())?;
                println!("duplicate {id} dropped");
                return Ok(());
            }
            path
        }
        None => dir.join(format!("no-id-{}-{n}.eml", std::process::id())),
    };
    let mut out = format!("X-Sink-Envelope-From: {from}\r\n").into_bytes();
    for t in to {
        out.extend_from_slice(format!("X-Sink-Envelope-To: {t}\r\n").as_bytes());
    }
    out.extend_from_slice(data);
    // Written whole, then renamed, so a reader never sees half a message.
    let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
    std::fs::write(&tmp, &out)?;
    std::fs::rename(&tmp, &name)?;
    println!("stored {}", name.display());
    Ok(())
}

async fn session(stream: TcpStream, dir: PathBuf) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 qala-smtp-sink ESMTP (a test sink: messages are kept as files, not delivered)\r\n")
        .await?;
    let (mut from, mut to) = (None::<String>, Vec::<String>::new());
    while let Some(line) = read_line(&mut r).await? {
        let line = String::from_utf8_lossy(&line).into_owned();
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-qala-smtp-sink\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n"
        } else if upper.starts_with("HELO") {
            b"250 qala-smtp-sink\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = Some(line[10..].trim().to_string());
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            if from.is_none() {
                b"503 MAIL first\r\n"
            } else if to.len() >= MAX_RCPT {
                b"452 too many recipients\r\n"
            } else {
                to.push(line[8..].trim().to_string());
                b"250 OK\r\n"
            }
        } else if upper == "DATA" {
            if to.is_empty() {
                b"503 RCPT first\r\n"
            } else {
                w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = Vec::new();
                let mut too_big = false;
                loop {
                    let Some(l) = read_line(&mut r).await? else { return Ok(()) };
                    if l == b"." {
                        break;
                    }
                    let l = if l.starts_with(b"..") { &l[1..] } else { &l[..] };
                    if data.len() + l.len() + 2 > MAX_MESSAGE {
                        too_big = true;
                    } else {
                        data.extend_from_slice(l);
                        data.extend_from_slice(b"\r\n");
                    }
                }
                let envelope_from = from.take().unwrap_or_default();
                let recipients = std::mem::take(&mut to);
                if too_big {
                    b"552 message too large\r\n"
                } else {
                    match store(&dir, &envelope_from, &recipients, &data) {
                        Ok(()) => b"250 OK stored\r\n",
                        Err(e) => {
                            eprintln!("cannot store a message: {e}");
                            b"451 cannot store the message\r\n"
                        }
                    }
                }
            }
        } else if upper == "RSET" {
            from = None;
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            w.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 command not implemented\r\n"
        };
        w.write_all(reply).await?;
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let (mut listen, mut dir) = ("127.0.0.1:2525".to_string(), None::<PathBuf>);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--listen" => listen = args.next().ok_or_else(|| anyhow::anyhow!("--listen needs ADDR"))?,
            "--dir" => dir = Some(args.next().ok_or_else(|| anyhow::anyhow!("--dir needs DIR"))?.into()),
            _ => anyhow::bail!(
                "usage: qala-smtp-sink --dir DIR [--listen 127.0.0.1:2525]  (an SMTP sink for tests and the demo)"
            ),
        }
    }
    let dir = dir.ok_or_else(|| anyhow::anyhow!("--dir DIR is required: where messages are written"))?;
    std::fs::create_dir_all(&dir)?;
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("qala-smtp-sink listening on smtp://{}, writing to {}", listener.local_addr()?, dir.display());
    loop {
        let (stream, _) = listener.accept().await?;
        let dir = dir.clone();
        tokio::spawn(async move {
            if let Err(e) = session(stream, dir).await {
                eprintln!("session ended: {e}");
            }
        });
    }
}
