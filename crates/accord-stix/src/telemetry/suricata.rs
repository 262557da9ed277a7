//! Suricata EVE JSON (`eve.json`) records as STIX observations.
//!
//! One EVE record becomes one observation whose interval is the record's
//! `timestamp` (for `flow`, `flow.start` to `flow.end`). Every supported
//! event type carries the flow's five-tuple, mapped as:
//!
//! | EVE field | STIX 2.1 (§6) |
//! |---|---|
//! | `src_ip`, `dest_ip` | `ipv4-addr`/`ipv6-addr` `value`; `network-traffic:src_ref`/`dst_ref` |
//! | `src_port`, `dest_port` | `network-traffic:src_port`/`dst_port` |
//! | `proto`, `app_proto` | `network-traffic:protocols` (lowercase; `app_proto` `failed` is dropped) |
//!
//! and per event type:
//!
//! | event | EVE field | STIX 2.1 |
//! |---|---|---|
//! | `dns` | `dns.rrname` (v1/v2), `dns.queries[].rrname` (v3) | `domain-name:value` |
//! | `dns` | A/AAAA `rdata` in `dns.answers[]` or `dns.grouped.A`/`AAAA` | `ipv4-addr`/`ipv6-addr`, referenced by the queried name's `resolves_to_refs` |
//! | `dns` | CNAME `rdata` | another `domain-name`, in `resolves_to_refs` |
//! | `http` | `http.hostname` | `domain-name:value` |
//! | `http` | `http.hostname`, `http.http_port`, `http.url` | `url:value` = `http://host[:port]/path` (port only when not 80) |
//! | `http` | `http.http_method`, `http.url`, `http.protocol` | `network-traffic:extensions.'http-request-ext'.request_method`/`request_value`/`request_version` (lowercase) |
//! | `http` | `http.hostname`, `http.http_user_agent`, `http.http_refer` | `…'http-request-ext'.request_header` `Host`/`User-Agent`/`Referer` |
//! | `tls` | `tls.sni` | `domain-name:value` |
//! | `tls` | `tls.subject`, `tls.issuerdn`, `tls.serial` | `x509-certificate:subject`/`issuer`/`serial_number` |
//! | `tls` | `tls.fingerprint` (SHA-1 of the certificate) | `x509-certificate:hashes.'SHA-1'` (lowercase hex, colons removed) |
//! | `tls` | `tls.notbefore`, `tls.notafter` | `x509-certificate:validity_not_before`/`validity_not_after` |
//! | `flow` | `flow.start`, `flow.end` | `network-traffic:start`/`end`, and the observation interval |
//! | `flow` | `flow.bytes_toserver`/`bytes_toclient` | `network-traffic:src_byte_count`/`dst_byte_count` |
//! | `flow` | `flow.pkts_toserver`/`pkts_toclient` | `network-traffic:src_packets`/`dst_packets` |
//! | `fileinfo` | `fileinfo.filename` (last path segment) | `file:name` |
//! | `fileinfo` | `fileinfo.size` | `file:size` |
//! | `fileinfo` | `fileinfo.md5`/`sha1`/`sha256` | `file:hashes.MD5`/`'SHA-1'`/`'SHA-256'` (lowercase hex) |
//! | `fileinfo` | `http.hostname`, `http.url` when present | `domain-name`, `url` as for `http` |
//!
//! Other event types (`alert`, `stats`, `anomaly`, …) map to `Ok(None)`.
//! Hex digests are lowercased because indicators conventionally write them
//! so and STIX string comparison is case-sensitive.

use serde_json::{Map, Value};

use super::json::{Json, Object};
use super::objects::{
    Building, Fields, HttpFields, ObjectSet, ObjectTypes, TelemetryError, hashes, http_request,
    observation_id, sco, stamp, strings,
};
use crate::eval::Observation;

