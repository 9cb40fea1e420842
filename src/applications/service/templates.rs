//! Output document templates of a service (`[output]`): the approval and the refusal, in Kazakh and
//! Russian (English optional), on one bilingual document when `bilingual = true`. Texts hold
//! `{{placeholders}}`: a form field's name, or one of [`BUILTINS`] filled from the application,
//! the reference books and the overlay.
//!
//! ```
//! use qala::applications::service::templates::{placeholders, render};
//! let text = "Өтінім № {{application.number}}: {{ address }}";
//! assert_eq!(placeholders(text).unwrap(), vec!["application.number", "address"]);
//! let out = render(text, |p| (p == "address").then(|| "Абай даңғылы, 150".to_string()));
//! assert_eq!(out, "Өтінім № : Абай даңғылы, 150");
//! ```

use serde::{Deserialize, Serialize};

use super::form::{FieldDef, FieldType};

/// Longest template text, in bytes.
pub const MAX_TEMPLATE: usize = 20_000;

/// Placeholders every template may use besides form fields.
pub const BUILTINS: &[&str] = &[
    "application.number",
    "application.submitted",
    "application.decided",
    "service.title",
    "provider.name",
    "applicant.name",
    "executor.name",
    "site.address",
    "site.district",
    "site.area_m2",
    "refusal.code",
    "refusal.reason",
    "refusal.text",
];

/// Placeholders only a refusal has.
pub const REFUSAL_ONLY: &[&str] = &["refusal.code", "refusal.reason", "refusal.text"];

/// A text in Kazakh and Russian, and optionally English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KkRu {
    pub kk: String,
    pub ru: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// One output document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub title: KkRu,
    pub body: KkRu,
}

/// The output documents of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputDef {
    /// Kazakh and Russian on one document (otherwise one document in the applicant's language).
    #[serde(default)]
    pub bilingual: bool,
    pub approval: Template,
    pub refusal: Template,
    /// Who signs the approval with EDS (HC-1: an agreement signed by both parties): the
    /// applicant, the provider (its head or someone with the right to sign), or both. Empty: the
    /// document is issued unsigned, its record and QR code being its proof.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<SigningParty>,
}

/// A party that signs an output document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SigningParty {
    /// The applicant, with a personal certificate whose IIN is the applicant's.
    Applicant,
    /// The provider, with a certificate of its organisation (its BIN) held by one of its staff.
    Provider,
}

impl SigningParty {
    pub fn tag(self) -> &'static str {
        match self {
            SigningParty::Applicant => "applicant",
            SigningParty::Provider => "provider",
        }
    }

    pub fn from_tag(tag: &str) -> Option<SigningParty> {
        match tag {
            "applicant" => Some(SigningParty::Applicant),
            "provider" => Some(SigningParty::Provider),
            _ => None,
        }
    }
}

/// The placeholders of a text, in order, trimmed; an unclosed `{{` or a `{{` inside one is an error.
pub fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let end = after.find("}}").ok_or("a `{{` is not closed by `}}`")?;
        let name = &after[..end];
        if name.contains("{{") {
            return Err("a `{{` is not closed by `}}`".into());
        }
        out.push(name.trim());
        rest = &after[end + 2..];
    }
    Ok(out)
}

/// Fills the placeholders of `text` with `lookup` (an unknown one becomes empty).
pub fn render(text: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..i]);
        out.push_str(&lookup(after[..end].trim()).unwrap_or_default());
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Checks the templates against the form: the first problem as (field path, reason).
pub fn check_output(output: &OutputDef, form: &[FieldDef]) -> Result<(), (String, String)> {
    for (doc, t) in [("approval", &output.approval), ("refusal", &output.refusal)] {
        for (part, text) in [("title", &t.title), ("body", &t.body)] {
            let langs = [("kk", Some(&text.kk)), ("ru", Some(&text.ru)), ("en", text.en.as_ref())];
            for (lang, s) in langs.into_iter().filter_map(|(l, s)| Some((l, s?))) {
                let path = format!("output.{doc}.{part}.{lang}");
                if s.trim().is_empty() || s.len() > MAX_TEMPLATE {
                    return Err((path, format!("must be 1 to {MAX_TEMPLATE} bytes")));
                }
                for p in placeholders(s).map_err(|r| (path.clone(), r))? {
                    let reason = match form.iter().find(|f| f.name == p) {
                        Some(f) if matches!(f.kind, FieldType::Table | FieldType::File) => {
                            Some(format!("`{p}` is a {} field, which a text cannot show", f.kind.as_str()))
                        }
                        Some(_) => None,
                        None if REFUSAL_ONLY.contains(&p) && doc != "refusal" => {
                            Some(format!("`{p}` exists in a refusal only"))
                        }
                        None if BUILTINS.contains(&p) => None,
                        None => {
                            Some(format!("`{p}` is neither a form field nor one of {}", BUILTINS.join(", ")))
                        }
                    };
                    if let Some(reason) = reason {
                        return Err((path, reason));
                    }
                }
            }
        }
    }
    Ok(())
}
