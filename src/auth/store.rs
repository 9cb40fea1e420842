//! The SQL of users, organisations, departments, sessions, API tokens and layer grants: every
//! statement of the auth domain is here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};

use crate::policy::{Access, AuthMethod, Grant, Principal};

/// A user as stored (the password hash never leaves the server).
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub password_hash: String,
    pub full_name: String,
    pub iin: Option<String>,
    pub org_id: Option<String>,
    pub dept_id: Option<String>,
    pub lang: String,
    pub status: String,
    pub roles: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub failed_logins: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A user as the admin API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub full_name: String,
    pub iin: Option<String>,
    pub org: Option<String>,
    pub dept: Option<String>,
    pub lang: String,
    pub status: String,
    pub roles: Vec<String>,
    /// For notifications (assignments, deadline alerts).
    pub email: Option<String>,
    /// `+7XXXXXXXXXX`, for SMS notifications.
    pub phone: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&UserRow> for UserView {
    fn from(u: &UserRow) -> Self {
        UserView {
            id: u.id,
            login: u.login.clone(),
            full_name: u.full_name.clone(),
            iin: u.iin.clone(),
            org: u.org_id.clone(),
            dept: u.dept_id.clone(),
            lang: u.lang.clone(),
            status: u.status.clone(),
            roles: u.roles.clone(),
            email: u.email.clone(),
            phone: u.phone.clone(),
            locked_until: u.locked_until,
            created_at: u.created_at,
        }
    }
}

/// The columns of a [`UserRow`]. Failures and lockouts are counted per client address
/// ([`super::attempts`]): a user shows its most failures from one address and the latest end of a
/// lockout still running.
const USER_COLUMNS: &str = "id, login, password_hash, full_name, iin::text AS iin, org_id, dept_id, lang, status, \
     roles, email, phone, coalesce((SELECT max(a.failures) FROM login_attempts a WHERE a.login = users.login), 0) AS failed_logins, \
     (SELECT max(a.locked_until) FROM login_attempts a WHERE a.login = users.login AND a.locked_until > now()) \
     AS locked_until, created_at";

pub async fn user_by_login(pool: &PgPool, login: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1"))
        .bind(login.to_lowercase())
        .fetch_optional(pool)
        .await
}

pub async fn users(pool: &PgPool, org: Option<&str>) -> Result<Vec<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE $1::text IS NULL OR org_id = $1 ORDER BY login"
    ))
    .bind(org)
    .fetch_all(pool)
    .await
}

/// The grants that reach a user through its roles, organisation, department or itself.
pub async fn grants_for(pool: &PgPool, u: &UserRow) -> Result<Vec<Grant>, sqlx::Error> {
    let rows: Vec<(String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT layer_id, access, valid_until FROM layer_grants
         WHERE (grantee_kind = 'role' AND grantee = ANY($1))
            OR (grantee_kind = 'org' AND grantee = $2)
            OR (grantee_kind = 'dept' AND grantee = $3)
            OR (grantee_kind = 'user' AND grantee = $4)",
    )
    .bind(&u.roles)
    .bind(&u.org_id)
    .bind(&u.dept_id)
    .bind(&u.login)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(layer, access, valid_until)| {
            Some(Grant { layer, access: Access::parse(&access)?, valid_until })
        })
        .collect())
}

pub async fn principal_of(pool: &PgPool, u: &UserRow, method: AuthMethod) -> Result<Principal, sqlx::Error> {
    Ok(Principal {
        id: u.id,
        login: u.login.clone(),
        roles: u.roles.clone(),
        org: u.org_id.clone(),
        dept: u.dept_id.clone(),
        lang: Some(u.lang.clone()),
        grants: grants_for(pool, u).await?,
        method,
    })
}

/// The active user of a live session; touches the session (who is online).
pub async fn principal_by_session(
    pool: &PgPool,
    token_sha256: &str,
) -> Result<Option<Principal>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "UPDATE sessions s SET last_seen = now(), expires_at = now() + make_interval(secs => $2)
         FROM users u WHERE s.token_sha256 = $1 AND s.expires_at > now() AND u.id = s.user_id AND u.status = 'active'
         RETURNING s.csrf",
    )
    .bind(token_sha256)
    .bind(super::SESSION_IDLE.as_secs_f64())
    .fetch_optional(pool)
    .await?;
    let Some((csrf,)) = row else { return Ok(None) };
    let u: UserRow = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = (SELECT user_id FROM sessions WHERE token_sha256 = $1)"
    ))
    .bind(token_sha256)
    .fetch_one(pool)
    .await?;
    let method = AuthMethod::Session { csrf, token_sha256: token_sha256.to_string() };
    principal_of(pool, &u, method).await.map(Some)
}

