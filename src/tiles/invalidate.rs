//! Keeps cached tiles fresh: the triggers on `features` notify `qala_features` with the extents a
//! change touched (old and new geometry); this task evicts the tiles touching them, at every zoom
//! and in every composite that holds the layer. A lost connection may have lost notifications, so
//! the whole cache is dropped when the listener reconnects.

use serde::Deserialize;
use sqlx::PgPool;

use super::TileService;

/// The channel the triggers notify.
pub const CHANNEL: &str = "qala_features";

#[derive(Debug, Deserialize)]
struct Change {
    layer: String,
    bbox: [Option<f64>; 4],
}

/// Parses a notification payload into a layer and a WGS84 bbox.
pub fn parse(payload: &str) -> Option<(String, [f64; 4])> {
    let c: Change = serde_json::from_str(payload).ok()?;
    match c.bbox {
        [Some(a), Some(b), Some(c2), Some(d)] => Some((c.layer, [a, b, c2, d])),
        _ => None,
    }
}

/// Listens until the pool is closed (reconnecting, and dropping every cached tile after a gap:
/// see [`crate::db::listen`]). Returns once listening has started, so that changes made after this
/// returns are seen.
///
/// Issue 18: with in-process tiles, listening comes first, then the layers are loaded (so no
/// edit falls between the two); a change to a layer held in memory updates its store and only then
/// evicts the tiles (see [`super::memory`]); after a gap the stores are loaded again.
pub async fn spawn(pool: PgPool, tiles: TileService) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let all = tiles.clone();
    let evicting = tiles.clone();
    let handle = crate::db::listen::spawn(
        pool,
        CHANNEL,
        move |payload| match parse(payload) {
            Some((layer, bbox)) => {
                let by_store = tiles.memory().is_some_and(|m| m.notify(&layer, bbox));
                if !by_store {
                    tiles.invalidate(&layer, bbox);
                }
            }
            None => tracing::warn!(payload, "unreadable feature notification"),
        },
        move || {
            if let Some(m) = all.memory() {
                m.on_gap();
            }
            all.invalidate_all();
        },
    )
    .await?;
    if let Some(m) = evicting.memory() {
        let t = evicting.clone();
        m.arm(std::sync::Arc::new(move |layer: &str, bbox: [f64; 4]| t.invalidate(layer, bbox)));
    }
    Ok(handle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn payloads() {
        assert_eq!(
            super::parse(r#"{"layer":"buildings","bbox":[76.9,43.2,76.95,43.25]}"#),
            Some(("buildings".to_string(), [76.9, 43.2, 76.95, 43.25]))
        );
        assert_eq!(super::parse(r#"{"layer":"x","bbox":[null,null,null,null]}"#), None);
        assert_eq!(super::parse("garbage"), None);
    }
}
