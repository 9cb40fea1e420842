//! The query parameters of `/ogc/collections/{id}/items` and of exports, parsed and turned into
//! one SQL selection (pure: no IO). Unknown parameters are refused, never ignored.
//!
//! Paging is by keyset: the rows are ordered by the `sortby` keys and then `id`, and the `cursor`
//! of the next page holds the keys of the last row sent, so page 1,000 costs what page 1 costs and
//! rows inserted meanwhile neither repeat nor shift the pages.
//!
//! ```
//! # let layer = qala::layers::catalog::parse_layer("parcels.toml",
//! #     include_str!("../../tests/fixtures/layers/valid_layer.toml")).unwrap();
//! use qala::features::query::ItemsQuery;
//! let q = ItemsQuery::parse(&[("limit".into(), "5".into()), ("floors".into(), "3".into())], &layer, true).unwrap();
//! assert_eq!(q.limit, 5);
//! assert!(ItemsQuery::parse(&[("colour".into(), "red".into())], &layer, true).is_err());
//! ```

use super::cql::{self, Bind, Kind, Params};
use super::crs::{CRS84, Crs};
use super::cursor::{self, KeyType};
use super::limits::{self, FilterLimit};
use crate::error::ApiError;
use crate::i18n::{Lang, Msg};
use crate::layers::catalog::LayerDef;

/// Default and largest page size.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 10_000;

/// One ordering key: SQL (never NULL), the type its cursor value is cast to, descending or not.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub sql: String,
    pub cast: KeyType,
    pub desc: bool,
}

/// Why the parameters of an items request are refused (always a 400): the message, in the
/// caller's language once it is an [`ApiError`], and a detail naming the parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub msg: Msg,
    pub detail: String,
}

impl QueryError {
    pub fn new(msg: Msg, detail: impl Into<String>) -> QueryError {
        QueryError { msg, detail: detail.into() }
    }

