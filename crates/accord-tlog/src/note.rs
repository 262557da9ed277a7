//! C2SP signed-note: text signed by one or more Ed25519 keys.
//!
//! ```text
//! <text, ending in a newline>
//!
//! — <key name> <base64(4-byte key ID ‖ signature)>
//! — <another key name> <…>
//! ```
//!
//! The signed bytes are the text including its final newline. A key is named
//! (no spaces, no `+`) and identified by `key ID = SHA-256(name ‖ 0x0A ‖ 0x01
//! ‖ public key)[:4]` (signed-note §Ed25519 signatures). Keys travel as
//! strings:
//!
//! ```text
//! verifier key  <name>+<hex key ID>+<base64(0x01 ‖ public key)>
//! signer key    PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>
//! ```
//!
//! [`Note::open`] follows the spec and the Go reference (`note.Open`): the
//! whole message must be UTF-8 without control characters other than
//! newline; signatures from unknown keys are kept aside and ignored; a
//! signature from a known key that fails to verify rejects the note; a note
//! with no verified known signature is rejected. Several signatures — the
//! log's and its witnesses' cosignatures — live side by side.
//!
//! A witness cosigns in the C2SP tlog-cosignature format: a key of type
//! [`ALG_COSIGNATURE_V1`] (0x04, its own key ID), whose line holds an 8-byte
//! big-endian timestamp and an Ed25519 signature of `cosignature/v1`,
//! `time <timestamp>` and the checkpoint text ([`Signer::cosign`],
//! [`Verifier::cosigner`]). Witnesses configured before that format sign the
//! text itself under a type 0x01 key; their lines keep verifying as such.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// signed-note signature type for Ed25519.
pub const ALG_ED25519: u8 = 0x01;

/// signed-note signature type of a C2SP tlog-cosignature Ed25519 cosigner
/// (`cosignature/v1`): the signature is a big-endian 8-byte POSIX timestamp
/// followed by an Ed25519 signature of [`cosignature_v1_message`].
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// The first line of the message a `cosignature/v1` signs (tlog-cosignature
/// §Ed25519 signed message), its newline included.
const COSIGNATURE_V1_HEADER: &str = "cosignature/v1\n";

/// Largest timestamp a `cosignature/v1` may carry (tlog-cosignature: it MUST
/// NOT exceed 2^63 - 1).
pub const MAX_COSIGNATURE_TIME: u64 = i64::MAX as u64;

/// Most signature lines [`Note::open`] reads before refusing the note; the
/// spec requires accepting at least 16, Go's reference stops at 100.
pub const MAX_SIGNATURES: usize = 100;

