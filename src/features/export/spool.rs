//! Exports pass through temporary files, so that the database's pace and the client's are
//! independent: rows are written to the file as fast as the database sends them (and the
//! connection goes back to the pool when the query ends), while the response reads the file at
//! the client's pace. A CSV or GeoJSON response follows the file as it grows (the first bytes go
//! out at once); an XLSX or GeoPackage file is sent once it is complete. The file has no name
//! once both ends have it open, so nothing is left behind whatever happens to the request.

use std::io;

use bytes::Bytes;
use futures_util::Stream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// How far the writer is.
#[derive(Debug, Clone, Default)]
struct Progress {
    written: u64,
    /// `Some` once the writer has finished: `Ok` when the file is complete.
    done: Option<Result<(), String>>,
}

/// The writing end: buffers and appends; readers see what is flushed.
#[derive(Debug)]
pub struct SpoolWriter {
    file: tokio::fs::File,
    buf: Vec<u8>,
    written: u64,
    tx: watch::Sender<Progress>,
}

/// The reading end, to become a response body.
#[derive(Debug)]
pub struct SpoolReader {
    file: tokio::fs::File,
    rx: watch::Receiver<Progress>,
}

const CHUNK: usize = 64 * 1024;

/// A new spool: a temporary file open for writing and, independently, for reading.
pub fn spool() -> io::Result<(SpoolWriter, SpoolReader)> {
    let (w, path) = tempfile::NamedTempFile::new()?.into_parts();
    let r = std::fs::File::open(&path)?;
    // Both ends are open: the name can go.
    drop(path);
    let (tx, rx) = watch::channel(Progress::default());
    Ok((
        SpoolWriter { file: tokio::fs::File::from_std(w), buf: Vec::with_capacity(CHUNK), written: 0, tx },
        SpoolReader { file: tokio::fs::File::from_std(r), rx },
    ))
}

impl SpoolWriter {
    /// Appends bytes (flushed to the file, and so to the reader, every 64 KiB).
    pub async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK { self.flush().await } else { Ok(()) }
    }

    async fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.file.write_all(&self.buf).await?;
        self.file.flush().await?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        let written = self.written;
        self.tx.send_modify(|p| p.written = written);
        Ok(())
    }

    /// Whether nobody reads any more (the client went away): the writer may stop.
    pub fn abandoned(&self) -> bool {
        self.tx.is_closed()
    }

    /// The file is complete.
    pub async fn finish(mut self) -> io::Result<()> {
        let r = self.flush().await;
        let done = r.as_ref().map(|_| ()).map_err(|e| e.to_string());
        self.tx.send_modify(|p| p.done = Some(done));
        r
    }

    /// The file will not be complete: the reader fails when it gets there.
    pub fn fail(self, why: &str) {
        self.tx.send_modify(|p| p.done = Some(Err(why.to_string())));
    }
}

impl SpoolReader {
    /// The file's bytes as they are written, until the writer finishes (a response body).
    pub fn into_stream(self) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
        futures_util::stream::unfold(Some((self, 0u64)), |state| async move {
            let (mut r, pos) = state?;
            loop {
                let progress = r.rx.borrow_and_update().clone();
                if progress.written > pos {
                    let want = (progress.written - pos).min(CHUNK as u64) as usize;
                    let mut buf = vec![0u8; want];
                    return match r.file.read_exact(&mut buf).await {
                        Ok(_) => Some((Ok(Bytes::from(buf)), Some((r, pos + want as u64)))),
                        Err(e) => Some((Err(e), None)),
                    };
                }
                match progress.done {
                    Some(Ok(())) => return None,
                    Some(Err(why)) => return Some((Err(io::Error::other(why)), None)),
                    None => {
                        if r.rx.changed().await.is_err() {
                            // The writer vanished without finishing.
                            return Some((Err(io::Error::other("the export stopped")), None));
                        }
                    }
                }
            }
        })
    }
}

/// A complete file as a reader from its start, and its length.
pub fn complete(mut file: std::fs::File) -> io::Result<(SpoolReader, u64)> {
    use std::io::Seek;
    let len = file.metadata()?.len();
    file.rewind()?;
    let (tx, rx) = watch::channel(Progress { written: len, done: Some(Ok(())) });
    drop(tx);
    Ok((SpoolReader { file: tokio::fs::File::from_std(file), rx }, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn the_reader_follows_the_writer_to_the_end() {
        let (mut w, r) = spool().unwrap();
        let body =
            tokio::spawn(
                async move { Body::from_stream(r.into_stream()).collect().await.map(|c| c.to_bytes()) },
            );
        let mut want = Vec::new();
        for i in 0..20_000u32 {
            let line = format!("{i},row\n");
            want.extend_from_slice(line.as_bytes());
            w.write(line.as_bytes()).await.unwrap();
        }
        w.finish().await.unwrap();
        assert_eq!(body.await.unwrap().unwrap().to_vec(), want);
    }

    #[tokio::test]
    async fn a_failed_writer_breaks_the_body_and_a_gone_reader_is_seen() {
        let (mut w, r) = spool().unwrap();
        w.write(b"partial").await.unwrap();
        w.fail("boom");
        assert!(Body::from_stream(r.into_stream()).collect().await.is_err());
        let (w, r) = spool().unwrap();
        drop(r);
        assert!(w.abandoned());
    }
}
