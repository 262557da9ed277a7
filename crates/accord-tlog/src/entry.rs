//! Log entries: a canonical JSON envelope signed by its submitter.
//!
//! Every write to Accord becomes one log entry. The entry does not carry the
//! record itself, only a commitment to it, so a TLP:RED record is provable
//! without being disclosed; bodies live beside the log and are released by
//! the read rules.
//!
//! ```text
//! envelope = {"body_salted_sha256":"…","id":"…","kind":"incident","signer_key":"…",
//!             "submitted_at":"2026-11-29T10:00:00Z","submitter":"…","tlp":"amber", …}
//! signature = Ed25519(submitter's key, RFC8785(envelope))
//! entry bytes = RFC8785({"envelope": envelope, "signature": base64(signature)})
//! ```
//!
//! **The commitment.** A new entry commits with `body_salted_sha256` = SHA-256(salt ‖ body),
//! where the salt is 32 random bytes kept beside the body and released with it, to exactly
//! the readers the body is released to. A plain hash of a withheld body could be inverted by
//! guessing whenever the body is predictable (an indicator of one IPv4 address is found in
//! about 2^32 tries, far fewer with a known prefix); without the salt there is nothing to
//! test a guess against. Entries written before salting carry `body_sha256` = SHA-256(body)
//! instead; [`Envelope::commits_to`] understands both, so old logs keep verifying.
//!
//! The entry bytes are what the log hashes (`leaf = SHA-256(0x00 ‖ bytes)`)
//! and what entry bundles carry. They must be exactly the canonical form, so
//! each entry has one byte string and re-encoding can never change a leaf.
//! An entry larger than 65,535 bytes cannot be bundled and is refused.
//!
//! Numbers in extra fields must be I-JSON integers (|n| ≤ 2^53) or plain
//! floats: RFC 8785 writes every number as an IEEE double, so a larger
//! integer would be signed as a different value than the submitter meant.

use std::fmt;

use accord_tlp::Tlp;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::merkle::{Hash, leaf_hash};
use crate::tiles::MAX_ENTRY_SIZE;

/// Field names the envelope defines; extra fields may not reuse them.
const RESERVED: [&str; 8] = [
    "kind",
    "id",
    "submitter",
    "submitted_at",
    "body_sha256",
    "body_salted_sha256",
    "tlp",
    "signer_key",
];

/// Length in bytes of a body salt.
pub const SALT_LEN: usize = 32;

/// Largest integer every RFC 8785 implementation represents exactly (2^53).
const MAX_SAFE_INTEGER: u64 = 1 << 53;

/// The signed part of a log entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// What was written: `incident`, `indicator`, `key`, …
    pub kind: String,
    /// Unique id of the write; the store refuses a second entry with it.
    pub id: String,
    /// The submitting party's id.
    pub submitter: String,
    /// When it was submitted, RFC 3339 UTC (the store checks the format).
    pub submitted_at: String,
    /// Lower-case hex SHA-256 of the body bytes (see [`body_sha256`]): the commitment of
    /// entries written before salting. Exactly one of this and `body_salted_sha256` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<String>,
    /// Lower-case hex SHA-256 of a 32-byte salt followed by the body bytes (see
    /// [`body_salted_sha256`]): the commitment of new entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_salted_sha256: Option<String>,
    /// The body's TLP marking.
    pub tlp: Tlp,
    /// Base64 of the Ed25519 public key that signed the envelope.
    pub signer_key: String,
    /// Further fields, signed like the rest.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A signed envelope: one log entry.
#[derive(Clone, PartialEq)]
pub struct SignedEntry {
    /// The envelope.
    pub envelope: Envelope,
    /// Ed25519 signature over the envelope's canonical bytes.
    pub signature: ed25519_dalek::Signature,
}

/// The on-the-wire shape of a signed entry.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEntry {
    envelope: Envelope,
    signature: String,
}

