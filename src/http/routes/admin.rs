//! `/api/admin`: users (create, edit, delete, block, unblock, roles), organisations and
//! departments, layer grants (with an end date), who is online, the event journal.
//!
//! A system admin (`admin`) may do everything; an organisation admin (`org_admin`) manages only the
//! users of its own organisation whose roles are at most its own: never an `admin` or an
//! `org_admin` (itself included), and it may not hand out those roles ([`may_manage`]). A user
//! outside the caller's scope answers 404, one above its roles 403. The last active administrator
//! cannot be deleted, blocked or lose the `admin` role (409). A new password ends the user's
//! sessions and API tokens. Every change is journalled and clears the credential cache, so it
//! applies to the next request.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::auth::store::{self, GrantRow, UserInput, UserView};
use crate::auth::{Caller, journal, password};
use crate::error::ApiError;
use crate::http::{AppState, ReqLang};
use crate::i18n::{Lang, Msg};
use crate::policy::ROLES;
use crate::policy::{NotManaged, may_manage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/admin/users", get(list_users).post(create_user))
        .route("/api/admin/users/{login}", get(get_user).patch(edit_user).delete(remove_user))
        .route("/api/admin/users/{login}/block", post(block_user))
        .route("/api/admin/users/{login}/unblock", post(unblock_user))
        .route("/api/admin/orgs", get(list_orgs).post(put_org))
        .route("/api/admin/departments", post(put_dept))
        .route("/api/admin/grants", get(list_grants).post(put_grant))
        .route("/api/admin/grants/{id}", delete(remove_grant))
        .route("/api/admin/online", get(online))
        .route("/api/admin/journal", get(journal_search))
}

/// Which users the caller administers: `Some(None)` all, `Some(Some(org))` one organisation.
fn scope(caller: &Caller, lang: Lang) -> Result<Option<String>, ApiError> {
    match caller.principal() {
        None => Err(ApiError::unauthorized(lang)),
        Some(_) if caller.is_admin() => Ok(None),
        Some(p) if caller.has_role("org_admin") && p.org.is_some() => Ok(p.org.clone()),
        Some(_) => Err(ApiError::forbidden(lang)),
    }
}

fn system_admin(caller: &Caller, lang: Lang) -> Result<(), ApiError> {
    match scope(caller, lang)? {
        None => Ok(()),
        Some(_) => Err(ApiError::forbidden(lang)),
    }
}

/// What the field of a refused value is and why, by the constraint that refused it (the
/// constraint's name and PostgreSQL's text are never sent).
fn constraint_reason(constraint: Option<&str>) -> serde_json::Value {
    let (field, reason) = match constraint.unwrap_or("") {
        "users_login_check" => (
            "login",
            "2 to 64 characters: lowercase letters, digits, `.`, `_`, `@`, `-`, first a letter or digit",
        ),
        "organisations_id_check" | "departments_id_check" => {
            ("id", "1 to 63 characters: lowercase letters, digits, `_`, `-`, first a letter")
        }
        "users_org_id_fkey" | "departments_org_id_fkey" => ("org", "no such organisation"),
        "users_dept_id_fkey" => ("dept", "no such department"),
        "users_iin_check" => ("iin", "an IIN has 12 digits"),
        "users_lang_check" => ("lang", "one of kk, ru, en"),
        _ => ("", "a value is not valid"),
    };
    json!([{"field": field, "reason": reason}])
}

fn db(lang: Lang) -> impl Fn(sqlx::Error) -> ApiError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            ApiError::new(StatusCode::CONFLICT, Msg::Conflict, lang)
        }
        // issue 12: openapi. A well-formed reference to an organisation or department that does
        // not exist is not found, as a grant's unknown layer is.
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            ApiError::not_found(Msg::NotFound, lang).with_details(constraint_reason(d.constraint()))
        }
        sqlx::Error::Database(d) if d.is_check_violation() => {
            ApiError::bad_request(lang, "some fields are not valid")
                .with_details(constraint_reason(d.constraint()))
        }
        // A NUL character or a value too long for its column is the caller's mistake (400).
        _ => ApiError::from_query(lang, e),
    }
}

fn change(lang: Lang) -> impl Fn(store::ChangeError) -> ApiError {
    move |e| match e {
        store::ChangeError::LastAdmin => ApiError::new(StatusCode::CONFLICT, Msg::LastAdmin, lang),
        store::ChangeError::Database(e) => db(lang)(e),
    }
}

