//! Service files: the shipped ones parse; broken ones are refused with field and reason; submitted
//! values, documents, sites and templates are checked.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::form::Filler;
use super::geometry::{GeometryKind, Site, check_site};
use super::values::{
    FieldError, FileRef, FormCheck, check_corrections, diff, validate_documents, validate_form,
};
use super::*;
use crate::i18n::{Lang, Msg};

pub(crate) const NETWORK: &str = include_str!("../../../services/network_connection.toml");
pub(crate) const EXCAVATION: &str = include_str!("../../../services/excavation_permit.toml");
pub(crate) const TREES: &str = include_str!("../../../services/tree_felling.toml");

pub(crate) fn network() -> ServiceDef {
    parse_service("network_connection.toml", NETWORK).unwrap()
}
pub(crate) fn excavation() -> ServiceDef {
    parse_service("excavation_permit.toml", EXCAVATION).unwrap()
}
pub(crate) fn trees() -> ServiceDef {
    parse_service("tree_felling.toml", TREES).unwrap()
}

/// A valid IIN and BIN (check digits computed by the rule of `ids`).
pub(crate) const IIN: &str = "860101300562";
const BIN: &str = "990340000123";

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn paths(errors: &[FieldError]) -> Vec<(&str, Msg)> {
    errors.iter().map(|e| (e.path.as_str(), e.msg)).collect()
}

#[test]
fn shipped_services_parse() {
    let (n, e, t) = (network(), excavation(), trees());
    assert_eq!(n.geometry.kind, GeometryKind::Point);
    assert_eq!(e.geometry.max_area_m2, Some(2000.0));
    assert_eq!(t.geometry.kind, GeometryKind::MultiPoint);
    assert!(super::ids::is_valid_bin(BIN));
    assert!(super::ids::is_valid_iin(IIN));
}

