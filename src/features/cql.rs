//! CQL2 (text and JSON, parsed by the `cql2` crate) translated into a SQL condition on the
//! features of one layer, with bound parameters: no value from a filter is ever spliced into SQL.
//!
//! Properties are the layer's attributes (typed by its schema: `floors > 5` compares integers),
//! plus `id`, `version`, `kato`, `created_at`, `updated_at` and `geometry`. Supported: `and`, `or`,
//! `not`, comparisons, `like`, `between`, `in`, `isNull`, `casei`, arithmetic, and the spatial
//! predicates `s_intersects`, `s_equals`, `s_disjoint`, `s_touches`, `s_within`, `s_overlaps`,
//! `s_crosses`, `s_contains` on geometries (WKT / GeoJSON) and `BBOX`. Anything else is refused with
//! a message that names it.
//!
//! ```
//! # let layer = qala::layers::catalog::parse_layer("parcels.toml",
//! #     include_str!("../../tests/fixtures/layers/valid_layer.toml")).unwrap();
//! use qala::features::cql::{translate, Params};
//! let expr = cql2::parse_text("floors > 5 AND name LIKE 'Дом%'").unwrap();
//! let mut params = Params::new(0);
//! let sql = translate(&expr, &layer, &mut params, 4326).unwrap();
//! assert_eq!(sql, "(((f.attrs->>'floors')::bigint > $1::float8) AND ((f.attrs->>'name') LIKE $2))");
//! ```

use cql2::Expr;

use super::limits::{self, FilterLimit};
use super::query::QueryError;
use crate::i18n::Msg;
use crate::layers::catalog::{AttrType, LayerDef};

/// A value bound to a `$n` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Float(f64),
    Bool(bool),
}

/// A translated SQL expression and its kind.
type Typed = (String, Kind);

/// The parameters of a statement being built; placeholders continue after `offset`.
#[derive(Debug, Clone, Default)]
pub struct Params {
    offset: usize,
    pub binds: Vec<Bind>,
}

impl Params {
    pub fn new(offset: usize) -> Params {
        Params { offset, binds: Vec::new() }
    }

    /// Adds a value and returns its placeholder.
    pub fn push(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.offset + self.binds.len())
    }
}

/// What a SQL expression holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Bool,
    Date,
    Timestamp,
    Geometry,
    /// A literal whose type follows the other side of a comparison.
    Unknown,
}

/// The SQL of a property of `layer` (features aliased `f`) and its kind; `None` when unknown.
pub fn property(layer: &LayerDef, name: &str) -> Option<(String, Kind)> {
    let fixed = match name {
        "id" => Some(("f.id".to_string(), Kind::Number)),
        "version" => Some(("f.version".to_string(), Kind::Number)),
        "kato" => Some(("f.kato::text".to_string(), Kind::Text)),
        "created_at" => Some(("f.created_at".to_string(), Kind::Timestamp)),
        "updated_at" => Some(("f.updated_at".to_string(), Kind::Timestamp)),
        "geometry" | "geom" => Some(("f.geom".to_string(), Kind::Geometry)),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let a = layer.attribute(name)?;
    // Attribute names are validated identifiers (catalog.rs): safe inside a quoted literal.
    let text = format!("(f.attrs->>'{}')", a.name);
    Some(match a.kind {
        AttrType::String | AttrType::Enum => (text, Kind::Text),
        AttrType::Integer => (format!("{text}::bigint"), Kind::Number),
        AttrType::Number => (format!("{text}::float8"), Kind::Number),
        AttrType::Boolean => (format!("{text}::boolean"), Kind::Bool),
        AttrType::Date => (format!("{text}::date"), Kind::Date),
    })
}

/// The property names a filter may use on `layer` (the queryables).
pub fn queryable_names(layer: &LayerDef) -> Vec<String> {
    let mut names: Vec<String> = layer.attributes.iter().map(|a| a.name.clone()).collect();
    names.extend(["id", "version", "kato", "created_at", "updated_at", "geometry"].map(String::from));
    names
}

/// Translates a CQL2 expression into a SQL condition. Geometry literals are in the CRS `srid`
/// (4326 for CRS84); they are transformed to WGS84 in SQL. The translation checks what the
/// database would otherwise refuse at run time (operators on the wrong types, dates out of range,
/// NUL characters) and bounds its own depth and the number of values it binds.
pub fn translate(
    expr: &Expr,
    layer: &LayerDef,
    params: &mut Params,
    srid: i32,
) -> Result<String, QueryError> {
    let first = params.binds.len();
    let mut t = Translator { layer, params, srid, depth: 0 };
    let (sql, kind) = t.expr(expr, Kind::Unknown)?;
    if kind != Kind::Bool && kind != Kind::Unknown {
        return Err(QueryError::new(Msg::TypeMismatch, "the filter is not a condition (true or false)"));
    }
    let count = params.binds.len() - first;
    if count > limits::MAX_FILTER_VALUES {
        return Err(FilterLimit::TooManyValues { count }.into());
    }
    Ok(sql)
}

/// How deep the translation may recurse (cql2-json nests two levels per expression).
const MAX_TRANSLATE_DEPTH: usize = limits::MAX_FILTER_DEPTH + limits::MAX_JSON_DEPTH;

struct Translator<'a> {
    layer: &'a LayerDef,
    params: &'a mut Params,
    srid: i32,
    depth: usize,
}