    /// The 400 answer.
    pub fn into_api(self, lang: Lang) -> ApiError {
        ApiError::new(axum::http::StatusCode::BAD_REQUEST, self.msg, lang).with_detail(self.detail)
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<String> for QueryError {
    fn from(detail: String) -> QueryError {
        QueryError::new(Msg::BadRequest, detail)
    }
}

impl From<&str> for QueryError {
    fn from(detail: &str) -> QueryError {
        QueryError::new(Msg::BadRequest, detail)
    }
}

impl From<QueryError> for String {
    fn from(e: QueryError) -> String {
        e.detail
    }
}

impl From<FilterLimit> for QueryError {
    fn from(l: FilterLimit) -> QueryError {
        let msg =
            if matches!(l, FilterLimit::TooLong { .. }) { Msg::FilterTooLong } else { Msg::FilterTooComplex };
        QueryError::new(msg, l.to_string())
    }
}

/// A parsed items query.
#[derive(Debug, Clone)]
pub struct ItemsQuery {
    pub limit: usize,
    /// Conditions on rows aliased `f`, ANDed.
    pub conds: Vec<String>,
    pub params: Params,
    /// Ordering keys; the last one is always `id`.
    pub order: Vec<SortKey>,
    /// The CRS of the response geometries.
    pub crs: Crs,
    /// Keys of the last row of the previous page.
    pub cursor: Option<Vec<String>>,
    /// The parameters to repeat in `next` links (all but `cursor`).
    pub echo: Vec<(String, String)>,
}

/// Parameters that are not filters on properties.
const RESERVED: &[&str] = &[
    "limit",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "cursor",
    "f",
    "lang",
];

fn bad(msg: impl Into<String>) -> QueryError {
    QueryError::from(msg.into())
}

/// Parses `bbox` (4 or 6 numbers) into min x, min y, max x, max y in the given CRS's axis order.
fn parse_bbox(s: &str) -> Result<[f64; 4], QueryError> {
    let nums: Vec<f64> = s
        .split(',')
        .map(|p| {
            p.trim().parse::<f64>().map_err(|_| QueryError::from(format!("bbox: `{p}` is not a number")))
        })
        .collect::<Result<_, _>>()?;
    let b = match nums.as_slice() {
        [a, b, c, d] => [*a, *b, *c, *d],
        [a, b, _, d, e, _] => [*a, *b, *d, *e],
        _ => return Err(bad("bbox takes 4 numbers (or 6 with heights)")),
    };
    if b.iter().any(|v| !v.is_finite()) || b[1] > b[3] {
        return Err(bad("bbox: the lower corner must come first"));
    }
    Ok(b)
}

/// A datetime instant or interval (`a/b`, `../b`, `a/..`) as bounds on `updated_at`; years 1 to
/// 9999 (PostgreSQL has no year 0).
fn parse_datetime(s: &str) -> Result<(Option<String>, Option<String>), QueryError> {
    use chrono::Datelike;
    let years = crate::layers::schema::YEARS;
    let check = |t: &str| -> Result<Option<String>, QueryError> {
        let t = t.trim();
        if t.is_empty() || t == ".." {
            return Ok(None);
        }
        // issue 12: openapi. A date-time is passed on in UTC (PostgreSQL refuses some offsets).
        let (ok, norm) = match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(d) => (years.contains(&d.year()), super::cql::pg_timestamptz(d)),
            Err(_) => (
                t.len() == 10
                    && chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .is_ok_and(|d| years.contains(&d.year())),
                t.to_string(),
            ),
        };
        if !ok {
            return Err(QueryError::new(
                Msg::InvalidDateTime,
                format!("datetime: `{t}` is not an RFC 3339 date-time or a date YYYY-MM-DD"),
            ));
        }
        Ok(Some(norm))
    };
    match s.split_once('/') {
        Some((a, b)) => Ok((check(a)?, check(b)?)),
        None => {
            let t = check(s)?;
            Ok((t.clone(), t))
        }
    }
}

/// Encodes the keys of a row as a cursor (URL-safe base64 of a JSON array).
pub fn encode_cursor(keys: &[String]) -> String {
    cursor::encode(keys)
}

impl ItemsQuery {
    /// Parses the query string pairs of an items request (`paged`: limit and cursor allowed).
    pub fn parse(
        pairs: &[(String, String)],
        layer: &LayerDef,
        paged: bool,
    ) -> Result<ItemsQuery, QueryError> {
        let mut seen = std::collections::BTreeSet::new();
        for (k, v) in pairs {
            if !seen.insert(k.as_str()) {
                return Err(format!("`{k}` is given twice").into());
            }
            if v.contains('\0') || k.contains('\0') {
                return Err(QueryError::new(Msg::NulCharacter, format!("`{}`", k.replace('\0', "\\0"))));
            }
        }
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let mut params = Params::new(1); // $1 is the scope parameter
        let mut conds = Vec::new();
        let mut echo = Vec::new();

        let limit = match get("limit") {
            Some(_) if !paged => return Err(bad("`limit` does not apply here")),
            Some(l) => {
                echo.push(("limit".to_string(), l.to_string()));
                match l.parse::<usize>() {
                    Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                    _ => return Err(format!("limit: `{l}` is not a number from 1 to {MAX_LIMIT}").into()),
                }
            }
            None => DEFAULT_LIMIT,
        };
        if !paged && get("cursor").is_some() {
            return Err(bad("`cursor` does not apply here"));
        }
        if let Some(f) = get("f")
            && !["json", "geojson"].contains(&f)
        {
            return Err(format!("f: `{f}` is not served here (json, geojson)").into());
        }
        let crs = match get("crs") {
            Some(c) => {
                echo.push(("crs".into(), c.into()));
                Crs::from_uri(c)
                    .ok_or_else(|| format!("crs: `{c}` is not supported (see the collection's `crs`)"))?
            }
            None => CRS84,
        };
        if let Some(b) = get("bbox") {
            echo.push(("bbox".into(), b.into()));
            let bb = parse_bbox(b)?;
            let bcrs = match get("bbox-crs") {
                Some(c) => {
                    echo.push(("bbox-crs".into(), c.into()));
                    Crs::from_uri(c).ok_or_else(|| format!("bbox-crs: `{c}` is not supported"))?
                }
                None => CRS84,
            };
            let ps: Vec<String> = bb.iter().map(|v| params.push(Bind::Float(*v))).collect();
            let env =
                bcrs.to_wgs84_sql(&format!("ST_MakeEnvelope({}, {}, {}, {})", ps[0], ps[1], ps[2], ps[3]));
            // A box spanning a projected CRS is not a box in WGS84: intersect with its outline.
            conds.push(format!("f.geom && {env} AND ST_Intersects(f.geom, {env})"));
        } else if get("bbox-crs").is_some() {
            return Err(bad("`bbox-crs` needs `bbox`"));
        }
        if let Some(d) = get("datetime") {
            echo.push(("datetime".into(), d.into()));
            let (from, to) = parse_datetime(d)?;
            if let Some(f) = from {
                conds.push(format!("f.updated_at >= {}::timestamptz", params.push(Bind::Text(f))));
            }
            if let Some(t) = to {
                let p = params.push(Bind::Text(t.clone()));
                // A bare date means the whole day.
                if t.len() == 10 {
                    conds.push(format!("f.updated_at < {p}::date + 1"));
                } else {
                    conds.push(format!("f.updated_at <= {p}::timestamptz"));
                }
            }
        }
        if let Some(text) = get("filter") {
            echo.push(("filter".into(), text.into()));
            let lang = get("filter-lang").unwrap_or("cql2-text");
            // The bounds come before the parser: a filter too deep for them would exhaust its stack.
            let expr = match lang {
                "cql2-text" => {
                    limits::check_text(text)?;
                    cql2::parse_text(text).map_err(|e| format!("filter: {e}"))?
                }
                "cql2-json" => {
                    limits::check_json(text)?;
                    cql2::parse_json(text).map_err(|e| format!("filter: {e}"))?
                }
                other => {
                    return Err(
                        format!("filter-lang: `{other}` is not supported (cql2-text, cql2-json)").into()
                    );
                }
            };
            if let Some(l) = get("filter-lang") {
                echo.push(("filter-lang".into(), l.into()));
            }
            let fcrs = match get("filter-crs") {
                Some(c) => {
                    echo.push(("filter-crs".into(), c.into()));
                    Crs::from_uri(c).ok_or_else(|| format!("filter-crs: `{c}` is not supported"))?
                }
                None => CRS84,
            };
            if fcrs.flip {
                return Err(bad("filter-crs: only CRSs with easting first are supported in filters"));
            }
            let translated = cql::translate(&expr, layer, &mut params, fcrs.srid)
                .map_err(|e| QueryError::new(e.msg, format!("filter: {}", e.detail)))?;
            conds.push(translated);
        } else if get("filter-lang").is_some() || get("filter-crs").is_some() {
            return Err(bad("`filter-lang` and `filter-crs` need `filter`"));
        }
        // Property filters: `name=value` on an attribute, equality.
        for (k, v) in pairs {
            if RESERVED.contains(&k.as_str()) {
                continue;
            }
            let Some(attr) = layer.attribute(k) else {
                return Err(format!(
                    "`{k}` is neither a parameter of this operation nor a property of the layer"
                )
                .into());
            };
            echo.push((k.clone(), v.clone()));
            let Some((sql, kind)) = cql::property(layer, &attr.name) else { continue };
            let p = match kind {
                Kind::Number => {
                    let n: f64 = v
                        .parse()
                        .ok()
                        .filter(|n: &f64| n.is_finite())
                        .ok_or_else(|| format!("{k}: `{v}` is not a number"))?;
                    format!("{}::float8", params.push(Bind::Float(n)))
                }
                Kind::Bool => {
                    let b: bool = v.parse().map_err(|_| format!("{k}: `{v}` is not true or false"))?;
                    format!("{}::boolean", params.push(Bind::Bool(b)))
                }
                Kind::Date => {
                    let Some(d) = crate::layers::schema::date(v.trim()) else {
                        return Err(QueryError::new(
                            Msg::InvalidDateTime,
                            format!("{k}: `{v}` is not a date YYYY-MM-DD"),
                        ));
                    };
                    format!("{}::date", params.push(Bind::Text(d.format("%Y-%m-%d").to_string())))
                }
                _ => params.push(Bind::Text(v.clone())),
            };
            conds.push(format!("{sql} = {p}"));
        }
        let mut order = Vec::new();
        if let Some(s) = get("sortby") {
            echo.push(("sortby".into(), s.into()));
            for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let (name, desc) = match item.strip_prefix('-') {
                    Some(n) => (n, true),
                    None => (item.strip_prefix('+').unwrap_or(item), false),
                };
                if name == "id" {
                    continue;
                }
                let (sql, kind) = cql::property(layer, name)
                    .ok_or_else(|| format!("sortby: `{name}` is not a property of the layer"))?;
                let (sql, cast) = match kind {
                    Kind::Number => (format!("coalesce(({sql})::float8, '-Infinity')"), KeyType::Float8),
                    Kind::Bool => (format!("coalesce(({sql})::int, -1)"), KeyType::Int),
                    Kind::Timestamp => (sql, KeyType::Timestamptz),
                    Kind::Date => (format!("coalesce({sql}, '-infinity')"), KeyType::Date),
                    Kind::Geometry => return Err(bad("sortby: geometries cannot be sorted")),
                    _ => (format!("coalesce({sql}, '')"), KeyType::Text),
                };
                order.push(SortKey { sql, cast, desc });
            }
        }
        order.push(SortKey { sql: "f.id".into(), cast: KeyType::Bigint, desc: false });
        let cursor = match get("cursor") {
            Some(c) => {
                let types: Vec<KeyType> = order.iter().map(|k| k.cast).collect();
                let keys = cursor::decode(c, &types).map_err(|e| QueryError::new(Msg::InvalidCursor, e))?;
                conds.push(keyset_condition(&order, &keys, &mut params));
                Some(keys)
            }
            None => None,
        };
        Ok(ItemsQuery { limit, conds, params, order, crs, cursor, echo })
    }