/// Maps one EVE record; `Ok(None)` for event types without a mapping.
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
    let event_type = record
        .get("event_type")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let kind = match event_type {
        "dns" => "Suricata dns event",
        "http" => "Suricata http event",
        "tls" => "Suricata tls event",
        "flow" => "Suricata flow event",
        "fileinfo" => "Suricata fileinfo event",
        _ => return Ok(None),
    };
    let f = Fields { record, kind };
    let timestamp = time(&f, "timestamp")?.ok_or_else(|| f.missing("timestamp"))?;
    let mut set = ObjectSet::new(types);
    let mut traffic = five_tuple(&f, &mut set)?;
    let (mut first, mut last) = (timestamp, timestamp);
    match event_type {
        "dns" => dns(&f, &mut set)?,
        "http" => {
            if let Some(ext) = http(&f, &mut set)? {
                traffic.set("extensions", || ext);
            }
        }
        "tls" => tls(&f, &mut set)?,
        "flow" => {
            if let Some(start) = time(&f, "flow.start")? {
                traffic.set("start", || stamp(start));
                first = start;
            }
            if let Some(end) = time(&f, "flow.end")? {
                traffic.set("end", || stamp(end));
                last = end;
            }
            for (eve, stix) in [
                ("flow.bytes_toserver", "src_byte_count"),
                ("flow.bytes_toclient", "dst_byte_count"),
                ("flow.pkts_toserver", "src_packets"),
                ("flow.pkts_toclient", "dst_packets"),
            ] {
                if let Some(n) = f.uint(eve)? {
                    traffic.set(stix, || n.into());
                }
            }
        }
        _ => fileinfo(&f, &mut set)?,
    }
    traffic.add_to(&mut set);
    Ok(Some(set.into_observation(first, last)))
}

/// EVE timestamps: RFC 3339 with a `+0000`-style offset, or with none
/// (`tls.notbefore` is written `2026-01-01T00:00:00`, meaning UTC).
fn time(f: &Fields<'_>, path: &str) -> Result<Option<jiff::Timestamp>, TelemetryError> {
    let Some(s) = f.str(path)? else {
        return Ok(None);
    };
    s.parse::<jiff::Timestamp>()
        .or_else(|_| format!("{s}Z").parse::<jiff::Timestamp>())
        .map(Some)
        .map_err(|e| f.invalid(path, format!("`{s}` is not a timestamp: {e}")))
}

/// The `network-traffic` of the five-tuple (without its `type` only when
/// the record has no tuple at all; callers add it when it has more).
fn five_tuple(f: &Fields<'_>, set: &mut ObjectSet) -> Result<Building, TelemetryError> {
    let mut t = Building::new(set, "network-traffic");
    if let Some(ip) = f.ip("src_ip")? {
        let key = set.address(ip);
        t.set("src_ref", || key.into());
    }
    if let Some(ip) = f.ip("dest_ip")? {
        let key = set.address(ip);
        t.set("dst_ref", || key.into());
    }
    if let Some(p) = f.port("src_port")? {
        t.set("src_port", || p.into());
    }
    if let Some(p) = f.port("dest_port")? {
        t.set("dst_port", || p.into());
    }
    let mut protocols = Vec::new();
    for field in ["proto", "app_proto"] {
        if let Some(p) = f.str(field)?
            && p != "failed"
            && !p.is_empty()
            && t.is_built()
        {
            let p = p.to_ascii_lowercase();
            if !protocols.contains(&p) {
                protocols.push(p);
            }
        }
    }
    if !protocols.is_empty() {
        t.set("protocols", || strings(protocols));
    }
    Ok(t)
}

