//! The OpenAPI 3 document of `/api` (utoipa), completed with the answers every route can give.
//!
//! Handlers declare what is particular to them; [`complete`] adds what the server's layers answer
//! for any route (the database unavailable, a rate limit, a timeout, credentials refused, a body
//! too large or of the wrong type), so the document lists every status a route can send.

use serde_json::{Value, json};
use utoipa::OpenApi;

use super::routes::applications as apps;

#[derive(OpenApi)]
#[openapi(
    info(title = "Qala API", description = "GIS tile and geodata server for city governments"),
    paths(
        super::healthz,
        // issue 16: readiness, metrics, the operations page's figures
        super::metrics::readyz,
        super::metrics::metrics,
        super::routes::status::status,
        super::routes::backups::list,
        super::routes::backups::start,
        super::routes::incidents::list,
        super::routes::incidents::act,
        super::routes::reports::usage,
        super::routes::maintenance::public_list,
        super::routes::maintenance::admin_list,
        super::routes::maintenance::announce,
        super::routes::maintenance::cancel,
        super::routes::layers::list_layers,
        super::routes::layers::get_layer,
        super::routes::layers::get_feature,
        // issue 17: rasters
        super::routes::rasters::list_rasters,
        super::routes::kato::get_unit,
        super::routes::kato::search_units,
        super::routes::search::search,
        super::routes::auth::login,
        super::routes::auth::logout,
        super::routes::auth::me,
        super::routes::auth::create_token,
        super::routes::auth::list_tokens,
        super::routes::auth::delete_token,
        super::routes::auth_eds::challenge,
        super::routes::auth_eds::login,
        super::routes::auth_sms::start,
        super::routes::auth_sms::verify,
        super::routes::signatures::content,
        super::routes::signatures::list,
        super::routes::signatures::sign,
        super::routes::admin::list_users,
        super::routes::admin::get_user,
        super::routes::admin::create_user,
        super::routes::admin::edit_user,
        super::routes::admin::remove_user,
        super::routes::admin::block_user,
        super::routes::admin::unblock_user,
        super::routes::admin::list_orgs,
        super::routes::admin::put_org,
        super::routes::admin::put_dept,
        super::routes::admin::list_grants,
        super::routes::admin::put_grant,
        super::routes::admin::remove_grant,
        super::routes::admin::online,
        super::routes::admin::journal_search,
        super::routes::print::options,
        super::routes::print::print,
        super::routes::print::passport,
        super::routes::print::document_json,
        super::routes::print::revoke,
        // issue 13: notify
        super::routes::notify::health,
        apps::services::list,
        apps::services::one,
        apps::actions::create,
        apps::read::list,
        apps::read::queues,
        super::routes::inbox::list,
        super::routes::inbox::read,
        apps::monitoring::table,
        apps::monitoring::analytics,
        apps::monitoring::districts,
        apps::read::one,
        apps::actions::change,
        apps::actions::act,
        apps::files::upload,
        apps::files::download,
        apps::objects::list,
        apps::objects::add,
        apps::objects::change,
        apps::objects::remove,
        apps::read::deliveries,
        apps::read::executors,
        apps::document::pdf,
        apps::calendar::list,
        apps::calendar::set,
        apps::calendar::remove,
    ),
    tags((name = "layers", description = "Layer catalog"), (name = "auth", description = "Log in, sessions, API tokens"),
        (name = "admin", description = "Users, grants, journal"), (name = "kato", description = "KATO classifier"),
        (name = "print", description = "Maps to scale (GeoPDF), object passports, document records"),
        (name = "applications", description = "Services, applications and their workflow, monitoring, analytics, the working-day calendar"))
)]
struct ApiDoc;

// Open311 GeoReport v2 (`/open311/v2`, `routes/open311.rs`) is not in this document, on purpose:
// it is a published standard of its own that clients discover through its `discovery.json`, not
// through this document; each of its paths is one `{file}` whose name and suffix pick both the
// resource and the format (`services.json`, `requests.xml`, ...); its errors are Open311's
// `[{"code", "description"}]` or `<errors>` rather than `ErrorBody`, so `complete` would describe
// them wrongly; and `POST requests` takes its API key in the form body, where a property-based
// tester cannot hold a live one, and answers every rule of the form with 400 as the standard says,
// so schemathesis could only confirm 400s and 403s. `tests/open311.rs` checks it field by field in
// JSON and XML instead.

