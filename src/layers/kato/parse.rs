//! Reading KATO files (pure). Three layouts are recognised by their header:
//!
//! - **qala-ru**: `code,parent_code,tree_depth,code_level,ab,cd,ef,hij,name_ru,...` (the open
//!   data file of 17.10.2022, Russian names only);
//! - **stat.gov.kz**: `te,ab,cd,ef,hij,k,name_kaz,name_rus,nn` (the official publication, with
//!   Kazakh names), comma, semicolon or tab separated;
//! - **names**: `kato,...,name_ru,name_kk[,name_en]` (translations of some units).
//!
//! UTF-8 (with or without BOM) and Windows-1251 text are both accepted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::is_code;

/// Which layout a file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    QalaRu,
    StatGovKz,
    Names,
}

/// One unit read from a file. Names absent from the file are `None` (existing names are kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub name_ru: Option<String>,
    pub name_kk: Option<String>,
    pub name_en: Option<String>,
}

/// A row that could not be read, with its line number (1 = header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub reason: String,
}

/// Everything read from one file.
#[derive(Debug)]
pub struct Parsed {
    pub layout: Layout,
    pub units: Vec<UnitRow>,
    pub errors: Vec<RowError>,
}

/// Decodes bytes as UTF-8, or as Windows-1251 when they are not valid UTF-8.
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1251.decode(bytes).0.into_owned(),
    }
}

/// Parses a KATO file's text.
pub fn parse(text: &str) -> Result<Parsed, String> {
    let first = text.lines().next().ok_or("the file is empty")?;
    let delimiter =
        [b';', b'\t', b','].into_iter().max_by_key(|d| first.matches(*d as char).count()).unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (layout, code_col, ru, kk, en) = if let (Some(c), Some(ru)) = (col("code"), col("name_ru")) {
        (Layout::QalaRu, c, Some(ru), col("name_kk"), col("name_en"))
    } else if let Some(te) = col("te") {
        (Layout::StatGovKz, te, col("name_rus"), col("name_kaz"), None)
    } else if let Some(k) = col("kato") {
        (Layout::Names, k, col("name_ru"), col("name_kk"), col("name_en"))
    } else {
        return Err(format!(
            "unknown layout: expected a header with `code,...,name_ru` or `te,ab,cd,ef,hij,k,name_kaz,name_rus,nn` or `kato,name_ru,name_kk,name_en`, found `{first}`"
        ));
    };
    let stat_parts = (col("ab"), col("cd"), col("ef"), col("hij"));

    let mut units: Vec<UnitRow> = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError { line, reason: format!("unreadable row: {e}") });
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c)).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
        };
        let mut code = get(Some(code_col)).unwrap_or_default();
        if layout == Layout::StatGovKz && !is_code(&code) {
            // Some exports drop leading zeros from `te` or leave it empty; rebuild from the parts.
            if let (Some(ab), Some(cd), Some(ef), Some(hij)) =
                (get(stat_parts.0), get(stat_parts.1), get(stat_parts.2), get(stat_parts.3))
            {
                code = format!("{ab:0>2}{cd:0>2}{ef:0>2}{hij:0>3}");
            } else if code.len() < 9 && code.bytes().all(|b| b.is_ascii_digit()) && !code.is_empty() {
                code = format!("{code:0>9}");
            }
        }
        if !is_code(&code) {
            errors.push(RowError { line, reason: format!("`{code}` is not a nine-digit KATO code") });
            continue;
        }
        let unit = UnitRow { code: code.clone(), name_ru: get(ru), name_kk: get(kk), name_en: get(en) };
        if unit.name_ru.is_none() && unit.name_kk.is_none() && unit.name_en.is_none() {
            errors.push(RowError { line, reason: format!("{code} has no name") });
            continue;
        }
        if layout != Layout::Names && unit.name_ru.is_none() && unit.name_kk.is_none() {
            errors.push(RowError { line, reason: format!("{code} has no Russian or Kazakh name") });
            continue;
        }
        if let Some(first_line) = seen.get(&code) {
            errors.push(RowError {
                line,
                reason: format!("{code} repeats line {first_line}; the first is kept"),
            });
            continue;
        }
        seen.insert(code, line);
        units.push(unit);
    }
    Ok(Parsed { layout, units, errors })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_stat_gov_kz_layout_in_cp1251_with_semicolons() {
        let text = "te;ab;cd;ef;hij;k;name_kaz;name_rus;nn\n750000000;75;00;00;000;1;Алматы қаласы;г.Алматы;1\n;75;11;10;000;2;Алмалы ауданы;Алмалинский район;2\nbad;;;;;;x;y;3\n";
        // cp1251 cannot hold Kazakh letters; check the decoding with Russian text only.
        let (cp, _, _) = encoding_rs::WINDOWS_1251.encode("te;name_rus\n750000000;г.Алматы\n");
        assert_eq!(decode(&cp), "te;name_rus\n750000000;г.Алматы\n");
        let p = parse(text).unwrap();
        assert_eq!(p.layout, Layout::StatGovKz);
        assert_eq!(p.units.len(), 2);
        assert_eq!(p.units[1].code, "751110000");
        assert_eq!(p.units[1].name_kk.as_deref(), Some("Алмалы ауданы"));
        assert_eq!(
            p.errors,
            vec![RowError { line: 4, reason: "`bad` is not a nine-digit KATO code".into() }]
        );
    }

    #[test]
    fn reports_duplicates_and_unknown_layouts() {
        let p = parse("kato,name_ru,name_kk,name_en\n750000000,г.Алматы,Алматы,Almaty\n750000000,x,y,z\n")
            .unwrap();
        assert_eq!(p.layout, Layout::Names);
        assert_eq!(p.units.len(), 1);
        assert!(p.errors[0].reason.contains("repeats line 2"));
        assert!(parse("a,b\n1,2\n").unwrap_err().contains("unknown layout"));
    }
}
