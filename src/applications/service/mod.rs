//! Services are files, not code: one `services/<id>.toml` per service, parsed and validated here
//! (pure but for [`load_dir`], which reads the directory). A wrong file is refused with its file,
//! field path and reason ([`ServiceError`], like the layer catalog's errors).
//!
//! A service file holds: `id` (the file name), `version` (an application keeps the version it was
//! submitted under), `title` in kk/ru/en, the `provider` organisation and a `category`;
//! `[passport]` (purpose, who may apply, legal basis, fee, result, `[[passport.documents]]` with
//! formats and size limits); `[deadlines] total` in working days; `[[form]]` fields
//! ([`form`]); `[geometry]` ([`geometry`]); `[workflow]` with its `[[workflow.stages]]`
//! ([`crate::applications::workflow`]); `[[refusal_reasons]]`; `[output]` templates
//! ([`templates`]); `[publish]` (what the public sees). See `services/*.toml` for complete files.
//!
//! Field names and document ids share one namespace (a return for corrections flags either).

pub mod filetype;
pub mod form;
pub mod geometry;
pub mod ids;
pub mod overlay;
pub mod templates;
pub mod values;

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use self::form::{FieldDef, Filler, check_formats, is_name, is_org_id};
use self::geometry::GeometryRule;
use self::templates::OutputDef;
use crate::applications::workflow::{WorkflowDef, check_workflow};
use crate::layers::catalog::Translated;

/// Largest service file read, in bytes.
pub const MAX_SERVICE_FILE_BYTES: u64 = 1024 * 1024;
/// Most documents a passport lists.
pub const MAX_DOCUMENTS: usize = 50;
/// Longest term of a service or a stage, in working days.
pub const MAX_DAYS: u16 = 365;

/// Who may apply for a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

/// A document of the passport: uploaded by the applicant (or by the provider's staff, when
/// `provided_by = "provider"`), in one of `formats`, each file at most `max_mb` MB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentDef {
    pub id: String,
    pub title: Translated,
    pub formats: Vec<String>,
    pub max_mb: u32,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub provided_by: Filler,
    /// Most files (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
}

impl DocumentDef {
    /// The most files of this document.
    pub fn file_limit(&self) -> u32 {
        self.max_files.unwrap_or(1)
    }
}

/// The passport of a service: what an applicant reads before applying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Passport {
    pub purpose: Translated,
    pub applicants: Vec<ApplicantKind>,
    pub legal_basis: Translated,
    /// The fee in tenge (0: free of charge).
    pub fee_kzt: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_note: Option<Translated>,
    /// What the applicant receives.
    pub result: Translated,
    #[serde(default)]
    pub documents: Vec<DocumentDef>,
}

/// Terms in working days (stages have their own `days`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// From submission to the result, in working days.
    pub total: u16,
}

/// A coded reason for a refusal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalReason {
    pub code: String,
    pub title: Translated,
}

/// What the public sees of the service's applications: nothing unless `public`; then the status,
/// the listed fields (never personal ones) and, when `geometry`, the site.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishDef {
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub geometry: bool,
}

/// A validated service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDef {
    pub id: String,
    pub version: u32,
    pub title: Translated,
    /// The organisation that provides it (and works its stages that name no organisation).
    pub provider: String,
    pub category: String,
    pub passport: Passport,
    pub deadlines: Deadlines,
    #[serde(default)]
    pub form: Vec<FieldDef>,
    #[serde(default)]
    pub geometry: GeometryRule,
    pub workflow: WorkflowDef,
    #[serde(default)]
    pub refusal_reasons: Vec<RefusalReason>,
    pub output: OutputDef,
    #[serde(default)]
    pub publish: PublishDef,
    #[serde(default)]
    pub overlay: overlay::OverlayDef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<overlay::RoutingDef>,
}

impl ServiceDef {
    /// The form field `name`.
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.form.iter().find(|f| f.name == name)
    }

    /// The passport document `id`.
    pub fn document(&self, id: &str) -> Option<&DocumentDef> {
        self.passport.documents.iter().find(|d| d.id == id)
    }

    /// The refusal reason `code`.
    pub fn refusal_reason(&self, code: &str) -> Option<&RefusalReason> {
        self.refusal_reasons.iter().find(|r| r.code == code)
    }

    /// Whether a return for corrections may flag `name`: a field or document of the applicant's.
    pub fn is_correctable(&self, name: &str) -> bool {
        self.field(name).is_some_and(|f| f.filled_by == Filler::Applicant)
            || self.document(name).is_some_and(|d| d.provided_by == Filler::Applicant)
    }
}

