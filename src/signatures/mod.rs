//! Documents signed by their parties with NCA EDS (HC-1, APP-2): which parties must sign an
//! output document, the bytes they sign, each party's signature as received and checked, and the
//! rules that decide whether a signer may sign for a party.
//!
//! A signature is a detached CMS over exactly the stored bytes of the document
//! ([`store::content`]). It is checked by [`crate::eds::Verifier`] for the SIGN purpose when it
//! arrives and again whenever it is shown (`still_valid`), at the time it was received: a
//! certificate that expires or is revoked later does not undo a signature made before.
//!
//! - [`rules`]: who may sign for which party (pure);
//! - [`store`]: the SQL of contents and signatures.

pub mod rules;
pub mod store;

pub use crate::applications::service::templates::SigningParty;
