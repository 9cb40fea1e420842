//! Seeding and export. `qala tiles seed` warms a running server's cache by requesting every tile
//! of a layer over a zoom range and an area, through the server itself (so the access policy and
//! the cache are the server's); `qala tiles export` renders the same list straight from the
//! database into an MBTiles file for offline use. Both show progress.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use serde::Serialize;

use super::TileService;
use super::coords::{TileCoord, tile_range};
use crate::layers::catalog::LayerDef;

/// `8-14` or `12` as an inclusive zoom range.
pub fn parse_zooms(s: &str) -> Result<(u8, u8), String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: u8 = a.trim().parse().map_err(|_| format!("`{s}`: zooms are like 8-14"))?;
    let b: u8 = b.trim().parse().map_err(|_| format!("`{s}`: zooms are like 8-14"))?;
    if a > b || b > super::coords::MAX_ZOOM {
        return Err(format!("`{s}`: zooms go from low to high, at most {}", super::coords::MAX_ZOOM));
    }
    Ok((a, b))
}

/// `min_lon,min_lat,max_lon,max_lat`.
pub fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{s}` is not min_lon,min_lat,max_lon,max_lat"))?;
    match v.as_slice() {
        [a, b, c, d] if a < c && b < d && (-180.0..=180.0).contains(a) && (-90.0..=90.0).contains(b) => {
            Ok([*a, *b, *c, *d])
        }
        _ => Err(format!("`{s}` is not min_lon,min_lat,max_lon,max_lat with min < max")),
    }
}

/// Every tile of `zooms` touching `bbox`, zoom by zoom, row by row.
pub fn tiles_in(bbox: [f64; 4], zooms: (u8, u8)) -> impl Iterator<Item = TileCoord> {
    (zooms.0..=zooms.1).flat_map(move |z| {
        let (x0, y0, x1, y1) = tile_range(bbox, z);
        (y0..=y1).flat_map(move |y| (x0..=x1).filter_map(move |x| TileCoord::new(z, x, y)))
    })
}

/// What a seed or an export did.
#[derive(Debug, Default, Serialize)]
pub struct SeedSummary {
    pub tiles: u64,
    pub empty: u64,
    pub bytes: u64,
    pub seconds: f64,
}

fn bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} tiles {per_sec} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Requests the tiles from the server at `server` (e.g. `http://127.0.0.1:8080`), 4 at a time.
pub async fn seed(
    server: &str,
    layer: &str,
    bbox: [f64; 4],
    zooms: (u8, u8),
    progress: bool,
) -> Result<SeedSummary> {
    let started = std::time::Instant::now();
    let coords: Vec<TileCoord> = tiles_in(bbox, zooms).collect();
    let bar = if progress { bar(coords.len() as u64) } else { indicatif::ProgressBar::hidden() };
    let client = reqwest::Client::new();
    let (empty, bytes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let server = server.trim_end_matches('/').to_string();
    let results: Vec<Result<()>> = futures_util::stream::iter(coords.iter().copied())
        .map(|t| {
            let (client, server, empty, bytes, bar) =
                (client.clone(), server.clone(), empty.clone(), bytes.clone(), bar.clone());
            let layer = layer.to_string();
            async move {
                let url = format!("{server}/tiles/{layer}/{}/{}/{}.mvt", t.z, t.x, t.y);
                let resp = client.get(&url).send().await.with_context(|| format!("cannot reach {url}"))?;
                match resp.status().as_u16() {
                    200 => {
                        bytes.fetch_add(resp.bytes().await?.len() as u64, Ordering::Relaxed);
                    }
                    204 => {
                        empty.fetch_add(1, Ordering::Relaxed);
                    }
                    s => bail!("{url}: HTTP {s}"),
                }
                bar.inc(1);
                Ok(())
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    bar.finish_and_clear();
    results.into_iter().collect::<Result<Vec<()>>>()?;
    Ok(SeedSummary {
        tiles: coords.len() as u64,
        empty: empty.load(Ordering::Relaxed),
        bytes: bytes.load(Ordering::Relaxed),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Renders the tiles of `layers` into a new MBTiles file at `out` (gzip-compressed MVT, as the
/// MBTiles 1.3 spec asks), with metadata including the TileJSON `vector_layers`.
pub async fn export_mbtiles(
    tiles: &TileService,
    layers: &[Arc<LayerDef>],
    bbox: [f64; 4],
    zooms: (u8, u8),
    out: &Path,
    progress: bool,
) -> Result<SeedSummary> {
    use std::io::Write;
    let started = std::time::Instant::now();
    if out.exists() {
        bail!("{} exists; choose another file or remove it", out.display());
    }
    let coords: Vec<TileCoord> = tiles_in(bbox, zooms).collect();
    let bar = if progress { bar(coords.len() as u64) } else { indicatif::ProgressBar::hidden() };
    let mut rendered: Vec<(TileCoord, Vec<u8>)> = Vec::new();
    let mut summary = SeedSummary { tiles: coords.len() as u64, ..Default::default() };
    for t in coords {
        let tile =
            tiles.tile(layers, t).await.map_err(|e| anyhow::anyhow!("tile {}/{}/{}: {e}", t.z, t.x, t.y))?;
        bar.inc(1);
        if tile.bytes.is_empty() {
            summary.empty += 1;
            continue;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tile.bytes)?;
        let data = gz.finish()?;
        summary.bytes += data.len() as u64;
        rendered.push((t, data));
    }
    bar.finish_and_clear();
    let names: Vec<&str> = layers.iter().map(|l| l.id.as_str()).collect();
    let vector_layers = super::tilejson::vector_layers(layers, crate::i18n::Lang::En);
    let meta = vec![
        ("name", names.join(",")),
        ("format", "pbf".to_string()),
        ("type", "overlay".to_string()),
        ("version", "1.3".to_string()),
        ("description", layers.iter().map(|l| l.title.en.as_str()).collect::<Vec<_>>().join(", ")),
        (
            "attribution",
            layers
                .iter()
                .map(|l| format!("{} ({})", l.metadata.owner, l.metadata.licence))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        ("bounds", format!("{},{},{},{}", bbox[0], bbox[1], bbox[2], bbox[3])),
        ("center", format!("{},{},{}", (bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0, zooms.0)),
        ("minzoom", zooms.0.to_string()),
        ("maxzoom", zooms.1.to_string()),
        ("json", serde_json::json!({ "vector_layers": vector_layers }).to_string()),
    ];
    let out = out.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<()> {
        let mut db =
            rusqlite::Connection::open(&out).with_context(|| format!("cannot create {}", out.display()))?;
        let tx = db.transaction()?;
        tx.execute_batch(
            "CREATE TABLE metadata (name text, value text);
             CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);
             CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
        )?;
        for (k, v) in meta {
            tx.execute("INSERT INTO metadata (name, value) VALUES (?1, ?2)", (k, v))?;
        }
        {
            let mut insert = tx.prepare("INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)")?;
            for (t, data) in rendered {
                // MBTiles rows count from the south (TMS).
                let tms_row = (1u32 << t.z) - 1 - t.y;
                insert.execute((t.z, t.x, tms_row, data))?;
            }
        }
        tx.commit()?;
        Ok(())
    })
    .await??;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_and_bbox_arguments() {
        assert_eq!(parse_zooms("8-14"), Ok((8, 14)));
        assert_eq!(parse_zooms("12"), Ok((12, 12)));
        assert!(parse_zooms("14-8").is_err());
        assert!(parse_zooms("a").is_err());
        assert_eq!(parse_bbox("76.75,43.15,77.1,43.4"), Ok([76.75, 43.15, 77.1, 43.4]));
        assert!(parse_bbox("77.1,43.15,76.75,43.4").is_err());
    }

    #[test]
    fn the_tile_list_grows_four_times_a_zoom() {
        let bbox = [76.75, 43.15, 77.10, 43.40];
        let at = |z| tiles_in(bbox, (z, z)).count();
        assert_eq!(at(0), 1);
        assert!(at(14) > 3 * at(13) && at(14) < 5 * at(13));
        assert_eq!(tiles_in(bbox, (8, 10)).count(), at(8) + at(9) + at(10));
    }
}
