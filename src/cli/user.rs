//! `qala user`: the first administrator, and users from the command line.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use qala::config::Settings;

#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Create a user (or reset its password and roles when it exists).
    Add {
        login: String,
        /// The password (else QALA_USER_PASSWORD).
        #[arg(long, env = "QALA_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Role (repeatable): viewer, editor, reviewer, applicant, org_admin, admin.
        #[arg(long = "role", default_value = "viewer")]
        roles: Vec<String>,
        #[arg(long, default_value = "")]
        full_name: String,
        /// Organisation id (created when missing).
        #[arg(long)]
        org: Option<String>,
        /// Department id within the organisation (created when missing).
        #[arg(long)]
        dept: Option<String>,
        #[arg(long, default_value = "ru")]
        lang: String,
    },
    /// List users.
    List,
}

pub async fn run(settings: &Settings, action: UserAction) -> Result<()> {
    use qala::auth::{password, store};
    use qala::policy::ROLES;
    let (db, _) = super::open_synced(settings).await?;
    match action {
        UserAction::Add { login, password: pw, roles, full_name, org, dept, lang } => {
            let login = login.trim().to_lowercase();
            if let Some(r) = roles.iter().find(|r| !ROLES.contains(&r.as_str())) {
                bail!("`{r}` is not a role ({})", ROLES.join(", "));
            }
            password::check_rule(&pw, &login).map_err(|e| anyhow::anyhow!("password {e}"))?;
            if let Some(o) = &org {
                store::upsert_org(&db.pool, o, o).await?;
                if let Some(d) = &dept {
                    store::upsert_dept(&db.pool, d, o, d).await?;
                }
            } else if dept.is_some() {
                bail!("--dept needs --org");
            }
            let hash = password::hash(&pw)?;
            let input = store::UserInput {
                login: Some(login.clone()),
                full_name: Some(full_name),
                org,
                dept,
                lang: Some(lang),
                roles: Some(roles),
                ..Default::default()
            };
            let user = match store::user_by_login(&db.pool, &login).await? {
                Some(_) => store::update_user(&db.pool, &login, Some(&hash), &input)
                    .await?
                    .context("user vanished")?,
                None => store::insert_user(&db.pool, &login, &hash, &input).await?,
            };
            qala::auth::journal::record(
                &db.pool,
                "admin",
                Some("qala:cli"),
                None,
                Some(&login),
                "ok",
                serde_json::json!({"action": "user add", "roles": user.roles}),
            )
            .await;
            println!("user {} ({})", user.login, user.roles.join(", "));
        }
        UserAction::List => {
            for u in store::users(&db.pool, None).await? {
                println!("{:<24} {:<8} {:<30} {}", u.login, u.status, u.roles.join(","), u.full_name);
            }
        }
    }
    db.close().await
}
