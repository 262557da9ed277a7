//! Any bytes read as a signed log entry (`SignedEntry::from_bytes`, what the hub and `accord
//! log verify` read from a tile's bundle), or as the JSON submission shape the write endpoints
//! take (`{"entry": …, "body": …}`, canonicalised per RFC 8785 then read as an entry), are
//! parsed without panicking; an entry that parses writes back to bytes that parse to the same
//! entry, and its signature check answers rather than panics.
#![no_main]

use accord_tlog::entry::{SignedEntry, body_sha256, canonical_json};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn check(entry: &SignedEntry) {
    let _ = entry.envelope.validate();
    let bytes = entry.to_bytes().expect("a parsed entry serialises");
    let again = SignedEntry::from_bytes(&bytes).expect("a written entry parses");
    assert_eq!(
        again.envelope.canonical_bytes().ok(),
        entry.envelope.canonical_bytes().ok()
    );
    assert_eq!(again.signature, entry.signature);
    if let Ok(key) = entry.envelope.signer()
        && let Ok(message) = entry.envelope.canonical_bytes()
    {
        let _ = key.verify_strict(&message, &entry.signature);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(entry) = SignedEntry::from_bytes(data) {
        check(&entry);
    }
    let Ok(Value::Object(submission)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Some(entry) = submission.get("entry")
        && let Ok(bytes) = canonical_json(entry)
        && let Ok(entry) = SignedEntry::from_bytes(&bytes)
    {
        check(&entry);
    }
    if let Some(body) = submission.get("body")
        && let Ok(bytes) = canonical_json(body)
    {
        // Canonical JSON is a fixed point: canonicalising it again changes nothing.
        let reparsed: Value = serde_json::from_slice(&bytes).expect("canonical JSON parses");
        assert_eq!(
            canonical_json(&reparsed).ok().as_deref(),
            Some(bytes.as_slice())
        );
        let _ = body_sha256(&bytes);
    }
});
