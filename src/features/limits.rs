//! Bounds on a CQL2 filter, checked by a cheap scan of its text before the parser sees it (pure).
//!
//! The `cql2` parser, its normalisation, the translation to SQL and the drop of the expression are
//! all recursive: a filter of thousands of nested parentheses, `NOT NOT NOT …` or `1 - 1 - 1 …`
//! would exhaust the stack and kill the whole process. Before parsing, a filter is refused (400,
//! saying the limit) when it is longer than [`MAX_FILTER_BYTES`], or, in cql2-text, when the
//! expression tree it can produce may be deeper than [`MAX_FILTER_DEPTH`] or chain more than
//! [`MAX_BOOLEAN_OPERATORS`] `AND`/`OR`; in cql2-json when its objects and arrays nest deeper than
//! [`MAX_JSON_DEPTH`]. The translation then bounds its own depth and the number of values it binds
//! ([`MAX_FILTER_VALUES`]).
//!
//! The depth of a cql2-text expression is estimated from its tokens without parsing: at each level
//! of parentheses, every operator since the last `AND`, `OR` or `,` of that level (comparisons,
//! arithmetic, `NOT`, `LIKE`, `IN`, `BETWEEN`, `IS`, signs) may add a level of the tree, and every
//! parenthesis adds one more. Numbers inside a geometry literal (`POLYGON((…))`) are not operators.
//!
//! ```
//! use qala::features::limits::{check_text, FilterLimit};
//! assert!(check_text("floors > 5 AND name LIKE 'Дом%'").is_ok());
//! let deep = format!("{}floors = 1{}", "(".repeat(500), ")".repeat(500));
//! assert!(matches!(check_text(&deep), Err(FilterLimit::TooDeep { .. })));
//! ```

/// The longest filter, in bytes (text or JSON).
pub const MAX_FILTER_BYTES: usize = 16 * 1024;
/// The deepest expression tree a cql2-text filter may produce (estimated, see the module).
pub const MAX_FILTER_DEPTH: usize = 64;
/// The most `AND` and `OR` in one filter (a chain is flattened, but only after a recursive pass).
pub const MAX_BOOLEAN_OPERATORS: usize = 1000;
/// The deepest nesting of objects and arrays in a cql2-json filter.
pub const MAX_JSON_DEPTH: usize = 64;
/// The most values a filter may bind (literals, list items, coordinates of a `BBOX`).
pub const MAX_FILTER_VALUES: usize = 2000;

/// A bound a filter goes beyond; `Display` says the measure and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterLimit {
    TooLong { bytes: usize },
    TooDeep { depth: usize },
    TooManyBooleans { count: usize },
    TooManyValues { count: usize },
}

impl std::fmt::Display for FilterLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilterLimit::TooLong { bytes } => write!(f, "{bytes} > {MAX_FILTER_BYTES}"),
            FilterLimit::TooDeep { depth } => write!(f, "depth {depth} > {MAX_FILTER_DEPTH}"),
            FilterLimit::TooManyBooleans { count } => {
                write!(f, "AND/OR {count} > {MAX_BOOLEAN_OPERATORS}")
            }
            FilterLimit::TooManyValues { count } => write!(f, "values {count} > {MAX_FILTER_VALUES}"),
        }
    }
}

