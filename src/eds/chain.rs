//! The chain from a signer's certificate to a trust anchor through the certificates a CMS
//! carries: each link matched by name and key identifier and its signature checked (RSA or GOST),
//! so a certificate that copies an anchor's name without its key leads nowhere.

use super::algo::SigError;
use super::cert::Cert;
use super::roots::Anchor;

/// The longest chain followed (signer, intermediates, anchor).
const MAX_DEPTH: usize = 6;

/// Why no chain was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainError {
    /// No path to an anchor whose signatures check.
    Untrusted,
    /// A candidate link is signed with an algorithm this server cannot check.
    Unsupported,
}

/// How a link's signature is checked (the verifier remembers links that checked).
pub type LinkCheck<'a> = &'a dyn Fn(&Cert, &Cert) -> Result<(), SigError>;

/// The chain from `leaf` (first) to an anchor (last), through `pool`.
pub fn build(leaf: &Cert, pool: &[Cert], anchors: &[Anchor]) -> Result<Vec<Cert>, ChainError> {
    build_with(leaf, pool, anchors, &|c: &Cert, i: &Cert| c.signed_by(i))
}

/// As [`build`], checking links with `check`.
pub fn build_with(
    leaf: &Cert,
    pool: &[Cert],
    anchors: &[Anchor],
    check: LinkCheck<'_>,
) -> Result<Vec<Cert>, ChainError> {
    let mut unsupported = false;
    let mut path = vec![leaf.clone()];
    if extend(&mut path, pool, anchors, check, &mut unsupported) {
        Ok(path)
    } else if unsupported {
        Err(ChainError::Unsupported)
    } else {
        Err(ChainError::Untrusted)
    }
}

fn extend(
    path: &mut Vec<Cert>,
    pool: &[Cert],
    anchors: &[Anchor],
    check: LinkCheck<'_>,
    unsupported: &mut bool,
) -> bool {
    let Some(current) = path.last().cloned() else { return false };
    if anchors.iter().any(|a| a.cert.der == current.der) {
        return true;
    }
    for anchor in anchors.iter().filter(|a| current.names_issuer(&a.cert)) {
        match check(&current, &anchor.cert) {
            Ok(()) => {
                path.push(anchor.cert.clone());
                return true;
            }
            Err(SigError::Unsupported) => *unsupported = true,
            Err(SigError::Bad) => {}
        }
    }
    if path.len() + 1 >= MAX_DEPTH {
        return false;
    }
    for candidate in pool.iter().filter(|c| c.is_ca && current.names_issuer(c)) {
        if path.iter().any(|p| p.der == candidate.der) {
            continue;
        }
        match check(&current, candidate) {
            Ok(()) => {
                path.push(candidate.clone());
                if extend(path, pool, anchors, check, unsupported) {
                    return true;
                }
                path.pop();
            }
            Err(SigError::Unsupported) => *unsupported = true,
            Err(SigError::Bad) => {}
        }
    }
    false
}
