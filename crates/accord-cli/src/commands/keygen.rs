//! `accord keygen`: generate an Ed25519 key pair for a party (client side).

use std::path::PathBuf;

use anyhow::Result;

use crate::keyfiles;

/// The flags of `accord keygen`.
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The party id the key is for, e.g. FR, or a witness's id.
    ///
    /// It names the key.
    #[arg(long)]
    party: String,
    /// Where to write the private key; the public key goes to FILE.pub.
    ///
    /// The private key file is readable by its owner only (mode 0600).
    #[arg(long)]
    out: PathBuf,
}

/// Runs `accord keygen`.
pub fn run(args: &KeygenArgs) -> Result<()> {
    let (public, verifier) = keyfiles::generate(&args.party, &args.out)?;
    println!("private key: {} (keep it secret)", args.out.display());
    println!("public key:  {}", public.display());
    println!("{}", verifier.to_key_string());
    Ok(())
}
