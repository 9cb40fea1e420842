//! The public verification page of a document (pure HTML rendering): its record, whether it is
//! valid or revoked, and a form to compare a file's SHA-256 with the record.

use super::store::DocumentRecord;
use crate::i18n::Lang;

/// HTML-escaped text (quick-xml's escaping: `& < > " '`).
fn esc(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

fn t(lang: Lang, kk: &'static str, ru: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Kk => kk,
        Lang::Ru => ru,
        Lang::En => en,
    }
}

/// Result of comparing an uploaded file with the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Matches,
    Differs,
}

/// A signature of a document as the public page shows it: the applicant by a masked IIN, the
/// provider by its organisation, BIN and the official who signed.
#[derive(Debug, Clone)]
pub struct PublicSignature {
    /// `applicant` or `provider`.
    pub party: String,
    /// The masked IIN (applicant) or the official's name with the organisation (provider).
    pub who: String,
    pub certificate_serial: String,
    pub certificate_issuer: String,
    pub algorithm: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    /// Whether the signature still checks (signature, chain, validity then, revocation).
    pub valid: bool,
}

/// The page of a document; `None` renders the "unknown code" page.
pub fn page(
    lang: Lang,
    code: &str,
    doc: Option<&DocumentRecord>,
    compared: Option<(Comparison, &str)>,
    signatures: &[PublicSignature],
) -> String {
    let title = t(lang, "Құжатты тексеру", "Проверка документа", "Document verification");
    let mut body = format!("<h1>{title}</h1>\n");
    match doc {
        None => {
            body += &format!(
                "<p id=\"status\" data-status=\"unknown\" class=\"bad\">{} <code>{}</code></p>\n",
                t(
                    lang,
                    "Мұндай кодпен құжат берілмеген:",
                    "Документ с таким кодом не выдавался:",
                    "No document was issued with the code"
                ),
                esc(code)
            );
        }
        Some(d) => {
            let (status, class, text) = match d.revoked_at {
                None => ("valid", "ok", t(lang, "Жарамды", "Действителен", "Valid")),
                Some(_) => ("revoked", "bad", t(lang, "Кері қайтарылған", "Отозван", "Revoked")),
            };
            body +=
                &format!("<p id=\"status\" data-status=\"{status}\" class=\"{class}\">{text}</p>\n<table>\n");
            let kind = match d.kind.as_str() {
                "passport" => t(lang, "Объект паспорты", "Паспорт объекта", "Object passport"),
                "decision" => {
                    t(lang, "Өтінім бойынша шешім", "Решение по заявке", "Decision on an application")
                }
                _ => t(lang, "Масштабтағы карта", "Карта в масштабе", "Map to scale"),
            };
            // Staff are named by their organisation and department, never by login.
            let issuer = match (&d.issuer, &d.issuer_unit) {
                (None, _) => {
                    t(lang, "анонимді пайдаланушы", "анонимный пользователь", "anonymous user").into()
                }
                (Some(_), Some(unit)) => unit.clone(),
                (Some(_), None) => {
                    t(lang, "тіркелген пайдаланушы", "зарегистрированный пользователь", "registered user")
                        .into()
                }
            };
            let rows = [
                (t(lang, "Код", "Код", "Code"), d.code.clone()),
                (t(lang, "Түрі", "Вид", "Kind"), kind.to_string()),
                (t(lang, "Атауы", "Название", "Title"), d.title.clone()),
                (t(lang, "Мазмұны", "Содержание", "Subject"), subject_text(&d.subject)),
                (t(lang, "Берген", "Выдал", "Issued by"), issuer),
                (
                    t(lang, "Берілген уақыты", "Время выдачи", "Issued at"),
                    d.issued_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                ),
                ("SHA-256", d.sha256.clone()),
                (t(lang, "Көлемі, байт", "Размер, байт", "Size, bytes"), d.size_bytes.to_string()),
            ];
            for (k, v) in rows {
                body += &format!("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), esc(&v));
            }
            if let Some(r) = d.revoked_at {
                let reason = d.revoke_reason.clone().unwrap_or_default();
                body += &format!(
                    "<tr><th>{}</th><td>{} {}</td></tr>\n",
                    t(lang, "Кері қайтарылды", "Отозван", "Revoked"),
                    r.format("%Y-%m-%d %H:%M UTC"),
                    esc(&reason)
                );
            }
            body += "</table>\n";
            body += &signatures_section(lang, signatures);
            if let Some((c, sha)) = compared {
                let (id, class, text) = match c {
                    Comparison::Matches => (
                        "match",
                        "ok",
                        t(
                            lang,
                            "Файл тіркелген құжатпен бірдей.",
                            "Файл совпадает с зарегистрированным документом.",
                            "The file is the registered document.",
                        ),
                    ),
                    Comparison::Differs => (
                        "differs",
                        "bad",
                        t(
                            lang,
                            "Файл тіркелген құжаттан өзгеше.",
                            "Файл отличается от зарегистрированного документа.",
                            "The file differs from the registered document.",
                        ),
                    ),
                };
                body += &format!(
                    "<p id=\"compare\" data-compare=\"{id}\" class=\"{class}\">{text}<br><small>SHA-256 {}</small></p>\n",
                    esc(sha)
                );
            }
            body += &format!(
                "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/verify/{code}?lang={l}\">\
                 <label>{label} <input type=\"file\" name=\"file\" accept=\"application/pdf\" required></label> \
                 <button type=\"submit\">{button}</button></form>\n",
                code = esc(&d.code),
                l = lang.tag(),
                label = t(lang, "Файлды салыстыру:", "Сравнить файл:", "Compare a file:"),
                button = t(lang, "Тексеру", "Проверить", "Check"),
            );
        }
    }
    format!(
        "<!doctype html>\n<html lang=\"{l}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>{title} · Qala</title><style>body{{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}}\
         th{{text-align:left;padding:.2rem 1rem .2rem 0;vertical-align:top;color:#555}}td{{word-break:break-all}}\
         .ok{{color:#11703a;font-weight:600;font-size:1.3rem}}.bad{{color:#a01010;font-weight:600;font-size:1.3rem}}\
         form{{margin-top:1.5rem}}</style></head>\n<body>\n{body}<p><small>Qala · {langs}</small></p>\n</body></html>\n",
        l = lang.tag(),
        langs = ["kk", "ru", "en"].map(|x| format!("<a href=\"?lang={x}\">{x}</a>")).join(" "),
    )
}

/// A short description of a document's subject.
pub fn subject_text(s: &serde_json::Value) -> String {
    let get = |k: &str| s.get(k).map(super::expr::to_text).unwrap_or_default();
    if s.get("application").is_some() {
        return format!("{} ({}) v{}", get("number"), get("template"), get("version"));
    }
    match s.get("layers") {
        Some(layers) => format!(
            "{} {}, 1:{}, {}, {}",
            get("paper"),
            get("orientation"),
            get("scale"),
            get("crs"),
            layers
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", "))
                .unwrap_or_default()
        ),
        None => format!("{} #{} v{}", get("layer"), get("feature"), get("version")),
    }
}

