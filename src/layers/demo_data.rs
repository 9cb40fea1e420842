//! Placeholder until the generator lands.
pub struct DemoFeature {
    pub key: String,
    pub geometry: geo::Geometry<f64>,
    pub attrs: serde_json::Map<String, serde_json::Value>,
}
pub struct DemoLayer {
    pub layer_id: &'static str,
    pub features: Vec<DemoFeature>,
}
pub struct District {
    pub kato: &'static str,
    pub name_ru: &'static str,
    pub name_kk: &'static str,
    pub name_en: &'static str,
    pub geometry: geo::MultiPolygon<f64>,
}
pub fn fallback_city_outline() -> geo::MultiPolygon<f64> {
    geo::MultiPolygon(vec![])
}
pub fn districts(_city: &geo::MultiPolygon<f64>) -> Vec<District> {
    vec![]
}
pub fn generate(_c: &geo::MultiPolygon<f64>, _d: &[District], _s: u64) -> Vec<DemoLayer> {
    vec![]
}
