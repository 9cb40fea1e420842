//! The form of a service: its fields as declared in the service file (`[[form]]`), and the checks
//! a declaration passes when the file is loaded. Checking submitted values is [`super::values`].
//!
//! ```toml
//! [[form]]
//! name = "applicant_kind"
//! type = "enum"
//! label = { kk = "Өтініш беруші", ru = "Заявитель", en = "Applicant" }
//! required = true
//! values = [
//!   { value = "person", label = { kk = "Жеке тұлға", ru = "Физическое лицо", en = "Person" } },
//!   { value = "organisation", label = { kk = "Ұйым", ru = "Организация", en = "Organisation" } },
//! ]
//!
//! [[form]]
//! name = "bin"
//! type = "bin"
//! label = { kk = "БСН", ru = "БИН", en = "BIN" }
//! required = true
//! when = { field = "applicant_kind", equals = "organisation" }
//! ```
//!
//! Field types: `text` (`max_length`, `pattern`), `number` (`min`, `max`, `integer`, `unit`),
//! `date` (`YYYY-MM-DD`), `enum` and `multi_enum` (`values` with labels), `boolean`, `iin`, `bin`,
//! `phone`, `email`, `file` (`formats`, `max_mb`, `max_files`) and `table` (`columns`, themselves
//! fields of the simple types, `min_rows`, `max_rows`). Every field may be `required`, shown only
//! `when` an earlier field has a value (`equals`, `one_of`, `filled`), filled by the applicant
//! (default) or by the provider's staff (`filled_by = "provider"`), and marked `personal` (never
//! published; `iin`, `bin`, `phone`, `email` and `file` always are).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::layers::catalog::Translated;

/// Most fields in a form (tables count once).
pub const MAX_FIELDS: usize = 200;
/// Most columns in a table.
pub const MAX_COLUMNS: usize = 30;
/// Most rows a table may declare (`max_rows`); 100 when it declares none.
pub const MAX_ROWS: usize = 1000;
/// Rows of a table that declares no `max_rows`.
pub const DEFAULT_MAX_ROWS: usize = 100;
/// Longest text a field may declare (`max_length`, characters); 1000 when it declares none.
pub const MAX_TEXT: usize = 10_000;
/// Characters of a text field that declares no `max_length`.
pub const DEFAULT_MAX_TEXT: usize = 1000;
/// Longest `pattern`, in bytes; the compiled expression is bounded too ([`MAX_PATTERN_PROGRAM`]).
pub const MAX_PATTERN: usize = 256;
/// Largest compiled pattern, in bytes (the `regex` crate's size limit).
pub const MAX_PATTERN_PROGRAM: usize = 256 * 1024;
/// Most choices of an enum.
pub const MAX_CHOICES: usize = 500;
/// Most files one field or document takes; 1 when it declares none.
pub const MAX_FILES: u32 = 20;
/// Largest file a field or document may allow, in MB.
pub const MAX_FILE_MB: u32 = 100;
/// Longest identifier (field names, document ids, codes).
pub const MAX_NAME: usize = 63;

/// The type of a form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Enum,
    MultiEnum,
    Boolean,
    /// A person's individual identification number (12 digits with a check digit).
    Iin,
    /// An organisation's business identification number (12 digits with a check digit).
    Bin,
    /// A Kazakh phone number, stored as `+77XXXXXXXXX`.
    Phone,
    Email,
    /// Uploaded files, given as references (`{id, name, size}`).
    File,
    /// Rows of `columns`.
    Table,
}

impl FieldType {
    /// The type's name in service files and error details.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Text => "text",
            FieldType::Number => "number",
            FieldType::Date => "date",
            FieldType::Enum => "enum",
            FieldType::MultiEnum => "multi_enum",
            FieldType::Boolean => "boolean",
            FieldType::Iin => "iin",
            FieldType::Bin => "bin",
            FieldType::Phone => "phone",
            FieldType::Email => "email",
            FieldType::File => "file",
            FieldType::Table => "table",
        }
    }

    /// Whether values of this type identify or reach a person and are never published.
    pub fn is_personal(self) -> bool {
        matches!(
            self,
            FieldType::Iin | FieldType::Bin | FieldType::Phone | FieldType::Email | FieldType::File
        )
    }
}

