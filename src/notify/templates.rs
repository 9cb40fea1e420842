//! The texts of notifications: `notifications/<event>.toml`, one file per event, each with an
//! e-mail (subject and plain-text body) and an SMS in Kazakh, Russian and English, holding
//! `{{placeholders}}` filled from the outbox row's `data`.
//!
//! The set is checked when the server starts, like layer files: every event of [`EVENTS`] has its
//! file, every file names a known event, every language has every text, and a text uses only the
//! placeholders its event declares; a problem is refused with file, field and reason. So a missing
//! template or placeholder is found at start, never when sending.
//!
//! ```toml
//! # notifications/application.returned.toml
//! [email.kk]
//! subject = "Өтінім {{application.number}} түзетуге қайтарылды"
//! body = "..."
//! [email.ru]  # and [email.en]
//! [sms]
//! kk = "..."
//! ru = "..."
//! en = "..."
//! ```
//!
//! A value is looked up in `data` by its dotted name, first as a key (`{"application.number": ..}`),
//! then as a path (`{"application": {"number": ..}}`); a value the data lacks is left empty.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::applications::service::templates::{placeholders, render};
use crate::i18n::Lang;

/// Longest SMS, in characters; a longer text is cut with `…`.
pub const MAX_SMS: usize = 300;
/// Longest e-mail subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// Longest e-mail body template, in bytes.
pub const MAX_BODY: usize = 10_000;

/// Placeholders every event may use.
pub const COMMON: &[&str] = &["application.number", "service.title", "recipient.name", "application.url"];

/// The events and the placeholders each may use besides [`COMMON`]; the applications fill `data`
/// with these names.
pub const EVENTS: &[(&str, &[&str])] = &[
    ("application.submitted", &["due.date"]),
    ("application.returned", &["comment", "fields", "due.date"]),
    ("application.resubmitted", &["executor.name"]),
    ("application.assigned", &["stage.title", "executor.name", "due.date"]),
    ("application.approved", &["document.url"]),
    ("application.refused", &["refusal.reason", "refusal.text"]),
    ("application.withdrawn", &[]),
    ("application.deadline_alert", &["stage.title", "percent", "due.date", "executor.name"]),
];

/// One e-mail text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailText {
    pub subject: String,
    pub body: String,
}

/// A text in the three languages.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerLang<T> {
    pub kk: T,
    pub ru: T,
    pub en: T,
}

impl<T> PerLang<T> {
    pub fn get(&self, lang: Lang) -> &T {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

/// The texts of one event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventTemplate {
    pub email: PerLang<EmailText>,
    pub sms: PerLang<String>,
}

/// A problem in a template file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {field}: {reason}")]
pub struct TemplateError {
    pub file: String,
    pub field: String,
    pub reason: String,
}

/// A rendered e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// Every event's texts, checked.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    events: BTreeMap<String, EventTemplate>,
}

