//! Zeek JSON log records (`LogAscii::use_json=T`) as STIX observations.
//!
//! Zeek writes one file per log without naming the log inside records,
//! unless `_path` is added (JSON streaming setups do). The log is taken
//! from `_path` when present, else recognised by its fields (see
//! [`log_kind`]). `ts` is seconds since the epoch (the default) or an
//! ISO 8601 string (`JSON::TS_ISO8601`). The connection tuple is read from
//! the flat keys Zeek writes (`id.orig_h`) or a nested `id` object.
//!
//! | log | Zeek field | STIX 2.1 (§6) |
//! |---|---|---|
//! | all | `ts` (+ `duration` for conn) | observation interval |
//! | all with `id` | `id.orig_h`, `id.resp_h` | `ipv4-addr`/`ipv6-addr`; `network-traffic:src_ref`/`dst_ref` |
//! | all with `id` | `id.orig_p`, `id.resp_p` | `network-traffic:src_port`/`dst_port` |
//! | conn | `proto`, `service` (comma-separated) | `network-traffic:protocols` |
//! | conn | `ts`, `ts + duration` | `network-traffic:start`/`end` |
//! | conn | `orig_bytes`/`resp_bytes`, `orig_pkts`/`resp_pkts` | `network-traffic:src_byte_count`/`dst_byte_count`, `src_packets`/`dst_packets` |
//! | dns | `query` | `domain-name:value` |
//! | dns | `answers[]` (addresses; names) | `ipv4-addr`/`ipv6-addr` or `domain-name`, referenced by the query's `resolves_to_refs` |
//! | dns | `proto` | `network-traffic:protocols` (`udp`/`tcp`, `dns`) |
//! | http | `host` | `domain-name:value` |
//! | http | `host`, `id.resp_p`, `uri` | `url:value` = `http://host[:port]uri` (port only when not 80) |
//! | http | `method`, `uri`, `version` | `network-traffic:extensions.'http-request-ext'.request_method`/`request_value`/`request_version` (`http/` + version) |
//! | http | `host`, `user_agent`, `referrer` | `…'http-request-ext'.request_header` `Host`/`User-Agent`/`Referer` |
//! | files | `filename`, `total_bytes` (else `seen_bytes`), `mime_type` | `file:name`, `file:size`, `file:mime_type` |
//! | files | `md5`, `sha1`, `sha256` | `file:hashes.MD5`/`'SHA-1'`/`'SHA-256'` (lowercase hex) |
//! | files | `tx_hosts[]`, `rx_hosts[]` (Zeek < 6) | `ipv4-addr`/`ipv6-addr` objects |
//! | ssl | `server_name` | `domain-name:value` |
//! | ssl | — | `network-traffic:protocols` `tcp`, `tls` |
//!
//! Other logs (named by `_path`) map to `Ok(None)`.

use serde_json::{Map, Value};

use super::json::{Json, Object};
use super::objects::{
    Building, Fields, HttpFields, ObjectSet, ObjectTypes, TelemetryError, hashes, http_request,
    observation_id, sco, stamp, strings,
};
use crate::eval::Observation;

/// Which supported Zeek log a record belongs to: `_path` if present,
/// otherwise guessed from fields only that log has.
pub fn log_kind(record: &Map<String, Value>) -> Option<&'static str> {
    kind_of(&Object::from_map(record))
}