    /// `ORDER BY` of the selection.
    pub fn order_by(&self) -> String {
        self.order
            .iter()
            .map(|k| format!("{} {}", k.sql, if k.desc { "DESC" } else { "ASC" }))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The keys of a row as text, to select beside it for the next cursor.
    pub fn key_columns(&self) -> String {
        self.order.iter().map(|k| cursor::key_text_sql(&k.sql, k.cast)).collect::<Vec<_>>().join(", ")
    }

    /// The WHERE clause (after `f.deleted_at IS NULL` and the scope).
    pub fn where_sql(&self) -> String {
        self.conds.iter().map(|c| format!(" AND ({c})")).collect()
    }

    /// The query string of the next page after the row with `keys`.
    pub fn next_query(&self, keys: &[String]) -> String {
        let mut pairs = self.echo.clone();
        pairs.push(("cursor".into(), encode_cursor(keys)));
        pairs.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
    }
}

/// Rows after `keys` in the order `order`: (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ...
fn keyset_condition(order: &[SortKey], keys: &[String], params: &mut Params) -> String {
    let mut ors = Vec::new();
    for i in 0..order.len() {
        let mut ands = Vec::new();
        for (k, v) in order.iter().zip(keys).take(i) {
            ands.push(format!("{} = {}::{}", k.sql, params.push(Bind::Text(v.clone())), k.cast.sql()));
        }
        let k = &order[i];
        let op = if k.desc { "<" } else { ">" };
        ands.push(format!("{} {op} {}::{}", k.sql, params.push(Bind::Text(keys[i].clone())), k.cast.sql()));
        ors.push(format!("({})", ands.join(" AND ")));
    }
    ors.join(" OR ")
}

/// Percent-encodes a query string component.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Binds the parameters of a selection to a query, in order.
pub fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    binds: &'q [Bind],
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Float(f) => q.bind(*f),
            Bind::Bool(v) => q.bind(*v),
        };
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> LayerDef {
        crate::layers::catalog::fixtures::parcels()
    }

    fn p(s: &[(&str, &str)]) -> Vec<(String, String)> {
        s.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn keyset_over_sort_keys_and_id() {
        let q = ItemsQuery::parse(&p(&[("sortby", "-floors")]), &layer(), true).unwrap();
        assert_eq!(
            q.order_by(),
            "coalesce(((f.attrs->>'floors')::bigint)::float8, '-Infinity') DESC, f.id ASC"
        );
        let cur = encode_cursor(&["5".into(), "17".into()]);
        let q = ItemsQuery::parse(&p(&[("sortby", "-floors"), ("cursor", &cur)]), &layer(), true).unwrap();
        let w = q.where_sql();
        assert!(w.contains("< $2::float8") && w.contains("= $3::float8 AND f.id > $4::bigint"), "{w}");
        assert!(q.next_query(&["1".into(), "2".into()]).starts_with("sortby=-floors&cursor="));
    }

    #[test]
    fn refuses_what_it_does_not_serve() {
        let e = |pairs: &[(&str, &str)]| ItemsQuery::parse(&p(pairs), &layer(), true).unwrap_err().detail;
        assert!(e(&[("limit", "0")]).contains("limit"));
        assert!(e(&[("limit", "10001")]).contains("limit"));
        assert!(e(&[("crs", "EPSG:2154")]).contains("crs"));
        assert!(e(&[("bbox", "1,2,3")]).contains("bbox"));
        assert!(e(&[("cursor", "nonsense")]).contains("cursor"));
        assert!(e(&[("resultType", "hits")]).contains("resultType"));
        assert!(e(&[("filter-lang", "cql2-text")]).contains("need"));
        assert!(e(&[("floors", "x")]).contains("not a number"));
        assert!(e(&[("datetime", "yesterday")]).contains("datetime"));
        assert!(ItemsQuery::parse(&p(&[("limit", "5")]), &layer(), false).is_err());
    }
}
