//! Whether an uploaded file's bytes agree with its name: the extension says what the applicant
//! claims (and what the service's `formats` allow), the media type sniffed from the first bytes
//! (`features::attachments::sniff`) says what it is. A PDF named `.jpg`, a program named `.pdf` or
//! a ZIP named `.dwg` is refused. Formats with no reliable signature (DWG, DXF, SHP, ...) pass
//! unless the bytes are plainly something else. Pure.
//!
//! ```
//! use qala::applications::service::filetype::content_matches;
//! assert!(content_matches("pdf", "application/pdf"));
//! assert!(!content_matches("pdf", "image/png"));
//! assert!(content_matches("dwg", "application/octet-stream"));
//! assert!(!content_matches("dwg", "application/pdf"));
//! assert!(!content_matches("dxf", "application/x-executable"));
//! ```

/// The media types the bytes of a file with this extension may sniff as; none: no signature to
/// check.
fn expected(ext: &str) -> Option<&'static [&'static str]> {
    Some(match ext {
        "pdf" => &["application/pdf"],
        "jpg" | "jpeg" => &["image/jpeg"],
        "png" => &["image/png"],
        "gif" => &["image/gif"],
        "webp" => &["image/webp"],
        "tif" | "tiff" => &["image/tiff"],
        "heic" | "heif" => &["image/heic", "image/heif"],
        // Office Open XML is a ZIP; the sniffer names the kind when it finds its marker early.
        "docx" => {
            &["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"]
        }
        "xlsx" => &["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"],
        "zip" => &["application/zip"],
        _ => return None,
    })
}

/// Types that are never a document of an application, whatever the name.
const NEVER: &[&str] = &[
    "application/x-executable",
    "application/vnd.microsoft.portable-executable",
    "application/x-msdownload",
    "application/x-mach-binary",
    "application/vnd.android.dex",
    "application/x-shockwave-flash",
    "application/x-sh",
];

/// Whether bytes sniffed as `media_type` may be a file with extension `ext` (lower case).
pub fn content_matches(ext: &str, media_type: &str) -> bool {
    let media = media_type.split(';').next().unwrap_or_default().trim();
    if NEVER.contains(&media) {
        return false;
    }
    match expected(ext) {
        Some(types) => types.contains(&media),
        // No signature of its own: anything but a type another extension claims.
        None => {
            let claimed = ["pdf", "jpg", "png", "gif", "webp", "tif", "heic", "docx", "xlsx", "zip"];
            !claimed.iter().filter_map(|e| expected(e)).any(|t| t.contains(&media))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::attachments::sniff;

    #[test]
    fn real_signatures_against_names() {
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        let jpg = b"\xff\xd8\xff\xe0\0\x10JFIF\0";
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0); // the sniffer wants a whole ELF header
        let elf = elf.as_slice();
        assert!(content_matches("pdf", &sniff(pdf)));
        assert!(content_matches("jpeg", &sniff(jpg)) && content_matches("jpg", &sniff(jpg)));
        assert!(!content_matches("jpg", &sniff(pdf)), "a PDF named .jpg");
        assert!(!content_matches("pdf", &sniff(png)), "a PNG named .pdf");
        assert_eq!(sniff(elf), "application/x-executable");
        assert!(!content_matches("pdf", &sniff(elf)), "a program named .pdf");
        assert!(!content_matches("dwg", &sniff(elf)), "a program named .dwg");
        assert!(content_matches("dxf", &sniff(b"0\nSECTION\n2\nHEADER\n")), "DXF is text");
        assert!(content_matches("dwg", &sniff(b"AC1027\0\0\0\0\0\x06\x01")));
        assert!(!content_matches("pdf", &sniff("Привет".as_bytes())), "text named .pdf");
    }
}