/// A service file that cannot be used: which file, which field, and why (the same error as a
/// layer file's).
pub use crate::layers::catalog::CatalogError as ServiceError;

/// Parses and validates one service file. `file` is used in error messages and must be
/// `<id>.toml` when it ends in `.toml`.
pub fn parse_service(file: &str, text: &str) -> Result<ServiceDef, ServiceError> {
    let err = |(field, reason): (String, String)| ServiceError { file: file.to_string(), field, reason };
    let service: ServiceDef = deserialize_with_path(text).map_err(err)?;
    check_service(&service, file).map_err(err)?;
    Ok(service)
}

fn check_service(s: &ServiceDef, file: &str) -> Result<(), (String, String)> {
    let e = |f: &str, r: String| Err((f.to_string(), r));
    if !crate::layers::catalog::is_valid_id(&s.id) {
        return e(
            "id",
            format!(
                "`{}` must be lower-case latin letters, digits and `_`, starting with a letter, at most 40 characters",
                s.id
            ),
        );
    }
    if let Some(stem) = Path::new(file).file_stem().and_then(|s| s.to_str())
        && file.ends_with(".toml")
        && stem != s.id
    {
        return e("id", format!("`{}` differs from the file name `{stem}.toml`", s.id));
    }
    if s.version == 0 {
        return e("version", "starts at 1".into());
    }
    translated("title", &s.title)?;
    if !is_org_id(&s.provider) {
        return e(
            "provider",
            format!(
                "`{}` is not an organisation id (lower-case latin letters, digits, `_`, `-`)",
                s.provider
            ),
        );
    }
    if !is_name(&s.category) {
        return e("category", format!("`{}` must be lower-case latin letters, digits and `_`", s.category));
    }
    let p = &s.passport;
    translated("passport.purpose", &p.purpose)?;
    translated("passport.legal_basis", &p.legal_basis)?;
    translated("passport.result", &p.result)?;
    if let Some(n) = &p.fee_note {
        translated("passport.fee_note", n)?;
    }
    let kinds: BTreeSet<_> = p.applicants.iter().map(|k| *k as u8).collect();
    if p.applicants.is_empty() || kinds.len() != p.applicants.len() {
        return e("passport.applicants", "list `person`, `organisation` or both, once each".into());
    }
    if p.documents.len() > MAX_DOCUMENTS {
        return e("passport.documents", format!("more than {MAX_DOCUMENTS} documents"));
    }
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for (i, d) in p.documents.iter().enumerate() {
        let path = format!("passport.documents[{i}]");
        if !is_name(&d.id) || !names.insert(&d.id) {
            return e(&format!("{path}.id"), format!("`{}` is not an identifier or is used twice", d.id));
        }
        translated(&format!("{path}.title"), &d.title)?;
        if d.formats.is_empty() {
            return e(&format!("{path}.formats"), "list the file extensions it takes".into());
        }
        check_formats(&d.formats).map_err(|r| (format!("{path}.formats"), r))?;
        if d.max_mb == 0 || d.max_mb > form::MAX_FILE_MB {
            return e(&format!("{path}.max_mb"), format!("must be 1 to {}", form::MAX_FILE_MB));
        }
        if d.max_files.is_some_and(|m| m == 0 || m > form::MAX_FILES) {
            return e(&format!("{path}.max_files"), format!("must be 1 to {}", form::MAX_FILES));
        }
    }
    if s.deadlines.total == 0 || s.deadlines.total > MAX_DAYS {
        return e("deadlines.total", format!("must be 1 to {MAX_DAYS} working days"));
    }
    form::check_form(&s.form)?;
    for (i, f) in s.form.iter().enumerate() {
        if !names.insert(&f.name) {
            return e(&format!("form[{i}].name"), format!("`{}` is also a document id", f.name));
        }
    }
    s.geometry.check()?;
    let mut codes = BTreeSet::new();
    for (i, r) in s.refusal_reasons.iter().enumerate() {
        if !is_name(&r.code) || !codes.insert(&r.code) {
            return e(
                &format!("refusal_reasons[{i}].code"),
                format!("`{}` is not an identifier or is used twice", r.code),
            );
        }
        translated(&format!("refusal_reasons[{i}].title"), &r.title)?;
    }
    check_workflow(s)?;
    templates::check_output(&s.output, &s.form)?;
    overlay::check(&s.overlay, s.routing.as_ref())?;
    check_publish(s)
}