/// Why an entry was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// A required envelope field is empty or malformed.
    #[error("envelope field {field}: {reason}")]
    Field {
        /// Field name.
        field: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The entry would not fit in an entry bundle.
    #[error(
        "entry is {size} bytes; a log entry may be at most {MAX_ENTRY_SIZE} bytes (shorten the envelope's extra fields)"
    )]
    TooLarge {
        /// Its canonical size.
        size: usize,
    },
    /// The bytes are not a JSON signed entry.
    #[error("entry is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// The bytes are valid but not in RFC 8785 canonical form.
    #[error("entry bytes are not RFC 8785 canonical JSON")]
    NotCanonical,
    /// The signature field is not a base64 Ed25519 signature.
    #[error("entry signature is not the base64 of 64 bytes")]
    BadSignatureEncoding,
    /// `signer_key` is not a base64 Ed25519 public key.
    #[error("signer_key is not the base64 of an Ed25519 public key")]
    BadSignerKey,
    /// The key given to verify is not the one named in the envelope.
    #[error("entry was signed by key {named}, not by the key given")]
    WrongKey {
        /// The key named in the envelope.
        named: String,
    },
    /// The signature does not verify.
    #[error("entry signature does not verify")]
    BadSignature,
}

/// RFC 8785 canonical JSON of any serializable value.
pub fn canonical_json<T: Serialize>(value: &T) -> Result<Vec<u8>, EntryError> {
    Ok(serde_json_canonicalizer::to_vec(value)?)
}

/// Lower-case hex SHA-256 of a body, for [`Envelope::body_sha256`].
pub fn body_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Lower-case hex SHA-256 of `salt` followed by the body, for
/// [`Envelope::body_salted_sha256`].
pub fn body_salted_sha256(salt: &[u8; SALT_LEN], body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(body);
    hex::encode(h.finalize())
}

fn is_hex_digest(digest: &str) -> bool {
    digest.len() == 64
        && digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn field_err(field: &str, reason: &'static str) -> EntryError {
    EntryError::Field {
        field: field.to_string(),
        reason,
    }
}

impl Envelope {
    /// Checks the envelope's fields.
    pub fn validate(&self) -> Result<(), EntryError> {
        for (field, value) in [
            ("kind", &self.kind),
            ("id", &self.id),
            ("submitter", &self.submitter),
            ("submitted_at", &self.submitted_at),
        ] {
            if value.is_empty() {
                return Err(field_err(field, "must not be empty"));
            }
        }
        match (&self.body_sha256, &self.body_salted_sha256) {
            (Some(d), None) if is_hex_digest(d) => {}
            (None, Some(d)) if is_hex_digest(d) => {}
            (Some(_), None) => {
                return Err(field_err("body_sha256", "must be 64 lower-case hex digits"));
            }
            (None, Some(_)) => {
                return Err(field_err(
                    "body_salted_sha256",
                    "must be 64 lower-case hex digits",
                ));
            }
            _ => {
                return Err(field_err(
                    "body_salted_sha256",
                    "the envelope needs exactly one of body_salted_sha256 and body_sha256",
                ));
            }
        }
        self.signer()?;
        for (name, value) in &self.extra {
            if RESERVED.contains(&name.as_str()) {
                return Err(field_err(name, "is reserved by the envelope"));
            }
            check_numbers(name, value)?;
        }
        Ok(())
    }

    /// Whether the envelope commits to `body`: with `salt` when the commitment is salted, by
    /// the plain hash for an entry written before salting (which takes no salt).
    pub fn commits_to(&self, body: &[u8], salt: Option<&[u8]>) -> bool {
        match (&self.body_salted_sha256, &self.body_sha256) {
            (Some(digest), _) => salt
                .and_then(|s| <&[u8; SALT_LEN]>::try_from(s).ok())
                .is_some_and(|s| body_salted_sha256(s, body) == *digest),
            (None, Some(digest)) => salt.is_none() && body_sha256(body) == *digest,
            (None, None) => false,
        }
    }

    /// RFC 8785 canonical bytes: what the submitter signs.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, EntryError> {
        canonical_json(self)
    }

    /// The public key named in `signer_key`.
    pub fn signer(&self) -> Result<VerifyingKey, EntryError> {
        // Decoding a key decompresses a curve point, a tenth of the cost of checking a
        // signature, and a log holds few keys: remember this thread's recent ones. The cache
        // is a pure function's memo (same text, same key), so it cannot change an answer.
        thread_local! {
            static RECENT: std::cell::RefCell<std::collections::HashMap<String, VerifyingKey>> =
                std::cell::RefCell::new(std::collections::HashMap::new());
        }
        if let Some(key) = RECENT.with(|r| r.borrow().get(&self.signer_key).copied()) {
            return Ok(key);
        }
        let raw = BASE64
            .decode(&self.signer_key)
            .map_err(|_| EntryError::BadSignerKey)?;
        let raw: [u8; 32] = raw.try_into().map_err(|_| EntryError::BadSignerKey)?;
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| EntryError::BadSignerKey)?;
        RECENT.with(|r| {
            let mut r = r.borrow_mut();
            // Bounded: a log with many keys only loses the memo, never grows it without end.
            if r.len() >= 1024 {
                r.clear();
            }
            r.insert(self.signer_key.clone(), key);
        });
        Ok(key)
    }

    /// Base64 of a public key, the form `signer_key` holds.
    pub fn encode_key(key: &VerifyingKey) -> String {
        BASE64.encode(key.as_bytes())
    }
}