/// The signature line prefix: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note, key or signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// A key name that is empty or contains a space or `+`.
    #[error("key name {0:?} is invalid: it must be non-empty, without spaces or '+'")]
    BadName(String),
    /// A key string that does not follow the format.
    #[error("malformed {kind} key: {reason}")]
    BadKey {
        /// "verifier" or "signer".
        kind: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The key ID in a key string does not match its name and public key.
    #[error("{kind} key ID {given:08x} does not match the key (expected {computed:08x})")]
    KeyIdMismatch {
        /// "verifier" or "signer".
        kind: &'static str,
        /// The ID in the string.
        given: u32,
        /// The ID computed from name and key.
        computed: u32,
    },
    /// A cosignature timestamp above [`MAX_COSIGNATURE_TIME`].
    #[error("cosignature timestamp {0} exceeds 2^63 - 1")]
    BadTimestamp(u64),
    /// The note text is not valid note text.
    #[error("note text is invalid: {0}")]
    BadText(&'static str),
    /// The message is not a well-formed signed note.
    #[error("malformed note: {reason} (line {line})")]
    Malformed {
        /// 1-based line number in the message where the problem is.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// More signature lines than [`MAX_SIGNATURES`].
    #[error("note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    /// A signature by a known key did not verify.
    #[error("signature by {name} (key ID {key_id:08x}) does not verify")]
    InvalidSignature {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
    /// No known key signed the note.
    #[error("note is not signed by any known key (signed by: {signed_by})")]
    Unverified {
        /// Names of the keys that did sign it, comma-separated.
        signed_by: String,
    },
    /// Two verifiers with the same name and key ID were given.
    #[error("two verifiers share name {name} and key ID {key_id:08x}")]
    AmbiguousVerifier {
        /// Key name.
        name: String,
        /// Key ID.
        key_id: u32,
    },
}

/// signed-note key name rule: non-empty, no Unicode spaces, no `+`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(NoteError::BadName(name.to_string()))
    }
}

/// The recommended key ID for an Ed25519 key:
/// `SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]`, big-endian.
pub fn key_id(name: &str, public_key: &VerifyingKey) -> u32 {
    key_id_of(ALG_ED25519, name, public_key)
}

/// The key ID of an Ed25519 `cosignature/v1` cosigner (tlog-cosignature
/// §Format): `SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]`, big-endian.
pub fn cosigner_key_id(name: &str, public_key: &VerifyingKey) -> u32 {
    key_id_of(ALG_COSIGNATURE_V1, name, public_key)
}

/// The message a `cosignature/v1` signs: the header line, `time <timestamp>`
/// and the whole checkpoint note text (tlog-cosignature §Ed25519 signed
/// message).
pub fn cosignature_v1_message(text: &str, timestamp: u64) -> Vec<u8> {
    format!("{COSIGNATURE_V1_HEADER}time {timestamp}\n{text}").into_bytes()
}

fn key_id_of(alg: u8, name: &str, public_key: &VerifyingKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', alg]);
    hasher.update(public_key.as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// A named Ed25519 public key that checks note signatures: plain signed-note
/// signatures (type [`ALG_ED25519`]) or C2SP `cosignature/v1` cosignatures
/// (type [`ALG_COSIGNATURE_V1`]). The type is part of the key: it decides the
/// key ID and what a signature line must hold.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    key_id: u32,
    alg: u8,
    key: VerifyingKey,
}

impl Verifier {
    /// A verifier of plain Ed25519 note signatures by `key` under `name`.
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Verifier {
            name: name.to_string(),
            key_id: key_id(name, &key),
            alg: ALG_ED25519,
            key,
        })
    }

    /// A verifier of `cosignature/v1` cosignatures by `key` under `name`.
    pub fn cosigner(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Verifier {
            name: name.to_string(),
            key_id: cosigner_key_id(name, &key),
            alg: ALG_COSIGNATURE_V1,
            key,
        })
    }

    /// Parses a verifier key string `name+hexid+base64(type ‖ key)`, type
    /// 0x01 (Ed25519) or 0x04 (`cosignature/v1`).
    pub fn from_key_string(vkey: &str) -> Result<Self, NoteError> {
        const KIND: &str = "verifier";
        let bad = |reason| NoteError::BadKey { kind: KIND, reason };
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected name+keyid+key"));
        };
        check_name(name)?;
        let given = parse_key_id(id_hex).ok_or_else(|| bad("key ID must be 8 hex digits"))?;
        let raw = BASE64
            .decode(key_b64)
            .map_err(|_| bad("key is not base64"))?;
        let (&alg, key) = raw.split_first().ok_or_else(|| bad("key is empty"))?;
        if alg != ALG_ED25519 && alg != ALG_COSIGNATURE_V1 {
            return Err(bad(
                "only Ed25519 (type 0x01) and cosignature/v1 (type 0x04) keys are supported",
            ));
        }
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| bad("an Ed25519 public key is 32 bytes"))?;
        let key =
            VerifyingKey::from_bytes(&key).map_err(|_| bad("not a valid Ed25519 public key"))?;
        let verifier = if alg == ALG_COSIGNATURE_V1 {
            Verifier::cosigner(name, key)?
        } else {
            Verifier::new(name, key)?
        };
        if verifier.key_id != given {
            return Err(NoteError::KeyIdMismatch {
                kind: KIND,
                given,
                computed: verifier.key_id,
            });
        }
        Ok(verifier)
    }

    /// The verifier key string `name+hexid+base64(type ‖ key)`.
    pub fn to_key_string(&self) -> String {
        let mut raw = vec![self.alg];
        raw.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(raw))
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The public key.
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The signature type: [`ALG_ED25519`] or [`ALG_COSIGNATURE_V1`].
    pub fn alg(&self) -> u8 {
        self.alg
    }

    /// Whether `signature` (without the key ID prefix) is this key's
    /// signature of `text`: for a cosigner, a timestamp no greater than
    /// [`MAX_COSIGNATURE_TIME`] and a signature of [`cosignature_v1_message`]
    /// (a cosigner makes a statement about a checkpoint, so `text` must be
    /// UTF-8). Uses strict RFC 8032 verification.
    pub fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        if self.alg == ALG_COSIGNATURE_V1 {
            let (Some(timestamp), Ok(text)) =
                (cosignature_timestamp(signature), std::str::from_utf8(text))
            else {
                return false;
            };
            let Ok(sig) = ed25519_dalek::Signature::from_slice(&signature[8..]) else {
                return false;
            };
            return self
                .key
                .verify_strict(&cosignature_v1_message(text, timestamp), &sig)
                .is_ok();
        }
        let Ok(sig) = ed25519_dalek::Signature::from_slice(signature) else {
            return false;
        };
        self.key.verify_strict(text, &sig).is_ok()
    }
}