/// [`log_kind`] of a borrowed record.
pub(crate) fn kind_of(record: &Object<'_>) -> Option<&'static str> {
    const KINDS: [&str; 5] = ["conn", "dns", "http", "files", "ssl"];
    if let Some(p) = record.get("_path").and_then(Json::as_str) {
        return KINDS.iter().copied().find(|k| *k == p);
    }
    let has = |k: &str| record.contains_key(k);
    if has("conn_state") || (has("proto") && has("history")) {
        Some("conn")
    } else if has("query") && (has("qtype_name") || has("trans_id") || has("rcode")) {
        Some("dns")
    } else if has("trans_depth") || (has("method") && has("uri")) {
        Some("http")
    } else if has("fuid") && (has("seen_bytes") || has("mime_type") || has("source")) {
        Some("files")
    } else if has("server_name") || has("cipher") || has("established") {
        Some("ssl")
    } else {
        None
    }
}

/// Maps one Zeek record; `Ok(None)` for logs without a mapping.
pub fn observation(record: &Map<String, Value>) -> Result<Option<Observation>, TelemetryError> {
    Ok(
        unnamed(&Object::from_map(record), ObjectTypes::ALL)?.map(|mut o| {
            o.id = observation_id(record);
            o
        }),
    )
}

/// [`observation`] with the id left empty (see [`super::observation_unnamed`]).
pub(crate) fn unnamed(
    record: &Object<'_>,
    types: ObjectTypes,
) -> Result<Option<Observation>, TelemetryError> {
    let Some(kind) = kind_of(record) else {
        return Ok(None);
    };
    let f = Fields {
        record,
        kind: match kind {
            "conn" => "Zeek conn log",
            "dns" => "Zeek dns log",
            "http" => "Zeek http log",
            "files" => "Zeek files log",
            _ => "Zeek ssl log",
        },
    };
    let ts = time(&f)?;
    let mut last = ts;
    let mut set = ObjectSet::new(types);
    let mut traffic = tuple(&f, &mut set)?;
    let mut protocols: Vec<String> = Vec::new();
    match kind {
        "conn" => {
            protocols.extend(f.str("proto")?.map(str::to_ascii_lowercase));
            if let Some(s) = f.str("service")? {
                protocols.extend(
                    s.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_ascii_lowercase),
                );
            }
            traffic.set("start", || stamp(ts));
            if let Some(d) = f.get("duration") {
                let secs = d
                    .as_f64()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| f.invalid("duration", "not a non-negative number"))?;
                let span = jiff::SignedDuration::try_from_secs_f64(secs)
                    .map_err(|e| f.invalid("duration", e.to_string()))?;
                last = ts
                    .checked_add(span)
                    .map_err(|e| f.invalid("duration", e.to_string()))?;
                traffic.set("end", || stamp(last));
            }
            for (zeek, stix) in [
                ("orig_bytes", "src_byte_count"),
                ("resp_bytes", "dst_byte_count"),
                ("orig_pkts", "src_packets"),
                ("resp_pkts", "dst_packets"),
            ] {
                if let Some(n) = f.uint(zeek)? {
                    traffic.set(stix, || n.into());
                }
            }
        }
        "dns" => {
            protocols.extend(f.str("proto")?.map(str::to_ascii_lowercase));
            protocols.push("dns".into());
            dns(&f, &mut set)?;
        }
        "http" => {
            protocols.extend(["tcp".to_string(), "http".to_string()]);
            if let Some(ext) = http(&f, &mut set)? {
                traffic.set("extensions", || ext);
            }
        }
        "files" => files(&f, &mut set)?,
        _ => {
            protocols.extend(["tcp".to_string(), "tls".to_string()]);
            if let Some(name) = f.str("server_name")? {
                set.domain(name, Vec::new());
            }
        }
    }
    if traffic.has_properties() {
        if !protocols.is_empty() {
            protocols.dedup();
            traffic.set("protocols", || strings(protocols));
        }
        traffic.add_to(&mut set);
    }
    Ok(Some(set.into_observation(ts, last)))
}

/// `ts`: epoch seconds (float) or an ISO 8601 string.
fn time(f: &Fields<'_>) -> Result<jiff::Timestamp, TelemetryError> {
    match f.get("ts") {
        None => Err(f.missing("ts")),
        Some(Json::Number(n)) => {
            let secs = n
                .as_f64()
                .ok_or_else(|| f.invalid("ts", "not a number of seconds"))?;
            let micros = (secs * 1e6).round();
            if !micros.is_finite() || micros.abs() > 9.0e15 {
                return Err(f.invalid("ts", "out of range"));
            }
            jiff::Timestamp::from_microsecond(micros as i64)
                .map_err(|e| f.invalid("ts", e.to_string()))
        }
        Some(Json::String(s)) => s
            .parse()
            .map_err(|e| f.invalid("ts", format!("`{s}` is not a timestamp: {e}"))),
        Some(_) => Err(f.invalid("ts", "not a timestamp")),
    }
}

/// `network-traffic` from the `id` tuple (just `type` when absent).
fn tuple(f: &Fields<'_>, set: &mut ObjectSet) -> Result<Building, TelemetryError> {
    let mut t = Building::new(set, "network-traffic");
    if let Some(ip) = f.ip("id.orig_h")? {
        let key = set.address(ip);
        t.set("src_ref", || key.into());
    }
    if let Some(ip) = f.ip("id.resp_h")? {
        let key = set.address(ip);
        t.set("dst_ref", || key.into());
    }
    if let Some(p) = f.port("id.orig_p")? {
        t.set("src_port", || p.into());
    }
    if let Some(p) = f.port("id.resp_p")? {
        t.set("dst_port", || p.into());
    }
    Ok(t)
}

