//! What the Suricata and Zeek mappings share: the error they report, and the
//! building of cyber-observable objects from a record's fields (typed field
//! access, addresses and hashes, one observation per record with a stable id).

use std::collections::HashMap;
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::json::{Json, Object};
use crate::eval::Observation;

/// A telemetry record that cannot be mapped: which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TelemetryError {
    /// The record is not in a telemetry format this module reads.
    #[error("unrecognised record: {reason}")]
    NotTelemetry {
        /// What was expected.
        reason: String,
    },
    /// A field the mapping needs is absent.
    #[error("{source_kind}: missing field `{field}`")]
    Missing {
        /// The record kind, e.g. `Suricata dns event`.
        source_kind: String,
        /// The dotted field name.
        field: String,
    },
    /// A field has a value of the wrong kind or form.
    #[error("{source_kind}: field `{field}`: {reason}")]
    Invalid {
        /// The record kind, e.g. `Zeek conn log`.
        source_kind: String,
        /// The dotted field name.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Namespace of the UUIDv5 observation ids (a v5 of the URL
/// `urn:accord:telemetry`, fixed so ids are stable across releases).
fn namespace() -> uuid::Uuid {
    static NAMESPACE: std::sync::LazyLock<uuid::Uuid> = std::sync::LazyLock::new(|| {
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:accord:telemetry")
    });
    *NAMESPACE
}

/// The id of the observation of `record`: `observed-data--` and a UUIDv5 of the
/// record's compact JSON text, so the same record always has the same id.
pub fn observation_id(record: &Map<String, Value>) -> String {
    // Serialising the map writes what `Value::Object(…).to_string()` does,
    // without cloning the record first.
    let text = serde_json::to_string(record).unwrap_or_default();
    format!(
        "observed-data--{}",
        uuid::Uuid::new_v5(&namespace(), text.as_bytes())
    )
}

/// [`observation_id`] of a record read borrowed: the same id, as the text it
/// hashes is written the same way (see [`Object`]'s `Serialize`).
pub fn object_observation_id(record: &Object<'_>) -> String {
    let text = serde_json::to_string(record).unwrap_or_default();
    format!(
        "observed-data--{}",
        uuid::Uuid::new_v5(&namespace(), text.as_bytes())
    )
}

/// Collects the cyber-observable objects of one record under local keys.
#[derive(Debug)]
pub(crate) struct ObjectSet {
    objects: Vec<(String, Map<String, Value>)>,
    addresses: HashMap<IpAddr, String>,
    /// The types built; the others only take a key.
    types: ObjectTypes,
    /// Keys given so far, built or not.
    keys: usize,
}

impl ObjectSet {
    /// An empty set that builds objects of `types` only.
    pub(crate) fn new(types: ObjectTypes) -> ObjectSet {
        ObjectSet {
            objects: Vec::new(),
            addresses: HashMap::new(),
            types,
            keys: 0,
        }
    }

    /// Whether objects of type `ty` are built.
    pub(crate) fn wants(&self, ty: &str) -> bool {
        self.types.wants(ty)
    }

    /// The next key, without an object (one of a type not built).
    fn skip(&mut self) -> String {
        let key = self.keys.to_string();
        self.keys += 1;
        key
    }

    /// Adds an object (if its type is built) and returns its key.
    pub(crate) fn add(&mut self, object: Map<String, Value>) -> String {
        let key = self.skip();
        if object
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| self.types.wants(t))
        {
            self.objects.push((key.clone(), object));
        }
        key
    }

    /// The key of the `ipv4-addr`/`ipv6-addr` for `ip`, added once.
    pub(crate) fn address(&mut self, ip: IpAddr) -> String {
        if let Some(key) = self.addresses.get(&ip) {
            return key.clone();
        }
        let ty = if ip.is_ipv4() {
            "ipv4-addr"
        } else {
            "ipv6-addr"
        };
        let key = if self.types.wants(ty) {
            self.add(sco(ty, [("value", Value::String(ip.to_string()))]))
        } else {
            self.skip()
        };
        self.addresses.insert(ip, key.clone());
        key
    }

    /// Adds a `domain-name` and returns its key.
    pub(crate) fn domain(&mut self, name: &str, resolves_to: Vec<String>) -> String {
        if !self.types.wants("domain-name") {
            return self.skip();
        }
        let mut o = sco("domain-name", [("value", Value::String(name.to_string()))]);
        if !resolves_to.is_empty() {
            o.insert("resolves_to_refs".into(), strings(resolves_to));
        }
        self.add(o)
    }

    /// The observation over these objects, with its id left empty (the
    /// callers name it with [`observation_id`] when it is needed).
    pub(crate) fn into_observation(
        self,
        first_observed: jiff::Timestamp,
        last_observed: jiff::Timestamp,
    ) -> Observation {
        Observation {
            id: String::new(),
            first_observed,
            last_observed: last_observed.max(first_observed),
            number_observed: 1,
            objects: self.objects,
        }
    }
}