/// The timestamp of a `cosignature/v1` signature (the signature line's bytes
/// after the key ID): the first 8 bytes, big-endian, if the signature is the
/// 72 bytes of a `timestamped_signature` and the time does not exceed
/// [`MAX_COSIGNATURE_TIME`].
pub fn cosignature_timestamp(signature: &[u8]) -> Option<u64> {
    let (time, rest) = signature.split_first_chunk::<8>()?;
    let timestamp = u64::from_be_bytes(*time);
    (rest.len() == 64 && timestamp <= MAX_COSIGNATURE_TIME).then_some(timestamp)
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_key_string())
    }
}

fn parse_key_id(hex_id: &str) -> Option<u32> {
    if hex_id.len() != 8 || !hex_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex_id, 16).ok()
}

/// A named Ed25519 private key that signs notes.
#[derive(Clone)]
pub struct Signer {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl Signer {
    /// A signer for `key` under `name`.
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Signer {
            name: name.to_string(),
            key_id: key_id(name, &key.verifying_key()),
            key,
        })
    }

    /// A signer from a 32-byte Ed25519 seed (RFC 8032 private key).
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<Self, NoteError> {
        Signer::new(name, SigningKey::from_bytes(seed))
    }

    /// Parses a signer key string `PRIVATE+KEY+name+hexid+base64(0x01 ‖ seed)`.
    pub fn from_key_string(skey: &str) -> Result<Self, NoteError> {
        const KIND: &str = "signer";
        let bad = |reason| NoteError::BadKey { kind: KIND, reason };
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("must start with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(key_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected PRIVATE+KEY+name+keyid+key"));
        };
        check_name(name)?;
        let given = parse_key_id(id_hex).ok_or_else(|| bad("key ID must be 8 hex digits"))?;
        let raw = BASE64
            .decode(key_b64)
            .map_err(|_| bad("key is not base64"))?;
        let (&alg, seed) = raw.split_first().ok_or_else(|| bad("key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(bad("only Ed25519 (type 0x01) keys are supported"));
        }
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| bad("an Ed25519 seed is 32 bytes"))?;
        let signer = Signer::from_seed(name, &seed)?;
        if signer.key_id != given {
            return Err(NoteError::KeyIdMismatch {
                kind: KIND,
                given,
                computed: signer.key_id,
            });
        }
        Ok(signer)
    }

    /// The signer key string. It contains the private key: keep it secret.
    pub fn to_key_string(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(raw)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: self.key_id,
            alg: ALG_ED25519,
            key: self.key.verifying_key(),
        }
    }

    /// The verifier of this key's `cosignature/v1` cosignatures (same name
    /// and public key, the cosigner key ID).
    pub fn cosigner_verifier(&self) -> Verifier {
        Verifier {
            name: self.name.clone(),
            key_id: cosigner_key_id(&self.name, &self.key.verifying_key()),
            alg: ALG_COSIGNATURE_V1,
            key: self.key.verifying_key(),
        }
    }

    /// Cosigns checkpoint note `text` as of `timestamp` (POSIX seconds) in
    /// the C2SP `cosignature/v1` format: the line carries the cosigner key ID
    /// and `timestamp ‖ Ed25519 signature` of [`cosignature_v1_message`].
    /// Refuses a timestamp above [`MAX_COSIGNATURE_TIME`] and text that is
    /// not note text.
    pub fn cosign(&self, text: &str, timestamp: u64) -> Result<NoteSignature, NoteError> {
        check_text(text)?;
        if timestamp > MAX_COSIGNATURE_TIME {
            return Err(NoteError::BadTimestamp(timestamp));
        }
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(
            &self
                .key
                .sign(&cosignature_v1_message(text, timestamp))
                .to_bytes(),
        );
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: cosigner_key_id(&self.name, &self.key.verifying_key()),
            signature,
        })
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Ed25519 private key, for signing log entries under the same identity.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// Signs `text` (which must be valid note text) and returns the
    /// signature line's content.
    pub fn sign(&self, text: &str) -> Result<NoteSignature, NoteError> {
        check_text(text)?;
        Ok(NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
        })
    }
}