/// The active user of a token live at `now`, and the token's end; records its use.
pub async fn principal_by_token(
    pool: &PgPool,
    token_sha256: &str,
    now: DateTime<Utc>,
) -> Result<Option<(Principal, Option<DateTime<Utc>>)>, sqlx::Error> {
    let row: Option<(Option<DateTime<Utc>>,)> = sqlx::query_as(
        "UPDATE api_tokens SET last_used = now()
         WHERE token_sha256 = $1 AND (expires_at IS NULL OR expires_at > $2) RETURNING expires_at",
    )
    .bind(token_sha256)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some((expires_at,)) = row else { return Ok(None) };
    let u: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users
         WHERE id = (SELECT user_id FROM api_tokens WHERE token_sha256 = $1) AND status = 'active'"
    ))
    .bind(token_sha256)
    .fetch_optional(pool)
    .await?;
    match u {
        Some(u) => Ok(Some((principal_of(pool, &u, AuthMethod::Token).await?, expires_at))),
        None => Ok(None),
    }
}

pub async fn create_session(
    pool: &PgPool,
    user_id: i64,
    token_sha256: &str,
    csrf: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_sha256, user_id, csrf, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5, $6)",
    )
    .bind(token_sha256)
    .bind(user_id)
    .bind(csrf)
    .bind(super::SESSION_IDLE.as_secs_f64())
    .bind(ip)
    .bind(user_agent)
    .execute(pool)
    .await
    .map(|_| ())
}

pub async fn delete_session(pool: &PgPool, token_sha256: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
        .bind(token_sha256)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Who used a session in the last `minutes` minutes.
#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct OnlineUser {
    pub login: String,
    pub full_name: String,
    pub last_seen: DateTime<Utc>,
    pub ip: Option<String>,
    pub sessions: i64,
}

pub async fn online(pool: &PgPool, minutes: i32) -> Result<Vec<OnlineUser>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.login, u.full_name, max(s.last_seen) AS last_seen, (array_agg(s.ip ORDER BY s.last_seen DESC))[1] AS ip,
                count(*) AS sessions
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.expires_at > now() AND s.last_seen > now() - make_interval(mins => $1)
         GROUP BY u.login, u.full_name ORDER BY max(s.last_seen) DESC",
    )
    .bind(minutes)
    .fetch_all(pool)
    .await
}

/// A new or changed user, as the admin API and `qala user add` give it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// Lower case letters, digits, `.`, `_`, `@`, `-` (upper case is folded, surrounding spaces
    /// are dropped).
    #[schema(pattern = r"^[a-z0-9][a-z0-9._@-]{1,63}$")]
    pub login: Option<String>,
    /// At least 8 characters, not the login.
    #[schema(min_length = 8)]
    pub password: Option<String>,
    #[schema(pattern = r"^[^\u0000]*$")]
    pub full_name: Option<String>,
    #[schema(pattern = r"^[0-9]{12}$")]
    pub iin: Option<String>,
    /// An existing organisation (404 otherwise).
    #[schema(pattern = r"^[a-z][a-z0-9_-]{0,62}$")]
    pub org: Option<String>,
    /// An existing department (404 otherwise).
    #[schema(pattern = r"^[a-z][a-z0-9_-]{0,62}$")]
    pub dept: Option<String>,
    #[schema(pattern = r"^(kk|ru|en)$")]
    pub lang: Option<String>,
    pub roles: Option<Vec<String>>,
    /// An e-mail address for notifications. The server takes any deliverable address; the
    /// pattern describes a plain subset of them.
    #[schema(
        max_length = 254,
        pattern = r"^[a-z0-9_-]{1,20}(\.[a-z0-9_-]{1,20}){0,2}@[a-z0-9]{1,20}(-[a-z0-9]{1,20})?(\.[a-z0-9]{1,20}){0,2}\.[a-z]{2,10}$"
    )]
    pub email: Option<String>,
    /// A Kazakh mobile number, stored as `+7XXXXXXXXXX`; the server also takes it spaced, with
    /// dashes or brackets, or starting with 8.
    #[schema(max_length = 32, pattern = r"^\+77[0-9]{9}$")]
    pub phone: Option<String>,
}