fn dns(f: &Fields<'_>, set: &mut ObjectSet) -> Result<(), TelemetryError> {
    let query = f.str("query")?.ok_or_else(|| f.missing("query"))?;
    let mut resolves = Vec::new();
    if let Some(Json::Array(answers)) = f.get("answers") {
        for a in answers.iter().filter_map(Json::as_str) {
            let key = match a.parse() {
                Ok(ip) => set.address(ip),
                Err(_) => set.domain(a, Vec::new()),
            };
            if !resolves.contains(&key) {
                resolves.push(key);
            }
        }
    }
    set.domain(query, resolves);
    Ok(())
}

/// Where a Zeek `http.log` record keeps what [`http_request`] reads.
const HTTP: HttpFields = HttpFields {
    host: "host",
    path: "uri",
    port: "id.resp_p",
    method: "method",
    version: "version",
    user_agent: "user_agent",
    referer: "referrer",
};

/// Adds the host and URL; returns the `http-request-ext` extension.
fn http(f: &Fields<'_>, set: &mut ObjectSet) -> Result<Option<Value>, TelemetryError> {
    // Zeek gives the version alone (`1.1`).
    http_request(f, set, &HTTP, |v| format!("http/{v}"))
}

fn files(f: &Fields<'_>, set: &mut ObjectSet) -> Result<(), TelemetryError> {
    let mut file = sco("file", []);
    if let Some(name) = f.str("filename")? {
        file.insert("name".into(), name.into());
    }
    if let Some(size) = f.uint("total_bytes")?.or(f.uint("seen_bytes")?) {
        file.insert("size".into(), size.into());
    }
    if let Some(m) = f.str("mime_type")? {
        file.insert("mime_type".into(), m.into());
    }
    if let Some(h) = hashes(&[
        ("MD5", f.str("md5")?),
        ("SHA-1", f.str("sha1")?),
        ("SHA-256", f.str("sha256")?),
    ]) {
        file.insert("hashes".into(), h);
    }
    for field in ["tx_hosts", "rx_hosts"] {
        if let Some(Json::Array(hosts)) = f.get(field) {
            for h in hosts {
                let ip = h
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| f.invalid(field, "not a list of IP addresses"))?;
                set.address(ip);
            }
        }
    }
    set.add(file);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observe(line: &str) -> Observation {
        let record: Map<String, Value> = serde_json::from_str(line).unwrap();
        observation(&record).unwrap().unwrap()
    }

    fn of_type<'a>(o: &'a Observation, ty: &str) -> Vec<&'a Map<String, Value>> {
        o.objects
            .iter()
            .map(|(_, m)| m)
            .filter(|m| m["type"] == ty)
            .collect()
    }

    #[test]
    fn conn_log() {
        let o = observe(
            r#"{"ts":1795946400.123456,"uid":"CHhAvVGS1DHFjwGM9","id.orig_h":"192.0.2.10","id.orig_p":49152,"id.resp_h":"198.51.100.9","id.resp_p":4444,"proto":"tcp","service":"ssl,http","duration":2.5,"orig_bytes":1800,"resp_bytes":9000,"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadFf","orig_pkts":12,"orig_ip_bytes":2424,"resp_pkts":10,"resp_ip_bytes":9520}"#,
        );
        assert_eq!(o.first_observed.to_string(), "2026-11-29T10:00:00.123456Z");
        assert_eq!(o.last_observed.to_string(), "2026-11-29T10:00:02.623456Z");
        let t = &of_type(&o, "network-traffic")[0];
        assert_eq!(t["dst_port"], 4444);
        assert_eq!(t["protocols"], serde_json::json!(["tcp", "ssl", "http"]));
        assert_eq!(t["src_byte_count"], 1800);
        assert_eq!(t["dst_packets"], 10);
        let dst = t["dst_ref"].as_str().unwrap();
        let (_, addr) = o.objects.iter().find(|(k, _)| k == dst).unwrap();
        assert_eq!(addr["value"], "198.51.100.9");
    }

    #[test]
    fn dns_log_with_nested_id_and_iso_ts() {
        let o = observe(
            r#"{"_path":"dns","ts":"2026-11-29T10:15:02.511873Z","uid":"C1","id":{"orig_h":"192.0.2.10","orig_p":53412,"resp_h":"198.51.100.53","resp_p":53},"proto":"udp","trans_id":16000,"query":"update-check.example","qclass":1,"qclass_name":"C_INTERNET","qtype":1,"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["cdn.update-check.example","203.0.113.77"],"TTLs":[300.0,300.0],"rejected":false}"#,
        );
        let q = of_type(&o, "domain-name")
            .into_iter()
            .find(|d| d["value"] == "update-check.example")
            .unwrap();
        assert_eq!(q["resolves_to_refs"].as_array().unwrap().len(), 2);
        assert_eq!(of_type(&o, "ipv4-addr").len(), 3);
        assert_eq!(
            of_type(&o, "network-traffic")[0]["protocols"],
            serde_json::json!(["udp", "dns"])
        );
    }

    #[test]
    fn http_log() {
        let o = observe(
            r#"{"ts":1795946460.0001,"uid":"C2","id.orig_h":"192.0.2.10","id.orig_p":51000,"id.resp_h":"203.0.113.80","id.resp_p":80,"trans_depth":1,"method":"POST","host":"shop.example","uri":"/wp-admin/shell.php","referrer":"http://shop.example/","version":"1.1","user_agent":"Mozilla/5.0","request_body_len":12,"response_body_len":512,"status_code":200,"status_msg":"OK","tags":[],"resp_fuids":["FhQ1"],"resp_mime_types":["text/html"]}"#,
        );
        assert_eq!(
            of_type(&o, "url")[0]["value"],
            "http://shop.example/wp-admin/shell.php"
        );
        let ext = &of_type(&o, "network-traffic")[0]["extensions"]["http-request-ext"];
        assert_eq!(ext["request_method"], "POST");
        assert_eq!(ext["request_version"], "http/1.1");
        assert_eq!(ext["request_header"]["Referer"], "http://shop.example/");
    }

    #[test]
    fn files_log() {
        let o = observe(
            r#"{"ts":1795946520.5,"fuid":"FhQ1","tx_hosts":["203.0.113.80"],"rx_hosts":["192.0.2.10"],"conn_uids":["C2"],"source":"HTTP","depth":0,"analyzers":["MD5","SHA1","SHA256"],"mime_type":"application/x-dosexec","filename":"loader.bin","duration":0.01,"is_orig":false,"seen_bytes":73802,"total_bytes":73802,"missing_bytes":0,"overflow_bytes":0,"timedout":false,"md5":"9e107d9d372bb6826bd81d3542a419d6","sha1":"2fd4e1c67a2d28fced849ee1bb76e7391b93eb12","sha256":"B5E2C1B0F2B3A9C4D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5"}"#,
        );
        let f = &of_type(&o, "file")[0];
        assert_eq!(f["name"], "loader.bin");
        assert_eq!(f["mime_type"], "application/x-dosexec");
        assert_eq!(f["size"], 73802);
        assert_eq!(f["hashes"]["MD5"], "9e107d9d372bb6826bd81d3542a419d6");
        assert_eq!(
            f["hashes"]["SHA-256"],
            "b5e2c1b0f2b3a9c4d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5"
        );
        assert_eq!(of_type(&o, "ipv4-addr").len(), 2);
    }

    #[test]
    fn ssl_log() {
        let o = observe(
            r#"{"ts":1795946580.0,"uid":"C3","id.orig_h":"192.0.2.10","id.orig_p":51002,"id.resp_h":"203.0.113.44","id.resp_p":443,"version":"TLSv13","cipher":"TLS_AES_128_GCM_SHA256","curve":"x25519","server_name":"login.bank-secure.example","resumed":false,"established":true,"ssl_history":"CsiI"}"#,
        );
        assert_eq!(
            of_type(&o, "domain-name")[0]["value"],
            "login.bank-secure.example"
        );
        assert_eq!(
            of_type(&o, "network-traffic")[0]["protocols"],
            serde_json::json!(["tcp", "tls"])
        );
    }

    #[test]
    fn other_logs_are_skipped_and_bad_fields_named() {
        let r: Map<String, Value> =
            serde_json::from_str(r#"{"_path":"weird","ts":1.0,"name":"x"}"#).unwrap();
        assert_eq!(observation(&r), Ok(None));
        let r: Map<String, Value> =
            serde_json::from_str(r#"{"_path":"conn","ts":"yesterday","proto":"tcp"}"#).unwrap();
        assert!(
            observation(&r)
                .unwrap_err()
                .to_string()
                .starts_with("Zeek conn log: field `ts`: `yesterday` is not a timestamp")
        );
        let r: Map<String, Value> =
            serde_json::from_str(r#"{"_path":"dns","ts":1.0,"id.resp_p":70000}"#).unwrap();
        assert_eq!(
            observation(&r).unwrap_err().to_string(),
            "Zeek dns log: field `id.resp_p`: not a port number (0–65535)"
        );
    }
}
