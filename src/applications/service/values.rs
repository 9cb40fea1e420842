//! Submitted form values and documents checked against a service's form: pure, every problem
//! reported with its path (`rooms[2].area`, `documents.plan[0]`) and a message in kk, ru and en.
//!
//! The rule per field type (see [`super::form`] for the declarations):
//! - `text`: a JSON text, trimmed, at most `max_length` characters (default 1000), matching the
//!   whole `pattern` when one is declared, never a NUL character;
//! - `number`: a finite JSON number or a text with `.` or `,` as decimal separator; whole when
//!   `integer`; within `min` and `max`;
//! - `date`: a text `YYYY-MM-DD`, years 1 to 9999;
//! - `enum`: one of its values; `multi_enum`: a list of its values (repeats dropped);
//! - `boolean`: `true` or `false`;
//! - `iin`, `bin`: twelve digits (spaces and dashes dropped) with a valid check digit, see [`super::ids`];
//! - `phone`: a Kazakh number, stored as `+77XXXXXXXXX`; `email`: an address, trimmed;
//! - `file`: one file reference `{"id", "name", "size"}` or a list, at most `max_files`, each with
//!   an extension of `formats`, bytes that agree with it ([`super::filetype`]) and at most
//!   `max_mb` MB;
//! - `table`: a list of rows (objects of its columns), `min_rows` to `max_rows` (default 100).
//!
//! `null`, blank texts and empty lists are "no value". A field whose `when` does not hold is not
//! shown: its value is dropped, never an error, and it is never required.
//!
//! ```
//! use qala::applications::service::form::FieldDef;
//! use qala::applications::service::values::{FormCheck, validate_form};
//! let form: Vec<FieldDef> = toml::from_str::<toml::Table>(r#"
//! [[f]]
//! name = "phone"
//! type = "phone"
//! label = { kk = "Телефон", ru = "Телефон", en = "Phone" }
//! required = true
//! "#).unwrap()["f"].clone().try_into().unwrap();
//! let values = serde_json::json!({"phone": "8 701 123 45 67"});
//! let clean = validate_form(&form, values.as_object().unwrap(), &FormCheck::submission()).unwrap();
//! assert_eq!(clean["phone"], "+77011234567");
//! let errors = validate_form(&form, &serde_json::Map::new(), &FormCheck::submission()).unwrap_err();
//! assert_eq!(errors[0].path, "phone");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::DocumentDef;
use super::form::{FieldDef, FieldType, Filler, When, compile_pattern};
use super::ids::{is_valid_bin, is_valid_email, is_valid_iin, normalize_id, normalize_phone};
use crate::i18n::{Lang, Msg};

/// Most errors reported for one submission (the rest are not listed).
pub const MAX_ERRORS: usize = 100;

/// A value that does not fit: where, what (a message in kk/ru/en) and, when there is one, the
/// limit it broke in a language-neutral form (`100`, `pdf, jpg`, `10 MB`, `number`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub msg: Msg,
    pub limit: Option<String>,
}

impl FieldError {
    /// An error at `path` without a limit.
    pub fn new(path: impl Into<String>, msg: Msg) -> FieldError {
        FieldError { path: path.into(), msg, limit: None }
    }

    /// The same error with the limit it broke.
    pub fn with_limit(mut self, limit: impl ToString) -> FieldError {
        self.limit = Some(limit.to_string());
        self
    }

    /// The message in `lang`, followed by the limit when there is one.
    pub fn message(&self, lang: Lang) -> String {
        match &self.limit {
            Some(l) => format!("{}: {l}", self.msg.text(lang)),
            None => self.msg.text(lang).to_string(),
        }
    }

    /// `{"field", "code", "message", "limit"?}`, for `error.details` of an API answer.
    pub fn to_json(&self, lang: Lang) -> Value {
        let mut o =
            serde_json::json!({"field": self.path, "code": self.msg.code(), "message": self.message(lang)});
        if let Some(l) = &self.limit {
            o["limit"] = Value::String(l.clone());
        }
        o
    }
}

/// An uploaded file as a form value or document: its stored id, original name and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    pub id: String,
    pub name: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

impl FileRef {
    /// The lower-case extension of its name, if any.
    pub fn extension(&self) -> Option<String> {
        let (_, ext) = self.name.rsplit_once('.')?;
        Some(ext.to_ascii_lowercase()).filter(|e| !e.is_empty())
    }
}