/// I-JSON (RFC 7493 §2.2): integers beyond ±2^53 do not survive RFC 8785.
fn check_numbers(field: &str, value: &serde_json::Value) -> Result<(), EntryError> {
    match value {
        serde_json::Value::Number(n) => {
            let too_big = n.as_u64().is_some_and(|u| u > MAX_SAFE_INTEGER)
                || n.as_i64()
                    .is_some_and(|i| i.unsigned_abs() > MAX_SAFE_INTEGER);
            if too_big {
                return Err(field_err(
                    field,
                    "holds an integer beyond ±2^53, which RFC 8785 cannot keep exact",
                ));
            }
            Ok(())
        }
        serde_json::Value::Array(items) => items.iter().try_for_each(|v| check_numbers(field, v)),
        serde_json::Value::Object(map) => map.values().try_for_each(|v| check_numbers(field, v)),
        _ => Ok(()),
    }
}

/// What an entry adds around its canonical envelope: `{"envelope":`, `,"signature":"`, the
/// base64 of a 64-byte signature, `"}` (RFC 8785 puts `envelope` before `signature`, and
/// base64 needs no escaping).
const WIRE_FRAMING: usize = 12 + 14 + 88 + 2;

impl SignedEntry {
    /// Signs `envelope` with `key`, which must be the key its `signer_key`
    /// names. Refuses envelopes whose entry would exceed 65,535 bytes.
    pub fn sign(envelope: Envelope, key: &SigningKey) -> Result<Self, EntryError> {
        envelope.validate()?;
        let public = key.verifying_key();
        if envelope.signer()? != public {
            return Err(EntryError::WrongKey {
                named: envelope.signer_key.clone(),
            });
        }
        let message = envelope.canonical_bytes()?;
        // Refuse now rather than at append time. The entry is the envelope in fixed framing,
        // so its size is known without canonicalising the envelope a second time.
        let size = message.len() + WIRE_FRAMING;
        if size > MAX_ENTRY_SIZE {
            return Err(EntryError::TooLarge { size });
        }
        let signature = key.sign(&message);
        Ok(SignedEntry {
            envelope,
            signature,
        })
    }