pub async fn insert_user(
    pool: &PgPool,
    login: &str,
    password_hash: &str,
    u: &UserInput,
) -> Result<UserRow, sqlx::Error> {
    sqlx::query_as(&format!(
        "INSERT INTO users (login, password_hash, full_name, iin, org_id, dept_id, lang, roles, email, phone)
         VALUES ($1, $2, coalesce($3, ''), $4, $5, $6, coalesce($7, 'ru'), coalesce($8, '{{viewer}}'), $9, $10)
         RETURNING {USER_COLUMNS}"
    ))
    .bind(login)
    .bind(password_hash)
    .bind(&u.full_name)
    .bind(&u.iin)
    .bind(&u.org)
    .bind(&u.dept)
    .bind(&u.lang)
    .bind(&u.roles)
    .bind(&u.email)
    .bind(&u.phone)
    .fetch_one(pool)
    .await
}

/// Why a change to a user was not made.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The change would leave no active administrator.
    #[error("the last active administrator cannot be deleted, blocked or lose the admin role")]
    LastAdmin,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Serialises the changes that may remove an administrator (key of a transaction advisory lock).
const ADMINS_LOCK: i64 = 7_201_201;

async fn any_active_admin(tx: &mut sqlx::PgConnection) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users WHERE 'admin' = ANY (roles) AND status = 'active')",
    )
    .fetch_one(tx)
    .await
}

/// Opens a transaction for a change that may remove an administrator; returns whether there was an
/// active administrator before it.
async fn begin_guarded(
    pool: &PgPool,
) -> Result<(sqlx::Transaction<'static, sqlx::Postgres>, bool), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(ADMINS_LOCK).execute(&mut *tx).await?;
    let before = any_active_admin(&mut tx).await?;
    Ok((tx, before))
}

/// Commits unless the change removed the last active administrator (then nothing is changed).
async fn commit_guarded(
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    admins_before: bool,
) -> Result<(), ChangeError> {
    if admins_before && !any_active_admin(&mut tx).await? {
        tx.rollback().await?;
        return Err(ChangeError::LastAdmin);
    }
    tx.commit().await?;
    Ok(())
}

/// Changes the given fields; `None` keeps a field. Returns the user after the change. A new
/// password ends the user's sessions and API tokens. Refused when it would take the admin role
/// from the last active administrator.
pub async fn update_user(
    pool: &PgPool,
    login: &str,
    password_hash: Option<&str>,
    u: &UserInput,
) -> Result<Option<UserRow>, ChangeError> {
    let (mut tx, admins_before) = begin_guarded(pool).await?;
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "UPDATE users SET password_hash = coalesce($2, password_hash), full_name = coalesce($3, full_name),
             iin = coalesce($4, iin), org_id = coalesce($5, org_id), dept_id = coalesce($6, dept_id),
             lang = coalesce($7, lang), roles = coalesce($8, roles), email = coalesce($9, email),
             phone = coalesce($10, phone), updated_at = now()
         WHERE login = $1 RETURNING {USER_COLUMNS}"
    ))
    .bind(login)
    .bind(password_hash)
    .bind(&u.full_name)
    .bind(&u.iin)
    .bind(&u.org)
    .bind(&u.dept)
    .bind(&u.lang)
    .bind(&u.roles)
    .bind(&u.email)
    .bind(&u.phone)
    .fetch_optional(&mut *tx)
    .await?;
    if let (Some(r), Some(_)) = (&row, password_hash) {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(r.id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(r.id).execute(&mut *tx).await?;
    }
    commit_guarded(tx, admins_before).await?;
    Ok(row)
}

/// Blocks or unblocks a user; blocking also ends its sessions, unblocking lifts its lockouts.
/// Refused when it would block the last active administrator.
pub async fn set_status(pool: &PgPool, login: &str, status: &str) -> Result<bool, ChangeError> {
    let (mut tx, admins_before) = begin_guarded(pool).await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET status = $2, failed_logins = 0, locked_until = NULL, updated_at = now()
         WHERE login = $1 RETURNING id",
    )
    .bind(login)
    .bind(status)
    .fetch_optional(&mut *tx)
    .await?;
    match (id, status) {
        (Some(id), "blocked") => {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
        }
        (Some(_), _) => {
            sqlx::query("DELETE FROM login_attempts WHERE login = $1").bind(login).execute(&mut *tx).await?;
        }
        (None, _) => {}
    }
    commit_guarded(tx, admins_before).await?;
    Ok(id.is_some())
}

