//! The search behind `GET /api/search`: one search box for addresses (street and house number), named features
//! (streets, rivers, schools...) and KATO units, typo-tolerant, over the layers the caller may read.
//!
//! Which layers are searched follows their schema, not a list: a layer with `street` and
//! `house_number` attributes holds addresses; a layer with any of `name`, `name_ru`, `name_kk`,
//! `name_en` holds named features. The query is split into a street part and a house number by
//! [`split_address`] (pure, unit-tested); the SQL is in `sql/search_*.sql`.

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use utoipa::ToSchema;

use super::catalog::{GeometryType, LayerDef};
use crate::i18n::Lang;

/// Name attributes searched in every layer that has them.
const NAME_KEYS: [&str; 4] = ["name", "name_ru", "name_kk", "name_en"];
/// Least pg_trgm word similarity (0-1) of a hit: "абаяя" still finds "улица Абая".
const MIN_SCORE: f32 = 0.45;
/// Most results returned.
pub const MAX_LIMIT: i64 = 50;

/// One search result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHit {
    /// `address`, `street`, `place` or `kato`.
    pub kind: &'static str,
    /// The layer of the feature (absent for KATO units).
    pub layer: Option<String>,
    /// Feature id, or the KATO code.
    pub id: String,
    pub title: String,
    /// Where it is: the KATO unit's name in the caller's language.
    pub subtitle: Option<String>,
    /// A point on the result, `[lon, lat]` WGS84.
    pub center: [f64; 2],
    /// `[min_lon, min_lat, max_lon, max_lat]`, WGS84.
    pub bbox: [f64; 4],
    /// Similarity, higher is better (an exact house number adds 1).
    pub score: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub results: Vec<SearchHit>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// What to look for: "абая 10", "Абая, 10", "Есентай", "Алмалинский" (2-200 characters
    /// besides surrounding spaces).
    #[param(
        min_length = 2,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\s\u0000][^\u0000]*[^\s\u0000][^\u0000]*$"
    )]
    pub q: String,
    /// Most results, 1-50 (default 10).
    #[param(minimum = 1, maximum = 50)]
    pub limit: Option<i64>,
    /// Language of titles and subtitles (`kk`, `ru`, `en`).
    #[allow(dead_code)]
    lang: Option<String>,
}