fn dns(f: &Fields<'_>, set: &mut ObjectSet) -> Result<(), TelemetryError> {
    // Names asked: v1/v2 put one `rrname` at the top, v3 a `queries` list.
    let mut names: Vec<String> = Vec::new();
    if let Some(n) = f.str("dns.rrname")? {
        names.push(n.to_string());
    }
    if let Some(Json::Array(queries)) = f.get("dns.queries") {
        for q in queries {
            if let Some(n) = q.get("rrname").and_then(Json::as_str) {
                names.push(n.to_string());
            }
        }
    }
    if names.is_empty() {
        return Err(f.missing("dns.rrname"));
    }
    // Answers: detailed (`answers`) or grouped by record type (`grouped`).
    let mut answers: Vec<(String, String)> = Vec::new();
    if let Some(Json::Array(items)) = f.get("dns.answers") {
        for a in items {
            if let (Some(t), Some(d)) = (
                a.get("rrtype").and_then(Json::as_str),
                a.get("rdata").and_then(Json::as_str),
            ) {
                answers.push((t.to_string(), d.to_string()));
            }
        }
    }
    if let Some(Json::Object(grouped)) = f.get("dns.grouped") {
        for (t, items) in grouped.iter() {
            for d in items
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Json::as_str)
            {
                answers.push((t.to_string(), d.to_string()));
            }
        }
    }
    let mut resolves = Vec::new();
    for (t, data) in &answers {
        match t.as_str() {
            "A" | "AAAA" => {
                let ip = data
                    .parse()
                    .map_err(|_| f.invalid("dns.answers", format!("`{data}` is not an address")))?;
                let key = set.address(ip);
                if !resolves.contains(&key) {
                    resolves.push(key);
                }
            }
            "CNAME" => resolves.push(set.domain(data, Vec::new())),
            _ => {}
        }
    }
    for n in names {
        set.domain(&n, resolves.clone());
    }
    Ok(())
}

/// Where an EVE `http` record keeps what [`http_request`] reads.
const HTTP: HttpFields = HttpFields {
    host: "http.hostname",
    path: "http.url",
    port: "http.http_port",
    method: "http.http_method",
    version: "http.protocol",
    user_agent: "http.http_user_agent",
    referer: "http.http_refer",
};

/// Adds the host and URL; returns the `http-request-ext` extension.
fn http(f: &Fields<'_>, set: &mut ObjectSet) -> Result<Option<Value>, TelemetryError> {
    // EVE gives the protocol whole (`HTTP/1.1`); STIX writes it in lower case.
    http_request(f, set, &HTTP, str::to_ascii_lowercase)
}

fn tls(f: &Fields<'_>, set: &mut ObjectSet) -> Result<(), TelemetryError> {
    if let Some(sni) = f.str("tls.sni")? {
        set.domain(sni, Vec::new());
    }
    let mut cert = sco("x509-certificate", []);
    for (eve, stix) in [
        ("tls.subject", "subject"),
        ("tls.issuerdn", "issuer"),
        ("tls.serial", "serial_number"),
    ] {
        if let Some(v) = f.str(eve)? {
            cert.insert(stix.into(), v.into());
        }
    }
    if let Some(h) = hashes(&[("SHA-1", f.str("tls.fingerprint")?)]) {
        cert.insert("hashes".into(), h);
    }
    for (eve, stix) in [
        ("tls.notbefore", "validity_not_before"),
        ("tls.notafter", "validity_not_after"),
    ] {
        if let Some(t) = time(f, eve)? {
            cert.insert(stix.into(), stamp(t));
        }
    }
    if cert.len() > 1 {
        set.add(cert);
    }
    Ok(())
}