fn check_publish(s: &ServiceDef) -> Result<(), (String, String)> {
    let p = &s.publish;
    if !p.public && (p.geometry || !p.fields.is_empty()) {
        return Err((
            "publish.public".into(),
            "fields or the geometry are published only when `public = true`".into(),
        ));
    }
    if p.geometry && s.geometry.kind == geometry::GeometryKind::None {
        return Err(("publish.geometry".into(), "the service has no site to publish".into()));
    }
    for (i, name) in p.fields.iter().enumerate() {
        match s.field(name) {
            None => return Err((format!("publish.fields[{i}]"), format!("`{name}` is not a form field"))),
            Some(f) if f.is_personal() => {
                return Err((
                    format!("publish.fields[{i}]"),
                    format!(
                        "`{name}` holds personal data ({}, or marked `personal`) and is never published",
                        f.kind.as_str()
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A text in kk, ru and en, none of them empty.
pub(crate) fn translated(path: &str, t: &Translated) -> Result<(), (String, String)> {
    for (lang, v) in [("kk", &t.kk), ("ru", &t.ru), ("en", &t.en)] {
        if v.trim().is_empty() {
            return Err((format!("{path}.{lang}"), "must not be empty".into()));
        }
    }
    Ok(())
}

/// Deserialises, naming the failing field by its path (`form[2].type`) and line.
fn deserialize_with_path(text: &str) -> Result<ServiceDef, (String, String)> {
    serde_path_to_error::deserialize(toml::Deserializer::new(text)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.message().trim().to_string();
        if msg.is_empty() {
            // Some syntax errors carry no message: the display's first line gives line and column.
            let at = inner.to_string().lines().next().unwrap_or("TOML parse error").trim().to_string();
            return ("(syntax)".to_string(), format!("{at}: not valid TOML"));
        }
        let named = ["missing field `", "unknown field `"]
            .iter()
            .find_map(|prefix| msg.split(prefix).nth(1))
            .and_then(|rest| rest.split('`').next());
        let field = match named {
            Some(name) if path == "." => name.to_string(),
            Some(name) if path == name || path.ends_with(&format!(".{name}")) => path,
            Some(name) => format!("{path}.{name}"),
            None if path == "." => "(syntax)".to_string(),
            None => path,
        };
        let reason = match inner.span() {
            Some(s) => format!("{msg} (line {})", text[..s.start.min(text.len())].lines().count().max(1)),
            None => msg,
        };
        (field, reason)
    })
}

/// Reads every `*.toml` in `dir`, in file-name order. All errors are returned, not just the first.
pub fn load_dir(dir: &Path) -> Result<Vec<ServiceDef>, Vec<ServiceError>> {
    let err = |file: String, field: &str, reason: String| ServiceError { file, field: field.into(), reason };
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect(),
        Err(e) => return Err(vec![err(dir.display().to_string(), "(directory)", e.to_string())]),
    };
    files.sort();
    let (mut services, mut errors, mut ids) = (Vec::new(), Vec::new(), BTreeSet::new());
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_SERVICE_FILE_BYTES => {
                Err(format!("larger than {MAX_SERVICE_FILE_BYTES} bytes"))
            }
            _ => std::fs::read_to_string(&path).map_err(|e| e.to_string()),
        };
        match text.map(|t| parse_service(&name, &t)) {
            Ok(Ok(s)) if !ids.insert(s.id.clone()) => {
                errors.push(err(name, "id", format!("`{}` is used by another file", s.id)));
            }
            Ok(Ok(s)) => services.push(s),
            Ok(Err(e)) => errors.push(e),
            Err(reason) => errors.push(err(name, "(file)", reason)),
        }
    }
    if errors.is_empty() { Ok(services) } else { Err(errors) }
}

/// Services whose site is picked from, or whose routing reads, a layer the catalog does not have
/// (the overlay's layers may be missing: the report names them).
pub fn check_layers(services: &[ServiceDef], layer_exists: impl Fn(&str) -> bool) -> Vec<ServiceError> {
    services
        .iter()
        .flat_map(|s| {
            let named = [
                ("geometry.layer", s.geometry.layer.as_deref()),
                ("routing.layer", s.routing.as_ref().map(|r| r.layer.as_str())),
            ];
            named.into_iter().filter_map(|(field, layer)| {
                let layer = layer?;
                (!layer_exists(layer)).then(|| ServiceError {
                    file: format!("{}.toml", s.id),
                    field: field.into(),
                    reason: format!("`{layer}` is not a layer of the catalog"),
                })
            })
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests;