/// `(replace this, with this)` in the network service → the refused field and a word of the reason.
#[test]
fn broken_service_files_are_refused_with_field_and_reason() {
    let cases: &[(&str, &str, &str, &str)] = &[
        ("category = \"utilities\"", "category = \"utilities\"\ncolour = \"red\"", "colour", "unknown field"),
        ("version = 1\n", "", "version", "missing field"),
        ("type = \"iin\"", "type = \"integer\"", "form[1].type", "unknown variant"),
        (
            "when = { field = \"needs_sewerage\", equals = true }",
            "when = { field = \"nope\", equals = true }",
            "form[13].when.field",
            "declared before",
        ),
        (
            "when = { field = \"needs_sewerage\", equals = true }",
            "when = { field = \"needs_sewerage\", equals = \"yes\" }",
            "form[13].when.equals",
            "boolean",
        ),
        (
            "when = { field = \"applicant_kind\", equals = \"person\" }",
            "when = { field = \"applicant_kind\", equals = \"robot\" }",
            "form[1].when",
            "not a value",
        ),
        ("pattern = '\\d{2}:\\d{3}:\\d{3}:\\d{1,5}'", "pattern = '(\\d'", "form[7].pattern", "unclosed"),
        (
            "min = 0.1\nmax = 5000\n\n[[form]]\nname = \"power_demand\"",
            "min = 9\nmax = 5\n\n[[form]]\nname = \"power_demand\"",
            "form[10].min",
            "above max",
        ),
        (
            "max_length = 200\n",
            "max_length = 200\nvalues = [{ value = \"a\", label = { kk = \"a\", ru = \"b\", en = \"c\" } }]\n",
            "form[3].values",
            "enum",
        ),
        ("max_length = 200\n", "max_length = 200\nunit = \"m\"\n", "form[3].unit", "number fields only"),
        (
            "{ action = \"forward\", to = \"approvals\" }",
            "{ action = \"forward\", to = \"approvalz\" }",
            "workflow.stages[0].next[0].to",
            "not a stage",
        ),
        (
            "{ action = \"forward\", to = \"approvals\" }",
            "{ action = \"refuse\", to = \"refused\" }, { action = \"forward\", to = \"approvals\" }",
            "workflow.stages[0].next",
            "at most one",
        ),
        (
            "{ action = \"refuse\", to = \"refused\" },\n]\n\n[[workflow.stages]]\nid = \"approvals\"",
            "{ action = \"refuse\", to = \"intake\" },\n]\n\n[[workflow.stages]]\nid = \"approvals\"",
            "workflow.stages[0].next[1].to",
            "leads to `refused`",
        ),
        (
            "  { action = \"approve\", to = \"decision\", fields = [\"power_conditions_number\"], documents = [\"power_conditions\"] },\n",
            "",
            "workflow.stages[1].join",
            "never reaches the join",
        ),
        (
            "fields = [\"water_conditions_number\"]",
            "fields = [\"water_number\"]",
            "workflow.stages[2].next[0].fields",
            "not a form field",
        ),
        (
            "documents = [\"water_conditions\"]",
            "documents = [\"water_act\"]",
            "workflow.stages[2].next[0].documents",
            "not a document",
        ),
        (
            "role = \"reviewer\"\norg = \"almaty-su\"",
            "role = \"applicant\"\norg = \"almaty-su\"",
            "workflow.stages[2].role",
            "not one of",
        ),
        (
            "dept = \"networks\"\ndays = 5",
            "dept = \"networks\"\ndays = 30",
            "workflow.stages[2].days",
            "working days",
        ),
        (
            "branches = [\"water\", \"power\"]",
            "branches = [\"water\", \"water\"]",
            "workflow.stages[1].branches",
            "two different",
        ),
        (
            "next = [{ action = \"forward\", to = \"intake\" }]",
            "next = [{ action = \"forward\", to = \"triage\" }]",
            "workflow.stages",
            "no path reaches",
        ),
        (
            "start = \"intake\"\ntriage = \"triage\"",
            "start = \"intake\"",
            "workflow.stages",
            "cannot be reached",
        ),
        ("kind = \"point\"", "kind = \"point\"\nmax_area_m2 = 5", "geometry.max_area_m2", "polygon"),
        (
            "fields = [\"object_kind\", \"floors\"]",
            "fields = [\"object_kind\", \"iin\"]",
            "publish.fields[1]",
            "personal",
        ),
        (
            "fields = [\"object_kind\", \"floors\"]",
            "fields = [\"object_kind\", \"full_name\"]",
            "publish.fields[1]",
            "personal",
        ),
        (
            "Объект: {{address}}. Причина",
            "Объект: {{adress}}. Причина",
            "output.refusal.body.ru",
            "neither a form field",
        ),
        (
            "кадастровый номер {{cadastral_number}}",
            "кадастровый номер {{refusal.code}}",
            "output.approval.body.ru",
            "refusal only",
        ),
        (
            "Заявитель: {{applicant.name}}. Объект",
            "Заявитель: {{applicant.name. Объект",
            "output.approval.body.ru",
            "not closed",
        ),
        ("applicants = [\"person\", \"organisation\"]", "applicants = []", "passport.applicants", "person"),
        (
            "formats = [\"pdf\", \"dwg\", \"dxf\"]",
            "formats = [\".PDF\"]",
            "passport.documents[1].formats",
            "extension",
        ),
        ("[deadlines]\ntotal = 10", "[deadlines]\ntotal = 0", "deadlines.total", "1 to 365"),
        ("name = \"email\"", "name = \"site_plan\"", "form[5].name", "document id"),
        ("provider = \"almaty-akimat\"", "provider = \"Almaty Akimat\"", "provider", "organisation id"),
        ("version = 1\n", "version = 1\nnote = \"unterminated\n", "(syntax)", "line 7"),
    ];
    for (from, to, field, reason) in cases {
        assert!(NETWORK.contains(from), "the case's text `{from}` is not in the file");
        let text = NETWORK.replacen(from, to, 1);
        let e = parse_service("services/network_connection.toml", &text).expect_err(from);
        assert_eq!(e.file, "services/network_connection.toml");
        assert_eq!(e.field, *field, "{e}");
        assert!(e.reason.contains(reason), "{e}");
    }
    let e = parse_service("services/water.toml", NETWORK).unwrap_err();
    assert_eq!((e.field.as_str(), e.reason.contains("file name")), ("id", true), "{e}");
}

#[test]
fn a_directory_with_a_broken_file_lists_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("network_connection.toml"), NETWORK).unwrap();
    std::fs::write(dir.path().join("tree_felling.toml"), TREES.replace("max_parts = 100", "max_parts = 0"))
        .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a service").unwrap();
    let errors = load_dir(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].file.ends_with("tree_felling.toml"));
    assert_eq!(errors[0].field, "geometry.max_parts");
    std::fs::remove_file(dir.path().join("tree_felling.toml")).unwrap();
    assert_eq!(load_dir(dir.path()).unwrap().len(), 1);
    assert!(check_layers(&[trees()], |_| false).is_empty());
}