/// Deletes a user; refused when it is the last active administrator.
pub async fn delete_user(pool: &PgPool, login: &str) -> Result<bool, ChangeError> {
    let (mut tx, admins_before) = begin_guarded(pool).await?;
    let r = sqlx::query("DELETE FROM users WHERE login = $1").bind(login).execute(&mut *tx).await?;
    commit_guarded(tx, admins_before).await?;
    Ok(r.rows_affected() > 0)
}

/// The organisation of a department, if the department exists.
pub async fn dept_org(pool: &PgPool, dept: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT org_id FROM departments WHERE id = $1").bind(dept).fetch_optional(pool).await
}

pub async fn upsert_org(pool: &PgPool, id: &str, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO organisations (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = $2",
    )
    .bind(id)
    .bind(name)
    .execute(pool)
    .await
    .map(|_| ())
}

pub async fn upsert_dept(pool: &PgPool, id: &str, org: &str, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO departments (id, org_id, name) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET org_id = $2, name = $3",
    )
    .bind(id)
    .bind(org)
    .bind(name)
    .execute(pool)
    .await
    .map(|_| ())
}

/// Organisations with their departments.
pub async fn orgs(pool: &PgPool) -> Result<serde_json::Value, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT coalesce(json_agg(json_build_object('id', o.id, 'name', o.name, 'departments',
                 (SELECT coalesce(json_agg(json_build_object('id', d.id, 'name', d.name) ORDER BY d.id), '[]')
                  FROM departments d WHERE d.org_id = o.id)) ORDER BY o.id), '[]')::jsonb FROM organisations o",
    )
    .fetch_one(pool)
    .await
}

/// A layer grant as stored.
#[derive(Debug, Clone, Serialize, Deserialize, FromRow, utoipa::ToSchema)]
pub struct GrantRow {
    #[serde(default)]
    pub id: i64,
    pub layer_id: String,
    /// `role`, `org`, `dept` or `user`.
    pub grantee_kind: String,
    pub grantee: String,
    /// `read` or `write`.
    pub access: String,
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub granted_by: String,
}

pub async fn grants(pool: &PgPool, layer: Option<&str>) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, layer_id, grantee_kind, grantee, access, valid_until, granted_by FROM layer_grants
         WHERE $1::text IS NULL OR layer_id = $1 ORDER BY layer_id, grantee_kind, grantee",
    )
    .bind(layer)
    .fetch_all(pool)
    .await
}

pub async fn upsert_grant(pool: &PgPool, g: &GrantRow) -> Result<GrantRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO layer_grants (layer_id, grantee_kind, grantee, access, valid_until, granted_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (layer_id, grantee_kind, grantee)
         DO UPDATE SET access = $4, valid_until = $5, granted_by = $6, granted_at = now()
         RETURNING id, layer_id, grantee_kind, grantee, access, valid_until, granted_by",
    )
    .bind(&g.layer_id)
    .bind(&g.grantee_kind)
    .bind(&g.grantee)
    .bind(&g.access)
    .bind(g.valid_until)
    .bind(&g.granted_by)
    .fetch_one(pool)
    .await
}

pub async fn delete_grant(pool: &PgPool, id: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM layer_grants WHERE id = $1").bind(id).execute(pool).await?.rows_affected()
        > 0)
}

/// An API token as listed (never the secret).
#[derive(Debug, Serialize, FromRow, utoipa::ToSchema)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used: Option<DateTime<Utc>>,
}

pub async fn insert_token(
    pool: &PgPool,
    user_id: i64,
    token_sha256: &str,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<TokenRow, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO api_tokens (token_sha256, user_id, name, expires_at) VALUES ($1, $2, $3, $4)
         RETURNING id, name, created_at, expires_at, last_used",
    )
    .bind(token_sha256)
    .bind(user_id)
    .bind(name)
    .bind(expires_at)
    .fetch_one(pool)
    .await
}

pub async fn tokens(pool: &PgPool, user_id: i64) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, created_at, expires_at, last_used FROM api_tokens WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

pub async fn delete_token(pool: &PgPool, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(r.rows_affected() > 0)
}