/// The list of a document's EDS signatures (empty when it has none).
fn signatures_section(lang: Lang, signatures: &[PublicSignature]) -> String {
    if signatures.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "<h2>{}</h2>\n<table id=\"signatures\">\n<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\n",
        t(lang, "ЭЦҚ қолтаңбалары", "Подписи ЭЦП", "EDS signatures"),
        t(lang, "Тарап", "Сторона", "Party"),
        t(lang, "Қол қойған", "Подписант", "Signer"),
        t(lang, "Сертификат", "Сертификат", "Certificate"),
        t(lang, "Уақыты", "Время", "Time"),
        t(lang, "Күйі", "Статус", "Status"),
    );
    for s in signatures {
        let party = match s.party.as_str() {
            "applicant" => t(lang, "Өтініш беруші", "Заявитель", "Applicant"),
            _ => t(lang, "Қызмет беруші", "Услугодатель", "Provider"),
        };
        let (state, class, text) = if s.valid {
            ("valid", "ok", t(lang, "Жарамды", "Действительна", "Valid"))
        } else {
            ("invalid", "bad", t(lang, "Жарамсыз", "Недействительна", "Not valid"))
        };
        out += &format!(
            "<tr data-party=\"{p}\" data-signature=\"{state}\"><td>{party}</td><td>{who}</td><td>{serial}<br><small>{issuer} · {alg}</small></td><td>{time}</td><td class=\"{class}\">{text}</td></tr>\n",
            p = esc(&s.party),
            who = esc(&s.who),
            serial = esc(&s.certificate_serial),
            issuer = esc(&s.certificate_issuer),
            alg = esc(&s.algorithm),
            time = s.received_at.format("%Y-%m-%d %H:%M:%S UTC"),
        );
    }
    out + "</table>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(revoked: bool) -> DocumentRecord {
        DocumentRecord {
            code: "ABCD-EFGH-JKMN".into(),
            kind: "print".into(),
            sha256: "0".repeat(64),
            size_bytes: 10,
            title: "<Алматы>".into(),
            subject: json!({"paper": "A3", "orientation": "landscape", "scale": 2000, "crs": "EPSG:3857", "layers": ["buildings"]}),
            issuer: Some("ivanov".into()),
            issued_at: chrono::Utc::now(),
            revoked_at: revoked.then(chrono::Utc::now),
            revoked_by: Some("petrov".into()),
            revoke_reason: Some("ошибка".into()),
            issuer_org: Some("akimat".into()),
            issuer_unit: Some("Акимат · Отдел архитектуры".into()),
        }
    }

    #[test]
    fn pages_say_valid_revoked_or_unknown_and_escape() {
        let p = page(Lang::En, "ABCD-EFGH-JKMN", Some(&record(false)), None, &[]);
        assert!(
            p.contains("data-status=\"valid\"") && p.contains("&lt;Алматы&gt;") && !p.contains("<Алматы>")
        );
        assert!(p.contains("A3 landscape, 1:2000, EPSG:3857, buildings"));
        // Staff are named by their organisation, never by login.
        assert!(p.contains("Акимат · Отдел архитектуры") && !p.contains("ivanov") && !p.contains("petrov"));
        let p = page(Lang::Kk, "ABCD-EFGH-JKMN", Some(&record(true)), Some((Comparison::Differs, "ff")), &[]);
        assert!(
            p.contains("data-status=\"revoked\"")
                && p.contains("data-compare=\"differs\"")
                && p.contains("ошибка")
        );
        let p = page(Lang::Ru, "<x>", None, None, &[]);
        assert!(p.contains("data-status=\"unknown\"") && p.contains("&lt;x&gt;"));
    }
}
