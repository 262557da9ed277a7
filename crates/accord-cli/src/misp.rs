//! The converter behind `accord import misp`: MISP events to STIX 2.1 indicators with their
//! TLP 2.0 markings. Pure (no I/O), so the fuzz target `fuzz/fuzz_targets/misp.rs` compiles it.
//!
//! The input is MISP's core JSON format: one event (`{"Event": {…}}` or the bare event), a
//! list of them, or a search answer (`{"response": [{"Event": …}, …]}`). Every attribute —
//! the event's own and those inside its `Object`s — becomes one `indicator` whose id reuses
//! the attribute's UUID (`indicator--<uuid>`), so importing the same event twice yields the
//! same objects, and whose pattern is the STIX patterning equivalent of the attribute
//! (the table follows misp-stix's mapping of attribute types to observable paths).
//!
//! | MISP type | pattern |
//! |---|---|
//! | `ip-src`, `ip-dst` | `ipv4-addr:value` / `ipv6-addr:value` (CIDR ranges with `ISSUBSET`) |
//! | `ip-src\|port`, `ip-dst\|port` | `network-traffic:src_ref.value` / `dst_ref.value` and `src_port` / `dst_port` |
//! | `domain`, `hostname` | `domain-name:value` |
//! | `domain\|ip` | `domain-name:value` and `domain-name:resolves_to_refs[*].value` |
//! | `url`, `uri` | `url:value` |
//! | `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, `ssdeep`, `tlsh` | `file:hashes.…` |
//! | `filename` | `file:name` |
//! | `filename\|md5` (and the other hashes) | `file:name` and `file:hashes.…` |
//! | `email`, `email-src`, `email-dst` | `email-addr:value`, `email-message:from_ref.value`, `email-message:to_refs[*].value` |
//! | `email-subject` | `email-message:subject` |
//! | `mac-address` | `mac-addr:value` |
//! | `AS` | `autonomous-system:number` |
//! | `mutex` | `mutex:name` |
//! | `regkey` | `windows-registry-key:key` |
//! | `x509-fingerprint-sha1`, `-sha256`, `-md5` | `x509-certificate:hashes.…` |
//!
//! **TLP.** The TLP tags of the event and of the attribute (`tlp:clear`, `tlp:white` read as
//! CLEAR, `tlp:green`, `tlp:amber`, `tlp:amber+strict`, `tlp:red`) become the TLP 2.0
//! marking-definition reference of the indicator. When both carry one, the stricter wins: an
//! attribute tag never loosens the event's marking. Without any tag the indicator is
//! unmarked and takes its collection's default on the hub — the report says so.
//!
//! **What is not imported** is reported, attribute by attribute with its UUID, type and
//! reason: types with no observable (`comment`, `text`, `link`, `vulnerability`, …), values
//! that do not fit their type (a 31-digit MD5), and attributes with `to_ids` false, which
//! MISP uses to say "context, not for detection" (`--include-non-ids` imports them).
//! Structural errors (an event without `Attribute` list, an attribute without a `type`) stop
//! the import and name the JSON path, e.g. `$.response[2].Event.Attribute[7].type`.

use std::net::IpAddr;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use accord_stix::literal::parse_ip_network;
use accord_stix::marking::TlpMarking;
use accord_tlp::Tlp;

/// An attribute that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unmapped {
    /// The attribute's UUID (empty when it has none).
    pub uuid: String,
    /// Its MISP type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it is in the input.
    pub path: String,
    /// Why it was not imported.
    pub reason: String,
}

/// What an import produced.
#[derive(Debug, Default, serde::Serialize)]
pub struct Import {
    /// Events read.
    pub events: usize,
    /// Attributes read.
    pub attributes: usize,
    /// The STIX indicators.
    #[serde(skip)]
    pub indicators: Vec<Value>,
    /// Attributes not imported.
    pub unmapped: Vec<Unmapped>,
    /// Indicators left unmarked (no TLP tag on the attribute or its event).
    pub unmarked: usize,
    /// Tags that look like TLP but are not a TLP 2.0 level (e.g. `tlp:ex:chr`).
    pub unknown_tlp_tags: Vec<String>,
}

