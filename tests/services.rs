//! Service files: every file shipped in `services/` loads and validates, each is a different kind of
//! service, and a broken file among them is refused with its file, field and reason. Pure: no
//! database (`cargo test --test services`).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

use qala::applications::service::form::{FieldType, Filler};
use qala::applications::service::{ServiceDef, load_dir};
use qala::applications::workflow::StageKind;

fn shipped() -> Vec<ServiceDef> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("services");
    load_dir(&dir).unwrap_or_else(|errors| {
        panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })
}

#[test]
fn every_shipped_service_loads_and_validates() {
    let services = shipped();
    let files = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("services"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert_eq!(services.len(), files);
    assert!(services.len() >= 3);
    for s in &services {
        assert!(!s.form.is_empty(), "{}", s.id);
        assert!(!s.refusal_reasons.is_empty(), "{}", s.id);
        assert!(s.publish.fields.iter().all(|f| !s.field(f).unwrap().is_personal()), "{}", s.id);
    }
}

#[test]
fn the_shipped_services_differ_in_form_site_and_workflow() {
    let services = shipped();
    let kinds: BTreeSet<_> = services.iter().map(|s| s.geometry.kind.as_str()).collect();
    assert_eq!(kinds.len(), services.len(), "each service has its own kind of site");
    let shapes: BTreeSet<Vec<String>> =
        services.iter().map(|s| s.workflow.stages.iter().map(|st| st.id.clone()).collect()).collect();
    assert_eq!(shapes.len(), services.len(), "each service has its own workflow");
    let all_types: Vec<FieldType> = services.iter().flat_map(|s| s.form.iter().map(|f| f.kind)).collect();
    for t in [
        FieldType::Iin,
        FieldType::Bin,
        FieldType::Phone,
        FieldType::Email,
        FieldType::Table,
        FieldType::File,
    ] {
        assert!(all_types.contains(&t), "no shipped service uses {t:?}");
    }
    assert!(services.iter().any(|s| s.workflow.stages.iter().any(|st| st.kind == StageKind::Parallel)));
    assert!(services.iter().any(|s| s.workflow.triage.is_some()));
    assert!(services.iter().any(|s| s.form.iter().any(|f| f.filled_by == Filler::Provider)));
    assert!(services.iter().any(|s| s.geometry.max_area_m2.is_some()));
}

#[test]
fn a_broken_file_among_the_shipped_ones_is_refused_with_file_field_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("services");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let broken = dir.path().join("excavation_permit.toml");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, text.replace("max_area_m2 = 2000", "max_area_m2 = -1")).unwrap();
    std::fs::write(dir.path().join("bad_syntax.toml"), "id = \"bad_syntax\"\nversion = ").unwrap();
    let errors = load_dir(dir.path()).unwrap_err();
    let found: Vec<(String, String)> = errors
        .iter()
        .map(|e| (Path::new(&e.file).file_name().unwrap().to_string_lossy().into_owned(), e.field.clone()))
        .collect();
    assert_eq!(
        found,
        vec![
            ("bad_syntax.toml".to_string(), "(syntax)".to_string()),
            ("excavation_permit.toml".into(), "geometry.max_area_m2".into())
        ],
        "{errors:?}"
    );
    assert!(errors[1].reason.contains("positive"), "{}", errors[1]);
    assert!(errors[0].reason.contains("line 2, column 11"), "{}", errors[0]);
}
