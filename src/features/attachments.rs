//! Stored attachments as files: names made safe, types sniffed from the bytes, content-addressed
//! paths (pure). The routes are `http::routes::attachments`.

use std::path::{Path, PathBuf};

/// A file name safe to show and to put in `Content-Disposition`: no directories, no control or
/// reserved characters, at most 120 characters, never empty.
///
/// ```
/// use qala::features::attachments::sanitize_name;
/// assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
/// assert_eq!(sanitize_name("C:\\docs\\план участка.pdf"), "план участка.pdf");
/// assert_eq!(sanitize_name("a\u{0}b<>:\"|?*.txt"), "ab.txt");
/// assert_eq!(sanitize_name("..."), "file");
/// ```
pub fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut out: String = trimmed.chars().take(120).collect();
    if out.is_empty() {
        out = "file".into();
    }
    out
}

/// The media type of a file from its first bytes; text when it is UTF-8, else octet-stream.
pub fn sniff(head: &[u8]) -> String {
    if let Some(t) = infer::get(head) {
        return t.mime_type().to_string();
    }
    if !head.is_empty() && std::str::from_utf8(head).is_ok() {
        return "text/plain; charset=utf-8".into();
    }
    "application/octet-stream".into()
}

/// Where a file with this SHA-256 (hex) is stored under `dir`: `<dir>/<sha[..2]>/<sha>`.
pub fn stored_path(dir: &Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_content_not_name() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n0000"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("Привет".as_bytes()), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0xff, 0x00, 0x13, 0x37]), "application/octet-stream");
    }
}