fn spatial_fn(op: &str) -> Option<&'static str> {
    Some(match op {
        "s_intersects" => "ST_Intersects",
        "s_equals" => "ST_Equals",
        "s_disjoint" => "ST_Disjoint",
        "s_touches" => "ST_Touches",
        "s_within" => "ST_Within",
        "s_overlaps" => "ST_Overlaps",
        "s_crosses" => "ST_Crosses",
        "s_contains" => "ST_Contains",
        _ => return None,
    })
}

/// Whether values of two kinds can be compared in SQL.
fn comparable(a: Kind, b: Kind) -> bool {
    use Kind::*;
    a == b || a == Unknown || b == Unknown || matches!((a, b), (Date, Timestamp) | (Timestamp, Date))
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Text => "a text",
        Kind::Number => "a number",
        Kind::Bool => "a boolean",
        Kind::Date => "a date",
        Kind::Timestamp => "a timestamp",
        Kind::Geometry => "a geometry",
        Kind::Unknown => "a value",
    }
}

fn mismatch(detail: String) -> QueryError {
    QueryError::new(Msg::TypeMismatch, detail)
}

/// An RFC 3339 date-time or a date (`YYYY-MM-DD`), years 1 to 9999, as PostgreSQL reads it.
fn timestamp_text(s: &str) -> Option<String> {
    use chrono::Datelike;
    let s = s.trim();
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) if crate::layers::schema::YEARS.contains(&t.year()) => Some(pg_timestamptz(t)),
        Ok(_) => None,
        Err(_) => date_text(s),
    }
}

// issue 12: openapi
/// An RFC 3339 date-time as PostgreSQL reads every one of them: in UTC (PostgreSQL refuses
/// offsets beyond ±15:59, which RFC 3339 allows up to ±23:59), a year before 1 written with `BC`,
/// a year after 9999 with all its digits.
pub(crate) fn pg_timestamptz(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    use chrono::Datelike;
    let u = t.with_timezone(&chrono::Utc);
    let rest = u.format("%m-%dT%H:%M:%S%.fZ");
    match u.year() {
        y if y < 1 => format!("{:04}-{rest} BC", 1 - y),
        y => format!("{y:04}-{rest}"),
    }
}

/// A date `YYYY-MM-DD`, years 1 to 9999.
fn date_text(s: &str) -> Option<String> {
    use chrono::Datelike;
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| crate::layers::schema::YEARS.contains(&d.year()))
        .map(|d| d.format("%Y-%m-%d").to_string())
}