/// Who fills a field or provides a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filler {
    #[default]
    Applicant,
    /// The provider's staff, while working the application.
    Provider,
}

/// One allowed value of an `enum` or `multi_enum` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub value: String,
    pub label: Translated,
}

/// When a field is shown (and so may be required): an earlier field equals a value, is one of
/// several, or is filled (or empty). Exactly one of `equals`, `one_of`, `filled` is given. For a
/// `multi_enum` field, `equals` and `one_of` mean "contains".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub one_of: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filled: Option<bool>,
}

/// One field of a form (or a column of a table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Identifier: lower-case latin letters, digits and `_`, starting with a letter.
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub label: Translated,
    /// A longer explanation shown under the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Translated>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub filled_by: Filler,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
    /// Holds data about a person (a name, an address of residence): never published.
    #[serde(default)]
    pub personal: bool,
    /// Choices of `enum` and `multi_enum`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Choice>,
    /// Bounds of a `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// A `number` that must be whole.
    #[serde(default)]
    pub integer: bool,
    /// The unit of a `number`, shown after it (`m²`, `kW`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// A regular expression the whole `text` must match (`regex` crate syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Longest `text`, in characters (default [`DEFAULT_MAX_TEXT`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    /// File extensions a `file` takes, lower case without the dot (`pdf`, `jpg`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formats: Vec<String>,
    /// Largest file, in MB (10^6 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mb: Option<u32>,
    /// Most files (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
    /// Columns of a `table`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<FieldDef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_rows: Option<usize>,
    /// Most rows (default [`DEFAULT_MAX_ROWS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<usize>,
}

impl FieldDef {
    /// Whether the field's value is personal data (never published).
    pub fn is_personal(&self) -> bool {
        self.personal || self.kind.is_personal() || self.columns.iter().any(FieldDef::is_personal)
    }

    /// The longest text it takes, in characters.
    pub fn text_limit(&self) -> usize {
        self.max_length.unwrap_or(DEFAULT_MAX_TEXT)
    }

    /// The most rows of a table.
    pub fn row_limit(&self) -> usize {
        self.max_rows.unwrap_or(DEFAULT_MAX_ROWS)
    }

    /// The most files of a file field.
    pub fn file_limit(&self) -> u32 {
        self.max_files.unwrap_or(1)
    }

    /// The label of one of its choices.
    pub fn choice(&self, value: &str) -> Option<&Choice> {
        self.values.iter().find(|c| c.value == value)
    }
}

/// Whether `s` is an identifier: lower-case latin letters, digits and `_`, starting with a letter,
/// at most [`MAX_NAME`] bytes.
pub fn is_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('a'..='z'))
        && s.len() <= MAX_NAME
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `s` may be an organisation or department id (as `qala user add --org` stores them):
/// lower-case latin letters, digits, `_` and `-`, starting with a letter, at most [`MAX_NAME`] bytes.
pub fn is_org_id(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some('a'..='z'))
        && s.len() <= MAX_NAME
        && c.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// Compiles a field's pattern, anchored to the whole value and bounded in size.
pub fn compile_pattern(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN {
        return Err(format!("longer than {MAX_PATTERN} bytes"));
    }
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(MAX_PATTERN_PROGRAM)
        .dfa_size_limit(MAX_PATTERN_PROGRAM)
        .build()
        .map_err(|e| e.to_string().lines().last().unwrap_or("invalid").trim().to_string())
}

