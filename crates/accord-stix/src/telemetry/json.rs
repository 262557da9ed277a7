//! A sensor record read without copying its text.
//!
//! Reading a line of `eve.json` into a [`serde_json::Map`] allocates every
//! key and every string (and, with `preserve_order`, an index per object):
//! about 40 allocations for a 430-byte DNS or flow record, most of them for
//! fields no mapping reads. [`Json`] holds the same value with its strings
//! and keys borrowed from the line (copied only when they contain escapes),
//! so a record costs one vector per object. Measured on one million
//! Suricata records (BENCHMARKS.md, "Faster reading"), this was the best of
//! the approaches tried: a typed struct skipping unread fields parsed faster
//! still but cannot give the same answer for every input (duplicate keys,
//! wrongly typed fields, Zeek's dotted keys), and neither simd-json nor
//! sonic-rs beat serde_json on records this small.
//!
//! A [`Json`] answers exactly as the [`Value`] serde_json would read from
//! the same text: the same numbers, the same refusals (it is read by the
//! same parser), and a repeated key gives its last value at its first
//! position, as `Map::insert` does. [`Object::from_map`] borrows a `Map`
//! that is already read (a Zeek TSV record, a caller's value) the same way.

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A JSON value whose strings borrow from the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as serde_json reads it.
    Number(Number),
    /// A string.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object.
    Object(Object<'a>),
}

/// A JSON object: its members in the order read, repeated keys included
/// (lookups give the last, as [`Map`] keeps it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object<'a> {
    members: Vec<(Cow<'a, str>, Json<'a>)>,
}

impl<'a> Json<'a> {
    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number as a `u64`, if it is a non-negative integer that fits.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Json::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as an `f64`, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Json<'a>]> {
        match self {
            Json::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The object, if this is one.
    pub fn as_object(&self) -> Option<&Object<'a>> {
        match self {
            Json::Object(o) => Some(o),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The member `key` of an object (`None` for anything else).
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.as_object().and_then(|o| o.get(key))
    }

    /// Borrows a [`Value`].
    pub fn from_value(value: &'a Value) -> Json<'a> {
        match value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => Json::Number(n.clone()),
            Value::String(s) => Json::String(Cow::Borrowed(s)),
            Value::Array(a) => Json::Array(a.iter().map(Json::from_value).collect()),
            Value::Object(o) => Json::Object(Object::from_map(o)),
        }
    }
}

impl<'a> Object<'a> {
    /// Reads one JSON object from `text` (surrounding whitespace allowed),
    /// with serde_json's parser: what serde_json refuses, this refuses.
    pub fn parse(text: &'a str) -> Result<Object<'a>, serde_json::Error> {
        match serde_json::from_str::<Json<'a>>(text)? {
            Json::Object(o) => Ok(o),
            _ => Err(de::Error::custom("not a JSON object")),
        }
    }