    /// The entry bytes the log stores and hashes (canonical JSON).
    pub fn to_bytes(&self) -> Result<Vec<u8>, EntryError> {
        let wire = WireEntry {
            envelope: self.envelope.clone(),
            signature: BASE64.encode(self.signature.to_bytes()),
        };
        let bytes = canonical_json(&wire)?;
        if bytes.len() > MAX_ENTRY_SIZE {
            return Err(EntryError::TooLarge { size: bytes.len() });
        }
        Ok(bytes)
    }

    /// Parses entry bytes, requiring the exact canonical form and a valid
    /// envelope. Does not check the signature; see [`SignedEntry::verify`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EntryError> {
        if bytes.len() > MAX_ENTRY_SIZE {
            return Err(EntryError::TooLarge { size: bytes.len() });
        }
        let wire: WireEntry = serde_json::from_slice(bytes)?;
        if canonical_json(&wire)? != bytes {
            return Err(EntryError::NotCanonical);
        }
        let raw = BASE64
            .decode(&wire.signature)
            .map_err(|_| EntryError::BadSignatureEncoding)?;
        let signature = ed25519_dalek::Signature::from_slice(&raw)
            .map_err(|_| EntryError::BadSignatureEncoding)?;
        wire.envelope.validate()?;
        Ok(SignedEntry {
            envelope: wire.envelope,
            signature,
        })
    }

    /// Verifies the signature with `key`, which must be the key the
    /// envelope names. The caller decides whether that key belongs to the
    /// submitter and was current at `submitted_at`.
    pub fn verify(&self, key: &VerifyingKey) -> Result<(), EntryError> {
        if self.envelope.signer()? != *key {
            return Err(EntryError::WrongKey {
                named: self.envelope.signer_key.clone(),
            });
        }
        key.verify_strict(&self.envelope.canonical_bytes()?, &self.signature)
            .map_err(|_| EntryError::BadSignature)
    }

    /// Verifies the signature with the key the envelope names (integrity
    /// only: it says nothing about whom that key belongs to).
    pub fn verify_self_signed(&self) -> Result<(), EntryError> {
        self.verify(&self.envelope.signer()?)
    }

    /// The RFC 9162 leaf hash of the entry bytes.
    pub fn leaf_hash(&self) -> Result<Hash, EntryError> {
        Ok(leaf_hash(&self.to_bytes()?))
    }
}

/// The envelope's canonical bytes inside canonical entry bytes: what the signature is over.
///
/// RFC 8785 serialises a nested object exactly as it would serialise it alone, so in an entry
/// that [`SignedEntry::from_bytes`] accepted (canonical, members `envelope` then `signature`)
/// the envelope's canonical form is the text between `{"envelope":` and the last
/// `,"signature":"`. (That pattern cannot occur inside a JSON string, where `"` is escaped, and
/// nothing after the top-level one contains it: the signature is base64.) This spares
/// re-serialising the envelope to check a signature. Returns `None` when `bytes` do not have
/// that shape.
pub fn envelope_bytes(bytes: &[u8]) -> Option<&[u8]> {
    const HEAD: &[u8] = b"{\"envelope\":";
    const SEP: &[u8] = b",\"signature\":\"";
    let rest = bytes.strip_prefix(HEAD)?;
    let end = rest.windows(SEP.len()).rposition(|w| w == SEP)?;
    Some(&rest[..end])
}

/// One signature [`verify_signatures`] checks: the signed message (an envelope's canonical
/// bytes), the signature and the key it must verify with.
#[derive(Clone, Copy, Debug)]
pub struct SignatureCheck<'a> {
    /// The signed bytes.
    pub message: &'a [u8],
    /// The signature.
    pub signature: ed25519_dalek::Signature,
    /// The key.
    pub key: VerifyingKey,
}

