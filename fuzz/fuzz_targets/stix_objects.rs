//! Any bytes read as STIX 2.1 — a bundle, a list or a stream of objects, or one object — are
//! parsed, validated and given a TLP level without panicking; a marked object's level is the
//! strictest of its markings whatever the collection's default, and an unmarked one takes the
//! default.
#![no_main]

use accord_stix::marking::{check_definition, strictest_level};
use accord_stix::object::{StixObject, parse_objects};
use accord_stix::tlp::level_of;
use accord_tlp::Tlp;
use libfuzzer_sys::fuzz_target;

const LEVELS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];

fn check(object: &StixObject) {
    let _ = object.validate();
    let _ = object.tlp_markings();
    let definition_ok =
        object.object_type != "marking-definition" || check_definition(object).is_ok();
    let strictest = strictest_level(object);
    for default in LEVELS {
        let level = level_of(object, default);
        match (&strictest, definition_ok) {
            (Ok(Some(marked)), true) => assert_eq!(level.ok(), Some(*marked)),
            (Ok(None), true) => assert_eq!(level.ok(), Some(default)),
            // A marking the hub cannot enforce is refused, never given a level.
            _ => assert!(level.is_err(), "an unenforceable marking got {level:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(objects) = parse_objects(text)
    {
        objects.iter().for_each(check);
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data)
        && let Ok(object) = StixObject::from_value(value)
    {
        check(&object);
    }
});