fn fileinfo(f: &Fields<'_>, set: &mut ObjectSet) -> Result<(), TelemetryError> {
    let mut file = sco("file", []);
    if let Some(name) = f.str("fileinfo.filename")? {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        file.insert("name".into(), base.into());
    }
    if let Some(size) = f.uint("fileinfo.size")? {
        file.insert("size".into(), size.into());
    }
    if let Some(h) = hashes(&[
        ("MD5", f.str("fileinfo.md5")?),
        ("SHA-1", f.str("fileinfo.sha1")?),
        ("SHA-256", f.str("fileinfo.sha256")?),
    ]) {
        file.insert("hashes".into(), h);
    }
    if file.len() == 1 {
        return Err(f.missing("fileinfo.filename"));
    }
    set.add(file);
    http(f, set)?;
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

    fn key_of(o: &Observation, ty: &str, value: &str) -> String {
        o.objects
            .iter()
            .find(|(_, m)| m["type"] == ty && m["value"] == value)
            .map(|(k, _)| k.clone())
            .unwrap()
    }

    #[test]
    fn dns_query_with_answers() {
        let o = observe(
            r#"{"timestamp":"2026-11-29T10:15:02.511873+0000","flow_id":1190468719405377,"in_iface":"eth0","event_type":"dns","src_ip":"192.0.2.10","src_port":53412,"dest_ip":"198.51.100.53","dest_port":53,"proto":"UDP","dns":{"version":2,"type":"answer","id":16000,"flags":"8180","qr":true,"rd":true,"ra":true,"rrname":"update-check.example","rrtype":"A","rcode":"NOERROR","answers":[{"rrname":"update-check.example","rrtype":"CNAME","ttl":300,"rdata":"cdn.update-check.example"},{"rrname":"cdn.update-check.example","rrtype":"A","ttl":300,"rdata":"203.0.113.77"}]}}"#,
        );
        assert_eq!(o.first_observed.to_string(), "2026-11-29T10:15:02.511873Z");
        let asked = of_type(&o, "domain-name")
            .into_iter()
            .find(|d| d["value"] == "update-check.example")
            .unwrap();
        let refs = asked["resolves_to_refs"].as_array().unwrap();
        assert!(refs.contains(&key_of(&o, "ipv4-addr", "203.0.113.77").into()));
        assert!(refs.contains(&key_of(&o, "domain-name", "cdn.update-check.example").into()));
        let t = &of_type(&o, "network-traffic")[0];
        assert_eq!(t["dst_port"], 53);
        assert_eq!(t["protocols"], serde_json::json!(["udp"]));
        assert_eq!(t["src_ref"], key_of(&o, "ipv4-addr", "192.0.2.10"));
    }

    #[test]
    fn dns_v3_queries_and_grouped_answers() {
        let o = observe(
            r#"{"timestamp":"2026-11-29T10:15:02.600000+0000","event_type":"dns","src_ip":"2001:db8::10","src_port":40000,"dest_ip":"2001:db8::53","dest_port":53,"proto":"UDP","dns":{"version":3,"type":"response","id":7,"queries":[{"rrname":"c2.example","rrtype":"AAAA"}],"grouped":{"AAAA":["2001:db8::bad"]}}}"#,
        );
        let d = &of_type(&o, "domain-name")[0];
        assert_eq!(d["value"], "c2.example");
        assert_eq!(
            d["resolves_to_refs"][0],
            key_of(&o, "ipv6-addr", "2001:db8::bad")
        );
    }

    #[test]
    fn http_request() {
        let o = observe(
            r#"{"timestamp":"2026-11-29T10:16:00.000100+0000","flow_id":4,"event_type":"http","src_ip":"192.0.2.10","src_port":51000,"dest_ip":"203.0.113.80","dest_port":8080,"proto":"TCP","tx_id":0,"http":{"hostname":"shop.example","http_port":8080,"url":"/wp-admin/shell.php?cmd=id","http_user_agent":"curl/8.5.0","http_content_type":"text/html","http_method":"GET","protocol":"HTTP/1.1","status":200,"length":512}}"#,
        );
        assert_eq!(
            of_type(&o, "url")[0]["value"],
            "http://shop.example:8080/wp-admin/shell.php?cmd=id"
        );
        assert_eq!(of_type(&o, "domain-name")[0]["value"], "shop.example");
        let ext = &of_type(&o, "network-traffic")[0]["extensions"]["http-request-ext"];
        assert_eq!(ext["request_method"], "GET");
        assert_eq!(ext["request_version"], "http/1.1");
        assert_eq!(ext["request_header"]["User-Agent"], "curl/8.5.0");
    }

    #[test]
    fn tls_handshake() {
        let o = observe(
            r#"{"timestamp":"2026-11-29T10:17:00.000000+0000","event_type":"tls","src_ip":"192.0.2.10","src_port":51002,"dest_ip":"203.0.113.44","dest_port":443,"proto":"TCP","tls":{"subject":"CN=login.bank-secure.example","issuerdn":"CN=Fake CA","serial":"00:DE:AD:BE:EF","fingerprint":"4B:7A:E2:10:6F:33:91:0C:DA:21:77:05:8E:9C:11:2A:3B:4C:5D:6E","sni":"login.bank-secure.example","version":"TLS 1.2","notbefore":"2026-10-01T00:00:00","notafter":"2027-01-01T00:00:00","ja3":{"hash":"e7d705a3286e19ea42f587b344ee6865"}}}"#,
        );
        let cert = &of_type(&o, "x509-certificate")[0];
        assert_eq!(
            cert["hashes"]["SHA-1"],
            "4b7ae2106f33910cda2177058e9c112a3b4c5d6e"
        );
        assert_eq!(cert["validity_not_before"], "2026-10-01T00:00:00Z");
        assert_eq!(cert["serial_number"], "00:DE:AD:BE:EF");
        assert_eq!(
            of_type(&o, "domain-name")[0]["value"],
            "login.bank-secure.example"
        );
    }

    #[test]
    fn flow_interval_and_counters() {
        let o = observe(
            r#"{"timestamp":"2026-11-29T10:20:05.000000+0000","flow_id":9,"event_type":"flow","src_ip":"192.0.2.10","src_port":49152,"dest_ip":"198.51.100.9","dest_port":4444,"proto":"TCP","app_proto":"failed","flow":{"pkts_toserver":12,"pkts_toclient":10,"bytes_toserver":1800,"bytes_toclient":9000,"start":"2026-11-29T10:19:00.000000+0000","end":"2026-11-29T10:20:00.000000+0000","age":60,"state":"closed","reason":"timeout","alerted":false}}"#,
        );
        assert_eq!(o.first_observed.to_string(), "2026-11-29T10:19:00Z");
        assert_eq!(o.last_observed.to_string(), "2026-11-29T10:20:00Z");
        let t = &of_type(&o, "network-traffic")[0];
        assert_eq!(t["src_byte_count"], 1800);
        assert_eq!(t["dst_packets"], 10);
        assert_eq!(t["protocols"], serde_json::json!(["tcp"]));
        assert_eq!(t["start"], "2026-11-29T10:19:00Z");
    }

    #[test]
    fn fileinfo_hashes_are_lowercased() {
        let o = observe(
            r#"{"timestamp":"2026-11-29T10:21:00.000000+0000","event_type":"fileinfo","src_ip":"203.0.113.80","src_port":80,"dest_ip":"192.0.2.10","dest_port":51010,"proto":"TCP","http":{"hostname":"dl.example","url":"/a/b/loader.bin","http_method":"GET","protocol":"HTTP/1.1","status":200},"app_proto":"http","fileinfo":{"filename":"/a/b/loader.bin","magic":"PE32 executable","gaps":false,"state":"CLOSED","md5":"9E107D9D372BB6826BD81D3542A419D6","sha1":"2fd4e1c67a2d28fced849ee1bb76e7391b93eb12","sha256":"B5E2C1B0F2B3A9C4D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5","stored":false,"size":73802,"tx_id":0}}"#,
        );
        let file = &of_type(&o, "file")[0];
        assert_eq!(file["name"], "loader.bin");
        assert_eq!(file["size"], 73802);
        assert_eq!(
            file["hashes"]["SHA-256"],
            "b5e2c1b0f2b3a9c4d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5"
        );
        assert_eq!(
            of_type(&o, "url")[0]["value"],
            "http://dl.example/a/b/loader.bin"
        );
    }

    #[test]
    fn other_event_types_are_skipped_and_bad_fields_named() {
        let r: Map<String, Value> = serde_json::from_str(
            r#"{"timestamp":"2026-11-29T10:00:00.000000+0000","event_type":"stats","stats":{}}"#,
        )
        .unwrap();
        assert_eq!(observation(&r), Ok(None));
        let r: Map<String, Value> = serde_json::from_str(
            r#"{"timestamp":"2026-11-29T10:00:00.000000+0000","event_type":"flow","src_ip":"999.1.1.1"}"#,
        )
        .unwrap();
        let e = observation(&r).unwrap_err().to_string();
        assert_eq!(
            e,
            "Suricata flow event: field `src_ip`: `999.1.1.1` is not an IP address"
        );
        let r: Map<String, Value> = serde_json::from_str(
            r#"{"timestamp":"2026-11-29T10:00:00Z","event_type":"dns","dns":{}}"#,
        )
        .unwrap();
        assert_eq!(
            observation(&r).unwrap_err().to_string(),
            "Suricata dns event: missing field `dns.rrname`"
        );
    }
}