impl fmt::Debug for Signer {
    /// Never prints the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.key_id)
    }
}

/// One signature line of a note: key name, key ID and signature bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// Key name.
    pub name: String,
    /// Key ID (first four bytes of the decoded signature field).
    pub key_id: u32,
    /// The signature proper (after the key ID); 64 bytes for Ed25519.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// Formats the line `— name base64(id ‖ sig)` with its newline.
    pub fn to_line(&self) -> String {
        let mut raw = self.key_id.to_be_bytes().to_vec();
        raw.extend_from_slice(&self.signature);
        format!("{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(raw))
    }

    /// Parses one signature line (with or without its newline); `line_no`
    /// is used in errors.
    pub fn parse_line(line: &str, line_no: usize) -> Result<Self, NoteError> {
        let malformed = |reason| NoteError::Malformed {
            line: line_no,
            reason,
        };
        let line = line.strip_suffix('\n').unwrap_or(line);
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or_else(|| malformed("signature line must start with an em dash and a space"))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| malformed("signature line must be: em dash, name, space, base64"))?;
        if !is_valid_name(name) {
            return Err(malformed("invalid key name in signature line"));
        }
        let raw = BASE64
            .decode(b64)
            .map_err(|_| malformed("signature is not standard base64"))?;
        // Four bytes of key ID and at least one byte of signature.
        if raw.len() < 5 {
            return Err(malformed("signature is too short"));
        }
        Ok(NoteSignature {
            name: name.to_string(),
            key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
            signature: raw[4..].to_vec(),
        })
    }
}

/// Checks note text: non-empty, ends in a newline, valid for signing.
fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::BadText("it must end with a newline"));
    }
    if text.chars().any(|c| c < ' ' && c != '\n') {
        return Err(NoteError::BadText(
            "it must not contain control characters other than newline",
        ));
    }
    // The text is separated from the signatures by the last blank line, so a
    // text ending in a blank line could not be told apart on parsing.
    if text.ends_with("\n\n") || text == "\n" {
        return Err(NoteError::BadText("it must not end with a blank line"));
    }
    Ok(())
}

/// A signed note: text and its signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// A note opened against a verifier list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    /// The note text (verified).
    pub text: String,
    /// Signatures by known keys, all verified.
    pub verified: Vec<NoteSignature>,
    /// Signatures by keys not in the verifier list, not checked.
    pub unverified: Vec<NoteSignature>,
}

impl Note {
    /// An unsigned note with `text` (must end with a newline and contain no
    /// control characters other than newline).
    pub fn new(text: &str) -> Result<Self, NoteError> {
        check_text(text)?;
        Ok(Note {
            text: text.to_string(),
            signatures: Vec::new(),
        })
    }

    /// The note text, which the signatures cover.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Signs with `signer` and appends the signature, replacing any earlier
    /// one by the same key (name and key ID).
    pub fn sign(&mut self, signer: &Signer) -> Result<(), NoteError> {
        let sig = signer.sign(&self.text)?;
        self.add_signature(sig);
        Ok(())
    }

    /// Appends a signature made elsewhere (e.g. a witness's cosignature),
    /// replacing any earlier one by the same key. Not verified here.
    pub fn add_signature(&mut self, sig: NoteSignature) {
        self.signatures
            .retain(|s| !(s.name == sig.name && s.key_id == sig.key_id));
        self.signatures.push(sig);
    }