/// Converts parsed MISP JSON; structural errors name their JSON path.
pub fn convert(input: &Value, include_non_ids: bool) -> Result<Import> {
    let mut import = Import::default();
    for (path, event) in events(input)? {
        import.events += 1;
        convert_event(&path, event, include_non_ids, &mut import)?;
    }
    Ok(import)
}

/// The events of the input with their JSON paths.
fn events(input: &Value) -> Result<Vec<(String, &Value)>> {
    fn one(path: String, v: &Value) -> Result<(String, &Value)> {
        match v.get("Event") {
            Some(e @ Value::Object(_)) => Ok((format!("{path}.Event"), e)),
            Some(_) => bail!("{path}.Event: must be an object"),
            None if v.is_object() => Ok((path, v)),
            None => bail!("{path}: must be a MISP event (an object)"),
        }
    }
    match input {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| one(format!("$[{i}]"), v))
            .collect(),
        Value::Object(map) => match map.get("response") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| one(format!("$.response[{i}]"), v))
                .collect(),
            Some(_) => bail!("$.response: must be a list of events"),
            None => Ok(vec![one("$".into(), input)?]),
        },
        _ => bail!(
            "$: a MISP export is an event object, a list of events, or {{\"response\": [...]}}"
        ),
    }
}

/// The TLP levels named by a `Tag` list; unknown `tlp:` tags are recorded.
fn tlp_tags(path: &str, v: &Value, import: &mut Import) -> Result<Option<Tlp>> {
    let tags = match v.get("Tag") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(t)) => t,
        Some(_) => bail!("{path}.Tag: must be a list of tags"),
    };
    let mut level: Option<Tlp> = None;
    for (i, t) in tags.iter().enumerate() {
        let name = t
            .get("name")
            .and_then(Value::as_str)
            .with_context(|| format!("{path}.Tag[{i}].name: must be a string"))?;
        if !name.trim().to_ascii_lowercase().starts_with("tlp:") {
            continue;
        }
        match Tlp::parse(name) {
            Some(l) => level = Some(level.map_or(l, |x| x.max(l))),
            None => {
                if !import.unknown_tlp_tags.contains(&name.to_owned()) {
                    import.unknown_tlp_tags.push(name.to_owned());
                }
            }
        }
    }
    Ok(level)
}

