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
/// (4326 for CRS84); they are transformed to WGS84 in SQL.
pub fn translate(expr: &Expr, layer: &LayerDef, params: &mut Params, srid: i32) -> Result<String, String> {
    let mut t = Translator { layer, params, srid };
    let (sql, kind) = t.expr(expr, Kind::Unknown)?;
    if kind != Kind::Bool && kind != Kind::Unknown {
        return Err("the filter is not a condition (true or false)".into());
    }
    Ok(sql)
}

struct Translator<'a> {
    layer: &'a LayerDef,
    params: &'a mut Params,
    srid: i32,
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

impl Translator<'_> {
    fn literal_text(&mut self, s: &str, hint: Kind) -> Result<(String, Kind), String> {
        Ok(match hint {
            Kind::Number => {
                let n: f64 = s.trim().parse().map_err(|_| format!("`{s}` is not a number"))?;
                (format!("{}::float8", self.params.push(Bind::Float(n))), Kind::Number)
            }
            Kind::Date => (format!("{}::date", self.params.push(Bind::Text(s.into()))), Kind::Date),
            Kind::Timestamp => {
                (format!("{}::timestamptz", self.params.push(Bind::Text(s.into()))), Kind::Timestamp)
            }
            Kind::Bool => {
                let b = match s.to_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(format!("`{s}` is not a boolean")),
                };
                (format!("{}::boolean", self.params.push(Bind::Bool(b))), Kind::Bool)
            }
            _ => (self.params.push(Bind::Text(s.into())), Kind::Text),
        })
    }

    fn args<'e>(&self, op: &str, args: &'e [Box<Expr>], n: usize) -> Result<&'e [Box<Expr>], String> {
        if args.len() == n {
            Ok(args)
        } else {
            Err(format!("`{op}` takes {n} arguments, not {}", args.len()))
        }
    }

    /// Translates a pair whose literal side takes the kind of the other side.
    fn pair(&mut self, a: &Expr, b: &Expr) -> Result<(Typed, Typed), String> {
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

    fn geometry(&mut self, e: &Expr) -> Result<String, String> {
        match e {
            Expr::Geometry(g) => {
                let wkt = g.to_wkt().map_err(|err| format!("a geometry could not be read: {err}"))?;
                let p = self.params.push(Bind::Text(wkt));
                Ok(self.to_wgs84(&format!("ST_GeomFromText({p})")))
            }
            Expr::BBox { bbox } => {
                let nums: Vec<f64> = bbox
                    .iter()
                    .map(|b| match **b {
                        Expr::Float(f) => Ok(f),
                        _ => Err("BBOX takes numbers".to_string()),
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
                _ => Err("a spatial predicate needs geometries".into()),
            },
        }
    }

    fn to_wgs84(&self, g: &str) -> String {
        match super::crs::SUPPORTED.iter().find(|c| c.srid == self.srid && !(c.srid == 4326 && c.flip)) {
            Some(c) => c.to_wgs84_sql(g),
            None => format!("ST_SetSRID({g}, 4326)"),
        }
    }

    fn expr(&mut self, e: &Expr, hint: Kind) -> Result<(String, Kind), String> {
        match e {
            Expr::Property { property: name } => property(self.layer, name)
                .ok_or_else(|| format!("`{name}` is not a queryable of this layer (see its /queryables)")),
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

    fn operation(&mut self, op: &str, args: &[Box<Expr>]) -> Result<(String, Kind), String> {
        match op {
            "and" | "or" => {
                let parts: Vec<String> =
                    args.iter().map(|a| self.expr(a, Kind::Bool).map(|r| r.0)).collect::<Result<_, _>>()?;
                Ok((format!("({})", parts.join(if op == "and" { " AND " } else { " OR " })), Kind::Bool))
            }
            "not" => {
                let a = self.args(op, args, 1)?;
                Ok((format!("(NOT {})", self.expr(&a[0], Kind::Bool)?.0), Kind::Bool))
            }
            "=" | "<>" | "<" | "<=" | ">" | ">=" => {
                let a = self.args(op, args, 2)?;
                let ((l, lk), (r, rk)) = self.pair(&a[0], &a[1])?;
                if lk == Kind::Geometry || rk == Kind::Geometry {
                    return Err(format!("`{op}` does not compare geometries; use S_EQUALS"));
                }
                Ok((format!("({l} {op} {r})"), Kind::Bool))
            }
            "like" => {
                let a = self.args(op, args, 2)?;
                let (l, _) = self.expr(&a[0], Kind::Text)?;
                let (r, _) = self.expr(&a[1], Kind::Text)?;
                Ok((format!("({l} LIKE {r})"), Kind::Bool))
            }
            "between" => {
                let a = self.args(op, args, 3)?;
                let (x, k) = self.expr(&a[0], Kind::Unknown)?;
                let (lo, _) = self.expr(&a[1], k)?;
                let (hi, _) = self.expr(&a[2], k)?;
                Ok((format!("({x} BETWEEN {lo} AND {hi})"), Kind::Bool))
            }
            "in" => {
                let a = self.args(op, args, 2)?;
                let (x, k) = self.expr(&a[0], Kind::Unknown)?;
                let Expr::Array(items) = &*a[1] else { return Err("IN takes a list on its right".into()) };
                let list: Vec<String> =
                    items.iter().map(|i| self.expr(i, k).map(|r| r.0)).collect::<Result<_, _>>()?;
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
                Ok((format!("lower({})", self.expr(&a[0], Kind::Text)?.0), Kind::Text))
            }
            "+" | "-" | "*" | "/" => {
                let parts: Vec<String> =
                    args.iter().map(|a| self.expr(a, Kind::Number).map(|r| r.0)).collect::<Result<_, _>>()?;
                if parts.len() < 2 {
                    return Err(format!("`{op}` needs two operands"));
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
            other => Err(format!("the operator `{other}` is not supported")),
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
        translate(&e, &layer(), &mut p, 4326).map(|s| (s, p.binds))
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
}
