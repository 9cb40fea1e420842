//! The SQL of signed documents: their stored bytes with the parties that must sign them, and the
//! signatures received.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;

use super::rules::Required;

/// The bytes of a document to be signed, and who signs.
#[derive(Debug, Clone)]
pub struct Content {
    pub bytes: Vec<u8>,
    pub required: Vec<Required>,
    pub application_id: Option<i64>,
}

/// A signature as received.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredSignature {
    pub id: i64,
    pub code: String,
    pub party: String,
    pub signer_login: String,
    pub signer_iin: Option<String>,
    pub signer_bin: Option<String>,
    pub signer_name: String,
    pub organisation: Option<String>,
    pub certificate_serial: String,
    pub certificate_issuer: String,
    pub algorithm: String,
    pub cms: Vec<u8>,
    pub signing_time: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    /// The verifier's report of the signer when it was received.
    pub verdict: Value,
}

/// A signature to record.
#[derive(Debug, Clone)]
pub struct NewSignature<'a> {
    pub code: &'a str,
    pub party: &'a str,
    pub signer_login: &'a str,
    pub signer_iin: Option<&'a str>,
    pub signer_bin: Option<&'a str>,
    pub signer_name: &'a str,
    pub organisation: Option<&'a str>,
    pub certificate_serial: &'a str,
    pub certificate_issuer: &'a str,
    pub algorithm: &'a str,
    pub cms: &'a [u8],
    pub signing_time: Option<DateTime<Utc>>,
    pub received_at: DateTime<Utc>,
    pub verdict: Value,
}

/// Keeps `bytes` as the content of document `code` unless some are kept already.
pub async fn store_content(
    pool: &PgPool,
    code: &str,
    bytes: &[u8],
    required: &[Required],
    application_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(include_str!("sql/content_insert.sql"))
        .bind(code)
        .bind(bytes)
        .bind(serde_json::to_value(required).unwrap_or(Value::Array(Vec::new())))
        .bind(application_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The stored content of document `code`, if it is one to be signed.
pub async fn content(pool: &PgPool, code: &str) -> sqlx::Result<Option<Content>> {
    let row: Option<(Vec<u8>, Value, Option<i64>)> =
        sqlx::query_as(include_str!("sql/content_get.sql")).bind(code).fetch_optional(pool).await?;
    Ok(row.map(|(bytes, parties, application_id)| Content {
        bytes,
        required: serde_json::from_value(parties).unwrap_or_default(),
        application_id,
    }))
}

/// The signatures of document `code`, oldest first.
pub async fn signatures(pool: &PgPool, code: &str) -> sqlx::Result<Vec<StoredSignature>> {
    sqlx::query_as(include_str!("sql/signatures_of.sql")).bind(code).fetch_all(pool).await
}

/// Records a signature; `None` when the party has signed already.
pub async fn insert(pool: &PgPool, s: &NewSignature<'_>) -> sqlx::Result<Option<StoredSignature>> {
    sqlx::query_as(include_str!("sql/signature_insert.sql"))
        .bind(s.code)
        .bind(s.party)
        .bind(s.signer_login)
        .bind(s.signer_iin)
        .bind(s.signer_bin)
        .bind(s.signer_name)
        .bind(s.organisation)
        .bind(s.certificate_serial)
        .bind(s.certificate_issuer)
        .bind(s.algorithm)
        .bind(s.cms)
        .bind(s.signing_time)
        .bind(s.received_at)
        .bind(&s.verdict)
        .fetch_optional(pool)
        .await
}

/// The parties that sign an application's document: `parties` of the service, the applicant
/// `applicant` (a login) and the provider organisation `provider`.
pub async fn required_parties(
    pool: &PgPool,
    parties: &[super::SigningParty],
    applicant: &str,
    provider: &str,
) -> sqlx::Result<Vec<Required>> {
    let (iin, bin): (Option<String>, Option<String>) = sqlx::query_as(include_str!("sql/parties.sql"))
        .bind(applicant)
        .bind(provider)
        .fetch_one(pool)
        .await?;
    Ok(parties
        .iter()
        .map(|p| match p {
            super::SigningParty::Applicant => Required {
                party: *p,
                login: Some(applicant.to_string()),
                iin: iin.clone(),
                bin: None,
                org: None,
            },
            super::SigningParty::Provider => Required {
                party: *p,
                login: None,
                iin: None,
                bin: bin.clone(),
                org: Some(provider.to_string()),
            },
        })
        .collect())
}

/// The code and bytes of the document application `id`'s parties sign, once it is kept.
pub async fn content_of_application(pool: &PgPool, id: i64) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as(include_str!("sql/content_of_application.sql")).bind(id).fetch_optional(pool).await
}
