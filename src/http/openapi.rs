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
    ),
    tags((name = "layers", description = "Layer catalog"), (name = "auth", description = "Log in, sessions, API tokens"),
        (name = "admin", description = "Users, grants, journal"), (name = "kato", description = "KATO classifier"),
        (name = "print", description = "Maps to scale (GeoPDF), object passports, document records"))
)]
struct ApiDoc;

/// The OpenAPI 3 document of the REST API.
pub fn openapi() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
    complete(&mut doc);
    doc
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