/// Checks the fields of a new or changed user; returns the password hash when one was given
/// (computed in the bounded hashing queue).
async fn check_input(
    state: &AppState,
    caller: &Caller,
    org_scope: &Option<String>,
    u: &mut UserInput,
    lang: Lang,
) -> Result<Option<String>, ApiError> {
    let mut errors = Vec::new();
    if let Some(roles) = &u.roles {
        for r in roles {
            if !ROLES.contains(&r.as_str()) {
                errors.push(
                    json!({"field": "roles", "reason": format!("`{r}` is not one of {}", ROLES.join(", "))}),
                );
            } else if !caller.is_admin() && (r == "admin" || r == "org_admin") {
                errors
                    .push(json!({"field": "roles", "reason": format!("only a system admin may give `{r}`")}));
            }
        }
    }
    if let Some(iin) = &u.iin
        && !(iin.len() == 12 && iin.chars().all(|c| c.is_ascii_digit()))
    {
        errors.push(json!({"field": "iin", "reason": "an IIN has 12 digits"}));
    }
    if let Some(e) = &u.email
        && !crate::applications::service::ids::is_valid_email(e)
    {
        errors.push(json!({"field": "email", "reason": "not an e-mail address"}));
    }
    if let Some(p) = u.phone.clone() {
        match crate::applications::service::ids::normalize_phone(&p) {
            Some(n) => u.phone = Some(n),
            None => errors.push(json!({"field": "phone", "reason": "a Kazakh number: +7 7XX XXX XX XX"})),
        }
    }
    if let Some(l) = &u.lang
        && !["kk", "ru", "en"].contains(&l.as_str())
    {
        errors.push(json!({"field": "lang", "reason": "one of kk, ru, en"}));
    }
    if let Some(org) = org_scope {
        match &u.org {
            Some(o) if o != org => {
                errors.push(json!({"field": "org", "reason": format!("you administer `{org}` only")}))
            }
            _ => u.org = Some(org.clone()),
        }
    }
    if let Some(p) = &u.password
        && let Err(reason) = password::check_rule(p, u.login.as_deref().unwrap_or(""))
    {
        errors.push(json!({"field": "password", "reason": reason}));
    }
    if let (Some(org), Some(dept)) = (org_scope, &u.dept)
        && store::dept_org(&state.pool, dept).await.map_err(db(lang))?.is_some_and(|o| o != *org)
    {
        errors.push(json!({"field": "dept", "reason": format!("`{dept}` is not a department of `{org}`")}));
    }
    if !errors.is_empty() {
        return Err(ApiError::bad_request(lang, "some fields are not valid").with_details(json!(errors)));
    }
    match u.password.clone() {
        Some(p) => match state.auth.hasher().hash(p).await {
            Ok(h) => h.map(Some).map_err(|e| ApiError::internal(lang, e)),
            Err(busy) => {
                Err(crate::auth::LoginRefusal::Busy { retry_after: busy.retry_after }.into_api_error(lang))
            }
        },
        None => Ok(None),
    }
}

/// The user `login` if the caller may manage it: 404 outside its scope, 403 above its roles.
/// With `to_change` false (reading), users above the caller's roles are shown too.
async fn administered(
    state: &AppState,
    caller: &Caller,
    login: &str,
    to_change: bool,
    lang: Lang,
) -> Result<store::UserRow, ApiError> {
    let u = store::user_by_login(&state.pool, login)
        .await
        .map_err(db(lang))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    match may_manage(caller, &u.roles, u.org_id.as_deref()) {
        Ok(()) => Ok(u),
        Err(NotManaged::RoleAbove) if !to_change => Ok(u),
        Err(NotManaged::OutOfScope) => Err(ApiError::not_found(Msg::NotFound, lang)),
        Err(NotManaged::RoleAbove) => Err(ApiError::forbidden(lang)
            .with_detail("an organisation admin manages users without the admin or org_admin role")),
        Err(NotManaged::NotAnAdmin) => Err(ApiError::forbidden(lang)),
    }
}

async fn changed(state: &AppState, caller: &Caller, what: &str, target: &str, detail: serde_json::Value) {
    state.auth.invalidate_all();
    state.tiles.invalidate_all();
    journal::record(
        &state.pool,
        "admin",
        Some(caller.login()),
        None,
        Some(target),
        "ok",
        json!({"action": what, "detail": detail}),
    )
    .await;
}

#[utoipa::path(get, path = "/api/admin/users", tag = "admin", responses((status = 200, body = [UserView])))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<Vec<UserView>>, ApiError> {
    let org = scope(&caller, lang)?;
    let users = store::users(&state.pool, org.as_deref()).await.map_err(db(lang))?;
    Ok(Json(users.iter().map(UserView::from).collect()))
}

#[utoipa::path(get, path = "/api/admin/users/{login}", tag = "admin", responses((status = 200, body = UserView)))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(login): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    scope(&caller, lang)?;
    Ok(Json(UserView::from(&administered(&state, &caller, &login, false, lang).await?)))
}