fn convert_event(
    path: &str,
    event: &Value,
    include_non_ids: bool,
    import: &mut Import,
) -> Result<()> {
    let event_tlp = tlp_tags(path, event, import)?;
    let info = event.get("info").and_then(Value::as_str).unwrap_or("");
    let mut attributes: Vec<(String, &Value)> = Vec::new();
    match event.get("Attribute") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => attributes.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, a)| (format!("{path}.Attribute[{i}]"), a)),
        ),
        Some(_) => bail!("{path}.Attribute: must be a list of attributes"),
    }
    match event.get("Object") {
        None | Some(Value::Null) => {}
        Some(Value::Array(objects)) => {
            for (j, o) in objects.iter().enumerate() {
                match o.get("Attribute") {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => attributes.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, a)| (format!("{path}.Object[{j}].Attribute[{i}]"), a)),
                    ),
                    Some(_) => bail!("{path}.Object[{j}].Attribute: must be a list of attributes"),
                }
            }
        }
        Some(_) => bail!("{path}.Object: must be a list of objects"),
    }
    for (apath, a) in attributes {
        import.attributes += 1;
        if !a.is_object() {
            bail!("{apath}: an attribute must be an object");
        }
        let kind = a
            .get("type")
            .and_then(Value::as_str)
            .with_context(|| format!("{apath}.type: must be a string"))?;
        let value = a
            .get("value")
            .and_then(Value::as_str)
            .with_context(|| format!("{apath}.value: must be a string"))?;
        let uuid = a.get("uuid").and_then(Value::as_str).unwrap_or_default();
        let unmapped = |reason: String| Unmapped {
            uuid: uuid.to_owned(),
            kind: kind.to_owned(),
            path: apath.clone(),
            reason,
        };
        let attr_tlp = tlp_tags(&apath, a, import)?;
        if a.get("deleted").and_then(Value::as_bool) == Some(true) {
            import
                .unmapped
                .push(unmapped("the attribute is marked deleted".into()));
            continue;
        }
        let to_ids = match a.get("to_ids") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s != "0" && s != "false",
            Some(Value::Number(n)) => n.as_u64() != Some(0),
            Some(_) => bail!("{apath}.to_ids: must be a boolean"),
        };
        if !to_ids && !include_non_ids {
            import.unmapped.push(unmapped(
                "to_ids is false: MISP marks it as context, not for detection (--include-non-ids imports it)".into(),
            ));
            continue;
        }
        let id = match uuid::Uuid::parse_str(uuid) {
            Ok(u) => u,
            Err(_) => {
                import.unmapped.push(unmapped(format!(
                    "its uuid {uuid:?} is not a UUID, so the indicator would have no stable id"
                )));
                continue;
            }
        };
        let pattern = match pattern(kind, value) {
            Ok(p) => p,
            Err(reason) => {
                import.unmapped.push(unmapped(reason));
                continue;
            }
        };
        let stamp = timestamp(a.get("timestamp"))
            .or_else(|| timestamp(event.get("timestamp")))
            .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into());
        let valid_from = a
            .get("first_seen")
            .and_then(Value::as_str)
            .filter(|s| accord_stix::literal::parse_timestamp(s).is_ok())
            .map(str::to_owned)
            .unwrap_or_else(|| stamp.clone());
        let mut o = Map::new();
        o.insert("type".into(), json!("indicator"));
        o.insert("spec_version".into(), json!("2.1"));
        o.insert("id".into(), json!(format!("indicator--{id}")));
        o.insert("created".into(), json!(stamp));
        o.insert("modified".into(), json!(stamp));
        o.insert("name".into(), json!(format!("{kind}: {value}")));
        if !info.is_empty() {
            o.insert("description".into(), json!(info));
        }
        o.insert("indicator_types".into(), json!(["malicious-activity"]));
        o.insert("pattern".into(), json!(pattern));
        o.insert("pattern_type".into(), json!("stix"));
        o.insert("valid_from".into(), json!(valid_from));
        if let Some(c) = a.get("category").and_then(Value::as_str) {
            o.insert("labels".into(), json!([format!("misp:category=\"{c}\"")]));
        }
        match (event_tlp, attr_tlp) {
            (None, None) => import.unmarked += 1,
            (e, a) => {
                // The stricter of the event's and the attribute's marking.
                let level = e.max(a).unwrap_or(Tlp::Red);
                o.insert(
                    "object_marking_refs".into(),
                    json!([TlpMarking::of(level).id()]),
                );
            }
        }
        import.indicators.push(Value::Object(o));
    }
    Ok(())
}

