//! Service files: every file shipped in `services/` loads and validates, each is a different kind of
//! service, and a broken file among them is refused with its file, field and reason. Pure: no
//! database (`cargo test --test services`).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use qala::applications::service::form::{FieldType, Filler};
use qala::applications::service::{ApplicantKind, ServiceDef, check_layers, load_dir};
use qala::applications::workflow::{StageKind, Verb};

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

/// The shape of a workflow: each stage's kind, role, organisation (`-` when routed) and
/// department, term, transitions (verb and target) and branches, in order.
fn workflow_shape(s: &ServiceDef) -> Vec<String> {
    s.workflow
        .stages
        .iter()
        .map(|st| {
            let next: Vec<String> = st.next.iter().map(|t| format!("{:?}>{}", t.action, t.to)).collect();
            format!(
                "{:?}:{}:{}/{}:{}:{}:{}",
                st.kind,
                st.role.as_deref().unwrap_or("-"),
                st.org.as_deref().unwrap_or("-"),
                st.dept.as_deref().unwrap_or("-"),
                st.days.unwrap_or(0),
                next.join(","),
                st.branches.join("+")
            )
        })
        .collect()
}

#[test]
fn at_least_fifty_services_in_at_least_six_categories_with_unique_ids() {
    let services = shipped();
    assert!(services.len() >= 50, "only {} services", services.len());
    let ids: BTreeSet<&str> = services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), services.len(), "ids are unique");
    let mut by_category: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &services {
        *by_category.entry(s.category.as_str()).or_default() += 1;
    }
    assert!(by_category.len() >= 6, "categories: {by_category:?}");
    for cat in ["utilities", "construction", "land", "housing", "advertising", "roads", "complaints"] {
        assert!(by_category.get(cat).is_some_and(|n| *n >= 2), "category {cat}: {by_category:?}");
    }
    let providers: BTreeSet<&str> = services.iter().map(|s| s.provider.as_str()).collect();
    for org in ["almaty-akimat", "almaty-su", "almaty-teplo", "qazaqgaz", "alatau-zharyk", "almaty-green"] {
        assert!(providers.contains(org), "no service of {org}");
    }
}

#[test]
fn the_shipped_services_differ_in_form_site_and_workflow() {
    let services = shipped();
    // No two services share the same form (its field names in order), kind of site and workflow.
    let mut seen: BTreeMap<(Vec<String>, &str, Vec<String>), &str> = BTreeMap::new();
    for s in &services {
        let key =
            (s.form.iter().map(|f| f.name.clone()).collect(), s.geometry.kind.as_str(), workflow_shape(s));
        if let Some(other) = seen.insert(key, &s.id) {
            panic!("{} and {other} have the same form, site and workflow", s.id);
        }
    }
    // Not even the forms alone repeat.
    let forms: BTreeSet<Vec<&str>> =
        services.iter().map(|s| s.form.iter().map(|f| f.name.as_str()).collect()).collect();
    assert_eq!(forms.len(), services.len(), "each service has its own form");
    // Every kind of site is used, and the workflows take many shapes.
    let kinds: BTreeSet<_> = services.iter().map(|s| s.geometry.kind.as_str()).collect();
    for k in
        ["none", "point", "line", "polygon", "multi_point", "multi_line", "multi_polygon", "layer_feature"]
    {
        assert!(kinds.contains(k), "no service has a {k} site");
    }
    let layers: BTreeSet<&str> = services.iter().filter_map(|s| s.geometry.layer.as_deref()).collect();
    assert!(layers.len() >= 2, "sites are picked from several layers: {layers:?}");
    let shapes: BTreeSet<Vec<String>> = services.iter().map(workflow_shape).collect();
    assert!(shapes.len() * 5 >= services.len() * 4, "only {} workflow shapes", shapes.len());
    let stage_counts: BTreeSet<usize> = services.iter().map(|s| s.workflow.stages.len()).collect();
    assert!(stage_counts.contains(&1) && stage_counts.iter().any(|n| *n >= 6), "{stage_counts:?}");
    let parallel = |s: &&ServiceDef| s.workflow.stages.iter().any(|st| st.kind == StageKind::Parallel);
    assert!(services.iter().filter(parallel).count() >= 5, "parallel approvals");
    assert!(
        services.iter().filter(parallel).any(|s| s.workflow.stages.iter().any(|st| st.branches.len() >= 4)),
        "some service asks four utilities at once"
    );
    assert!(services.iter().filter(|s| s.workflow.triage.is_some()).count() >= 5, "triage");
    let sequential = |s: &&ServiceDef| {
        s.workflow.stages.iter().filter(|st| st.next.iter().any(|t| t.action == Verb::Approve)).count() >= 2
            && !parallel(s)
    };
    assert!(services.iter().filter(sequential).count() >= 10, "sequential approvals");
    // Applicants: persons only, organisations only, and both.
    for who in [vec![ApplicantKind::Person], vec![ApplicantKind::Organisation]] {
        assert!(services.iter().any(|s| s.passport.applicants == who), "{who:?}");
    }
    assert!(services.iter().any(|s| s.passport.applicants.len() == 2));
    let all_types: Vec<FieldType> = services.iter().flat_map(|s| s.form.iter().map(|f| f.kind)).collect();
    for t in [
        FieldType::Text,
        FieldType::Number,
        FieldType::Date,
        FieldType::Enum,
        FieldType::MultiEnum,
        FieldType::Boolean,
        FieldType::Iin,
        FieldType::Bin,
        FieldType::Phone,
        FieldType::Email,
        FieldType::Table,
        FieldType::File,
    ] {
        assert!(all_types.contains(&t), "no shipped service uses {t:?}");
    }
    assert!(services.iter().filter(|s| s.form.iter().any(|f| f.when.is_some())).count() >= 10);
    assert!(services.iter().filter(|s| s.form.iter().any(|f| f.pattern.is_some())).count() >= 10);
    assert!(services.iter().any(|s| s.form.iter().any(|f| f.filled_by == Filler::Provider)));
    assert!(services.iter().any(|s| s.geometry.max_area_m2.is_some()));
    assert!(services.iter().any(|s| s.geometry.max_length_m.is_some()));
    // Terms differ as the standards give them; some services are public, some are not.
    let terms: BTreeSet<u16> = services.iter().map(|s| s.deadlines.total).collect();
    assert!(terms.len() >= 6, "terms: {terms:?}");
    assert!(services.iter().any(|s| s.publish.public) && services.iter().any(|s| !s.publish.public));
}

#[test]
fn sites_are_picked_from_layers_that_exist() {
    let services = shipped();
    let layers = Path::new(env!("CARGO_MANIFEST_DIR")).join("layers");
    let missing = check_layers(&services, |id| layers.join(format!("{id}.toml")).is_file());
    assert!(missing.is_empty(), "{missing:?}");
    assert!(!check_layers(&services, |id| id != "buildings").is_empty(), "the check can fail");
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
