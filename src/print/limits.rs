//! Bounds on the expensive work behind documents and attachments (issue 12):
//!
//! - [`RenderGate`]: at most a few PDF renderings and image decodings at once (as many as the
//!   machine has cores by default). A request waits a bounded time for its turn; beyond it the
//!   answer is 503 with `Retry-After`, so a burst of prints queues briefly instead of taking every
//!   core and the memory of every drawing at once.
//! - [`decode_image`]: every image Qala decodes (attachment thumbnails, passport photos) goes
//!   through [`image::Limits`]: at most [`MAX_IMAGE_SIDE`] pixels a side and [`MAX_IMAGE_ALLOC`]
//!   bytes of decoded pixels. A file whose header claims more (a decompression bomb: a few
//!   kilobytes that would inflate to gigabytes) is refused from its header, never decoded.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;
use crate::i18n::{Lang, Msg};

/// The gate in front of PDF rendering and image decoding. Clones share the same permits.
#[derive(Debug, Clone)]
pub struct RenderGate {
    sem: Arc<Semaphore>,
    permits: usize,
    wait: Duration,
}

impl Default for RenderGate {
    /// As many permits as the machine has cores, and a 10 s wait.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        RenderGate::new(cores, Duration::from_secs(10))
    }
}

impl RenderGate {
    /// A gate of `permits` (at least one) renderings at once; a request waits at most `wait`.
    pub fn new(permits: usize, wait: Duration) -> RenderGate {
        let permits = permits.max(1);
        RenderGate { sem: Arc::new(Semaphore::new(permits)), permits, wait }
    }

    /// How many renderings may run at once.
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// How many turns are free now.
    pub fn available(&self) -> usize {
        self.sem.available_permits()
    }

    /// A turn, waiting at most the gate's wait; 503 `server_busy` with `Retry-After` beyond it.
    /// The turn ends when the permit is dropped.
    pub async fn enter(&self, lang: Lang) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.sem).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a closed one is as good as a full one.
            Ok(Err(_)) | Err(_) => Err(busy(lang, self.wait)),
        }
    }

    /// A turn if one is free now, without waiting.
    pub fn try_enter(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.sem).try_acquire_owned().ok()
    }
}

/// 503 "busy, come back in a moment", with `Retry-After` in whole seconds (at least one).
fn busy(lang: Lang, wait: Duration) -> ApiError {
    let secs = wait.as_secs().clamp(1, 60);
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, Msg::ServerBusy, lang)
        .with_header(axum::http::header::RETRY_AFTER, secs.to_string())
}

/// The widest or tallest image decoded, in pixels.
pub const MAX_IMAGE_SIDE: u32 = 10_000;
/// The most memory the pixels of one decoded image may take, in bytes (an 8000 × 6000 RGBA photo).
pub const MAX_IMAGE_ALLOC: u64 = 192 << 20;

/// The decoding limits of every image Qala reads.
pub fn image_limits() -> image::Limits {
    let mut l = image::Limits::default();
    l.max_image_width = Some(MAX_IMAGE_SIDE);
    l.max_image_height = Some(MAX_IMAGE_SIDE);
    l.max_alloc = Some(MAX_IMAGE_ALLOC);
    l
}

/// Why an image was not decoded.
#[derive(Debug, thiserror::Error)]
pub enum ImageRefusal {
    /// Its header claims more pixels than the limits allow; nothing was decoded.
    #[error("the image is larger than the limits ({MAX_IMAGE_SIDE} pixels a side, {mib} MiB decoded): {0}", mib = MAX_IMAGE_ALLOC >> 20)]
    TooLarge(String),
    /// Not an image this server decodes, or a damaged one.
    #[error("the image cannot be read: {0}")]
    Unreadable(String),
    /// The file could not be read (a server problem, not the file's).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Decodes the image at `path` within [`image_limits`]. Blocking: call it from a blocking thread.
pub fn decode_image(path: &Path) -> Result<image::DynamicImage, ImageRefusal> {
    let mut reader = image::ImageReader::open(path)
        .map_err(ImageRefusal::Io)?
        .with_guessed_format()
        .map_err(ImageRefusal::Io)?;
    reader.limits(image_limits());
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => ImageRefusal::TooLarge(l.to_string()),
        image::ImageError::IoError(io) => ImageRefusal::Io(io),
        other => ImageRefusal::Unreadable(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_admits_its_permits_then_answers_busy() {
        let gate = RenderGate::new(1, Duration::from_millis(20));
        let held = gate.enter(Lang::En).await.unwrap();
        let e = gate.enter(Lang::En).await.err().map(|e| (e.status, e.msg));
        assert_eq!(e, Some((StatusCode::SERVICE_UNAVAILABLE, Msg::ServerBusy)));
        drop(held);
        assert!(gate.try_enter().is_some());
    }

    #[test]
    fn a_header_claiming_too_many_pixels_is_refused_before_decoding() {
        // A PNG header of 50,000 × 50,000 RGB with no pixel data at all.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(50_000u32.to_be_bytes());
        ihdr.extend(50_000u32.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        let mut crc = flate2::Crc::new();
        crc.update(&ihdr);
        png.extend(13u32.to_be_bytes());
        png.extend(&ihdr);
        png.extend(crc.sum().to_be_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.png");
        std::fs::write(&path, &png).unwrap();
        assert!(matches!(decode_image(&path), Err(ImageRefusal::TooLarge(_))));
    }
}