fn person() -> Value {
    json!({
        "applicant_kind": "person", "iin": "8601 0130 0562", "full_name": "Айгерим Нурланова",
        "phone": "8 (701) 123-45-67", "address": "Абай даңғылы, 150", "cadastral_number": "20:311:011:123",
        "object_kind": "house", "floors": "2", "water_demand": "1,5", "power_demand": 15,
        "needs_sewerage": false, "sewerage_discharge": 3
    })
}

#[test]
fn a_valid_submission_is_cleaned() {
    let s = network();
    let clean = validate_form(&s.form, &obj(person()), &FormCheck::submission()).unwrap();
    assert_eq!(clean["iin"], IIN);
    assert_eq!(clean["phone"], "+77011234567");
    assert_eq!(clean["floors"], 2);
    assert_eq!(clean["water_demand"], 1.5);
    assert!(!clean.contains_key("sewerage_discharge"), "hidden by `when`: dropped");
    assert!(!clean.contains_key("bin"));
}

#[test]
fn required_and_conditional_fields() {
    let s = network();
    let mut v = person();
    v["applicant_kind"] = json!("organisation");
    v["needs_sewerage"] = json!(true);
    v["sewerage_discharge"] = json!(null);
    let errors = validate_form(&s.form, &obj(v.clone()), &FormCheck::submission()).unwrap_err();
    assert_eq!(paths(&errors), vec![("bin", Msg::FieldRequired), ("sewerage_discharge", Msg::FieldRequired)]);
    // A draft requires nothing, but what is given must fit.
    assert!(validate_form(&s.form, &obj(v.clone()), &FormCheck::draft()).is_ok());
    v["bin"] = json!("990340000124");
    let errors = validate_form(&s.form, &obj(v), &FormCheck::draft()).unwrap_err();
    assert_eq!(paths(&errors), vec![("bin", Msg::InvalidBin)]);
}

#[test]
fn each_kind_of_bad_value_is_named() {
    let s = network();
    let mut v = person();
    v["iin"] = json!("860101300563");
    v["floors"] = json!(2.5);
    v["water_demand"] = json!(9000);
    v["power_demand"] = json!("a lot");
    v["cadastral_number"] = json!("20-311");
    v["object_kind"] = json!("castle");
    v["phone"] = json!("+7 912 123 45 67");
    v["email"] = json!("aigerim@");
    v["full_name"] = json!("x".repeat(201));
    v["colour"] = json!("red");
    v["water_conditions_number"] = json!("B-1");
    let errors = validate_form(&s.form, &obj(v), &FormCheck::submission()).unwrap_err();
    let mut got = paths(&errors);
    got.sort_by_key(|(p, _)| p.to_string());
    assert_eq!(
        got,
        vec![
            ("cadastral_number", Msg::PatternMismatch),
            ("colour", Msg::FieldUnknown),
            ("email", Msg::InvalidEmail),
            ("floors", Msg::NotWholeNumber),
            ("full_name", Msg::TextTooLong),
            ("iin", Msg::InvalidIin),
            ("object_kind", Msg::NotAnOption),
            ("phone", Msg::InvalidPhone),
            ("power_demand", Msg::FieldWrongType),
            ("water_conditions_number", Msg::FieldNotEditable),
            ("water_demand", Msg::ValueAboveMaximum),
        ]
    );
    let max = errors.iter().find(|e| e.path == "water_demand").unwrap();
    assert_eq!(max.message(Lang::Ru), "Значение больше максимально допустимого: 5000");
    assert_eq!(max.to_json(Lang::En)["limit"], "5000");
    assert_eq!(max.to_json(Lang::Kk)["code"], "value_above_maximum");
}

fn works() -> Value {
    json!({
        "contractor_bin": BIN, "contractor_name": "ТОО «Жол Құрылыс»", "responsible_person": "Ерлан Сейтов",
        "phone": "+77272500000", "works_kind": "repair", "networks": ["water", "sewer", "water"],
        "start_date": "2026-04-01", "end_date": "2026-04-10",
        "surfaces": [{"surface": "asphalt", "area": 40}, {"surface": "lawn", "area": "12,5"}],
        "traffic_closure": true,
        "closure_scheme": {"id": "f1", "name": "scheme.PDF", "size": 2_000_000}
    })
}