impl Translator<'_> {
    fn literal_text(&mut self, s: &str, hint: Kind) -> Result<(String, Kind), QueryError> {
        if s.contains('\0') {
            return Err(QueryError::new(Msg::NulCharacter, format!("filter: `{}`", s.replace('\0', "\\0"))));
        }
        Ok(match hint {
            Kind::Number => {
                let n: f64 = s
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| format!("`{s}` is not a number"))?;
                (format!("{}::float8", self.params.push(Bind::Float(n))), Kind::Number)
            }
            Kind::Date => {
                let d = date_text(s).ok_or_else(|| {
                    QueryError::new(Msg::InvalidDateTime, format!("`{s}` is not a date YYYY-MM-DD"))
                })?;
                (format!("{}::date", self.params.push(Bind::Text(d))), Kind::Date)
            }
            Kind::Timestamp => {
                let t = timestamp_text(s).ok_or_else(|| {
                    QueryError::new(Msg::InvalidDateTime, format!("`{s}` is not an RFC 3339 date-time"))
                })?;
                (format!("{}::timestamptz", self.params.push(Bind::Text(t))), Kind::Timestamp)
            }
            Kind::Bool => {
                let b = match s.to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("`{s}` is not a boolean").into()),
                };
                (format!("{}::boolean", self.params.push(Bind::Bool(b))), Kind::Bool)
            }
            _ => (self.params.push(Bind::Text(s.into())), Kind::Text),
        })
    }

    fn args<'e>(&self, op: &str, args: &'e [Box<Expr>], n: usize) -> Result<&'e [Box<Expr>], QueryError> {
        if args.len() == n {
            Ok(args)
        } else {
            Err(format!("`{op}` takes {n} arguments, not {}", args.len()).into())
        }
    }

    /// Translates a pair whose literal side takes the kind of the other side.
    fn pair(&mut self, a: &Expr, b: &Expr) -> Result<(Typed, Typed), QueryError> {
        let is_lit = |e: &Expr| matches!(e, Expr::Literal(_) | Expr::Float(_) | Expr::Bool(_));
        if is_lit(a) && !is_lit(b) {
            let rb = self.expr(b, Kind::Unknown)?;
            let ra = self.expr(a, rb.1)?;
            Ok((ra, rb))
        } else {
            let ra = self.expr(a, Kind::Unknown)?;
            let rb = self.expr(b, ra.1)?;
            Ok((ra, rb))
        }
    }

    /// Translates an operand that must be of kind `want` (or of no known kind, as `NULL`).
    fn operand(&mut self, op: &str, e: &Expr, want: Kind) -> Result<String, QueryError> {
        let (sql, k) = self.expr(e, want)?;
        if k != want && k != Kind::Unknown {
            return Err(mismatch(format!("`{op}` takes {}, not {}", kind_name(want), kind_name(k))));
        }
        Ok(sql)
    }

    fn geometry(&mut self, e: &Expr) -> Result<String, QueryError> {
        match e {
            Expr::Geometry(g) => {
                let wkt = g.to_wkt().map_err(|err| {
                    QueryError::new(
                        Msg::InvalidGeometryLiteral,
                        format!("a geometry could not be read: {err}"),
                    )
                })?;
                let p = self.params.push(Bind::Text(wkt));
                Ok(self.to_wgs84(&format!("ST_GeomFromText({p})")))
            }
            Expr::BBox { bbox } => {
                let nums: Vec<f64> = bbox
                    .iter()
                    .map(|b| match **b {
                        Expr::Float(f) if f.is_finite() => Ok(f),
                        _ => Err(QueryError::from("BBOX takes numbers")),
                    })
                    .collect::<Result<_, _>>()?;
                let [x0, y0, x1, y1] = match nums.as_slice() {
                    [a, b, c, d] => [*a, *b, *c, *d],
                    [a, b, _, d, e, _] => [*a, *b, *d, *e],
                    _ => return Err("BBOX takes 4 or 6 numbers".into()),
                };
                let ps: Vec<String> =
                    [x0, y0, x1, y1].into_iter().map(|v| self.params.push(Bind::Float(v))).collect();
                Ok(self.to_wgs84(&format!("ST_MakeEnvelope({}, {}, {}, {})", ps[0], ps[1], ps[2], ps[3])))
            }
            other => match self.expr(other, Kind::Geometry)? {
                (sql, Kind::Geometry) => Ok(sql),
                (_, k) => {
                    Err(mismatch(format!("a spatial predicate takes geometries, not {}", kind_name(k))))
                }
            },
        }
    }

    fn to_wgs84(&self, g: &str) -> String {
        match super::crs::SUPPORTED.iter().find(|c| c.srid == self.srid && !(c.srid == 4326 && c.flip)) {
            Some(c) => c.to_wgs84_sql(g),
            None => format!("ST_SetSRID({g}, 4326)"),
        }
    }

    fn expr(&mut self, e: &Expr, hint: Kind) -> Result<(String, Kind), QueryError> {
        self.depth += 1;
        if self.depth > MAX_TRANSLATE_DEPTH {
            return Err(FilterLimit::TooDeep { depth: self.depth }.into());
        }
        let r = self.expr_at_depth(e, hint);
        self.depth -= 1;
        r
    }

    fn expr_at_depth(&mut self, e: &Expr, hint: Kind) -> Result<(String, Kind), QueryError> {
        match e {
            Expr::Property { property: name } => property(self.layer, name).ok_or_else(|| {
                format!("`{name}` is not a queryable of this layer (see its /queryables)").into()
            }),
            Expr::Literal(s) => self.literal_text(s, hint),
            Expr::Float(f) => Ok((format!("{}::float8", self.params.push(Bind::Float(*f))), Kind::Number)),
            Expr::Bool(b) => Ok((format!("{}::boolean", self.params.push(Bind::Bool(*b))), Kind::Bool)),
            Expr::Null => Ok(("NULL".into(), hint)),
            Expr::Date { date } => match &**date {
                Expr::Literal(s) => self.literal_text(s, Kind::Date),
                _ => Err("DATE takes a text".into()),
            },
            Expr::Timestamp { timestamp } => match &**timestamp {
                Expr::Literal(s) => self.literal_text(s, Kind::Timestamp),
                _ => Err("TIMESTAMP takes a text".into()),
            },
            Expr::Geometry(_) | Expr::BBox { .. } => Ok((self.geometry(e)?, Kind::Geometry)),
            Expr::Array(_) => Err("arrays are only supported on the right of IN".into()),
            Expr::Interval { .. } => Err("temporal intervals are not supported".into()),
            Expr::Operation { op, args } => self.operation(op, args),
        }
    }

    fn operation(&mut self, op: &str, args: &[Box<Expr>]) -> Result<(String, Kind), QueryError> {
        match op {
            "and" | "or" => {
                let parts: Vec<String> =
                    args.iter().map(|a| self.operand(op, a, Kind::Bool)).collect::<Result<_, _>>()?;
                Ok((format!("({})", parts.join(if op == "and" { " AND " } else { " OR " })), Kind::Bool))
            }
            "not" => {
                let a = self.args(op, args, 1)?;
                Ok((format!("(NOT {})", self.operand(op, &a[0], Kind::Bool)?), Kind::Bool))
            }
            "=" | "<>" | "<" | "<=" | ">" | ">=" => {
                let a = self.args(op, args, 2)?;
                let ((l, lk), (r, rk)) = self.pair(&a[0], &a[1])?;
                if lk == Kind::Geometry || rk == Kind::Geometry {
                    return Err(mismatch(format!("`{op}` does not compare geometries; use S_EQUALS")));
                }
                if !comparable(lk, rk) {
                    return Err(mismatch(format!(
                        "`{op}` compares {} with {}",
                        kind_name(lk),
                        kind_name(rk)
                    )));
                }
                Ok((format!("({l} {op} {r})"), Kind::Bool))
            }
            "like" => {
                let a = self.args(op, args, 2)?;
                let l = self.operand("LIKE", &a[0], Kind::Text)?;
                let r = self.operand("LIKE", &a[1], Kind::Text)?;
                Ok((format!("({l} LIKE {r})"), Kind::Bool))
            }
            "between" => {
                let a = self.args(op, args, 3)?;
                let (x, k) = self.expr(&a[0], Kind::Unknown)?;
                if matches!(k, Kind::Geometry | Kind::Bool) {
                    return Err(mismatch(format!("BETWEEN does not apply to {}", kind_name(k))));
                }
                let mut bound = |e: &Expr| -> Result<String, QueryError> {
                    let (sql, bk) = self.expr(e, k)?;
                    if !comparable(k, bk) {
                        return Err(mismatch(format!(
                            "BETWEEN compares {} with {}",
                            kind_name(k),
                            kind_name(bk)
                        )));
                    }
                    Ok(sql)
                };
                let lo = bound(&a[1])?;
                let hi = bound(&a[2])?;
                Ok((format!("({x} BETWEEN {lo} AND {hi})"), Kind::Bool))
            }
            "in" => {
                let a = self.args(op, args, 2)?;
                let (x, k) = self.expr(&a[0], Kind::Unknown)?;
                if k == Kind::Geometry {
                    return Err(mismatch("IN does not apply to geometries".into()));
                }
                let Expr::Array(items) = &*a[1] else { return Err("IN takes a list on its right".into()) };
                let mut list = Vec::with_capacity(items.len());
                for i in items {
                    let (sql, ik) = self.expr(i, k)?;
                    if !comparable(k, ik) {
                        return Err(mismatch(format!("IN compares {} with {}", kind_name(k), kind_name(ik))));
                    }
                    list.push(sql);
                }
                if list.is_empty() {
                    return Ok(("false".into(), Kind::Bool));
                }
                Ok((format!("({x} IN ({}))", list.join(", ")), Kind::Bool))
            }
            "isNull" => {
                let a = self.args(op, args, 1)?;
                Ok((format!("({} IS NULL)", self.expr(&a[0], Kind::Unknown)?.0), Kind::Bool))
            }
            "casei" => {
                let a = self.args(op, args, 1)?;
                Ok((format!("lower({})", self.operand("CASEI", &a[0], Kind::Text)?), Kind::Text))
            }
            "+" | "-" | "*" | "/" => {
                let parts: Vec<String> =
                    args.iter().map(|a| self.operand(op, a, Kind::Number)).collect::<Result<_, _>>()?;
                if parts.len() < 2 {
                    return Err(format!("`{op}` needs two operands").into());
                }
                let joined = parts
                    .iter()
                    .map(|p| format!("({p})::float8"))
                    .collect::<Vec<_>>()
                    .join(&format!(" {op} "));
                Ok((format!("({joined})"), Kind::Number))
            }
            _ if spatial_fn(op).is_some() => {
                let a = self.args(op, args, 2)?;
                let l = self.geometry(&a[0])?;
                let r = self.geometry(&a[1])?;
                Ok((format!("{}({l}, {r})", spatial_fn(op).unwrap_or("ST_Intersects")), Kind::Bool))
            }
            other => Err(format!("the operator `{other}` is not supported").into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> LayerDef {
        crate::layers::catalog::fixtures::parcels()
    }

    fn sql(text: &str) -> Result<(String, Vec<Bind>), String> {
        let e = cql2::parse_text(text).map_err(|e| e.to_string())?;
        let mut p = Params::new(2);
        translate(&e, &layer(), &mut p, 4326).map(|s| (s, p.binds)).map_err(|e| e.detail)
    }

    #[test]
    fn values_are_bound_not_spliced() {
        let (s, b) = sql("name = 'x'' OR 1=1 --'").unwrap();
        assert_eq!(s, "((f.attrs->>'name') = $3)");
        assert_eq!(b, vec![Bind::Text("x' OR 1=1 --".into())]);
    }

    #[test]
    fn literals_take_the_type_of_the_property() {
        let (s, b) = sql("'5' < floors").unwrap();
        assert_eq!(s, "($3::float8 < (f.attrs->>'floors')::bigint)");
        assert_eq!(b, vec![Bind::Float(5.0)]);
        assert!(sql("floors = 'many'").unwrap_err().contains("not a number"));
    }

    #[test]
    fn spatial_and_advanced_operators() {
        let (s, _) = sql("S_INTERSECTS(geometry, POINT(76.9 43.2)) AND floors BETWEEN 2 AND 5").unwrap();
        assert!(s.contains("ST_Intersects(f.geom, ST_SetSRID(ST_GeomFromText($3), 4326))"), "{s}");
        assert!(s.contains("BETWEEN $4::float8 AND $5::float8"), "{s}");
        let (s, _) = sql("CASEI(name) IN (CASEI('A'), CASEI('b'))").unwrap();
        assert_eq!(s, "(lower((f.attrs->>'name')) IN (lower($3), lower($4)))");
    }

    #[test]
    fn unknown_properties_and_operators_are_refused() {
        assert!(sql("colour = 'red'").unwrap_err().contains("`colour` is not a queryable"));
        assert!(
            sql("T_AFTER(updated_at, TIMESTAMP('2020-01-01T00:00:00Z'))")
                .unwrap_err()
                .contains("not supported")
        );
    }

    #[test]
    fn what_the_database_would_refuse_is_refused_here() {
        let e = cql2::parse_text("floors LIKE '5%'").unwrap();
        let err = translate(&e, &layer(), &mut Params::new(0), 4326).unwrap_err();
        assert_eq!(err.msg, Msg::TypeMismatch, "{err:?}");
        for f in
            ["name = floors", "floors + name > 1", "NOT floors", "CASEI(floors) = 'x'", "floors IN (1, name)"]
        {
            let e = cql2::parse_text(f).unwrap();
            let err = translate(&e, &layer(), &mut Params::new(0), 4326).unwrap_err();
            assert_eq!(err.msg, Msg::TypeMismatch, "{f}: {err:?}");
        }
        for f in [
            "built = DATE('0000-01-01')",
            "built > '2020-13-01'",
            "updated_at > TIMESTAMP('0000-01-01T00:00:00Z')",
        ] {
            let e = cql2::parse_text(f).unwrap();
            let err = translate(&e, &layer(), &mut Params::new(0), 4326).unwrap_err();
            assert_eq!(err.msg, Msg::InvalidDateTime, "{f}: {err:?}");
        }
        let e = cql2::parse_text("updated_at > '2020-01-01' AND built < DATE('2020-01-31')").unwrap();
        let mut p = Params::new(0);
        translate(&e, &layer(), &mut p, 4326).unwrap();
        assert_eq!(p.binds, vec![Bind::Text("2020-01-01".into()), Bind::Text("2020-01-31".into())]);
    }

    // issue 12: openapi
    #[test]
    fn date_times_reach_postgresql_in_utc_with_bc_years() {
        let t = |s: &str| pg_timestamptz(chrono::DateTime::parse_from_rfc3339(s).unwrap());
        assert_eq!(t("0595-02-05T10:04:01+21:47"), "0595-02-04T12:17:01Z");
        assert_eq!(t("0001-01-01T00:00:00+23:00"), "0001-12-31T01:00:00Z BC");
        assert_eq!(t("9999-12-31T23:00:00-05:30"), "10000-01-01T04:30:00Z");
        assert_eq!(t("2020-01-01T00:00:00.25Z"), "2020-01-01T00:00:00.250Z");
    }
}