/// The OpenAPI 3 document of the REST API.
pub fn openapi() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    request_schemas(&mut doc);
    application_schemas(&mut doc);
    complete(&mut doc);
    doc
}

/// The bodies of routes that share a type but not its rules, derived from the type's schema: a new
/// user needs a login and a password, a change cannot rename the user, a department needs its
/// organisation, a grant to a role names one of the roles; a print has a centre or a box, not both.
fn request_schemas(doc: &mut Value) {
    let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) else { return };
    let mut derived = Vec::new();
    if let Some(user) = schemas.get("UserInput") {
        let mut user = user.clone();
        user["properties"]["roles"]["items"]["enum"] = json!(crate::policy::ROLES);
        let mut new = user.clone();
        for f in ["login", "password"] {
            new["properties"][f]["type"] = json!("string");
        }
        new["required"] = json!(["login", "password"]);
        let mut change = user;
        if let Some(p) = change["properties"].as_object_mut() {
            p.remove("login");
        }
        derived.push(("NewUser", new, "/api/admin/users", "post"));
        derived.push(("UserChange", change, "/api/admin/users/{login}", "patch"));
    }
    if let Some(org) = schemas.get("OrgInput") {
        let mut dept = org.clone();
        dept["properties"]["org"]["type"] = json!("string");
        dept["required"] = json!(["id", "name", "org"]);
        derived.push(("DeptInput", dept, "/api/admin/departments", "post"));
    }
    if let Some(print) = schemas.get("PrintRequest") {
        let mut print = print.clone();
        let given = |f: &str| json!({"required": [f], "properties": {f: {"type": "array"}}});
        print["oneOf"] = json!([given("center"), given("bbox")]);
        derived.push(("PrintRequest", print, "/api/print", "post"));
    }
    let no_nul = json!({"type": "string", "pattern": "^[^\\u0000]*$"});
    let grant = |kinds: Value, grantee: Value| {
        json!({"type": "object", "additionalProperties": false,
               "required": ["layer_id", "grantee_kind", "grantee", "access"],
               "properties": {"layer_id": no_nul, "grantee_kind": {"type": "string", "enum": kinds},
                              "grantee": grantee, "access": {"type": "string", "enum": ["read", "write"]},
                              "valid_until": {"type": ["string", "null"], "format": "date-time"}}})
    };
    let grant = json!({"description": "A grant on an existing layer (404 otherwise)", "oneOf": [
        grant(json!(["role"]), json!({"type": "string", "enum": crate::policy::ROLES})),
        grant(json!(["org", "dept", "user"]), no_nul.clone()),
    ]});
    derived.push(("GrantInput", grant, "/api/admin/grants", "post"));
    for (name, schema, path, method) in derived {
        doc["components"]["schemas"][name] = schema;
        let body = format!(
            "/paths/{}/{method}/requestBody/content/application~1json/schema",
            path.replace('/', "~1")
        );
        if let Some(s) = doc.pointer_mut(&body) {
            *s = json!({"$ref": format!("#/components/schemas/{name}")});
        }
    }
}