/// An object under construction, or a placeholder when its type is not
/// wanted ([`ObjectTypes`]): properties are computed only for a real one,
/// while the record's fields are read and checked either way.
#[derive(Debug)]
pub(crate) struct Building(Option<Map<String, Value>>);

impl Building {
    /// A `ty` object with no property but its type, if `set` builds `ty`.
    pub(crate) fn new(set: &ObjectSet, ty: &str) -> Building {
        Building(set.wants(ty).then(|| sco(ty, [])))
    }

    /// Sets a property, computing its value only if the object is built.
    pub(crate) fn set(&mut self, key: &str, value: impl FnOnce() -> Value) {
        if let Some(o) = &mut self.0 {
            o.insert(key.into(), value());
        }
    }

    /// Whether the object is built.
    pub(crate) fn is_built(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the object is built and has a property besides its type.
    pub(crate) fn has_properties(&self) -> bool {
        self.0.as_ref().is_some_and(|o| o.len() > 1)
    }

    /// Adds the object to `set` if it is built and has a property besides its
    /// type.
    pub(crate) fn add_to(self, set: &mut ObjectSet) {
        if let Some(o) = self.0.filter(|o| o.len() > 1) {
            set.add(o);
        }
    }
}

/// A new SCO of `ty` with the given properties.
pub(crate) fn sco<const N: usize>(ty: &str, props: [(&str, Value); N]) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("type".into(), Value::String(ty.to_string()));
    for (k, v) in props {
        o.insert(k.to_string(), v);
    }
    o
}

/// A JSON list of strings.
pub(crate) fn strings(items: Vec<String>) -> Value {
    Value::Array(items.into_iter().map(Value::String).collect())
}

/// Field access that names the record kind in its errors.
pub(crate) struct Fields<'a> {
    pub(crate) record: &'a Object<'a>,
    /// The record kind, e.g. `Suricata dns event` (a constant: it is built
    /// for every record and needed only in errors).
    pub(crate) kind: &'static str,
}

impl<'a> Fields<'a> {
    /// The value at a dotted path (`dns.rrname`); also accepts the path as
    /// one flat key, which is how Zeek writes `id.orig_h`.
    pub(crate) fn get(&self, path: &str) -> Option<&'a Json<'a>> {
        if let Some(v) = self.record.get(path) {
            return Some(v).filter(|v| !v.is_null());
        }
        let mut current = self.record;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let v = current.get(part)?;
            if parts.peek().is_none() {
                return Some(v).filter(|v| !v.is_null());
            }
            current = v.as_object()?;
        }
        None
    }

    pub(crate) fn invalid(&self, field: &str, reason: impl Into<String>) -> TelemetryError {
        TelemetryError::Invalid {
            source_kind: self.kind.to_owned(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn missing(&self, field: &str) -> TelemetryError {
        TelemetryError::Missing {
            source_kind: self.kind.to_owned(),
            field: field.into(),
        }
    }

    /// An optional string field; present but not a string is an error.
    pub(crate) fn str(&self, path: &str) -> Result<Option<&'a str>, TelemetryError> {
        match self.get(path) {
            None => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.as_ref())),
            Some(_) => Err(self.invalid(path, "not a string")),
        }
    }

    /// An optional non-negative integer field.
    pub(crate) fn uint(&self, path: &str) -> Result<Option<u64>, TelemetryError> {
        match self.get(path) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.invalid(path, "not a non-negative integer")),
        }
    }

    /// An optional port (0–65535).
    pub(crate) fn port(&self, path: &str) -> Result<Option<u64>, TelemetryError> {
        match self.uint(path)? {
            Some(p) if p > 65_535 => Err(self.invalid(path, "not a port number (0–65535)")),
            p => Ok(p),
        }
    }

    /// An optional IP address field.
    pub(crate) fn ip(&self, path: &str) -> Result<Option<IpAddr>, TelemetryError> {
        match self.str(path)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|_| self.invalid(path, format!("`{s}` is not an IP address"))),
        }
    }
}

