//! Issue 18: which MVT writer to cut tiles in process with. One layer of 1,500 building-like
//! polygons (5 vertices, 5 tags: about a z15 tile of the bench) encoded with geozero 0.15 (as
//! `qala::tiles::memory::encode` does) and with the `mvt` crate 0.15; prints the time per layer.
//! Both give the same bytes' length. Run: `cargo run --release --example mvt_encode_bench`.
use geozero::ToMvt;
use geozero::mvt::tile::{Feature, Layer};
use geozero::mvt::{Message, TagsBuilder, Tile, TileValue};
use std::time::Instant;

#[derive(Debug)]
struct F {
    id: u64,
    ring: Vec<(f64, f64)>,
    name: String,
    floors: u64,
    area: f64,
    public: bool,
    kind: &'static str,
}

fn features() -> Vec<F> {
    (0..1500u64)
        .map(|i| {
            let (x, y) = ((i * 37 % 4000) as f64, (i * 91 % 4000) as f64);
            F {
                id: i + 1,
                ring: vec![(x, y), (x + 20.0, y), (x + 20.0, y + 15.0), (x, y + 15.0), (x, y)],
                name: format!("Абай даңғылы {}", i % 300),
                floors: i % 12,
                area: 300.0 + (i % 97) as f64 * 1.5,
                public: i % 2 == 0,
                kind: ["house", "school", "office"][(i % 3) as usize],
            }
        })
        .collect()
}

fn geozero_layer(fs: &[F]) -> anyhow::Result<Vec<u8>> {
    let mut tags = TagsBuilder::new();
    let mut out = Vec::with_capacity(fs.len());
    for f in fs {
        let poly = geo::Polygon::new(geo::LineString::from(f.ring.clone()), vec![]);
        let mut feat: Feature = geo::Geometry::Polygon(poly).to_mvt_unscaled()?;
        feat.id = Some(f.id);
        for (k, v) in [
            ("name", TileValue::Str(f.name.clone())),
            ("floors", TileValue::Uint(f.floors)),
            ("area", TileValue::Double(f.area)),
            ("public", TileValue::Bool(f.public)),
            ("kind", TileValue::Str(f.kind.to_string())),
        ] {
            let (ki, vi) = tags.insert_ref(k, v);
            feat.tags.push(ki);
            feat.tags.push(vi);
        }
        out.push(feat);
    }
    let (keys, values) = tags.into_tags();
    let layer = Layer {
        version: 2,
        name: "buildings".into(),
        features: out,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(4096),
    };
    Ok(Tile { layers: vec![layer] }.encode_to_vec())
}

fn mvt_layer(fs: &[F]) -> anyhow::Result<Vec<u8>> {
    let mut tile = mvt::Tile::new(4096);
    let mut layer = tile.create_layer("buildings");
    for f in fs {
        let mut enc = mvt::GeomEncoder::new(mvt::GeomType::Polygon);
        for &(x, y) in &f.ring[..f.ring.len() - 1] {
            enc = enc.point(x, y)?;
        }
        let geom = enc.complete()?.encode()?;
        let mut feat = layer.into_feature(geom);
        feat.set_id(f.id);
        feat.add_tag_string("name", &f.name);
        feat.add_tag_uint("floors", f.floors);
        feat.add_tag_double("area", f.area);
        feat.add_tag_bool("public", f.public);
        feat.add_tag_string("kind", f.kind);
        layer = feat.into_layer();
    }
    tile.add_layer(layer)?;
    Ok(tile.to_bytes()?)
}

fn main() -> anyhow::Result<()> {
    let fs = features();
    for (name, f) in
        [("geozero 0.15", geozero_layer as fn(&[F]) -> anyhow::Result<Vec<u8>>), ("mvt 0.15", mvt_layer)]
    {
        let mut size = 0;
        for _ in 0..20 {
            size = f(&fs)?.len();
        }
        let n = 300;
        let t = Instant::now();
        for _ in 0..n {
            size = std::hint::black_box(f(&fs)?).len();
        }
        let per = t.elapsed().as_secs_f64() * 1000.0 / n as f64;
        println!("{name}: {per:.3} ms a layer of 1,500 polygons ({size} bytes)");
    }
    Ok(())
}