/// Checks many signatures at once with Ed25519 batch verification, about twice as fast per
/// signature as one at a time; when the batch fails, checks each with `verify_strict` (as
/// [`SignedEntry::verify`] does) and returns the position of the first that fails.
///
/// Batch verification (ed25519-dalek's `verify_batch`: one multiscalar multiplication over the
/// cofactorless equations, with 128-bit coefficients derived from the whole batch) accepts
/// exactly the signatures that verify one by one, except signatures crafted with small-order
/// components, which only the holder of the signing key can make and which `verify_strict`
/// refuses. Use it where speed over many entries matters (auditing a whole log); the hub's
/// write path keeps `verify_strict` for every submission, so such a signature never enters a
/// log it runs.
pub fn verify_signatures(checks: &[SignatureCheck<'_>]) -> Result<(), usize> {
    if checks.is_empty() {
        return Ok(());
    }
    let messages: Vec<&[u8]> = checks.iter().map(|c| c.message).collect();
    let signatures: Vec<ed25519_dalek::Signature> = checks.iter().map(|c| c.signature).collect();
    let keys: Vec<VerifyingKey> = checks.iter().map(|c| c.key).collect();
    if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
        return Ok(());
    }
    match checks
        .iter()
        .position(|c| c.key.verify_strict(c.message, &c.signature).is_err())
    {
        Some(i) => Err(i),
        // The batch failed but every signature verifies alone: only possible for crafted
        // small-order components that cancel differently; name none (all pass strict).
        None => Ok(()),
    }
}

