//! Party keys on disk: `accord keygen` writes them, `submit` and `witness` sign with them,
//! `keys add` reads the public half.
//!
//! A private key is a C2SP signed-note signer key string named after the party
//! (`PRIVATE+KEY+FR+…`), so the same key signs log entries and witness cosignatures. The public
//! half is the matching verifier key string (`FR+1a2b3c4d+AQ…`).

use std::path::{Path, PathBuf};

use accord_tlog::note::{Signer, Verifier};
use anyhow::{Context, Result, bail};

/// Generates a key for `name`, writing the private key (mode 0600) to `out` and the verifier
/// key string to `out.pub`. Refuses to overwrite either.
pub fn generate(name: &str, out: &Path) -> Result<(PathBuf, Verifier)> {
    let seed = accord_store::log::random_seed()?;
    let signer = Signer::from_seed(name, &seed)
        .with_context(|| format!("{name:?} cannot name a key (no spaces, `+` or newlines)"))?;
    let public = pub_path(out);
    if public.exists() {
        bail!("{} exists; not overwriting a key", public.display());
    }
    accord_store::log::write_private(out, &signer.to_key_string())
        .with_context(|| format!("cannot create {} (it must not exist yet)", out.display()))?;
    let verifier = signer.verifier();
    std::fs::write(&public, format!("{}\n", verifier.to_key_string()))
        .with_context(|| format!("cannot write {}", public.display()))?;
    Ok((public, verifier))
}

/// `FILE.pub` beside `FILE`.
pub fn pub_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Reads a private key file written by `accord keygen`.
pub fn read_signer(path: &Path) -> Result<Signer> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key {}", path.display()))?;
    Signer::from_key_string(text.trim()).with_context(|| {
        format!(
            "{} is not an accord private key (make one with `accord keygen`)",
            path.display()
        )
    })
}

/// Reads a public key file: a verifier key string, or the base64 of a raw Ed25519 key.
pub fn read_public(path: &Path) -> Result<ed25519_dalek::VerifyingKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read public key {}", path.display()))?;
    let text = text.trim();
    if let Ok(v) = Verifier::from_key_string(text) {
        return Ok(*v.public_key());
    }
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .with_context(|| {
            format!(
                "{} holds neither a verifier key string (NAME+KEYID+BASE64) nor a base64 Ed25519 public key",
                path.display()
            )
        })?;
    ed25519_dalek::VerifyingKey::from_bytes(&raw)
        .with_context(|| format!("{} is not a valid Ed25519 public key", path.display()))
}

/// A verifier key given as a string or a file holding one.
pub fn verifier_arg(value: &str) -> Result<Verifier> {
    let text = if Path::new(value).is_file() {
        std::fs::read_to_string(value).with_context(|| format!("cannot read {value}"))?
    } else {
        value.to_owned()
    };
    Verifier::from_key_string(text.trim())
        .with_context(|| format!("{value:?} is not a verifier key string (NAME+KEYID+BASE64)"))
}