/// Splits a query into a street and a house number when it has one: the last (or first) word made
/// of a number with an optional letter or `/part` ("10", "10А", "12/3"); "д.", "дом", "үй" and
/// commas are dropped; the street abbreviations "ул.", "пр.", "пер.", "мкр." and "даң." are written out.
///
/// ```
/// use qala::layers::search::split_address;
/// assert_eq!(split_address("ул. Абая, д. 10А"), ("улица абая".to_string(), Some("10а".to_string())));
/// assert_eq!(split_address("12/3 Жандосова"), ("жандосова".to_string(), Some("12/3".to_string())));
/// assert_eq!(split_address("Школа № 67"), ("школа № 67".to_string(), None));
/// ```
pub fn split_address(q: &str) -> (String, Option<String>) {
    let lower = q.to_lowercase().replace(',', " ");
    let words: Vec<&str> = lower
        .split_whitespace()
        .filter(|w| !matches!(*w, "д." | "д" | "дом" | "үй" | "house"))
        .map(|w| match w {
            "ул." | "ул" => "улица",
            "пр." | "пр-т" | "просп." => "проспект",
            "пер." => "переулок",
            "мкр." | "мкр" => "микрорайон",
            "даң." => "даңғылы",
            other => other,
        })
        .collect();
    let is_house = |w: &str| {
        let mut chars = w.chars().peekable();
        let mut digits = 0;
        while chars.peek().is_some_and(char::is_ascii_digit) {
            chars.next();
            digits += 1;
        }
        let rest: String = chars.collect();
        digits > 0
            && (rest.is_empty()
                || (rest.chars().count() == 1 && rest.chars().all(char::is_alphabetic))
                || rest
                    .strip_prefix('/')
                    .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
    };
    // "№ 67" is a name, not a house number.
    let numbered = |i: usize| i > 0 && words[i - 1] == "№";
    if words.len() >= 2 {
        let last = words.len() - 1;
        if is_house(words[last]) && !numbered(last) {
            return (words[..last].join(" "), Some(words[last].to_string()));
        }
        if is_house(words[0]) {
            return (words[1..].join(" "), Some(words[0].to_string()));
        }
    }
    (words.join(" "), None)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    id: String,
    title: String,
    score: f32,
    name_ru: Option<String>,
    name_kk: Option<String>,
    name_en: Option<String>,
    lon: f64,
    lat: f64,
    xmin: f64,
    ymin: f64,
    xmax: f64,
    ymax: f64,
}

#[derive(sqlx::FromRow)]
struct AddressRow {
    id: String,
    street: String,
    house: String,
    score: f32,
    name_ru: Option<String>,
    name_kk: Option<String>,
    name_en: Option<String>,
    lon: f64,
    lat: f64,
    xmin: f64,
    ymin: f64,
    xmax: f64,
    ymax: f64,
}

fn unit_name(lang: Lang, ru: Option<String>, kk: Option<String>, en: Option<String>) -> Option<String> {
    let pick = match lang {
        Lang::Kk => kk.clone(),
        Lang::Ru => ru.clone(),
        Lang::En => en.clone(),
    };
    pick.or(ru).or(kk).or(en)
}

/// The name attributes of `layer` in display order for `lang`.
fn display_keys(layer: &LayerDef, lang: Lang) -> Vec<String> {
    let first = match lang {
        Lang::Kk => "name_kk",
        Lang::Ru => "name_ru",
        Lang::En => "name_en",
    };
    std::iter::once(first)
        .chain(["name_ru", "name", "name_kk", "name_en"])
        .filter(|k| layer.attribute(k).is_some())
        .map(str::to_string)
        .collect()
}

/// Searches the layers in `layers` (already filtered by the access policy) and the KATO units.
pub async fn run(
    pool: &PgPool,
    layers: &[std::sync::Arc<LayerDef>],
    q: &str,
    lang: Lang,
    limit: i64,
) -> sqlx::Result<Vec<SearchHit>> {
    let (street, house) = split_address(q);
    // Names are matched against the whole query, abbreviations written out.
    let lower = match &house {
        Some(h) if street.is_empty() => h.clone(),
        Some(h) => format!("{street} {h}"),
        None => street.clone(),
    };
    let mut hits = Vec::new();
    let mut tx = pool.begin().await?;
    sqlx::query(&format!("SET LOCAL pg_trgm.word_similarity_threshold = {MIN_SCORE}"))
        .execute(&mut *tx)
        .await?;
    for layer in layers {
        let table = format!("\"features_{}\"", layer.id);
        if let Some(house) = &house
            && layer.attribute("street").is_some()
            && layer.attribute("house_number").is_some()
        {
            let sql = include_str!("sql/search_addresses.sql").replace("{table}", &table);
            let rows: Vec<AddressRow> = sqlx::query_as(&sql)
                .bind(&street)
                .bind(like_escape(house))
                .bind(limit)
                .bind(house)
                .fetch_all(&mut *tx)
                .await?;
            hits.extend(rows.into_iter().map(|r| SearchHit {
                kind: "address",
                layer: Some(layer.id.clone()),
                id: r.id,
                title: format!("{}, {}", r.street, r.house),
                subtitle: unit_name(lang, r.name_ru, r.name_kk, r.name_en),
                center: [r.lon, r.lat],
                bbox: [r.xmin, r.ymin, r.xmax, r.ymax],
                score: r.score,
            }));
        }
        // Attribute names are validated identifiers (catalog.rs), safe to write into the SQL.
        let keys: Vec<&str> = NAME_KEYS.iter().copied().filter(|k| layer.attribute(k).is_some()).collect();
        if keys.is_empty() {
            continue;
        }
        let of = |k: &str| format!("lower(f.attrs->>'{k}')");
        let matches: Vec<String> = keys.iter().map(|k| format!("$1 <% {}", of(k))).collect();
        let scores: Vec<String> = keys.iter().map(|k| format!("word_similarity($1, {})", of(k))).collect();
        let titles: Vec<String> =
            display_keys(layer, lang).iter().map(|k| format!("f.attrs->>'{k}'")).collect();
        let sql = include_str!("sql/search_names.sql")
            .replace("{table}", &table)
            .replace("{matches}", &matches.join(" OR "))
            .replace("{scores}", &scores.join(", "))
            .replace("{titles}", &titles.join(", "));
        let rows: Vec<PlaceRow> = sqlx::query_as(&sql).bind(&lower).bind(limit).fetch_all(&mut *tx).await?;
        let kind = if layer.geometry == GeometryType::Line && layer.theme == "transport" {
            "street"
        } else {
            "place"
        };
        hits.extend(rows.into_iter().map(|r| SearchHit {
            kind,
            layer: Some(layer.id.clone()),
            id: r.id,
            title: r.title,
            subtitle: unit_name(lang, r.name_ru, r.name_kk, r.name_en),
            center: [r.lon, r.lat],
            bbox: [r.xmin, r.ymin, r.xmax, r.ymax],
            score: r.score,
        }));
    }
    tx.commit().await?;
    for (unit, score) in super::kato::store::search(pool, &lower, None, limit).await? {
        let Some((_, Some(bbox), _)) = super::kato::store::unit(pool, &unit.code).await? else {
            continue;
        };
        let parent = unit.parent_code.as_deref().unwrap_or_default();
        let subtitle = match super::kato::store::unit(pool, parent).await? {
            Some((p, _, _)) => unit_name(lang, Some(p.name_ru), p.name_kk, p.name_en),
            None => None,
        };
        hits.push(SearchHit {
            kind: "kato",
            layer: None,
            title: unit_name(lang, Some(unit.name_ru), unit.name_kk, unit.name_en).unwrap_or_default(),
            id: unit.code,
            subtitle,
            center: [(bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0],
            bbox,
            score,
        });
    }
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.title.cmp(&b.title)));
    hits.truncate(usize::try_from(limit).unwrap_or(10));
    Ok(hits)
}