/// What the applications' types say less precisely than the server checks: a site is a GeoJSON
/// geometry; strings in a draft and an action carry no NUL (PostgreSQL refuses it: 400) and an
/// action has only its own fields; a calendar day has one of three kinds and a name in each
/// language; the table sorts by its sort columns; files are raw bytes.
fn application_schemas(doc: &mut Value) {
    use crate::applications::calendar::DayKind;
    let pos = json!({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3});
    let many = |items: &Value| json!({"type": "array", "items": items});
    let geometry = |kind: &str, coordinates: Value| {
        json!({"type": "object", "additionalProperties": false, "required": ["type", "coordinates"],
               "properties": {"type": {"type": "string", "enum": [kind]}, "coordinates": coordinates}})
    };
    let schemas = &mut doc["components"]["schemas"];
    schemas["SiteGeometry"] = json!({"description": "A GeoJSON geometry in WGS84 (longitude, latitude)",
        "oneOf": [geometry("Point", pos.clone()), geometry("MultiPoint", many(&pos)),
            geometry("LineString", many(&pos)), geometry("MultiLineString", many(&many(&pos))),
            geometry("Polygon", many(&many(&pos))), geometry("MultiPolygon", many(&many(&many(&pos))))]});
    for name in ["NewDraftInput", "DraftChange"] {
        let site = &mut schemas[name]["properties"]["geometry"];
        let what = site.get("description").cloned().unwrap_or(Value::Null);
        *site = json!({"description": what,
                       "oneOf": [{"$ref": "#/components/schemas/SiteGeometry"}, {"type": "null"}]});
    }
    for name in ["NewDraftInput", "SiteFeature", "ApplicationAction"] {
        strict(&mut schemas[name]);
    }
    let kinds = [DayKind::Holiday, DayKind::DayOffMoved, DayKind::WorkingDayMoved].map(DayKind::as_str);
    let day_name =
        json!({"type": "string", "maxLength": 200, "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"});
    schemas["DayInput"]["properties"]["kind"]["enum"] = json!(kinds);
    schemas["DayInput"]["properties"]["name"] = json!({"type": "object", "additionalProperties": false,
        "required": ["kk", "ru", "en"], "properties": {"kk": day_name, "ru": day_name, "en": day_name}});
    let sorts: Vec<String> = crate::applications::monitoring::SORTS
        .iter()
        .flat_map(|s| [s.to_string(), format!("-{s}")])
        .collect();
    if let Some(params) =
        doc.pointer_mut("/paths/~1api~1applications~1table/get/parameters").and_then(Value::as_array_mut)
    {
        for p in params.iter_mut().filter(|p| p["name"] == "sort") {
            p["schema"]["enum"] = json!(sorts);
        }
    }
    let bytes = json!({"type": "string", "format": "binary"});
    let xlsx = "application~1vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    for (at, schema) in [
        ("/paths/~1api~1applications~1{id}~1documents~1{doc}/put/requestBody/content/application~1octet-stream".to_string(),
            json!({"type": "string", "format": "binary", "minLength": 1})),
        (format!("/paths/~1api~1applications~1table/get/responses/200/content/{xlsx}"), bytes),
    ] {
        if let Some(c) = doc.pointer_mut(&at) {
            c["schema"] = schema;
        }
    }
}

/// Strings without NUL and objects without other properties than theirs, through `schema`.
fn strict(schema: &mut Value) {
    let Some(o) = schema.as_object_mut() else { return };
    let string = |t: &Value| t == "string" || t.as_array().is_some_and(|t| t.contains(&json!("string")));
    if o.get("type").is_some_and(string) && !["enum", "pattern", "format"].iter().any(|k| o.contains_key(*k))
    {
        o.insert("pattern".into(), json!("^[^\\u0000]*$"));
    }
    if o.contains_key("properties") {
        o.entry("additionalProperties").or_insert(json!(false));
    }
    if let Some(p) = o.get_mut("properties").and_then(Value::as_object_mut) {
        p.values_mut().for_each(strict);
    }
    if let Some(items) = o.get_mut("items") {
        strict(items);
    }
    if let Some(all) = o.get_mut("oneOf").and_then(Value::as_array_mut) {
        all.iter_mut().for_each(strict);
    }
}

/// Adds the statuses the HTTP layer answers on every operation of `doc`, where not declared.
pub fn complete(doc: &mut Value) {
    let error = json!({"$ref": "#/components/schemas/ErrorBody"});
    let answer =
        |what: &str| json!({"description": what, "content": {"application/json": {"schema": error}}});
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, op) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "put" | "post" | "patch" | "delete" | "head" | "options") {
                continue;
            }
            let has_body = op.get("requestBody").is_some();
            let has_params = op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty());
            let writes = method != "get" && method != "head" && method != "options";
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            let mut add = |code: &str, what: &str| {
                responses.entry(code.to_string()).or_insert_with(|| answer(what));
            };
            add("401", "Credentials were sent and refused, or the route needs them");
            add("408", "The request took too long");
            add("429", "Too many requests (Retry-After says when to try again)");
            add("503", "The database or a bounded resource is unavailable (Retry-After)");
            if has_body || has_params || path.contains('{') {
                add("400", "A parameter or the body is not valid");
                add("414", "The URI is too long (beyond 64 KiB)");
            }
            if path.contains('{') {
                add("404", "Nothing is found under the path's parameters, or the caller may not see it");
            }
            if has_body {
                add("413", "The body is too large");
                add("415", "The body's Content-Type is not supported");
            }
            if writes || path.starts_with("/api/admin") {
                add("403", "Not allowed, or the CSRF token of a session is missing");
            }
        }
    }
}