/// MISP timestamps are seconds since 1970, as a string or a number.
fn timestamp(v: Option<&Value>) -> Option<String> {
    let secs = match v? {
        Value::String(s) => s.parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    let t = jiff::Timestamp::from_second(secs).ok()?;
    Some(format!("{t:.3}"))
}

/// A string literal of the STIX patterning language (STIX 2.1 §9.2: `\'` and `\\`).
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn ip_comparison(prefix: &str, value: &str) -> Result<String, String> {
    let text = value.trim();
    let net = parse_ip_network(text)
        .ok_or_else(|| format!("{value:?} is not an IP address or CIDR network"))?;
    let family = if net.addr().is_ipv4() {
        "ipv4-addr"
    } else {
        "ipv6-addr"
    };
    let path = if prefix.is_empty() {
        format!("{family}:value")
    } else {
        format!("network-traffic:{prefix}.value")
    };
    if text.contains('/') {
        Ok(format!("{path} ISSUBSET {}", lit(&net.to_string())))
    } else {
        Ok(format!("{path} = {}", lit(&net.addr().to_string())))
    }
}

/// STIX 2.1 §10.7 hash-algorithm names, and the hex digits each digest has.
fn hash(kind: &str) -> Option<(&'static str, Option<usize>)> {
    Some(match kind {
        "md5" => ("MD5", Some(32)),
        "sha1" => ("'SHA-1'", Some(40)),
        "sha224" => ("'SHA-224'", Some(56)),
        "sha256" => ("'SHA-256'", Some(64)),
        "sha384" => ("'SHA-384'", Some(96)),
        "sha512" => ("'SHA-512'", Some(128)),
        "ssdeep" => ("SSDEEP", None),
        "tlsh" => ("TLSH", None),
        _ => return None,
    })
}

fn hash_comparison(object: &str, kind: &str, value: &str) -> Result<String, String> {
    let (name, digits) = hash(kind).ok_or_else(|| format!("{kind} is not a hash type"))?;
    let value = value.trim();
    if let Some(n) = digits
        && (value.len() != n || !value.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return Err(format!("{value:?} is not a {n}-hex-digit {kind} digest"));
    }
    let value = if digits.is_some() {
        value.to_ascii_lowercase()
    } else {
        value.to_owned()
    };
    Ok(format!("{object}:hashes.{name} = {}", lit(&value)))
}

fn port(text: &str) -> Result<u16, String> {
    text.trim()
        .parse::<u16>()
        .map_err(|_| format!("{text:?} is not a port number"))
}

/// The STIX pattern of one attribute, or why there is none.
pub fn pattern(kind: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err("the value is empty".into());
    }
    let split = || {
        v.split_once('|')
            .ok_or_else(|| format!("{kind} needs a value of the form `a|b`, not {v:?}"))
    };
    let body = match kind {
        "ip-src" | "ip-dst" => ip_comparison("", v)?,
        "ip-src|port" | "ip-dst|port" => {
            let (ip, p) = split()?;
            let side = if kind.starts_with("ip-src") {
                "src"
            } else {
                "dst"
            };
            format!(
                "{} AND network-traffic:{side}_port = {}",
                ip_comparison(&format!("{side}_ref"), ip)?,
                port(p)?
            )
        }
        "domain" | "hostname" => format!("domain-name:value = {}", lit(&v.to_ascii_lowercase())),
        "hostname|port" | "domain|port" => {
            let (h, p) = split()?;
            format!(
                "domain-name:value = {} AND network-traffic:dst_port = {}",
                lit(&h.to_ascii_lowercase()),
                port(p)?
            )
        }
        "domain|ip" => {
            let (d, ip) = split()?;
            ip.trim()
                .parse::<IpAddr>()
                .map_err(|_| format!("{ip:?} is not an IP address"))?;
            format!(
                "domain-name:value = {} AND domain-name:resolves_to_refs[*].value = {}",
                lit(&d.to_ascii_lowercase()),
                lit(ip.trim())
            )
        }
        "url" | "uri" => format!("url:value = {}", lit(v)),
        "filename" => format!("file:name = {}", lit(v)),
        k if hash(k).is_some() => hash_comparison("file", k, v)?,
        k if k.starts_with("filename|") => {
            let (name, h) = split()?;
            let algo = &k["filename|".len()..];
            if hash(algo).is_none() {
                return Err(format!("MISP type {k} has no STIX pattern mapping"));
            }
            format!(
                "file:name = {} AND {}",
                lit(name),
                hash_comparison("file", algo, h)?
            )
        }
        "email" | "email-src" | "email-dst" => {
            if !v.contains('@') {
                return Err(format!("{v:?} is not an email address"));
            }
            match kind {
                "email" => format!("email-addr:value = {}", lit(v)),
                "email-src" => format!("email-message:from_ref.value = {}", lit(v)),
                _ => format!("email-message:to_refs[*].value = {}", lit(v)),
            }
        }
        "email-subject" => format!("email-message:subject = {}", lit(v)),
        "mac-address" => format!("mac-addr:value = {}", lit(&v.to_ascii_lowercase())),
        "AS" => {
            let n = v
                .trim_start_matches("AS")
                .trim_start_matches("as")
                .parse::<u32>()
                .map_err(|_| format!("{v:?} is not an AS number"))?;
            format!("autonomous-system:number = {n}")
        }
        "mutex" => format!("mutex:name = {}", lit(v)),
        "regkey" => format!("windows-registry-key:key = {}", lit(v)),
        "x509-fingerprint-sha1" => hash_comparison("x509-certificate", "sha1", v)?,
        "x509-fingerprint-sha256" => hash_comparison("x509-certificate", "sha256", v)?,
        "x509-fingerprint-md5" => hash_comparison("x509-certificate", "md5", v)?,
        other => return Err(format!("MISP type {other} has no STIX pattern mapping")),
    };
    let pattern = format!("[{body}]");
    // Every pattern produced must parse: a mapping bug is reported, never exported.
    accord_stix::pattern::Pattern::parse(&pattern)
        .map_err(|e| format!("the pattern {pattern} does not parse: {e}"))?;
    Ok(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_by_type() {
        let cases = [
            (
                "ip-dst",
                "198.51.100.7",
                "[ipv4-addr:value = '198.51.100.7']",
            ),
            ("ip-src", "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
            (
                "ip-dst",
                "203.0.113.0/24",
                "[ipv4-addr:value ISSUBSET '203.0.113.0/24']",
            ),
            (
                "ip-dst|port",
                "198.51.100.7|443",
                "[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = 443]",
            ),
            (
                "domain",
                "Evil.Example",
                "[domain-name:value = 'evil.example']",
            ),
            (
                "hostname",
                "c2.evil.example",
                "[domain-name:value = 'c2.evil.example']",
            ),
            (
                "url",
                "http://evil.example/a'b",
                "[url:value = 'http://evil.example/a\\'b']",
            ),
            (
                "md5",
                "D41D8CD98F00B204E9800998ECF8427E",
                "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
            ),
            (
                "filename|sha256",
                "x.exe|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                "[file:name = 'x.exe' AND file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
            ),
            (
                "email-src",
                "a@evil.example",
                "[email-message:from_ref.value = 'a@evil.example']",
            ),
            ("AS", "AS64500", "[autonomous-system:number = 64500]"),
            (
                "regkey",
                "HKLM\\Software\\x",
                "[windows-registry-key:key = 'HKLM\\\\Software\\\\x']",
            ),
        ];
        for (kind, value, want) in cases {
            assert_eq!(pattern(kind, value).as_deref(), Ok(want), "{kind} {value}");
        }
        for (kind, value) in [
            ("md5", "abc"),
            ("ip-dst", "not-an-ip"),
            ("ip-dst", "10.0.0.0/33"),
            ("ip-dst|port", "10.0.0.1|http"),
            ("comment", "hello"),
            ("link", "https://example.org"),
            ("email-src", "nobody"),
            ("filename|md4", "a|b"),
        ] {
            assert!(pattern(kind, value).is_err(), "{kind} {value}");
        }
    }

    #[test]
    fn structural_errors_name_the_path() {
        let e = convert(
            &json!({"response": [{"Event": {"Attribute": [{"value": "x"}]}}]}),
            false,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "$.response[0].Event.Attribute[0].type: must be a string");
        let e = convert(&json!([{"Event": {"Attribute": {}}}]), false)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "$[0].Event.Attribute: must be a list of attributes");
        let e = convert(&json!("x"), false).unwrap_err().to_string();
        assert!(e.starts_with("$:"), "{e}");
    }

    #[test]
    fn stricter_tag_wins() {
        let event = json!({"Event": {"Tag": [{"name": "tlp:green"}], "Attribute": [
            {"uuid": "5e0bd2f4-0000-4000-8000-000000000001", "type": "domain", "value": "a.example", "to_ids": true,
             "Tag": [{"name": "tlp:red"}]},
            {"uuid": "5e0bd2f4-0000-4000-8000-000000000002", "type": "domain", "value": "b.example", "to_ids": true,
             "Tag": [{"name": "tlp:clear"}]}
        ]}});
        let i = convert(&event, false).unwrap();
        let marks: Vec<&Value> = i
            .indicators
            .iter()
            .map(|o| &o["object_marking_refs"][0])
            .collect();
        assert_eq!(marks[0], &json!(TlpMarking::of(Tlp::Red).id()));
        assert_eq!(marks[1], &json!(TlpMarking::of(Tlp::Green).id()));
    }
}