impl Templates {
    /// Reads and checks `dir/*.toml`; every problem is reported.
    pub fn load_dir(dir: &Path) -> Result<Templates, Vec<TemplateError>> {
        let err = |file: &str, field: &str, reason: String| TemplateError {
            file: file.into(),
            field: field.into(),
            reason,
        };
        let entries = std::fs::read_dir(dir).map_err(|e| {
            vec![err(&dir.display().to_string(), "", format!("cannot read the directory: {e}"))]
        })?;
        let mut files = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("toml") {
                let name = entry.file_name().to_string_lossy().into_owned();
                match std::fs::read_to_string(&path) {
                    Ok(text) => files.push((name, text)),
                    Err(e) => return Err(vec![err(&name, "", format!("cannot read: {e}"))]),
                }
            }
        }
        files.sort();
        Templates::parse(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Parses and checks files given as (file name, text).
    pub fn parse<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Templates, Vec<TemplateError>> {
        let mut errors = Vec::new();
        let mut events = BTreeMap::new();
        for (file, text) in files {
            let event = file.strip_suffix(".toml").unwrap_or(file);
            let Some((_, extra)) = EVENTS.iter().find(|(e, _)| *e == event) else {
                let known: Vec<&str> = EVENTS.iter().map(|(e, _)| *e).collect();
                errors.push(TemplateError {
                    file: file.into(),
                    field: String::new(),
                    reason: format!("`{event}` is not an event; the events are {}", known.join(", ")),
                });
                continue;
            };
            let t: EventTemplate = match toml::from_str(text) {
                Ok(t) => t,
                Err(e) => {
                    errors.push(TemplateError {
                        file: file.into(),
                        field: String::new(),
                        reason: e.message().to_string(),
                    });
                    continue;
                }
            };
            let before = errors.len();
            check_event(file, &t, extra, &mut errors);
            if errors.len() == before {
                events.insert(event.to_string(), t);
            }
        }
        for (event, _) in EVENTS {
            if !events.contains_key(*event) && !errors.iter().any(|e| e.file == format!("{event}.toml")) {
                errors.push(TemplateError {
                    file: format!("{event}.toml"),
                    field: String::new(),
                    reason: "the event has no template file".into(),
                });
            }
        }
        if errors.is_empty() { Ok(Templates { events }) } else { Err(errors) }
    }

    /// The e-mail of `event` in `lang` filled from `data`; `None` for an unknown event.
    pub fn email(&self, event: &str, lang: Lang, data: &Value) -> Option<Email> {
        let t = self.events.get(event)?.email.get(lang);
        let subject = render(&t.subject, |p| lookup(data, p));
        // A value cannot break the subject into header lines.
        let subject = subject.replace(['\r', '\n'], " ");
        Some(Email { subject, body: render(&t.body, |p| lookup(data, p)) })
    }

    /// The SMS of `event` in `lang` filled from `data`, at most [`MAX_SMS`] characters.
    pub fn sms(&self, event: &str, lang: Lang, data: &Value) -> Option<String> {
        let t = self.events.get(event)?.sms.get(lang);
        Some(cut(&render(t, |p| lookup(data, p)), MAX_SMS))
    }
}

fn check_event(file: &str, t: &EventTemplate, extra: &[&str], errors: &mut Vec<TemplateError>) {
    let mut texts: Vec<(String, &str, usize)> = Vec::new();
    for lang in [Lang::Kk, Lang::Ru, Lang::En] {
        let l = lang.tag();
        let e = t.email.get(lang);
        texts.push((format!("email.{l}.subject"), &e.subject, MAX_SUBJECT));
        texts.push((format!("email.{l}.body"), &e.body, MAX_BODY));
        texts.push((format!("sms.{l}"), t.sms.get(lang), MAX_SMS));
    }
    for (field, text, max) in texts {
        let push = |errors: &mut Vec<TemplateError>, reason: String| {
            errors.push(TemplateError { file: file.into(), field: field.clone(), reason })
        };
        if text.trim().is_empty() || text.chars().count() > max {
            push(errors, format!("must be 1 to {max} characters"));
            continue;
        }
        if field.ends_with(".subject") && text.contains(['\r', '\n']) {
            push(errors, "a subject is one line".into());
        }
        match placeholders(text) {
            Err(reason) => push(errors, reason),
            Ok(names) => {
                for p in names {
                    if !COMMON.contains(&p) && !extra.contains(&p) {
                        let allowed: Vec<&str> = COMMON.iter().chain(extra).copied().collect();
                        push(
                            errors,
                            format!("`{p}` is not a placeholder of this event ({})", allowed.join(", ")),
                        );
                    }
                }
            }
        }
    }
}

/// The value of placeholder `name` in `data` as text.
fn lookup(data: &Value, name: &str) -> Option<String> {
    let v = data.get(name).or_else(|| name.split('.').try_fold(data, |v, k| v.get(k)))?;
    Some(match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), String::from))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    })
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FILE: &str = r#"
[email.kk]
subject = "Өтінім {{application.number}}"
body = "Сәлеметсіз бе, {{recipient.name}}! {{comment}}"
[email.ru]
subject = "Заявка {{application.number}}"
body = "Здравствуйте, {{recipient.name}}! {{comment}}"
[email.en]
subject = "Application {{application.number}}"
body = "Hello, {{recipient.name}}! {{comment}}"
[sms]
kk = "Өтінім {{application.number}}: {{comment}}"
ru = "Заявка {{application.number}}: {{comment}}"
en = "Application {{application.number}}: {{comment}}"
"#;

    fn all_with(event: &str, text: &str) -> Vec<(String, String)> {
        EVENTS
            .iter()
            .map(|(e, _)| {
                let t = if *e == event { text.to_string() } else { FILE.replace("{{comment}}", "") };
                (format!("{e}.toml"), t)
            })
            .collect()
    }

    fn parse(files: &[(String, String)]) -> Result<Templates, Vec<TemplateError>> {
        Templates::parse(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    #[test]
    fn renders_in_the_language_from_nested_or_flat_data() {
        let t = parse(&all_with("application.returned", FILE)).unwrap();
        let data = json!({"application": {"number": "A-7"}, "recipient.name": "Айгүл", "comment": "жоспар"});
        let e = t.email("application.returned", Lang::Kk, &data).unwrap();
        assert_eq!(e.subject, "Өтінім A-7");
        assert_eq!(e.body, "Сәлеметсіз бе, Айгүл! жоспар");
        assert_eq!(t.sms("application.returned", Lang::Ru, &data).unwrap(), "Заявка A-7: жоспар");
        assert!(t.email("application.unknown", Lang::Ru, &data).is_none());
    }

    #[test]
    fn an_sms_is_cut_to_its_bound_and_a_subject_stays_one_line() {
        let t = parse(&all_with("application.returned", FILE)).unwrap();
        let data = json!({"comment": "я".repeat(400), "application.number": "1\r\nBcc: x@y"});
        let sms = t.sms("application.returned", Lang::Ru, &data).unwrap();
        assert_eq!(sms.chars().count(), MAX_SMS);
        assert!(sms.ends_with('…'));
        let e = t.email("application.returned", Lang::En, &data).unwrap();
        assert!(!e.subject.contains('\n') && !e.subject.contains('\r'), "{}", e.subject);
    }

    #[test]
    fn problems_are_found_at_load_with_file_field_and_reason() {
        // A placeholder the event does not have.
        let errs = parse(&all_with("application.approved", FILE)).unwrap_err();
        assert!(
            errs.iter().any(|e| e.file == "application.approved.toml"
                && e.field == "email.kk.body"
                && e.reason.contains("`comment` is not a placeholder")),
            "{errs:?}"
        );
        // A missing language.
        let no_en = FILE.replace("en = \"Application {{application.number}}: {{comment}}\"", "");
        let errs = parse(&all_with("application.returned", &no_en)).unwrap_err();
        assert!(errs.iter().any(|e| e.reason.contains("missing field `en`")), "{errs:?}");
        // A missing event file, and a file of no event.
        let mut files = all_with("application.returned", FILE);
        files.retain(|(n, _)| n != "application.refused.toml");
        files.push(("application.lost.toml".into(), FILE.into()));
        let errs = parse(&files).unwrap_err();
        assert!(
            errs.iter().any(|e| e.file == "application.refused.toml" && e.reason.contains("no template"))
        );
        assert!(errs.iter().any(|e| e.file == "application.lost.toml" && e.reason.contains("not an event")));
        // An unclosed placeholder and an SMS over its bound.
        let broken = FILE.replace("Заявка {{application.number}}: {{comment}}", &"я".repeat(MAX_SMS + 1));
        let broken = broken.replace("Hello, {{recipient.name}}", "Hello, {{recipient.name");
        let errs = parse(&all_with("application.returned", &broken)).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "sms.ru" && e.reason.contains("1 to 300")), "{errs:?}");
        assert!(
            errs.iter().any(|e| e.field == "email.en.body" && e.reason.contains("not closed")),
            "{errs:?}"
        );
    }

    #[test]
    fn the_shipped_templates_load() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("notifications");
        let t = Templates::load_dir(&dir).unwrap_or_else(|e| panic!("{e:?}"));
        for (event, _) in EVENTS {
            for lang in [Lang::Kk, Lang::Ru, Lang::En] {
                assert!(t.email(event, lang, &json!({})).is_some());
                assert!(t.sms(event, lang, &json!({})).is_some());
            }
        }
    }
}