#[test]
fn tables_files_and_multi_choices() {
    let s = excavation();
    let clean = validate_form(&s.form, &obj(works()), &FormCheck::submission()).unwrap();
    assert_eq!(clean["networks"], json!(["water", "sewer"]));
    assert_eq!(clean["surfaces"][1]["area"], 12.5);
    assert_eq!(clean["closure_scheme"][0]["name"], "scheme.PDF");

    let mut v = works();
    v["surfaces"] = json!([{"surface": "asphalt"}, {"surface": "gravel", "area": 1, "depth": 2}, 5]);
    v["closure_scheme"] =
        json!([{"id": "a", "name": "scheme.docx", "size": 10}, {"id": "b", "name": "b.pdf", "size": 1}]);
    v["networks"] = json!(["water", "steam"]);
    v["start_date"] = json!("2026-02-30");
    let errors = validate_form(&s.form, &obj(v.clone()), &FormCheck::submission()).unwrap_err();
    assert_eq!(
        paths(&errors),
        vec![
            ("networks", Msg::NotAnOption),
            ("start_date", Msg::InvalidDateTime),
            ("surfaces[0].area", Msg::FieldRequired),
            ("surfaces[1].depth", Msg::FieldUnknown),
            ("surfaces[1].surface", Msg::NotAnOption),
            ("surfaces[2]", Msg::FieldWrongType),
            ("closure_scheme", Msg::TooManyFilesInField),
        ]
    );
    v["surfaces"] = Value::Array(vec![json!({"surface": "lawn", "area": 1}); 21]);
    v["closure_scheme"] = json!({"id": "a", "name": "scheme.docx", "size": 10});
    v["networks"] = json!(["gas"]);
    v["start_date"] = json!("2026-03-01");
    let errors = validate_form(&s.form, &obj(v.clone()), &FormCheck::submission()).unwrap_err();
    assert_eq!(
        paths(&errors),
        vec![("surfaces", Msg::TooManyRows), ("closure_scheme[0]", Msg::FileTypeNotAllowed)]
    );
    assert_eq!(errors[1].limit.as_deref(), Some("pdf, jpg, png"));
    v["surfaces"] = json!([]);
    v["closure_scheme"] = json!({"id": "a", "name": "big.pdf", "size": 10_000_001});
    let errors = validate_form(&s.form, &obj(v.clone()), &FormCheck::submission()).unwrap_err();
    assert_eq!(
        paths(&errors),
        vec![("surfaces", Msg::FieldRequired), ("closure_scheme[0]", Msg::FileTooLarge)]
    );
    // Without a traffic closure the scheme is not shown, so neither required nor checked.
    v["traffic_closure"] = json!(false);
    v["surfaces"] = json!([{"surface": "lawn", "area": 1}]);
    let clean = validate_form(&s.form, &obj(v), &FormCheck::submission()).unwrap();
    assert!(!clean.contains_key("closure_scheme"));
}

#[test]
fn provider_fields_and_bounds_on_the_submission() {
    let s = excavation();
    let applicant = validate_form(&s.form, &obj(works()), &FormCheck::submission()).unwrap();
    let staff = FormCheck { filler: Filler::Provider, complete: true, others: Some(&applicant) };
    let clean = validate_form(&s.form, &obj(json!({"order_number": "1234/26"})), &staff).unwrap();
    assert_eq!(clean.len(), 1);
    let errors =
        validate_form(&s.form, &obj(json!({"order_number": "№1234", "phone": "+77011234567"})), &staff)
            .unwrap_err();
    assert_eq!(
        paths(&errors),
        vec![("phone", Msg::FieldNotEditable), ("order_number", Msg::PatternMismatch)]
    );
    let huge: serde_json::Map<String, Value> = (0..201).map(|i| (format!("f{i}"), json!(1))).collect();
    let errors = validate_form(&s.form, &huge, &FormCheck::submission()).unwrap_err();
    assert_eq!(paths(&errors), vec![("", Msg::FormTooLarge)]);
}

#[test]
fn documents_against_the_passport() {
    let s = network();
    let file = |name: &str, size: u64| FileRef { id: "x".into(), name: name.into(), size, media_type: None };
    let mut given = BTreeMap::new();
    given.insert("title_deed".to_string(), vec![file("deed.pdf", 1000)]);
    given.insert("site_plan".to_string(), vec![file("plan.dwg", 25_000_000)]);
    given.insert("water_conditions".to_string(), vec![file("tc.pdf", 10)]);
    given.insert("passport_scan".to_string(), vec![file("p.pdf", 10)]);
    let errors = validate_documents(&s.passport.documents, &given, Filler::Applicant, true);
    assert_eq!(
        paths(&errors),
        vec![
            ("documents.passport_scan", Msg::FieldUnknown),
            ("documents.site_plan[0]", Msg::FileTooLarge),
            ("documents.water_conditions", Msg::FieldNotEditable),
        ]
    );
    given.clear();
    let errors = validate_documents(&s.passport.documents, &given, Filler::Applicant, true);
    assert_eq!(
        paths(&errors),
        vec![("documents.title_deed", Msg::FieldRequired), ("documents.site_plan", Msg::FieldRequired)]
    );
}