/// Checks the size of a cql2-json filter and how deep its objects and arrays nest.
pub fn check_json(s: &str) -> Result<(), FilterLimit> {
    if s.len() > MAX_FILTER_BYTES {
        return Err(FilterLimit::TooLong { bytes: s.len() });
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for b in s.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(FilterLimit::TooDeep { depth });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Words that are operators of cql2-text (case-insensitive).
const WORD_OPERATORS: &[&str] = &["not", "like", "in", "between", "is", "div"];
/// Words that start a geometry literal.
const GEOMETRY_WORDS: &[&str] = &[
    "point",
    "linestring",
    "polygon",
    "multipoint",
    "multilinestring",
    "multipolygon",
    "geometrycollection",
];

/// One level of parentheses during the scan.
#[derive(Debug, Clone, Copy)]
struct Level {
    /// Estimated depth of the tree above this level's expressions.
    base: usize,
    /// Operators since the last `AND`, `OR` or `,` of this level.
    run: usize,
    /// `BETWEEN`s of this level still waiting for their `AND`.
    between: usize,
}

/// Checks the size of a cql2-text filter and the depth of the tree it may produce.
pub fn check_text(s: &str) -> Result<(), FilterLimit> {
    if s.len() > MAX_FILTER_BYTES {
        return Err(FilterLimit::TooLong { bytes: s.len() });
    }
    let b = s.as_bytes();
    let mut levels = vec![Level { base: 0, run: 0, between: 0 }];
    let mut booleans = 0usize;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' => i = skip_quoted(b, i),
            b'(' => {
                let top = current(&levels);
                levels.push(Level { base: top.base + top.run + 1, run: 0, between: 0 });
                i += 1;
            }
            b')' => {
                if levels.len() > 1 {
                    levels.pop();
                }
                i += 1;
            }
            b',' => {
                if let Some(l) = levels.last_mut() {
                    l.run = 0;
                }
                i += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'=' | b'<' | b'>' | b'!' => {
                operator(&mut levels);
                i += 1;
            }
            _ if c.is_ascii_digit() || c == b'.' => i = skip_number(b, i),
            _ if is_word_byte(c) => {
                let start = i;
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
                let word = s[start..i].to_ascii_lowercase();
                if word == "and" && levels.last().is_some_and(|l| l.between > 0) {
                    // The `AND` of a `BETWEEN`: part of that operator, not a boolean.
                    if let Some(l) = levels.last_mut() {
                        l.between -= 1;
                    }
                    operator(&mut levels);
                } else if word == "and" || word == "or" {
                    booleans += 1;
                    if booleans > MAX_BOOLEAN_OPERATORS {
                        return Err(FilterLimit::TooManyBooleans { count: booleans });
                    }
                    if let Some(l) = levels.last_mut() {
                        l.run = 0;
                    }
                } else if WORD_OPERATORS.contains(&word.as_str()) {
                    if word == "between"
                        && let Some(l) = levels.last_mut()
                    {
                        l.between += 1;
                    }
                    operator(&mut levels);
                } else if GEOMETRY_WORDS.contains(&word.as_str())
                    && let Some((end, depth)) = geometry_body(b, i)
                {
                    let top = current(&levels);
                    check_depth(top.base + top.run + depth)?;
                    i = end;
                }
            }
            _ => i += 1,
        }
        let top = current(&levels);
        check_depth(top.base + top.run)?;
    }
    Ok(())
}

fn current(levels: &[Level]) -> Level {
    levels.last().copied().unwrap_or(Level { base: 0, run: 0, between: 0 })
}

fn operator(levels: &mut [Level]) {
    if let Some(l) = levels.last_mut() {
        l.run += 1;
    }
}

fn check_depth(depth: usize) -> Result<(), FilterLimit> {
    if depth > MAX_FILTER_DEPTH { Err(FilterLimit::TooDeep { depth }) } else { Ok(()) }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':' || c >= 0x80
}

/// The index after a quoted text or identifier starting at `i` (a doubled quote is part of it).
fn skip_quoted(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// The index after a number starting at `i` (digits, a point, an exponent with its sign).
fn skip_number(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && (b[j].is_ascii_digit() || b[j] == b'.') {
        j += 1;
    }
    if j < b.len() && (b[j] == b'e' || b[j] == b'E') {
        let mut k = j + 1;
        if k < b.len() && (b[k] == b'+' || b[k] == b'-') {
            k += 1;
        }
        if k < b.len() && b[k].is_ascii_digit() {
            j = k;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
    }
    j
}

/// The body of a geometry literal after its keyword at `i`: `Z`/`M`/`ZM`, then `EMPTY` or
/// parentheses holding only numbers (at most 4 per position), commas, nested geometry keywords
/// and `EMPTY`. Returns the index after it and how deep its parentheses go; `None` when it is not
/// such a plain literal (it is then scanned as ordinary filter text).
fn geometry_body(b: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let word_at = |i: usize| {
        let mut j = i;
        while j < b.len() && b[j].is_ascii_alphabetic() {
            j += 1;
        }
        (j, std::str::from_utf8(&b[i..j]).unwrap_or("").to_ascii_lowercase())
    };
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    i = skip_ws(i);
    let (end, w) = word_at(i);
    if matches!(w.as_str(), "z" | "m" | "zm") {
        i = skip_ws(end);
    }
    let (end, w) = word_at(i);
    if w == "empty" {
        return Some((end, 0));
    }
    if b.get(i) != Some(&b'(') {
        return None;
    }
    let (mut depth, mut max_depth, mut numbers) = (0usize, 0usize, 0usize);
    while i < b.len() {
        let c = b[i];
        match c {
            b'(' => {
                depth += 1;
                max_depth = max_depth.max(depth);
                numbers = 0;
                i += 1;
            }
            b')' => {
                depth -= 1;
                numbers = 0;
                i += 1;
                if depth == 0 {
                    return Some((i, max_depth));
                }
            }
            b',' => {
                numbers = 0;
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            b'+' | b'-' | b'.' | b'0'..=b'9' => {
                let digits = if c == b'+' || c == b'-' { i + 1 } else { i };
                if !b.get(digits).is_some_and(|d| d.is_ascii_digit() || *d == b'.') {
                    return None;
                }
                i = skip_number(b, digits);
                numbers += 1;
                if numbers > 4 {
                    return None;
                }
            }
            _ if c.is_ascii_alphabetic() => {
                let (end, w) = word_at(i);
                if !(GEOMETRY_WORDS.contains(&w.as_str()) || matches!(w.as_str(), "z" | "m" | "zm" | "empty"))
                {
                    return None;
                }
                i = end;
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_of(s: &str) -> Result<(), FilterLimit> {
        check_text(s)
    }

    #[test]
    fn ordinary_filters_pass() {
        for f in [
            "floors > 5 AND name LIKE 'Дом%'",
            "S_INTERSECTS(geometry, POLYGON((76.9 43.2, 76.95 43.2, 76.95 43.25, 76.9 43.2)))",
            "S_WITHIN(geometry, MULTIPOLYGON(((-1 -2, -3 -4, -5 -6, -1 -2)), ((1 2, 3 4, 5 6, 1 2))))",
            "floors BETWEEN 1 AND 5 AND NOT (name IS NULL) AND kind IN ('a', 'b', 'c')",
            "(floors + 2) * 3 / 4 - 1 >= 10 OR CASEI(name) = CASEI('X')",
            "name = 'NOT NOT NOT (((((( AND'",
        ] {
            assert_eq!(depth_of(f), Ok(()), "{f}");
        }
        let many = vec!["floors = 1"; 900].join(" OR ");
        assert_eq!(depth_of(&many), Ok(()));
    }

    #[test]
    fn deep_and_long_filters_are_refused() {
        let parens = format!("{}floors = 1{}", "(".repeat(100), ")".repeat(100));
        assert!(matches!(depth_of(&parens), Err(FilterLimit::TooDeep { .. })));
        let nots = format!("{}floors = 1", "NOT ".repeat(100));
        assert!(matches!(depth_of(&nots), Err(FilterLimit::TooDeep { .. })));
        let minus = format!("floors = 1{}", " -1".repeat(100));
        assert!(matches!(depth_of(&minus), Err(FilterLimit::TooDeep { .. })));
        let eqs = format!("floors{}", " = 1".repeat(100));
        assert!(matches!(depth_of(&eqs), Err(FilterLimit::TooDeep { .. })));
        // A BETWEEN's AND does not reset the chain of operators around it.
        let between = "a = ".repeat(40) + "x BETWEEN 1 AND 2" + &" = a".repeat(40);
        assert!(matches!(depth_of(&between), Err(FilterLimit::TooDeep { .. })));
        // Operators hidden in what starts like a geometry are counted.
        let fake = format!("S_INTERSECTS(geometry, POINT(1{}))", " - 1".repeat(100));
        assert!(matches!(depth_of(&fake), Err(FilterLimit::TooDeep { .. })));
        let ands = vec!["a"; MAX_BOOLEAN_OPERATORS + 2].join(" AND ");
        assert!(matches!(depth_of(&ands), Err(FilterLimit::TooManyBooleans { .. })));
        let long = format!("name = '{}'", "x".repeat(MAX_FILTER_BYTES));
        assert!(matches!(depth_of(&long), Err(FilterLimit::TooLong { .. })));
    }

    #[test]
    fn json_depth() {
        assert_eq!(check_json(r#"{"op": "=", "args": [{"property": "floors"}, 5]}"#), Ok(()));
        let deep = format!(
            "{}{{\"property\": \"x\"}}{}",
            "{\"op\": \"not\", \"args\": [".repeat(40),
            "]}".repeat(40)
        );
        assert!(matches!(check_json(&deep), Err(FilterLimit::TooDeep { .. })));
        let braces_in_text =
            format!("{{\"op\": \"=\", \"args\": [{{\"property\": \"name\"}}, \"{}\"]}}", "[{".repeat(200));
        assert_eq!(check_json(&braces_in_text), Ok(()));
    }
}