    /// Borrows a [`Map`].
    pub fn from_map(map: &'a Map<String, Value>) -> Object<'a> {
        Object {
            members: map
                .iter()
                .map(|(k, v)| (Cow::Borrowed(k.as_str()), Json::from_value(v)))
                .collect(),
        }
    }

    /// The value of `key`; the last one if the key is repeated.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.members
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether the object has the member `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| k == key)
    }

    /// How many distinct keys the object has.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether the object has no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members as a [`Map`] iterates them: each key once, at its first
    /// position, with its last value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.members.iter().enumerate().filter_map(|(i, (k, _))| {
            if self.members[..i].iter().any(|(e, _)| e == k) {
                return None;
            }
            self.get(k).map(|v| (k.as_ref(), v))
        })
    }
}

/// Written as the [`Value`] it stands for is written: an object's keys once
/// each, in [`Object::iter`]'s order, so the text (and an observation id
/// hashed from it) is the one the `Map` gives.
impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Number(n) => n.serialize(s),
            Json::String(t) => s.serialize_str(t),
            Json::Array(items) => s.collect_seq(items),
            Json::Object(o) => o.serialize(s),
        }
    }
}

impl serde::Serialize for Object<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Keys and strings: borrowed when the text holds them unescaped.
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Text<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Json<'de>, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// Builds a [`Json`] as serde_json's own `Value` visitor builds a `Value`.
struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json<'de>, E> {
        // As `Value`: a float JSON cannot hold becomes null.
        Ok(Number::from_f64(n).map_or(Json::Null, Json::Number))
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }
    fn visit_string<E>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s)))
    }
    fn visit_none<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(Text(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Json::Object(Object { members }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a `Map` read from `text` holds, key by key, through `Object`.
    fn same_as_map(text: &str) {
        let map: Map<String, Value> = serde_json::from_str(text).unwrap();
        let object = Object::parse(text).unwrap();
        assert_eq!(object, Object::from_map(&map));
        let keys: Vec<&str> = object.iter().map(|(k, _)| k).collect();
        let map_keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(keys, map_keys, "{text}");
        for (k, v) in &map {
            assert_eq!(object.get(k), Some(&Json::from_value(v)), "{text}: {k}");
        }
    }

    #[test]
    fn objects_read_as_serde_json_maps_read() {
        same_as_map(r#"{"a":1,"b":"x\u00e9\n","c":[1.5,null,true,{"d":-3}],"e":{}}"#);
        same_as_map(r#" {"big":18446744073709551615,"neg":-9223372036854775808,"f":1.5e300} "#);
        same_as_map(r#"{"dns.rrname":"flat","dns":{"rrname":"nested"}}"#);
    }

    #[test]
    fn a_repeated_key_gives_its_last_value_at_its_first_place() {
        let text = r#"{"a":1,"b":2,"a":3}"#;
        let map: Map<String, Value> = serde_json::from_str(text).unwrap();
        let object = Object::parse(text).unwrap();
        let got: Vec<(&str, Option<u64>)> = object.iter().map(|(k, v)| (k, v.as_u64())).collect();
        let want: Vec<(&str, Option<u64>)> =
            map.iter().map(|(k, v)| (k.as_str(), v.as_u64())).collect();
        assert_eq!(got, want);
        assert_eq!(got, [("a", Some(3)), ("b", Some(2))]);
        assert_eq!(object.len(), map.len());
    }

    #[test]
    fn written_back_as_the_map_is() {
        for text in [
            r#"{"k":1,"b":{"z":"\u00e9\n\"","a":[1.5,null,-0.0,1e20,12345678901234567890]},"k":true}"#,
            r#"{"x":{},"y":[],"z":"\ud83d\ude00 \/"}"#,
        ] {
            let map: Map<String, Value> = serde_json::from_str(text).unwrap();
            let object = Object::parse(text).unwrap();
            assert_eq!(
                serde_json::to_string(&object).unwrap(),
                serde_json::to_string(&map).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let object = Object::parse(r#"{"plain":"abc","esc\"aped":"a\tb"}"#).unwrap();
        assert!(matches!(
            object.get("plain"),
            Some(Json::String(Cow::Borrowed("abc")))
        ));
        assert!(
            matches!(object.get("esc\"aped"), Some(Json::String(Cow::Owned(s))) if s == "a\tb")
        );
    }

    /// JSON-ish texts: objects of a few keys (often repeated, some escaped or
    /// dotted) over scalars, arrays and nested objects, sometimes broken.
    fn text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("\"a\"".to_owned()),
            Just("\"dns.rrname\"".to_owned()),
            Just("\"e\\u0301\"".to_owned()),
            "\"[a-c]{1,2}\"",
        ];
        let scalar = prop_oneof![
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("-0".to_owned()),
            Just("1e400".to_owned()),
            Just("\"\\ud800\"".to_owned()),
            Just("\"\\ud83d\\ude00\"".to_owned()),
            "-?[0-9]{1,22}(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?",
            "\"[ -~&&[^\"\\\\]]{0,6}\"",
            "\"(\\\\[nt\"/]|x){0,4}\"",
        ];
        scalar.prop_recursive(3, 24, 4, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec((key.clone(), inner), 0..5).prop_map(|m| {
                    let members: Vec<String> =
                        m.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Whatever the text, `Object::parse` accepts it exactly when serde_json reads
        /// it as a `Map`, and then holds the same members and writes the same text.
        #[test]
        fn parse_agrees_with_serde_json(text in text()) {
            let map = serde_json::from_str::<Map<String, Value>>(&text);
            let object = Object::parse(&text);
            proptest::prop_assert_eq!(map.is_ok(), object.is_ok(), "{}", text);
            if let (Ok(map), Ok(object)) = (map, object) {
                // Written out, nested repeats are resolved as the `Map` resolved them.
                proptest::prop_assert_eq!(
                    serde_json::to_string(&object).ok(),
                    serde_json::to_string(&map).ok()
                );
                let keys: Vec<&str> = object.iter().map(|(k, _)| k).collect();
                let map_keys: Vec<&str> = map.keys().map(String::as_str).collect();
                proptest::prop_assert_eq!(keys, map_keys);
                for (k, v) in &map {
                    proptest::prop_assert_eq!(
                        object.get(k).and_then(|j| serde_json::to_string(j).ok()),
                        serde_json::to_string(v).ok()
                    );
                }
            }
        }
    }

    #[test]
    fn what_serde_json_refuses_is_refused() {
        for text in [
            r#"{"a":"\ud800"}"#,
            r#"{"a":1"#,
            r#"{"a":01}"#,
            r#"{"a":1e400}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":1} x"#,
            "[1]",
            "",
        ] {
            assert!(
                serde_json::from_str::<Map<String, Value>>(text).is_err(),
                "{text}"
            );
            assert!(Object::parse(text).is_err(), "{text}");
        }
    }
}