#[test]
fn a_resubmission_may_change_only_flagged_fields() {
    let before = obj(json!({"address": "Абай 150", "floors": 2, "email": ""}));
    let after = obj(json!({"address": "Абай 150/2", "floors": 3, "email": null}));
    let changes = diff(&before, &after);
    assert_eq!(changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), vec!["address", "floors"]);
    assert_eq!(changes[0].before, Some(json!("Абай 150")));
    let errors = check_corrections(&changes, &["address".to_string()]);
    assert_eq!(paths(&errors), vec![("floors", Msg::FieldNotEditable)]);
}

#[test]
fn sites_follow_the_geometry_rule() {
    use geo::{Geometry, MultiPolygon, Point, Rect, polygon};
    let s = excavation();
    // About 30 m × 30 m near the centre of Almaty: ~900 m².
    let small = polygon![(x: 76.9450, y: 43.2380), (x: 76.94537, y: 43.2380), (x: 76.94537, y: 43.23827), (x: 76.9450, y: 43.23827)];
    // About 80 m × 80 m: ~6,400 m².
    let big = polygon![(x: 76.9450, y: 43.2380), (x: 76.94599, y: 43.2380), (x: 76.94599, y: 43.23872), (x: 76.9450, y: 43.23872)];
    let city = MultiPolygon(vec![Rect::new((76.7, 43.0), (77.2, 43.45)).to_polygon()]);
    let check = |site: Site| {
        paths(&check_site(&s.geometry, &site, Some(&city))).iter().map(|(_, m)| *m).collect::<Vec<_>>()
    };
    assert_eq!(check(Site::Drawn(Geometry::Polygon(small.clone()))), vec![]);
    // The same ring drawn clockwise is the same site (not the rest of the earth).
    let clockwise = geo::Polygon::new(small.exterior().0.iter().rev().copied().collect(), vec![]);
    assert_eq!(check(Site::Drawn(Geometry::Polygon(clockwise))), vec![]);
    let big_cw = geo::Polygon::new(big.exterior().0.iter().rev().copied().collect(), vec![]);
    assert_eq!(check(Site::Drawn(Geometry::Polygon(big_cw))), vec![Msg::GeometryTooLarge]);
    assert_eq!(check(Site::Drawn(Geometry::Polygon(big))), vec![Msg::GeometryTooLarge]);
    assert_eq!(check(Site::Drawn(Geometry::Point(Point::new(76.9, 43.2)))), vec![Msg::GeometryWrongType]);
    assert_eq!(check(Site::None), vec![Msg::FieldRequired]);
    let far = geo::Translate::translate(&small, 2.0, 0.0);
    assert_eq!(check(Site::Drawn(Geometry::Polygon(far))), vec![Msg::GeometryOutsideCity]);
    let trees = trees();
    let points = geo::MultiPoint(vec![Point::new(76.9, 43.2); 101]);
    let errors = check_site(&trees.geometry, &Site::Drawn(Geometry::MultiPoint(points)), None);
    assert_eq!(paths(&errors), vec![("geometry", Msg::GeometryTooComplex)]);
    let picked = Site::Feature { layer: "buildings".into(), id: 7 };
    assert_eq!(
        paths(&check_site(&trees.geometry, &picked, None)),
        vec![("geometry", Msg::GeometryWrongType)]
    );
}

#[test]
fn templates_render_with_fields_and_builtins() {
    let s = network();
    let values = json!({"address": "Абай даңғылы, 150", "cadastral_number": "20:311:011:123"});
    let out = templates::render(&s.output.refusal.body.ru, |p| match p {
        "application.number" => Some("A-2026-000042".into()),
        "refusal.reason" => Some("Документы неполные".into()),
        other => values.get(other).and_then(Value::as_str).map(str::to_string),
    });
    assert!(
        out.starts_with(
            "Заявка № A-2026-000042 от . Объект: Абай даңғылы, 150. Причина отказа: Документы неполные."
        ),
        "{out}"
    );
}