/// Who fills the values being checked and whether the form must be complete.
#[derive(Debug, Clone, Copy)]
pub struct FormCheck<'a> {
    /// Fields of the other filler given in the values are refused ([`Msg::FieldNotEditable`]).
    pub filler: Filler,
    /// Required fields of `filler` must be given (a submission; not a draft or a save).
    pub complete: bool,
    /// Values of the other filler, as stored: `when` conditions may look at them.
    pub others: Option<&'a Map<String, Value>>,
}

impl FormCheck<'_> {
    /// The applicant submits: required applicant fields must be given.
    pub fn submission() -> FormCheck<'static> {
        FormCheck { filler: Filler::Applicant, complete: true, others: None }
    }

    /// The applicant saves a draft: nothing is required yet.
    pub fn draft() -> FormCheck<'static> {
        FormCheck { filler: Filler::Applicant, complete: false, others: None }
    }
}

/// Checks `values` against `form` and returns them cleaned (normalised, hidden fields dropped),
/// or every problem (at most [`MAX_ERRORS`]).
pub fn validate_form(
    form: &[FieldDef],
    values: &Map<String, Value>,
    check: &FormCheck<'_>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if values.len() > super::form::MAX_FIELDS {
        return Err(vec![FieldError::new("", Msg::FormTooLarge).with_limit(super::form::MAX_FIELDS)]);
    }
    for name in values.keys() {
        match form.iter().find(|f| &f.name == name) {
            None => errors.push(FieldError::new(name.clone(), Msg::FieldUnknown)),
            Some(f) if f.filled_by != check.filler && !is_empty(&values[name]) => {
                errors.push(FieldError::new(name.clone(), Msg::FieldNotEditable));
            }
            Some(_) => {}
        }
    }
    let mut out = Map::new();
    for f in form.iter().filter(|f| f.filled_by == check.filler) {
        let shown = f
            .when
            .as_ref()
            .is_none_or(|w| holds(w, |n| out.get(n).or_else(|| check.others.and_then(|o| o.get(n)))));
        if !shown {
            continue;
        }
        match values.get(&f.name).filter(|v| !is_empty(v)) {
            None if f.required && check.complete => {
                errors.push(FieldError::new(f.name.clone(), Msg::FieldRequired))
            }
            None => {}
            Some(v) => {
                if let Some(clean) = coerce_field(f, v, &f.name, &mut errors) {
                    out.insert(f.name.clone(), clean);
                }
            }
        }
    }
    errors.truncate(MAX_ERRORS);
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// Whether a `when` condition holds, looking values up with `get`.
pub fn holds<'v>(w: &When, get: impl Fn(&str) -> Option<&'v Value>) -> bool {
    let v = get(&w.field).filter(|v| !is_empty(v));
    if let Some(filled) = w.filled {
        return v.is_some() == filled;
    }
    let Some(v) = v else { return false };
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    match &w.equals {
        Some(eq) => items.iter().any(|x| same(x, eq)),
        None => items.iter().any(|x| x.as_str().is_some_and(|s| w.one_of.iter().any(|o| o == s))),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `null`, blank texts and empty lists or objects.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn coerce_field(f: &FieldDef, v: &Value, path: &str, errors: &mut Vec<FieldError>) -> Option<Value> {
    match f.kind {
        FieldType::Table => table(f, v, path, errors),
        FieldType::File => {
            let files =
                file_list(v).ok_or_else(|| FieldError::new(path, Msg::FieldWrongType).with_limit("file"));
            match files {
                Ok(files) => {
                    let before = errors.len();
                    check_files(&files, &f.formats, f.max_mb.unwrap_or(0), f.file_limit(), path, errors);
                    (errors.len() == before).then(|| serde_json::to_value(files).unwrap_or(Value::Null))
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        }
        _ => match coerce(f, v) {
            Ok(c) => Some(c),
            Err((msg, limit)) => {
                errors.push(FieldError { path: path.into(), msg, limit });
                None
            }
        },
    }
}

fn table(f: &FieldDef, v: &Value, path: &str, errors: &mut Vec<FieldError>) -> Option<Value> {
    let Value::Array(rows) = v else {
        errors.push(FieldError::new(path, Msg::FieldWrongType).with_limit("table"));
        return None;
    };
    if rows.len() > f.row_limit() {
        errors.push(FieldError::new(path, Msg::TooManyRows).with_limit(f.row_limit()));
        return None;
    }
    if let Some(min) = f.min_rows.filter(|m| rows.len() < *m) {
        errors.push(FieldError::new(path, Msg::TooFewRows).with_limit(min));
    }
    let before = errors.len();
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let rp = format!("{path}[{i}]");
        let Value::Object(cells) = row else {
            errors.push(FieldError::new(rp, Msg::FieldWrongType).with_limit("row"));
            continue;
        };
        for k in cells.keys().filter(|k| !f.columns.iter().any(|c| &c.name == *k)) {
            errors.push(FieldError::new(format!("{rp}.{k}"), Msg::FieldUnknown));
        }
        let mut clean = Map::new();
        for c in &f.columns {
            let cp = format!("{rp}.{}", c.name);
            match cells.get(&c.name).filter(|v| !is_empty(v)) {
                None if c.required => errors.push(FieldError::new(cp, Msg::FieldRequired)),
                None => {}
                Some(v) => {
                    if let Some(x) = coerce_field(c, v, &cp, errors) {
                        clean.insert(c.name.clone(), x);
                    }
                }
            }
        }
        out.push(Value::Object(clean));
        if errors.len() > MAX_ERRORS {
            break;
        }
    }
    (errors.len() == before).then_some(Value::Array(out))
}

/// One file reference or a list of them.
fn file_list(v: &Value) -> Option<Vec<FileRef>> {
    match v {
        Value::Array(a) => a.iter().map(|x| serde_json::from_value(x.clone()).ok()).collect(),
        other => serde_json::from_value(other.clone()).ok().map(|f| vec![f]),
    }
}

/// Checks uploaded files against formats, a size limit (MB, 10^6 bytes) and a count.
fn check_files(
    files: &[FileRef],
    formats: &[String],
    max_mb: u32,
    max: u32,
    path: &str,
    errors: &mut Vec<FieldError>,
) {
    if files.len() > max as usize {
        errors.push(FieldError::new(path, Msg::TooManyFilesInField).with_limit(max));
        return;
    }
    for (i, file) in files.iter().enumerate() {
        let fp = format!("{path}[{i}]");
        let ext = file.extension().filter(|e| formats.contains(e));
        if ext.is_none() {
            errors.push(FieldError::new(fp, Msg::FileTypeNotAllowed).with_limit(formats.join(", ")));
        } else if let Some((ext, media)) = ext.zip(file.media_type.as_deref())
            && !super::filetype::content_matches(&ext, media)
        {
            errors.push(FieldError::new(fp, Msg::FileContentMismatch).with_limit(ext));
        } else if file.size > u64::from(max_mb) * 1_000_000 {
            errors.push(FieldError::new(fp, Msg::FileTooLarge).with_limit(format!("{max_mb} MB")));
        }
    }
}

type Refused = (Msg, Option<String>);

fn coerce(f: &FieldDef, v: &Value) -> Result<Value, Refused> {
    let wrong = || (Msg::FieldWrongType, Some(f.kind.as_str().to_string()));
    let text = || -> Result<&str, Refused> {
        let s = v.as_str().ok_or_else(wrong)?;
        if s.contains('\0') { Err((Msg::NulCharacter, None)) } else { Ok(s.trim()) }
    };
    Ok(match f.kind {
        FieldType::Text => {
            let s = text()?;
            if s.chars().count() > f.text_limit() {
                return Err((Msg::TextTooLong, Some(f.text_limit().to_string())));
            }
            if let Some(p) = &f.pattern {
                let re = compile_pattern(p).map_err(|_| (Msg::PatternMismatch, None))?;
                if !re.is_match(s) {
                    return Err((Msg::PatternMismatch, None));
                }
            }
            Value::String(s.into())
        }
        FieldType::Number => number(f, v).ok_or_else(wrong)??,
        FieldType::Date => {
            let s = text()?;
            let ok = s.len() == 10
                && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .is_ok_and(|d| (1..=9999).contains(&chrono::Datelike::year(&d)));
            if !ok {
                return Err((Msg::InvalidDateTime, None));
            }
            Value::String(s.into())
        }
        FieldType::Enum => {
            let s = text()?;
            f.choice(s).ok_or((Msg::NotAnOption, None))?;
            Value::String(s.into())
        }
        FieldType::MultiEnum => {
            let items = v.as_array().ok_or_else(wrong)?;
            let mut out: Vec<Value> = Vec::new();
            for it in items {
                let s = it.as_str().ok_or_else(wrong)?;
                f.choice(s).ok_or((Msg::NotAnOption, Some(s.chars().take(200).collect())))?;
                if !out.iter().any(|o| o == s) {
                    out.push(Value::String(s.into()));
                }
            }
            Value::Array(out)
        }
        FieldType::Boolean => Value::Bool(v.as_bool().ok_or_else(wrong)?),
        FieldType::Iin | FieldType::Bin => {
            let s = text()?;
            let id = normalize_id(s);
            let (valid, msg) = if f.kind == FieldType::Iin {
                (is_valid_iin(&id), Msg::InvalidIin)
            } else {
                (is_valid_bin(&id), Msg::InvalidBin)
            };
            if !valid {
                return Err((msg, None));
            }
            Value::String(id)
        }
        FieldType::Phone => Value::String(normalize_phone(text()?).ok_or((Msg::InvalidPhone, None))?),
        FieldType::Email => {
            let s = text()?;
            if !is_valid_email(s) {
                return Err((Msg::InvalidEmail, None));
            }
            Value::String(s.into())
        }
        FieldType::File | FieldType::Table => return Err(wrong()),
    })
}

/// A number field's value, `None` when it is not a number at all.
fn number(f: &FieldDef, v: &Value) -> Option<Result<Value, Refused>> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) if s.len() <= 64 => s.trim().replace(',', ".").parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())?;
    if f.integer && n.fract() != 0.0 {
        return Some(Err((Msg::NotWholeNumber, None)));
    }
    if let Some(min) = f.min.filter(|m| n < *m) {
        return Some(Err((Msg::ValueBelowMinimum, Some(min.to_string()))));
    }
    if let Some(max) = f.max.filter(|m| n > *m) {
        return Some(Err((Msg::ValueAboveMaximum, Some(max.to_string()))));
    }
    Some(Ok(if f.integer && n.abs() <= 9_007_199_254_740_992.0 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }))
}