impl fmt::Debug for SignedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedEntry")
            .field("envelope", &self.envelope)
            .field("signature", &BASE64.encode(self.signature.to_bytes()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn envelope(signer: &SigningKey) -> Envelope {
        Envelope {
            kind: "incident".into(),
            id: "inc-1".into(),
            submitter: "party:fr".into(),
            submitted_at: "2026-11-29T10:00:00Z".into(),
            body_sha256: None,
            body_salted_sha256: Some(body_salted_sha256(&[9; SALT_LEN], b"{}")),
            tlp: Tlp::Red,
            signer_key: Envelope::encode_key(&signer.verifying_key()),
            extra: serde_json::Map::new(),
        }
    }

    #[test]
    fn a_salted_commitment_needs_its_salt_and_a_plain_one_keeps_verifying() {
        let k = key(1);
        let entry = SignedEntry::sign(envelope(&k), &k).unwrap();
        let env = &entry.envelope;
        assert!(env.commits_to(b"{}", Some(&[9; SALT_LEN])));
        // Guessing the body is useless without the salt; a wrong salt or body fails.
        assert!(!env.commits_to(b"{}", None));
        assert!(!env.commits_to(b"{}", Some(&[8; SALT_LEN])));
        assert!(!env.commits_to(b"{}", Some(&[9; 31])));
        assert!(!env.commits_to(b"[]", Some(&[9; SALT_LEN])));
        // An entry written before salting: the plain SHA-256, and no salt.
        let mut old = envelope(&k);
        old.body_salted_sha256 = None;
        old.body_sha256 = Some(body_sha256(b"{}"));
        let old = SignedEntry::sign(old, &k).unwrap();
        let parsed = SignedEntry::from_bytes(&old.to_bytes().unwrap()).unwrap();
        assert!(parsed.envelope.commits_to(b"{}", None));
        assert!(!parsed.envelope.commits_to(b"[]", None));
        assert!(
            String::from_utf8(old.to_bytes().unwrap())
                .unwrap()
                .contains("\"body_sha256\"")
        );
    }

    #[test]
    fn rfc8785_examples() {
        // RFC 8785 §3.2.2 / Appendix: numbers and string escapes.
        // The input text exactly as RFC 8785 §3.2.2 gives it.
        let input: serde_json::Value = serde_json::from_str(
            r#"{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"#,
        )
        .unwrap();
        let out = String::from_utf8(canonical_json(&input).unwrap()).unwrap();
        assert_eq!(
            out,
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
        // RFC 8785 §3.2.3: keys sort by UTF-16 code units, not UTF-8 bytes.
        let sorting = json!({"\u{20ac}": "Euro Sign", "\r": "Carriage Return", "\u{fb33}": "Hebrew Letter Dalet With Dagesh", "1": "One", "\u{1f600}": "Emoji: Grinning Face", "\u{0080}": "Control", "\u{00f6}": "Latin Small Letter O With Diaeresis"});
        let out = String::from_utf8(canonical_json(&sorting).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    #[test]
    fn sign_serialize_parse_verify() {
        let k = key(1);
        let mut env = envelope(&k);
        env.extra.insert("principles".into(), json!([1, 2]));
        let entry = SignedEntry::sign(env, &k).unwrap();
        let bytes = entry.to_bytes().unwrap();
        let parsed = SignedEntry::from_bytes(&bytes).unwrap();
        assert_eq!(parsed, entry);
        parsed.verify(&k.verifying_key()).unwrap();
        parsed.verify_self_signed().unwrap();
        assert!(matches!(
            parsed.verify(&key(2).verifying_key()),
            Err(EntryError::WrongKey { .. })
        ));
        assert_eq!(entry.leaf_hash().unwrap(), leaf_hash(&bytes));
    }

    #[test]
    fn tampered_or_noncanonical_entries_fail() {
        let k = key(1);
        let entry = SignedEntry::sign(envelope(&k), &k).unwrap();
        let text = String::from_utf8(entry.to_bytes().unwrap()).unwrap();
        let tampered = text.replace("\"red\"", "\"clear\"");
        let parsed = SignedEntry::from_bytes(tampered.as_bytes()).unwrap();
        assert!(matches!(
            parsed.verify_self_signed(),
            Err(EntryError::BadSignature)
        ));
        let spaced = text.replacen(':', ": ", 1);
        assert!(matches!(
            SignedEntry::from_bytes(spaced.as_bytes()),
            Err(EntryError::NotCanonical)
        ));
    }

    #[test]
    fn signing_with_another_key_is_refused() {
        let env = envelope(&key(1));
        assert!(matches!(
            SignedEntry::sign(env, &key(2)),
            Err(EntryError::WrongKey { .. })
        ));
    }

    #[test]
    fn bad_envelopes_are_refused() {
        let k = key(1);
        let mut env = envelope(&k);
        env.body_salted_sha256 = Some("ABC".into());
        assert!(
            matches!(SignedEntry::sign(env, &k), Err(EntryError::Field { field, .. }) if field == "body_salted_sha256")
        );
        // Exactly one commitment.
        let mut env = envelope(&k);
        env.body_sha256 = Some(body_sha256(b"{}"));
        assert!(SignedEntry::sign(env, &k).is_err());
        let mut env = envelope(&k);
        env.body_salted_sha256 = None;
        assert!(SignedEntry::sign(env, &k).is_err());
        let mut env = envelope(&k);
        env.extra.insert("kind".into(), json!("other"));
        assert!(
            matches!(SignedEntry::sign(env, &k), Err(EntryError::Field { field, .. }) if field == "kind")
        );
        let mut env = envelope(&k);
        env.extra
            .insert("n".into(), json!(9_007_199_254_740_993u64));
        assert!(matches!(
            SignedEntry::sign(env, &k),
            Err(EntryError::Field { .. })
        ));
        let mut env = envelope(&k);
        env.id = String::new();
        assert!(SignedEntry::sign(env, &k).is_err());
    }

    #[test]
    fn an_entry_is_its_canonical_envelope_in_fixed_framing() {
        let k = key(1);
        let mut env = envelope(&k);
        for extra in [
            json!(null),
            json!("é\u{2028}\"quoted\""),
            json!({"b": [1, 2.5], "a": "z"}),
        ] {
            env.extra.insert("x_note".into(), extra);
            let entry = SignedEntry::sign(env.clone(), &k).unwrap();
            assert_eq!(
                entry.to_bytes().unwrap().len(),
                env.canonical_bytes().unwrap().len() + WIRE_FRAMING
            );
        }
        // The limit holds to the byte: an entry of exactly the maximum signs, one more does not.
        let mut env = envelope(&k);
        env.extra.insert("x_note".into(), json!(""));
        let base = env.canonical_bytes().unwrap().len() + WIRE_FRAMING;
        env.extra
            .insert("x_note".into(), json!("x".repeat(MAX_ENTRY_SIZE - base)));
        let entry = SignedEntry::sign(env.clone(), &k).unwrap();
        assert_eq!(entry.to_bytes().unwrap().len(), MAX_ENTRY_SIZE);
        env.extra.insert(
            "x_note".into(),
            json!("x".repeat(MAX_ENTRY_SIZE - base + 1)),
        );
        assert!(matches!(
            SignedEntry::sign(env, &k),
            Err(EntryError::TooLarge { size }) if size == MAX_ENTRY_SIZE + 1
        ));
    }

    #[test]
    fn oversize_entries_are_refused_not_truncated() {
        let k = key(1);
        let mut env = envelope(&k);
        env.extra
            .insert("note".into(), json!("x".repeat(MAX_ENTRY_SIZE)));
        match SignedEntry::sign(env, &k) {
            Err(EntryError::TooLarge { size }) => assert!(size > MAX_ENTRY_SIZE),
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert!(matches!(
            SignedEntry::from_bytes(&vec![b' '; MAX_ENTRY_SIZE + 1]),
            Err(EntryError::TooLarge { .. })
        ));
    }

    #[test]
    fn envelope_bytes_are_the_canonical_envelope_even_with_tricky_extras() {
        let k = key(4);
        let mut env = envelope(&k);
        // Extra members that look like the separator, nested and inside strings.
        env.extra.insert(
            "z".into(),
            json!({"a": 1, "signature": "x", "s": ",\"signature\":\""}),
        );
        env.extra
            .insert("note".into(), json!(",\"signature\":\"AAAA"));
        let entry = SignedEntry::sign(env, &k).unwrap();
        let bytes = entry.to_bytes().unwrap();
        assert_eq!(
            envelope_bytes(&bytes).unwrap(),
            entry.envelope.canonical_bytes().unwrap().as_slice()
        );
        let plain = SignedEntry::sign(envelope(&k), &k).unwrap();
        let bytes = plain.to_bytes().unwrap();
        assert_eq!(
            envelope_bytes(&bytes).unwrap(),
            plain.envelope.canonical_bytes().unwrap().as_slice()
        );
        assert!(envelope_bytes(b"{\"signature\":\"x\"}").is_none());
        assert!(envelope_bytes(b"{\"envelope\":{}}").is_none());
    }

    #[test]
    fn batch_verification_names_the_first_bad_signature() {
        let signers: Vec<SigningKey> = (0..3).map(key).collect();
        let messages: Vec<Vec<u8>> = (0..100).map(|i| format!("m{i}").into_bytes()).collect();
        let checks = |bad: &[usize]| -> Vec<SignatureCheck<'_>> {
            messages
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let k = &signers[i % 3];
                    let signed: &[u8] = if bad.contains(&i) { b"other" } else { m };
                    SignatureCheck {
                        message: m,
                        signature: k.sign(signed),
                        key: k.verifying_key(),
                    }
                })
                .collect()
        };
        assert_eq!(verify_signatures(&checks(&[])), Ok(()));
        assert_eq!(verify_signatures(&[]), Ok(()));
        assert_eq!(verify_signatures(&checks(&[0])), Err(0));
        assert_eq!(verify_signatures(&checks(&[99, 41])), Err(41));
        // The right signature under the wrong key fails too.
        let mut swapped = checks(&[]);
        swapped[7].key = signers[0].verifying_key();
        swapped[7].signature = signers[1].sign(swapped[7].message);
        assert_eq!(verify_signatures(&swapped), Err(7));
    }
}
