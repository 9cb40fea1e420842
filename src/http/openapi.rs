//! The OpenAPI 3 document of `/api` (utoipa), completed with the answers every route can give.
//!
//! Handlers declare what is particular to them; [`complete`] adds what the server's layers answer
//! for any route (the database unavailable, a rate limit, a timeout, credentials refused, a body
//! too large or of the wrong type), so the document lists every status a route can send.

use serde_json::{Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Qala API", description = "GIS tile and geodata server for city governments"),
    paths(
        super::healthz,
        super::routes::layers::list_layers,
        super::routes::layers::get_layer,
        super::routes::layers::get_feature,
        super::routes::kato::get_unit,
        super::routes::kato::search_units,
        super::routes::search::search,
        super::routes::auth::login,
        super::routes::auth::logout,
        super::routes::auth::me,
        super::routes::auth::create_token,
        super::routes::auth::list_tokens,
        super::routes::auth::delete_token,
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
    ),
    tags((name = "layers", description = "Layer catalog"), (name = "auth", description = "Log in, sessions, API tokens"),
        (name = "admin", description = "Users, grants, journal"), (name = "kato", description = "KATO classifier"),
        (name = "print", description = "Maps to scale (GeoPDF), object passports, document records"))
)]
struct ApiDoc;

/// The OpenAPI 3 document of the REST API.
pub fn openapi() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    request_schemas(&mut doc);
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