/// Checks the declaration of a form: the first problem as (field path, reason).
pub fn check_form(form: &[FieldDef]) -> Result<(), (String, String)> {
    if form.len() > MAX_FIELDS {
        return Err(("form".into(), format!("more than {MAX_FIELDS} fields")));
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (i, f) in form.iter().enumerate() {
        let path = format!("form[{i}]");
        check_field(f, &path, false)?;
        if let Some(w) = &f.when {
            let p = format!("{path}.when");
            let Some(target) = form[..i].iter().find(|e| e.name == w.field) else {
                return Err((
                    format!("{p}.field"),
                    format!("`{}` is not a field declared before this one", w.field),
                ));
            };
            check_when(w, target, &p)?;
        }
        if !seen.insert(&f.name) {
            return Err((format!("{path}.name"), format!("`{}` is declared twice", f.name)));
        }
    }
    Ok(())
}

fn check_when(w: &When, target: &FieldDef, p: &str) -> Result<(), (String, String)> {
    let given =
        usize::from(w.equals.is_some()) + usize::from(!w.one_of.is_empty()) + usize::from(w.filled.is_some());
    if given != 1 {
        return Err((p.into(), "give exactly one of `equals`, `one_of`, `filled`".into()));
    }
    if matches!(target.kind, FieldType::Table | FieldType::File) && w.filled.is_none() {
        return Err((p.into(), format!("a {} field can only be tested with `filled`", target.kind.as_str())));
    }
    let choices: Vec<&str> = match (&w.equals, &w.one_of) {
        (Some(serde_json::Value::String(s)), _) => vec![s.as_str()],
        (_, v) => v.iter().map(String::as_str).collect(),
    };
    if matches!(target.kind, FieldType::Enum | FieldType::MultiEnum) {
        if let Some(bad) = choices.iter().find(|c| target.choice(c).is_none()) {
            return Err((p.into(), format!("`{bad}` is not a value of `{}`", target.name)));
        }
        if w.equals.as_ref().is_some_and(|e| !e.is_string()) {
            return Err((format!("{p}.equals"), format!("`{}` takes text values", target.name)));
        }
    }
    if target.kind == FieldType::Boolean && w.equals.as_ref().is_some_and(|e| !e.is_boolean()) {
        return Err((format!("{p}.equals"), format!("`{}` is a boolean: use true or false", target.name)));
    }
    Ok(())
}

fn check_field(f: &FieldDef, path: &str, in_table: bool) -> Result<(), (String, String)> {
    let e = |field: &str, reason: String| Err((format!("{path}.{field}"), reason));
    if !is_name(&f.name) {
        return e(
            "name",
            format!("`{}` must be lower-case latin letters, digits and `_`, starting with a letter", f.name),
        );
    }
    for (lang, t) in [("kk", &f.label.kk), ("ru", &f.label.ru), ("en", &f.label.en)] {
        if t.trim().is_empty() {
            return e(&format!("label.{lang}"), "must not be empty".into());
        }
    }
    let k = f.kind;
    // Attributes that belong to other types: the first one present is named.
    let misplaced = [
        (
            "values",
            !f.values.is_empty(),
            matches!(k, FieldType::Enum | FieldType::MultiEnum),
            "enum and multi_enum",
        ),
        ("min", f.min.is_some(), k == FieldType::Number, "number"),
        ("max", f.max.is_some(), k == FieldType::Number, "number"),
        ("integer", f.integer, k == FieldType::Number, "number"),
        ("unit", f.unit.is_some(), k == FieldType::Number, "number"),
        ("pattern", f.pattern.is_some(), k == FieldType::Text, "text"),
        ("max_length", f.max_length.is_some(), k == FieldType::Text, "text"),
        ("formats", !f.formats.is_empty(), k == FieldType::File, "file"),
        ("max_mb", f.max_mb.is_some(), k == FieldType::File, "file"),
        ("max_files", f.max_files.is_some(), k == FieldType::File, "file"),
        ("columns", !f.columns.is_empty(), k == FieldType::Table, "table"),
        ("min_rows", f.min_rows.is_some(), k == FieldType::Table, "table"),
        ("max_rows", f.max_rows.is_some(), k == FieldType::Table, "table"),
    ];
    if let Some((attr, _, _, kinds)) = misplaced.iter().find(|(_, set, fits, _)| *set && !*fits) {
        return e(attr, format!("applies to {kinds} fields only"));
    }
    match k {
        FieldType::Enum | FieldType::MultiEnum => {
            if f.values.is_empty() || f.values.len() > MAX_CHOICES {
                return e("values", format!("an enum needs 1 to {MAX_CHOICES} values"));
            }
            let mut vals = BTreeSet::new();
            for (j, c) in f.values.iter().enumerate() {
                if c.value.trim().is_empty() || c.value.len() > 200 {
                    return e(&format!("values[{j}].value"), "must be 1 to 200 bytes".into());
                }
                if !vals.insert(c.value.as_str()) {
                    return e(&format!("values[{j}].value"), format!("`{}` is listed twice", c.value));
                }
            }
        }
        FieldType::Number => {
            if let (Some(lo), Some(hi)) = (f.min, f.max)
                && lo > hi
            {
                return e("min", format!("{lo} is above max {hi}"));
            }
            if f.min.is_some_and(|v| !v.is_finite()) || f.max.is_some_and(|v| !v.is_finite()) {
                return e("min", "bounds must be finite numbers".into());
            }
        }
        FieldType::Text => {
            if f.max_length.is_some_and(|m| m == 0 || m > MAX_TEXT) {
                return e("max_length", format!("must be 1 to {MAX_TEXT}"));
            }
            if let Some(p) = &f.pattern {
                compile_pattern(p).map_err(|r| (format!("{path}.pattern"), r))?;
            }
        }
        FieldType::File => {
            if f.formats.is_empty() {
                return e("formats", "list the file extensions it takes, e.g. [\"pdf\", \"jpg\"]".into());
            }
            check_formats(&f.formats).map_err(|r| (format!("{path}.formats"), r))?;
            if f.max_mb.is_none_or(|m| m == 0 || m > MAX_FILE_MB) {
                return e("max_mb", format!("give the largest file size, 1 to {MAX_FILE_MB} MB"));
            }
            if f.max_files.is_some_and(|m| m == 0 || m > MAX_FILES) {
                return e("max_files", format!("must be 1 to {MAX_FILES}"));
            }
        }
        FieldType::Table => {
            if in_table {
                return e("type", "a table cannot be a column of another table".into());
            }
            if f.columns.is_empty() || f.columns.len() > MAX_COLUMNS {
                return e("columns", format!("a table needs 1 to {MAX_COLUMNS} columns"));
            }
            if f.max_rows.is_some_and(|m| m == 0 || m > MAX_ROWS) {
                return e("max_rows", format!("must be 1 to {MAX_ROWS}"));
            }
            if f.min_rows.is_some_and(|m| m > f.row_limit()) {
                return e("min_rows", format!("is above max_rows {}", f.row_limit()));
            }
            let mut cols = BTreeSet::new();
            for (j, c) in f.columns.iter().enumerate() {
                let cp = format!("{path}.columns[{j}]");
                if c.kind == FieldType::File {
                    return Err((format!("{cp}.type"), "a file cannot be a column of a table".into()));
                }
                if c.when.is_some() || c.filled_by != f.filled_by {
                    return Err((
                        format!("{cp}.when"),
                        "columns have no `when` or `filled_by` of their own".into(),
                    ));
                }
                check_field(c, &cp, true)?;
                if !cols.insert(c.name.as_str()) {
                    return Err((format!("{cp}.name"), format!("`{}` is declared twice", c.name)));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// File extensions: lower-case letters and digits, 1 to 10 of them, each listed once.
pub fn check_formats(formats: &[String]) -> Result<(), String> {
    let mut seen = BTreeSet::new();
    for f in formats {
        if f.is_empty() || f.len() > 10 || !f.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            return Err(format!("`{f}` is not an extension such as `pdf` (lower case, no dot)"));
        }
        if !seen.insert(f) {
            return Err(format!("`{f}` is listed twice"));
        }
    }
    Ok(())
}