#[utoipa::path(post, path = "/api/admin/users", tag = "admin", request_body = UserInput,
    responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody),
        (status = 404, description = "No such organisation or department", body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<UserInput>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<UserView>), ApiError> {
    let org = scope(&caller, lang)?;
    let Json(mut u) = body.map_err(|e| ApiError::rejection(lang, e))?;
    let login = u.login.clone().map(|l| l.trim().to_lowercase()).unwrap_or_default();
    u.login = Some(login.clone());
    if u.password.is_none() {
        return Err(ApiError::bad_request(lang, "`password` is required")
            .with_details(json!([{"field": "password", "reason": "is required"}])));
    }
    let hash = check_input(&state, &caller, &org, &mut u, lang).await?.unwrap_or_default();
    let row = store::insert_user(&state.pool, &login, &hash, &u).await.map_err(db(lang))?;
    changed(
        &state,
        &caller,
        "create user",
        &login,
        json!({"roles": row.roles, "org": row.org_id, "dept": row.dept_id}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(UserView::from(&row))))
}

#[utoipa::path(patch, path = "/api/admin/users/{login}", tag = "admin", request_body = UserInput,
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "A user above the caller's roles", body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "It would take the admin role from the last administrator", body = crate::error::ErrorBody)))]
pub async fn edit_user(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(login): Path<String>,
    body: Result<Json<UserInput>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<UserView>, ApiError> {
    let org = scope(&caller, lang)?;
    let Json(mut u) = body.map_err(|e| ApiError::rejection(lang, e))?;
    administered(&state, &caller, &login, true, lang).await?;
    if u.login.as_ref().is_some_and(|l| *l != login) {
        return Err(ApiError::bad_request(lang, "a login cannot be changed"));
    }
    u.login = Some(login.clone());
    let hash = check_input(&state, &caller, &org, &mut u, lang).await?;
    let row = store::update_user(&state.pool, &login, hash.as_deref(), &u)
        .await
        .map_err(change(lang))?
        .ok_or_else(|| ApiError::not_found(Msg::NotFound, lang))?;
    changed(
        &state,
        &caller,
        "edit user",
        &login,
        json!({"roles": row.roles, "password_changed": hash.is_some()}),
    )
    .await;
    Ok(Json(UserView::from(&row)))
}

#[utoipa::path(delete, path = "/api/admin/users/{login}", tag = "admin", responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The last administrator")))]
pub async fn remove_user(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    scope(&caller, lang)?;
    administered(&state, &caller, &login, true, lang).await?;
    store::delete_user(&state.pool, &login).await.map_err(change(lang))?;
    changed(&state, &caller, "delete user", &login, json!({})).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_status(
    state: AppState,
    caller: Caller,
    lang: Lang,
    login: String,
    status: &str,
) -> Result<StatusCode, ApiError> {
    scope(&caller, lang)?;
    administered(&state, &caller, &login, true, lang).await?;
    store::set_status(&state.pool, &login, status).await.map_err(change(lang))?;
    changed(&state, &caller, &format!("{status} user"), &login, json!({})).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Blocks a user: its sessions end and its tokens and password stop working.
#[utoipa::path(post, path = "/api/admin/users/{login}/block", tag = "admin", responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The last administrator")))]
pub async fn block_user(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_status(state, caller, lang, login, "blocked").await
}

/// Unblocks a user (also lifts a lockout after failed logins).
#[utoipa::path(post, path = "/api/admin/users/{login}/unblock", tag = "admin", responses((status = 204), (status = 403), (status = 404), (status = 409, description = "The last administrator")))]
pub async fn unblock_user(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(login): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_status(state, caller, lang, login, "active").await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    #[schema(pattern = r"^[a-z][a-z0-9_-]{0,62}$")]
    pub id: String,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub name: String,
    /// For departments: the organisation.
    #[schema(pattern = r"^[a-z][a-z0-9_-]{0,62}$")]
    pub org: Option<String>,
}

#[utoipa::path(get, path = "/api/admin/orgs", tag = "admin", responses((status = 200, description = "Organisations with departments")))]
pub async fn list_orgs(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<serde_json::Value>, ApiError> {
    scope(&caller, lang)?;
    store::orgs(&state.pool).await.map(Json).map_err(db(lang))
}

#[utoipa::path(post, path = "/api/admin/orgs", tag = "admin", request_body = OrgInput, responses((status = 204)))]
pub async fn put_org(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<OrgInput>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    system_admin(&caller, lang)?;
    let Json(o) = body.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    store::upsert_org(&state.pool, &o.id, &o.name).await.map_err(db(lang))?;
    changed(&state, &caller, "put organisation", &o.id, json!({"name": o.name})).await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/admin/departments", tag = "admin", request_body = OrgInput,
    responses((status = 204), (status = 404, description = "No such organisation", body = crate::error::ErrorBody)))]
pub async fn put_dept(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<OrgInput>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let org_scope = scope(&caller, lang)?;
    let Json(d) = body.map_err(|e| ApiError::bad_request(lang, e.body_text()))?;
    let org =
        d.org.clone().ok_or_else(|| ApiError::bad_request(lang, "`org` is required for a department"))?;
    if org_scope.as_ref().is_some_and(|o| *o != org) {
        return Err(ApiError::forbidden(lang));
    }
    store::upsert_dept(&state.pool, &d.id, &org, &d.name).await.map_err(db(lang))?;
    changed(&state, &caller, "put department", &d.id, json!({"org": org, "name": d.name})).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GrantQuery {
    /// Only the grants on this layer.
    #[param(pattern = r"^[^\u0000]*$")]
    pub layer: Option<String>,
    pub lang: Option<String>,
}

#[utoipa::path(get, path = "/api/admin/grants", tag = "admin", params(GrantQuery), responses((status = 200, body = [GrantRow])))]
pub async fn list_grants(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    q: Result<Query<GrantQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<GrantRow>>, ApiError> {
    system_admin(&caller, lang)?;
    let Query(q) = q.map_err(|e| ApiError::rejection(lang, e))?;
    store::grants(&state.pool, q.layer.as_deref()).await.map(Json).map_err(db(lang))
}

/// Grants read or write on a layer to a role, organisation, department or user, optionally until
/// `valid_until`; granting again replaces the earlier grant.
#[utoipa::path(post, path = "/api/admin/grants", tag = "admin", request_body = GrantRow,
    responses((status = 201, body = GrantRow), (status = 400, body = crate::error::ErrorBody),
        (status = 404, description = "No such layer", body = crate::error::ErrorBody)))]
pub async fn put_grant(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    body: Result<Json<GrantRow>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<GrantRow>), ApiError> {
    system_admin(&caller, lang)?;
    let Json(mut g) = body.map_err(|e| ApiError::rejection(lang, e))?;
    if state.catalog().get(&g.layer_id).is_none() {
        return Err(ApiError::not_found(Msg::LayerNotFound, lang));
    }
    if !["role", "org", "dept", "user"].contains(&g.grantee_kind.as_str()) {
        return Err(ApiError::bad_request(lang, "`grantee_kind` is one of role, org, dept, user"));
    }
    if g.grantee_kind == "role" && !ROLES.contains(&g.grantee.as_str()) {
        return Err(ApiError::bad_request(lang, format!("`{}` is not a role", g.grantee)));
    }
    if crate::policy::Access::parse(&g.access).is_none() {
        return Err(ApiError::bad_request(lang, "`access` is read or write"));
    }
    g.granted_by = caller.login().to_string();
    let row = store::upsert_grant(&state.pool, &g).await.map_err(db(lang))?;
    changed(
        &state,
        &caller,
        "grant",
        &row.layer_id,
        json!({"grantee_kind": row.grantee_kind, "grantee": row.grantee, "access": row.access, "valid_until": row.valid_until}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(row)))
}

#[utoipa::path(delete, path = "/api/admin/grants/{id}", tag = "admin", responses((status = 204), (status = 404)))]
pub async fn remove_grant(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    system_admin(&caller, lang)?;
    if !store::delete_grant(&state.pool, id).await.map_err(db(lang))? {
        return Err(ApiError::not_found(Msg::NotFound, lang));
    }
    changed(&state, &caller, "revoke grant", &id.to_string(), json!({})).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Users with a session used in the last 5 minutes.
#[utoipa::path(get, path = "/api/admin/online", tag = "admin", responses((status = 200, body = [store::OnlineUser])))]
pub async fn online(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
) -> Result<Json<Vec<store::OnlineUser>>, ApiError> {
    let org = scope(&caller, lang)?;
    let mut users = store::online(&state.pool, 5).await.map_err(db(lang))?;
    if org.is_some() {
        let members: Vec<String> = store::users(&state.pool, org.as_deref())
            .await
            .map_err(db(lang))?
            .into_iter()
            .map(|u| u.login)
            .collect();
        users.retain(|u| members.contains(&u.login));
    }
    Ok(Json(users))
}

/// Searches the event journal (system admins only).
#[utoipa::path(get, path = "/api/admin/journal", tag = "admin", params(journal::EventQuery),
    responses((status = 200, body = [journal::Event])))]
pub async fn journal_search(
    State(state): State<AppState>,
    caller: Caller,
    ReqLang(lang): ReqLang,
    q: Result<Query<journal::EventQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<journal::Event>>, ApiError> {
    system_admin(&caller, lang)?;
    let Query(q) = q.map_err(|e| ApiError::rejection(lang, e))?;
    journal::search(&state.pool, &q).await.map(Json).map_err(db(lang))
}