    /// Parses a signed note without verifying it (syntax only).
    pub fn parse(msg: &str) -> Result<Self, NoteError> {
        // signed-note §Format: UTF-8 (guaranteed by &str), no control
        // characters but newline.
        if let Some(pos) = msg.find(|c: char| c < ' ' && c != '\n') {
            let line = msg[..pos].matches('\n').count() + 1;
            return Err(NoteError::Malformed {
                line,
                reason: "control character other than newline",
            });
        }
        // The text is separated from the signatures by the last blank line.
        let split = msg.rfind("\n\n").ok_or(NoteError::Malformed {
            line: msg.matches('\n').count() + 1,
            reason: "no blank line before the signatures",
        })?;
        let text = &msg[..split + 1];
        let sigs = &msg[split + 2..];
        let first_sig_line = text.matches('\n').count() + 2;
        if sigs.is_empty() {
            return Err(NoteError::Malformed {
                line: first_sig_line,
                reason: "no signature lines",
            });
        }
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed {
                line: first_sig_line + sigs.matches('\n').count(),
                reason: "signature lines must end with a newline",
            });
        }
        let mut signatures = Vec::new();
        for (i, line) in sigs.split_terminator('\n').enumerate() {
            if i >= MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(NoteSignature::parse_line(line, first_sig_line + i)?);
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// Parses a note a log stored itself, to find its own signature whatever else was attached:
    /// like [`Note::parse`], but without the limit on signature lines, and skipping lines that
    /// are not signature lines. Never use it on notes from outside (signed-note §Format
    /// requires refusing those); it is for recovering a log's own checkpoints.
    pub fn parse_lenient(msg: &str) -> Result<Self, NoteError> {
        let split = msg.rfind("\n\n").ok_or(NoteError::Malformed {
            line: msg.matches('\n').count() + 1,
            reason: "no blank line before the signatures",
        })?;
        let text = &msg[..split + 1];
        check_text(text)?;
        let signatures = msg[split + 2..]
            .split_terminator('\n')
            .filter_map(|line| NoteSignature::parse_line(line, 0).ok())
            .collect();
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// Whether some signature line by `verifier`'s name and key ID verifies over the text,
    /// whatever other lines (or bad lines under the same name) the note carries.
    pub fn signed_by(&self, verifier: &Verifier) -> bool {
        self.signatures.iter().any(|s| {
            s.name == verifier.name
                && s.key_id == verifier.key_id
                && verifier.verify(self.text.as_bytes(), &s.signature)
        })
    }

    /// Parses bytes as a signed note; non-UTF-8 input is malformed.
    pub fn parse_bytes(msg: &[u8]) -> Result<Self, NoteError> {
        let msg = std::str::from_utf8(msg).map_err(|e| NoteError::Malformed {
            line: msg[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1,
            reason: "not valid UTF-8",
        })?;
        Note::parse(msg)
    }

    /// Checks the signatures against `verifiers` (signed-note §Signatures):
    /// unknown keys are ignored, a known key's bad signature rejects the
    /// note, and at least one known key must have signed.
    pub fn verify(&self, verifiers: &[Verifier]) -> Result<OpenedNote, NoteError> {
        for (i, a) in verifiers.iter().enumerate() {
            if verifiers[..i]
                .iter()
                .any(|b| b.name == a.name && b.key_id == a.key_id)
            {
                return Err(NoteError::AmbiguousVerifier {
                    name: a.name.clone(),
                    key_id: a.key_id,
                });
            }
        }
        let mut verified: Vec<NoteSignature> = Vec::new();
        let mut unverified: Vec<NoteSignature> = Vec::new();
        for sig in &self.signatures {
            let known = verifiers
                .iter()
                .find(|v| v.name == sig.name && v.key_id == sig.key_id);
            match known {
                None => {
                    if !unverified.contains(sig) {
                        unverified.push(sig.clone());
                    }
                }
                Some(v) => {
                    // Like the Go reference, a key's first signature decides.
                    if verified
                        .iter()
                        .any(|s| s.name == sig.name && s.key_id == sig.key_id)
                    {
                        continue;
                    }
                    if !v.verify(self.text.as_bytes(), &sig.signature) {
                        return Err(NoteError::InvalidSignature {
                            name: sig.name.clone(),
                            key_id: sig.key_id,
                        });
                    }
                    verified.push(sig.clone());
                }
            }
        }
        if verified.is_empty() {
            return Err(NoteError::Unverified {
                signed_by: self
                    .signatures
                    .iter()
                    .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(OpenedNote {
            text: self.text.clone(),
            verified,
            unverified,
        })
    }

    /// Parses and verifies a signed note in one step (Go's `note.Open`).
    pub fn open(msg: &[u8], verifiers: &[Verifier]) -> Result<OpenedNote, NoteError> {
        Note::parse_bytes(msg)?.verify(verifiers)
    }
}

impl fmt::Display for Note {
    /// The wire form: text, blank line, signature lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for sig in &self.signatures {
            f.write_str(&sig.to_line())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(name: &str, seed: u8) -> Signer {
        Signer::from_seed(name, &[seed; 32]).unwrap()
    }

    /// The Go reference's documented example (golang.org/x/mod/sumdb/note):
    /// a key pair for "PeterNeumann" and a note it signed.
    const GO_SKEY: &str =
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const GO_MSG: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn go_reference_keys_and_note() {
        let s = Signer::from_key_string(GO_SKEY).unwrap();
        let v = Verifier::from_key_string(GO_VKEY).unwrap();
        assert_eq!(s.verifier(), v);
        assert_eq!(s.to_key_string(), GO_SKEY);
        assert_eq!(v.to_key_string(), GO_VKEY);
        assert_eq!(v.key_id(), 0xc74f20a3);
        let opened = Note::open(GO_MSG.as_bytes(), &[v]).unwrap();
        assert_eq!(
            opened.text,
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        );
        // Ed25519 is deterministic: signing again gives the same bytes.
        let mut note = Note::new(&opened.text).unwrap();
        note.sign(&s).unwrap();
        assert_eq!(note.to_string(), GO_MSG);
    }

    #[test]
    fn cosignatures_and_unknown_keys() {
        let log = signer("example.com/log", 1);
        let witness = signer("witness.example/w1", 2);
        let stranger = signer("stranger.example", 3);
        let mut note = Note::new("example.com/log\n5\nAAAA\n").unwrap();
        note.sign(&log).unwrap();
        note.sign(&witness).unwrap();
        note.sign(&stranger).unwrap();
        let msg = note.to_string();
        let opened = Note::open(msg.as_bytes(), &[log.verifier(), witness.verifier()]).unwrap();
        assert_eq!(opened.verified.len(), 2);
        assert_eq!(opened.unverified.len(), 1);
        // Only the witness known: still verifies; nobody known: refused.
        assert!(Note::open(msg.as_bytes(), &[witness.verifier()]).is_ok());
        assert!(matches!(
            Note::open(msg.as_bytes(), &[signer("other", 9).verifier()]),
            Err(NoteError::Unverified { .. })
        ));
        // Same name, different key: an unknown key, ignored.
        let impostor = signer("example.com/log", 7);
        assert!(matches!(
            Note::open(msg.as_bytes(), &[impostor.verifier()]),
            Err(NoteError::Unverified { .. })
        ));
    }

    #[test]
    fn tampering_is_detected() {
        let log = signer("example.com/log", 1);
        let mut note = Note::new("example.com/log\n5\nAAAA\n").unwrap();
        note.sign(&log).unwrap();
        let msg = note.to_string().replace("\n5\n", "\n6\n");
        assert!(matches!(
            Note::open(msg.as_bytes(), &[log.verifier()]),
            Err(NoteError::InvalidSignature { .. })
        ));
    }

    #[test]
    fn malformed_notes_name_the_line() {
        let err = Note::parse("a\nb\n\nnot a signature\n").unwrap_err();
        assert_eq!(
            err,
            NoteError::Malformed {
                line: 4,
                reason: "signature line must start with an em dash and a space"
            }
        );
        assert!(matches!(
            Note::parse("text\n"),
            Err(NoteError::Malformed { .. })
        ));
        assert!(matches!(
            Note::parse("a\n\n\u{2014} k AAAAAA==\n"),
            Err(NoteError::Malformed { line: 3, .. })
        ));
        assert!(matches!(
            Note::parse("a\tb\n\n"),
            Err(NoteError::Malformed { line: 1, .. })
        ));
        assert!(Note::parse_bytes(b"a\xff\n\n").is_err());
        assert!(Note::new("no newline").is_err());
        assert!(Note::new("ends blank\n\n").is_err());
    }

    #[test]
    fn key_strings_are_checked() {
        let v = signer("example.com/log", 1).verifier().to_key_string();
        let mut parts: Vec<&str> = v.splitn(3, '+').collect();
        assert!(Verifier::from_key_string(&v).is_ok());
        parts[1] = "00000000";
        assert!(matches!(
            Verifier::from_key_string(&parts.join("+")),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        assert!(Verifier::from_key_string("name+1234+AA==").is_err());
        assert!(Signer::from_key_string(&v).is_err());
        assert!(Signer::new("has space", SigningKey::from_bytes(&[1; 32])).is_err());
        assert!(Signer::new("has+plus", SigningKey::from_bytes(&[1; 32])).is_err());
    }

    proptest::proptest! {
        #[test]
        fn signed_notes_round_trip(text in "([^\\x00-\\x1f]{1,20}\n){1,4}", names in proptest::collection::vec("[a-z./]{1,12}", 1..4)) {
            let mut note = Note::new(&text).unwrap();
            let signers: Vec<Signer> = names.iter().enumerate().map(|(i, n)| signer(n, i as u8)).collect();
            for s in &signers {
                note.sign(s).unwrap();
            }
            let msg = note.to_string();
            proptest::prop_assert_eq!(Note::parse(&msg).unwrap(), note.clone());
            let verifiers: Vec<Verifier> = signers.iter().map(Signer::verifier).collect();
            // Repeated names with different seeds are distinct keys; keep the first of each.
            let mut unique: Vec<Verifier> = Vec::new();
            for v in verifiers {
                if !unique.iter().any(|u| u.name() == v.name() && u.key_id() == v.key_id()) {
                    unique.push(v);
                }
            }
            let opened = Note::open(msg.as_bytes(), &unique).unwrap();
            proptest::prop_assert_eq!(opened.text, text);
        }
    }

    #[test]
    fn a_lenient_parse_finds_the_log_signature_among_junk() {
        let log = signer("example.com/log", 1);
        let mut note = Note::new("example.com/log\n5\nAAAA\n").unwrap();
        note.sign(&log).unwrap();
        let mut msg = note.to_string();
        // A bad line under the log's own name and key ID, and more lines than the limit.
        msg.push_str(
            &NoteSignature {
                name: "example.com/log".into(),
                key_id: log.key_id(),
                signature: vec![7; 64],
            }
            .to_line(),
        );
        for i in 0..=MAX_SIGNATURES {
            msg.push_str(
                &NoteSignature {
                    name: format!("junk{i}"),
                    key_id: 1,
                    signature: vec![0; 64],
                }
                .to_line(),
            );
        }
        msg.push_str("not a signature line\n");
        assert_eq!(Note::parse(&msg), Err(NoteError::TooManySignatures));
        let lenient = Note::parse_lenient(&msg).unwrap();
        assert_eq!(lenient.signatures().len(), MAX_SIGNATURES + 3);
        assert!(lenient.signed_by(&log.verifier()));
        assert!(!lenient.signed_by(&signer("example.com/log", 2).verifier()));
    }

    #[test]
    fn too_many_signatures_are_refused() {
        let mut msg = String::from("text\n\n");
        for i in 0..=MAX_SIGNATURES {
            let sig = NoteSignature {
                name: format!("k{i}"),
                key_id: 1,
                signature: vec![0; 64],
            };
            msg.push_str(&sig.to_line());
        }
        assert_eq!(Note::parse(&msg), Err(NoteError::TooManySignatures));
    }

    /// The spec's example checkpoint cosigned at the spec's example time by the key of seed
    /// 9 under "witness.example/w1"; key and line computed outside this crate (Python
    /// `cryptography`, from tlog-cosignature's text).
    const COSIGNED_TEXT: &str =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    const COSIGNER_VKEY: &str =
        "witness.example/w1+24b5d9fe+BP0XJDhaoMdbZPt4zWAvodmR/ev3axPFjtcC6sg16fYY";
    const COSIGNATURE_LINE: &str = "\u{2014} witness.example/w1 JLXZ/gAAAABkGFDLSEwbtADY9t5XeSzDTVuiqYN5nZfoc9NQOUgkPYm4wwjIUL68Nczz1tpzCjnpmnRXttgqVVwOg3WfE7AXqa+DAg==\n";

    #[test]
    fn cosignature_v1_matches_the_independent_vector() {
        let s = signer("witness.example/w1", 9);
        let v = s.cosigner_verifier();
        assert_eq!(v.to_key_string(), COSIGNER_VKEY);
        assert_eq!(Verifier::from_key_string(COSIGNER_VKEY).unwrap(), v);
        assert_eq!(v.alg(), ALG_COSIGNATURE_V1);
        // The cosigner key ID is the 0x04 hash, not the note key's.
        assert_ne!(v.key_id(), s.key_id());
        let sig = s.cosign(COSIGNED_TEXT, 1679315147).unwrap();
        assert_eq!(sig.to_line(), COSIGNATURE_LINE);
        assert_eq!(cosignature_timestamp(&sig.signature), Some(1679315147));
        let mut note = Note::new(COSIGNED_TEXT).unwrap();
        note.add_signature(sig);
        let opened = Note::open(note.to_string().as_bytes(), std::slice::from_ref(&v)).unwrap();
        assert_eq!(opened.verified.len(), 1);
    }

    #[test]
    fn a_cosignature_does_not_verify_once_any_part_changes() {
        let s = signer("witness.example/w1", 9);
        let v = s.cosigner_verifier();
        let sig = s.cosign(COSIGNED_TEXT, 1679315147).unwrap();
        assert!(v.verify(COSIGNED_TEXT.as_bytes(), &sig.signature));
        // Another time in the prefix.
        let mut later = sig.signature.clone();
        later[7] ^= 1;
        assert!(!v.verify(COSIGNED_TEXT.as_bytes(), &later));
        // Another checkpoint.
        assert!(!v.verify(
            b"example.com/behind-the-sofa\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
            &sig.signature
        ));
        // Without the timestamp prefix, or a plain note signature by the same key.
        assert!(!v.verify(COSIGNED_TEXT.as_bytes(), &sig.signature[8..]));
        let plain = s.sign(COSIGNED_TEXT).unwrap();
        assert!(!v.verify(COSIGNED_TEXT.as_bytes(), &plain.signature));
        // And the cosignature is no plain signature either (domain separation).
        assert!(
            !s.verifier()
                .verify(COSIGNED_TEXT.as_bytes(), &sig.signature[8..])
        );
    }

    #[test]
    fn cosignature_timestamps_above_2_pow_63_minus_1_are_refused() {
        let s = signer("w", 3);
        let max = s.cosign(COSIGNED_TEXT, MAX_COSIGNATURE_TIME).unwrap();
        assert!(
            s.cosigner_verifier()
                .verify(COSIGNED_TEXT.as_bytes(), &max.signature)
        );
        assert_eq!(
            s.cosign(COSIGNED_TEXT, MAX_COSIGNATURE_TIME + 1),
            Err(NoteError::BadTimestamp(MAX_COSIGNATURE_TIME + 1))
        );
        // A line claiming a time with the top bit set is refused before any signature check.
        let mut forged = max.signature.clone();
        forged[0] |= 0x80;
        assert_eq!(cosignature_timestamp(&forged), None);
        assert!(
            !s.cosigner_verifier()
                .verify(COSIGNED_TEXT.as_bytes(), &forged)
        );
    }

    #[test]
    fn legacy_plain_witness_signatures_still_verify_beside_cosignatures() {
        // A witness configured before cosignature/v1 (a type 0x01 key) and one after.
        let log = signer("example.com/behind-the-sofa", 1);
        let old = signer("old.witness", 2);
        let new = signer("new.witness", 3);
        let mut note = Note::new(COSIGNED_TEXT).unwrap();
        note.sign(&log).unwrap();
        note.sign(&old).unwrap();
        note.add_signature(new.cosign(COSIGNED_TEXT, 1_800_000_000).unwrap());
        let msg = note.to_string();
        let all = [log.verifier(), old.verifier(), new.cosigner_verifier()];
        assert_eq!(Note::open(msg.as_bytes(), &all).unwrap().verified.len(), 3);
        // The log's key alone still opens it: cosignatures of unknown keys are ignored.
        let opened = Note::open(msg.as_bytes(), &[log.verifier()]).unwrap();
        assert_eq!(opened.unverified.len(), 2);
        // The new witness's note key (type 0x01) does not match its cosignature's key ID.
        assert!(!note.signed_by(&new.verifier()));
    }
}
