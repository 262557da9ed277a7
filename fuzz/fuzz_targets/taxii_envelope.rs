//! Any bytes POSTed as a TAXII 2.1 envelope go through what the hub does with them before
//! signing (`accord_store::sharing::prepare_object` and `check_object_times`, object by
//! object) without panicking, and
//! an object the hub accepts is what it says: its id and type as submitted, a canonical body
//! within the size limit that parses back to the object, and a TLP level.
#![no_main]

use accord_store::sharing::{
    Collection, MAX_OBJECT_BYTES, Member, Unenforceable, check_object_times, prepare_object,
};
use accord_tlp::Tlp;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn collection() -> Collection {
    Collection {
        id: "5b8e3c2a-1d4f-4e6a-9b7c-0a1b2c3d4e5f".into(),
        title: "fuzz".into(),
        description: None,
        members: vec![Member {
            party: "FR".into(),
            can_read: true,
            can_write: true,
        }],
        default_tlp: Tlp::Amber,
        anonymous_read: false,
        mirror: None,
    }
}

fuzz_target!(|data: &[u8]| {
    // What the TAXII handler does with the body: JSON, then the `objects` list.
    let Ok(mut envelope) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Some(Value::Array(objects)) = envelope.get_mut("objects").map(Value::take) else {
        return;
    };
    let collection = collection();
    for value in objects {
        // A replayed entry's unenforceable marking is held at RED; a new one is refused.
        let held = prepare_object(&collection, "FR", value.clone(), Unenforceable::HoldRed);
        let Ok((shared, body)) =
            prepare_object(&collection, "FR", value.clone(), Unenforceable::Refuse)
        else {
            continue;
        };
        assert_eq!(held.map(|(h, _)| h.tlp).ok(), Some(shared.tlp));
        assert!(body.len() <= MAX_OBJECT_BYTES);
        assert_eq!(
            value.get("id").and_then(Value::as_str),
            Some(shared.id.as_str())
        );
        assert_eq!(
            value.get("type").and_then(Value::as_str),
            Some(shared.object_type.as_str())
        );
        let reparsed: Value = serde_json::from_slice(&body).expect("a canonical body is JSON");
        assert_eq!(reparsed.get("id"), value.get("id"));
        assert_eq!(shared.producer, "FR");
        // The time bounds a new object is held to, against a fixed clock (2026-09-21).
        let _ = check_object_times(&shared.object, jiff::Timestamp::constant(1_790_000_000, 0));
    }
});
