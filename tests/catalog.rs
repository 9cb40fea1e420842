//! Layer files: validation errors name file, field and reason; the repository's layers are valid;
//! sync adds, changes and retires layers without migrations.
#![allow(clippy::unwrap_used)]

mod common;

use qala::layers::catalog::{load_dir, parse_layer};

const VALID: &str = include_str!("fixtures/layers/valid_layer.toml");

fn error_of(text: &str) -> (String, String, String) {
    let e = parse_layer("parcels.toml", text).unwrap_err();
    (e.file, e.field, e.reason)
}

#[test]
fn wrong_files_fail_with_file_field_and_reason() {
    let cases: Vec<(String, &str, &str)> = vec![
        (VALID.replace("kk = \"Учаскелер\", ", ""), "title.kk", "missing field `kk`"),
        (
            VALID.replace("type = \"integer\"", "type = \"int\""),
            "attributes[1].type",
            "unknown variant `int`",
        ),
        (VALID.replace("min_zoom = 10", "min_zoom = 21"), "min_zoom", "21 is above max_zoom 20"),
        (
            VALID.replace("theme = \"land\"", "theme = \"land\"\ntitel = \"x\""),
            "titel",
            "unknown field `titel`",
        ),
        (VALID.replace("date = \"2026-11-22\"", "date = \"22.11.2026\""), "metadata.date", "is not a date"),
        (VALID.replace("id = \"parcels\"", "id = \"other\""), "id", "differs from the file name"),
        (VALID.replace("id = \"parcels\"", "id = \"Parcels\""), "id", "lower-case"),
        (VALID.replace("public = true", "public = false"), "access", "nobody could read it"),
        (VALID.replace("name = \"floors\"", "name = \"name\""), "attributes[1].name", "declared twice"),
        (
            VALID.replace("max = 200", "max = 200\nvalues = [\"a\"]"),
            "attributes[1].values",
            "only enum attributes",
        ),
        (
            VALID.replace("geometry = \"polygon\"", "geometry = \"surface\""),
            "geometry",
            "unknown variant `surface`",
        ),
        (VALID.replace("owner = \"Qala tests\"", "owner = \"\""), "metadata.owner", "must not be empty"),
    ];
    for (text, field, reason) in cases {
        let (file, f, r) = error_of(&text);
        assert_eq!(file, "parcels.toml");
        assert_eq!(f, field, "reason was: {r}");
        assert!(r.contains(reason), "field {field}: `{r}` should contain `{reason}`");
    }
    // Broken TOML names the line.
    let (_, _, r) = error_of("id = \"parcels\"\ntheme = \n");
    assert!(r.contains("line 2"), "{r}");
    // An enum needs values.
    let text = VALID.replace(
        "values = [\n  { value = \"residential\", label = { kk = \"Тұрғын\", ru = \"Жилое\", en = \"Residential\" } },\n  \"commercial\",\n]",
        "",
    );
    assert_eq!(error_of(&text).1, "attributes[5].values");
}

#[test]
fn a_directory_reports_every_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("parcels.toml"), VALID).unwrap();
    std::fs::write(dir.path().join("broken.toml"), "id = \"broken\"").unwrap();
    std::fs::write(dir.path().join("zz.toml"), VALID.replace("kk = \"Атауы\", ", "")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a layer").unwrap();
    let errors = load_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].file.ends_with("broken.toml"));
    assert_eq!(errors[0].field, "title");
    assert!(errors[1].file.ends_with("zz.toml"));
    assert_eq!(errors[1].field, "attributes[0].label.kk");
}

#[test]
fn the_repository_layers_are_valid() {
    let layers = load_dir(&common::repo().join("layers")).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(layers.len() >= 9, "demo layers present: {}", layers.len());
    for l in &layers {
        // The applications layer holds real applications, not demo data.
        let applications = l.access.features == qala::layers::catalog::FeatureVisibility::Applications;
        assert!(l.metadata.synthetic || applications, "{}: demo layers are synthetic and must say so", l.id);
    }
    assert!(layers.iter().any(|l| !l.access.public), "the demo has a restricted layer");
}

#[tokio::test]
async fn sync_adds_changes_and_retires_layers() {
    let db = common::test_db().await;
    let parcels = common::parcels_layer();
    let places = common::places_layer(true);
    let s = qala::layers::sync::sync(&db.pool, &[parcels.clone(), places.clone()]).await.unwrap();
    assert_eq!(s.added, vec!["parcels", "places"]);
    let s = qala::layers::sync::sync(&db.pool, &[parcels.clone(), places.clone()]).await.unwrap();
    assert_eq!(s.unchanged.len(), 2);
    let mut changed = parcels.clone();
    changed.title.en = "Land parcels".into();
    let s = qala::layers::sync::sync(&db.pool, &[changed]).await.unwrap();
    assert_eq!(s.changed, vec!["parcels"]);
    assert_eq!(s.retired, vec!["places"]);
    let (title, active): (String, bool) =
        sqlx::query_as("SELECT title_en, active FROM layers WHERE id = 'parcels'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((title.as_str(), active), ("Land parcels", true));
    let active: bool = sqlx::query_scalar("SELECT active FROM layers WHERE id = 'places'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(!active);
    // Bringing the file back re-activates the layer.
    let s = qala::layers::sync::sync(&db.pool, &[parcels, places]).await.unwrap();
    assert_eq!(s.changed, vec!["parcels", "places"]);
}