/// Checks the documents given for an application (by document id) against the passport: unknown
/// ids, the other filler's documents, formats, sizes and counts, and, when `complete`, the
/// required documents of `filler`. Paths are `documents.<id>` and `documents.<id>[i]`.
pub fn validate_documents(
    declared: &[DocumentDef],
    given: &BTreeMap<String, Vec<FileRef>>,
    filler: Filler,
    complete: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (id, files) in given {
        let path = format!("documents.{id}");
        match declared.iter().find(|d| &d.id == id) {
            None => errors.push(FieldError::new(path, Msg::FieldUnknown)),
            Some(d) if d.provided_by != filler && !files.is_empty() => {
                errors.push(FieldError::new(path, Msg::FieldNotEditable));
            }
            Some(d) => check_files(files, &d.formats, d.max_mb, d.file_limit(), &path, &mut errors),
        }
    }
    for d in declared.iter().filter(|d| complete && d.required && d.provided_by == filler) {
        if given.get(&d.id).is_none_or(Vec::is_empty) {
            errors.push(FieldError::new(format!("documents.{}", d.id), Msg::FieldRequired));
        }
    }
    errors.truncate(MAX_ERRORS);
    errors
}

/// One changed field between two versions of the values (a resubmission's diff).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub field: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// The fields whose values differ between `before` and `after`, in name order.
pub fn diff(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<Change> {
    let names: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    names
        .into_iter()
        .filter_map(|n| {
            let (b, a) = (before.get(n).filter(|v| !is_empty(v)), after.get(n).filter(|v| !is_empty(v)));
            (b != a).then(|| Change { field: n.clone(), before: b.cloned(), after: a.cloned() })
        })
        .collect()
}

/// Changes to fields the reviewer did not flag for correction: each is refused.
pub fn check_corrections(changes: &[Change], flagged: &[String]) -> Vec<FieldError> {
    changes
        .iter()
        .filter(|c| !flagged.contains(&c.field))
        .map(|c| FieldError::new(c.field.clone(), Msg::FieldNotEditable))
        .collect()
}