/// A lowercase hex digest with any `:` separators removed (how STIX
/// indicators write hashes), or `None` if the text is not hex.
pub(crate) fn normalise_digest(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|&c| c != ':').collect();
    (!hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// `hashes` dictionary from (STIX hash name, digest) pairs, leaving out
/// absent or non-hex digests.
pub(crate) fn hashes(pairs: &[(&str, Option<&str>)]) -> Option<Value> {
    let mut m = Map::new();
    for (name, digest) in pairs {
        if let Some(d) = digest.and_then(normalise_digest) {
            m.insert((*name).to_string(), Value::String(d));
        }
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

/// A STIX timestamp value (`…Z`) for an SCO property.
pub(crate) fn stamp(t: jiff::Timestamp) -> Value {
    Value::String(format!("{t}"))
}

/// Which of the cyber-observable types the mappings build are wanted: the
/// others are not built (their fields are still read and checked, so a bad
/// record is refused all the same). A matcher that looks only at
/// `domain-name` and `ipv4-addr` values has no use for a flow's
/// `network-traffic`, the largest object of most records
/// ([`crate::stream::StreamMatcher::object_types`]). Objects built keep the
/// local keys they would have had with every type built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectTypes(u8);

impl ObjectTypes {
    /// The types the mappings build, in bit order.
    const NAMES: [&'static str; 7] = [
        "ipv4-addr",
        "ipv6-addr",
        "domain-name",
        "url",
        "network-traffic",
        "x509-certificate",
        "file",
    ];

    /// Every type: what an observation holds when nothing is known of its use.
    pub const ALL: ObjectTypes = ObjectTypes(0x7f);

    /// None of the types.
    pub const NONE: ObjectTypes = ObjectTypes(0);

    /// These types (names the mappings never build are ignored).
    pub fn only<'a>(types: impl IntoIterator<Item = &'a str>) -> ObjectTypes {
        let mut bits = 0;
        for t in types {
            if let Some(i) = Self::NAMES.iter().position(|n| *n == t) {
                bits |= 1 << i;
            }
        }
        ObjectTypes(bits)
    }

    /// Whether objects of type `ty` are wanted; always, for a type the
    /// mappings do not know.
    pub fn wants(self, ty: &str) -> bool {
        Self::NAMES
            .iter()
            .position(|n| *n == ty)
            .is_none_or(|i| self.0 & (1 << i) != 0)
    }
}

/// Where a sensor's HTTP record keeps the fields [`http_request`] reads (paths for
/// [`Fields`]).
pub(crate) struct HttpFields {
    /// The `Host` the client asked for.
    pub(crate) host: &'static str,
    /// The request target (path and query).
    pub(crate) path: &'static str,
    /// The server's port.
    pub(crate) port: &'static str,
    /// The method.
    pub(crate) method: &'static str,
    /// The protocol version, as the sensor writes it.
    pub(crate) version: &'static str,
    /// The `User-Agent` header.
    pub(crate) user_agent: &'static str,
    /// The `Referer` header.
    pub(crate) referer: &'static str,
}

/// Adds an HTTP request's host (a `domain-name`) and URL (a `url`, the port shown unless it
/// is 80) to `set`; returns the `http-request-ext` extension of its `network-traffic`
/// (STIX 2.1 §6.12.1) when the record names a method. `version` writes the sensor's protocol
/// version as STIX does (`http/1.1`).
pub(crate) fn http_request(
    f: &Fields<'_>,
    set: &mut ObjectSet,
    names: &HttpFields,
    version: impl Fn(&str) -> String,
) -> Result<Option<Value>, TelemetryError> {
    let host = f.str(names.host)?;
    let path = f.str(names.path)?;
    if let Some(h) = host {
        set.domain(h, Vec::new());
        if let Some(p) = path {
            let port = match f.port(names.port)? {
                Some(port) if port != 80 => format!(":{port}"),
                _ => String::new(),
            };
            let sep = if p.starts_with('/') { "" } else { "/" };
            set.add(sco(
                "url",
                [("value", Value::String(format!("http://{h}{port}{sep}{p}")))],
            ));
        }
    }
    let Some(method) = f.str(names.method)? else {
        return Ok(None);
    };
    let mut ext = Map::new();
    ext.insert("request_method".into(), method.into());
    ext.insert("request_value".into(), path.unwrap_or("/").into());
    if let Some(v) = f.str(names.version)? {
        ext.insert("request_version".into(), version(v).into());
    }
    let mut headers = Map::new();
    for (field, header) in [
        (names.host, "Host"),
        (names.user_agent, "User-Agent"),
        (names.referer, "Referer"),
    ] {
        if let Some(v) = f.str(field)? {
            headers.insert(header.into(), v.into());
        }
    }
    if !headers.is_empty() {
        ext.insert("request_header".into(), Value::Object(headers));
    }
    let mut exts = Map::new();
    exts.insert("http-request-ext".into(), Value::Object(ext));
    Ok(Some(Value::Object(exts)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_normalised_to_lowercase_hex() {
        assert_eq!(normalise_digest("AB:cd:01").as_deref(), Some("abcd01"));
        assert_eq!(normalise_digest("xyz"), None);
        assert_eq!(normalise_digest(""), None);
    }

    #[test]
    fn the_same_record_gets_the_same_observation_id() {
        let r: Map<String, Value> =
            serde_json::from_str(r#"{"k":1,"b":{"z":"\u00e9\n","a":[1.5,null]}}"#).unwrap();
        let a = observation_id(&r);
        assert_eq!(a, observation_id(&r.clone()));
        assert_eq!(a, object_observation_id(&Object::from_map(&r)));
        assert!(a.starts_with("observed-data--"));
        // The id of earlier releases: a UUIDv5 of the record as a JSON value's text.
        let text = Value::Object(r).to_string();
        let namespace = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:accord:telemetry");
        assert_eq!(
            a,
            format!(
                "observed-data--{}",
                uuid::Uuid::new_v5(&namespace, text.as_bytes())
            )
        );
    }
}
