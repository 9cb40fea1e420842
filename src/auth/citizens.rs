//! Citizens' accounts, found or made by IIN at sign-in with EDS or an SMS code (AUTH-1): the
//! login is the IIN, there is no password, the role is applicant; a certificate of an
//! organisation (its BIN) links an account that has none to that organisation.

use sqlx::PgPool;

use super::store::{self, UserRow};

/// What a sign-in proved about a person.
#[derive(Debug, Clone, Default)]
pub struct Proven<'a> {
    /// 12 digits.
    pub iin: &'a str,
    /// The name to give a new account (from the certificate or the population register).
    pub full_name: &'a str,
    /// The BIN of the organisation the certificate was issued for.
    pub bin: Option<&'a str>,
    /// The language of a new account (`kk`, `ru`, `en`).
    pub lang: &'a str,
}

/// Whether some account carries `iin` already.
pub async fn known(pool: &PgPool, iin: &str) -> Result<bool, sqlx::Error> {
    let login: Option<String> =
        sqlx::query_scalar(include_str!("sql/user_by_iin.sql")).bind(iin).fetch_optional(pool).await?;
    Ok(login.is_some())
}

/// The account of `p.iin`, made when it is the IIN's first sign-in. `created` tells which.
pub async fn account_for(pool: &PgPool, p: &Proven<'_>) -> Result<(UserRow, bool), sqlx::Error> {
    let existing: Option<String> =
        sqlx::query_scalar(include_str!("sql/user_by_iin.sql")).bind(p.iin).fetch_optional(pool).await?;
    let (login, created) = match existing {
        Some(login) => (login, false),
        None => {
            let lang = if matches!(p.lang, "kk" | "ru" | "en") { p.lang } else { "ru" };
            let name: String = p.full_name.chars().take(200).collect();
            let done = sqlx::query(include_str!("sql/citizen_insert.sql"))
                .bind(p.iin)
                .bind(name)
                .bind(p.bin)
                .bind(lang)
                .execute(pool)
                .await?;
            (p.iin.to_string(), done.rows_affected() == 1)
        }
    };
    if let Some(bin) = p.bin {
        sqlx::query(include_str!("sql/link_org_by_bin.sql")).bind(&login).bind(bin).execute(pool).await?;
    }
    let user = store::user_by_login(pool, &login).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((user, created))
}
