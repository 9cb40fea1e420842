//! `qala open311 keys add|list|revoke`: the API keys Open311 clients post requests with. A key
//! acts as an existing user (the applicant of record of what it posts); it is printed once, and
//! only its SHA-256 is stored.

use anyhow::Result;
use clap::Subcommand;
use qala::applications::open311::store;
use qala::config::Settings;

#[derive(Debug, Subcommand)]
pub enum Open311Action {
    /// API keys of Open311 clients.
    Keys {
        #[command(subcommand)]
        action: KeysAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Make a key acting as user LOGIN; prints the key (shown once) and its fingerprint.
    Add { login: String },
    /// List the keys: fingerprint, user, made, revoked.
    List,
    /// Revoke the live key whose fingerprint starts with FINGERPRINT (at least 6 hex digits).
    Revoke { fingerprint: String },
}

pub async fn run(settings: &Settings, action: Open311Action) -> Result<()> {
    // Keys touch no layer: the database is opened (and migrated) without syncing the catalog.
    let db = qala::db::Database::open(settings.database_url.as_deref(), &settings.data_dir).await?;
    let Open311Action::Keys { action } = action;
    match action {
        KeysAction::Add { login } => {
            let key = store::create_key(&db.pool, login.trim()).await?;
            let fingerprint = &qala::auth::sha256_hex(&key)[..12];
            println!("{key}");
            eprintln!("key {fingerprint} acts as `{}`; it is not shown again", login.trim());
        }
        KeysAction::List => {
            for k in store::list_keys(&db.pool).await? {
                let revoked = k
                    .revoked_at
                    .map(|t| format!("revoked {}", t.to_rfc3339()))
                    .unwrap_or_else(|| "live".into());
                println!("{}\t{}\t{}\t{}", k.fingerprint, k.login, k.created_at.to_rfc3339(), revoked);
            }
        }
        KeysAction::Revoke { fingerprint } => {
            let login = store::revoke_key(&db.pool, &fingerprint).await?;
            println!("revoked the key of `{login}`");
        }
    }
    Ok(())
}
