//! TAXII 2.1 against a running `accord serve`: the TLP matrix over every TAXII read path
//! (objects, manifest, versions, object by id), content negotiation and error resources, and
//! (with `ACCORD_PY_INTEROP=1`) the real Python clients `taxii2-client` and `stix2`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use accord_stix::marking::TlpMarking;
use accord_stix::tlp::{Affiliation, Audience, Reader, may_read};
use accord_tlp::Tlp;
use serde_json::{Value, json};

mod common;
use common::{Server, accord, checkpoint_size, fails, http_get, ok, on};

use accord_store::peers::token_env;

const TAXII: &str = "application/taxii+json;version=2.1";
const COLLECTION: &str = "5b8e3c2a-1d4f-4e6a-9b7c-0a1b2c3d4e5f";

fn run(data: &Path, args: &[&str]) -> String {
    ok(on(data).args(args))
}

/// The community: FR and DE write, IT reads. BE is in FR's organisation, EE in DE's, LT a
/// client of DE's organisation; NL is in no community.
const PARTIES: [&str; 7] = ["FR", "DE", "IT", "BE", "EE", "LT", "NL"];

struct Hub {
    _dir: tempfile::TempDir,
    server: Server,
    tokens: HashMap<&'static str, String>,
}

fn hub() -> Hub {
    hub_with_origin(None)
}

/// The matrix hub, its log named `origin` (the default one when `None`).
fn hub_with_origin(origin: Option<&str>) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let mut first = on(data);
    if let Some(origin) = origin {
        first.env("ACCORD_ORIGIN", origin);
    }
    ok(first.args(["collections", "list"]));
    let tokens = community(
        data,
        &[
            "collections",
            "add",
            "--id",
            COLLECTION,
            "--title",
            "Matrix community",
            "--member",
            "FR:rw",
            "--member",
            "DE:rw",
            "--member",
            "IT:r",
            "--default-tlp",
            "amber",
            "--anonymous-read",
        ],
    );
    let server = Server::start(data);
    Hub {
        _dir: dir,
        server,
        tokens,
    }
}

/// Defines a collection on the hub in `data` with `add` (an `accord collections add`
/// command line), records the affiliations the oracle's [`World`] knows and issues a token to
/// each of the [`PARTIES`].
fn community(data: &Path, add: &[&str]) -> HashMap<&'static str, String> {
    run(data, add);
    run(
        data,
        &[
            "collections",
            "affiliate",
            "--party",
            "BE",
            "--organisation",
            "FR",
        ],
    );
    run(
        data,
        &[
            "collections",
            "affiliate",
            "--party",
            "EE",
            "--organisation",
            "DE",
        ],
    );
    run(
        data,
        &[
            "collections",
            "affiliate",
            "--party",
            "LT",
            "--organisation",
            "LT",
            "--client-of",
            "DE",
        ],
    );
    let listed = run(data, &["collections", "list", "--json"]);
    assert!(listed.contains(add[3]), "{listed}");
    let mut tokens = HashMap::new();
    for p in PARTIES {
        tokens.insert(
            p,
            run(data, &["tokens", "issue", "--party", p])
                .trim()
                .to_owned(),
        );
    }
    tokens
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

impl Hub {
    fn url(&self, path: &str) -> String {
        format!(
            "{}/taxii2/api/collections/{COLLECTION}/{path}",
            self.server.base
        )
    }

    fn get(&self, who: Option<&str>, url: &str) -> reqwest::blocking::Response {
        let mut r = client().get(url).header("Accept", TAXII);
        if let Some(p) = who {
            r = r.basic_auth(p, Some(&self.tokens[p]));
        }
        r.send().unwrap()
    }

    fn post(&self, who: &str, objects: &[Value]) -> Value {
        let r = client()
            .post(self.url("objects/"))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(&self.tokens[who])
            .body(json!({ "objects": objects }).to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 202);
        r.json().unwrap()
    }
}

/// The oracle's view of the community, mirroring what `hub()` set up.
struct World;

impl Affiliation for World {
    fn organisation<'a>(&'a self, party: &'a str) -> &'a str {
        match party {
            "BE" => "FR",
            "EE" => "DE",
            p => p,
        }
    }
    fn client_of(&self, party: &str) -> Option<&str> {
        (party == "LT").then_some("DE")
    }
    fn is_member(&self, party: &str) -> bool {
        matches!(party, "FR" | "DE" | "IT")
    }
    fn has_member_in(&self, organisation: &str) -> bool {
        matches!(organisation, "FR" | "DE" | "IT")
    }
}

fn indicator(n: usize, marking: Option<TlpMarking>, named: bool) -> Value {
    let mut o = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--6f1c8a8e-0000-4000-8000-{n:012}"),
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '192.0.2.{n}']"),
        "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z"
    });
    if let Some(m) = marking {
        o["object_marking_refs"] = json!([m.id()]);
    }
    if named {
        o["x_accord_recipients"] = json!(["DE"]);
    }
    o
}

fn all_ids(hub: &Hub, who: Option<&str>, path: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut url = format!("{}?limit=4", hub.url(path));
        if let Some(n) = &next {
            url.push_str(&format!("&next={n}"));
        }
        let r = hub.get(who, &url);
        assert_eq!(r.status(), 200, "{url}");
        let v: Value = r.json().unwrap();
        for o in v["objects"].as_array().into_iter().flatten() {
            ids.push(o["id"].as_str().unwrap().to_owned());
        }
        match v["next"].as_str() {
            Some(n) if v["more"] == json!(true) => next = Some(n.to_owned()),
            _ => break,
        }
    }
    ids
}

/// The ids of the STIX objects whose bodies the public log publishes (`/log/bodies/…`).
fn published_in_log(base: &str) -> Vec<String> {
    let size = checkpoint_size(&http_get(base, "/log/checkpoint"));
    let mut ids = Vec::new();
    for bundle in 0..size.div_ceil(256) {
        let bodies: Value =
            serde_json::from_slice(&http_get(base, &format!("/log/bodies/{bundle}"))).unwrap();
        for b in bodies.as_array().unwrap() {
            let Some(text) = b["body"].as_str() else {
                continue;
            };
            let body: Value = serde_json::from_str(text).unwrap();
            if let (Some(_), Some(id)) = (body["type"].as_str(), body["id"].as_str()) {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

#[test]
fn tlp_matrix_over_every_taxii_read_path() {
    let hub = hub();
    let (cases, objects) = matrix_cases();
    let status = hub.post("FR", &objects);
    assert_eq!(status["success_count"], json!(objects.len()), "{status}");

    let readers: Vec<Option<&str>> = std::iter::once(None)
        .chain(PARTIES.iter().map(|p| Some(*p)))
        .collect();
    let mut checked = 0;
    for who in &readers {
        let in_objects = all_ids(&hub, *who, "objects/");
        let in_manifest = all_ids(&hub, *who, "manifest/");
        for (n, (marking, named)) in cases.iter().enumerate() {
            let id = objects[n]["id"].as_str().unwrap();
            let names = if *named {
                vec!["DE".to_owned()]
            } else {
                vec![]
            };
            let want = oracle(*who, *marking, "FR", &names);
            let by_id = hub.get(*who, &hub.url(&format!("objects/{id}/"))).status();
            let versions = hub
                .get(*who, &hub.url(&format!("objects/{id}/versions/")))
                .status();
            let label = format!("{who:?} reading {marking:?} named={named}");
            assert_eq!(
                in_objects.contains(&id.to_owned()),
                want,
                "objects: {label}"
            );
            assert_eq!(
                in_manifest.contains(&id.to_owned()),
                want,
                "manifest: {label}"
            );
            assert_eq!(by_id == 200, want, "object by id: {label}");
            assert_eq!(by_id == 404, !want, "object by id: {label}");
            assert_eq!(versions == 200, want, "versions: {label}");
            checked += 1;
        }
    }
    assert_eq!(checked, readers.len() * cases.len());
    // Sanity: the matrix is not trivially all-visible or all-hidden.
    assert!(all_ids(&hub, Some("NL"), "objects/").len() < objects.len() / 2);
    assert_eq!(all_ids(&hub, Some("FR"), "objects/").len(), objects.len());
}

#[test]
fn negotiation_auth_and_bad_input_answer_taxii_errors() {
    let hub = hub();
    let base = &hub.server.base;
    // 406 without the TAXII media type.
    let r = client()
        .get(format!("{base}/taxii2/"))
        .header("Accept", "application/json")
        .send()
        .unwrap();
    assert_eq!(r.status(), 406);
    assert_eq!(r.headers()["content-type"], TAXII);
    let e: Value = r.json().unwrap();
    assert_eq!(e["http_status"], json!("406"));
    // 415 for a POST in another media type.
    let r = client()
        .post(hub.url("objects/"))
        .header("Accept", TAXII)
        .header("Content-Type", "application/json")
        .bearer_auth(&hub.tokens["FR"])
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 415);
    // 413 over max_content_length, naming the limit.
    let root: Value = hub
        .get(None, &format!("{base}/taxii2/api/"))
        .json()
        .unwrap();
    let limit = root["max_content_length"].as_u64().unwrap() as usize;
    let r = client()
        .post(hub.url("objects/"))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .bearer_auth(&hub.tokens["FR"])
        .body(format!("{{\"objects\":[\"{}\"]}}", "x".repeat(limit)))
        .send()
        .unwrap();
    assert_eq!(r.status(), 413);
    let e: Value = r.json().unwrap();
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .contains(&limit.to_string())
    );
    // 400 for a pagination token we never issued, and for a bad filter.
    for q in [
        "next=garbage",
        "added_after=yesterday",
        "match[version]=newest",
        "limit=-1",
    ] {
        let r = hub.get(Some("FR"), &format!("{}?{q}", hub.url("objects/")));
        assert_eq!(r.status(), 400, "{q}");
    }
    // 401 for a wrong token or a party that does not hold it.
    let r = client()
        .get(format!("{base}/taxii2/api/collections/"))
        .header("Accept", TAXII)
        .basic_auth("DE", Some(&hub.tokens["FR"]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    // 403 for a reader that may not write; 401 for an anonymous write.
    let r = client()
        .post(hub.url("objects/"))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .basic_auth("IT", Some(&hub.tokens["IT"]))
        .body("{\"objects\":[]}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // A mixed envelope: valid objects recorded, invalid ones listed, nothing partial.
    let mut bad = indicator(1, None, false);
    bad["pattern_type"] = Value::Null;
    bad.as_object_mut().unwrap().remove("pattern_type");
    let status = hub.post(
        "DE",
        &[indicator(0, None, false), bad, json!({"type": "x"})],
    );
    assert_eq!(status["success_count"], json!(1), "{status}");
    assert_eq!(status["failure_count"], json!(2), "{status}");
    let sid = status["id"].as_str().unwrap();
    let r = hub.get(Some("DE"), &format!("{base}/taxii2/api/status/{sid}/"));
    assert_eq!(r.status(), 200);
    // Another party does not see DE's status.
    let r = hub.get(Some("FR"), &format!("{base}/taxii2/api/status/{sid}/"));
    assert_eq!(r.status(), 404);
    // Delete: only the producer.
    let id = "indicator--6f1c8a8e-0000-4000-8000-000000000000";
    let del = |who: &str| {
        client()
            .delete(hub.url(&format!("objects/{id}/")))
            .header("Accept", TAXII)
            .bearer_auth(&hub.tokens[who])
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(del("FR"), 403);
    assert_eq!(del("DE"), 200);
    assert_eq!(
        hub.get(Some("DE"), &hub.url(&format!("objects/{id}/")))
            .status(),
        404
    );
}

#[test]
fn python_taxii2_client_and_stix2_interoperate() {
    if std::env::var("ACCORD_PY_INTEROP").as_deref() != Ok("1") {
        eprintln!("skipped: set ACCORD_PY_INTEROP=1 (needs taxii2-client and stix2 from PyPI)");
        return;
    }
    let hub = hub();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/taxii/interop.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([&hub.server.base, COLLECTION, "FR", &hub.tokens["FR"]])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every id a reader gets from the REST list, paging with `cursor`.
fn rest_ids(hub: &Hub, who: Option<&str>) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!(
            "{}/api/v1/collections/{COLLECTION}/objects?limit=4",
            hub.server.base
        );
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let mut r = client().get(&url);
        if let Some(p) = who {
            r = r.bearer_auth(&hub.tokens[p]);
        }
        let r = r.send().unwrap();
        assert_eq!(r.status(), 200, "{url}");
        assert_eq!(r.headers()["cache-control"], "private, no-store");
        let v: Value = r.json().unwrap();
        for o in v["items"].as_array().unwrap() {
            ids.push(o["object"]["id"].as_str().unwrap().to_owned());
        }
        match v["next"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
            None => break,
        }
    }
    ids
}

/// A GET as `who` with HTTP Basic (what a browser sends after `/collections?login=1`).
fn get_basic(hub: &Hub, who: Option<&str>, path: &str) -> reqwest::blocking::Response {
    let mut r = client().get(format!("{}{path}", hub.server.base));
    if let Some(p) = who {
        r = r.basic_auth(p, Some(&hub.tokens[p]));
    }
    r.send().unwrap()
}

/// Every marking (and none: the collection's default), with and without a named recipient;
/// and one indicator for each.
fn matrix_cases() -> (Vec<(Option<TlpMarking>, bool)>, Vec<Value>) {
    let mut cases: Vec<(Option<TlpMarking>, bool)> = Vec::new();
    for named in [false, true] {
        cases.push((None, named));
        for m in TlpMarking::ALL {
            cases.push((Some(m), named));
        }
    }
    let objects = cases
        .iter()
        .enumerate()
        .map(|(n, (m, named))| indicator(n, *m, *named))
        .collect();
    (cases, objects)
}

fn oracle(
    who: Option<&str>,
    marking: Option<TlpMarking>,
    producer: &str,
    named: &[String],
) -> bool {
    let audience = Audience {
        level: marking.map(Tlp::from).unwrap_or(Tlp::Amber),
        producer,
        named,
        anonymous_read: true,
    };
    let reader = who.map(Reader::Party).unwrap_or(Reader::Anonymous);
    may_read(&audience, &reader, &World)
}

#[test]
fn tlp_matrix_over_rest_dashboard_and_exports() {
    let hub = hub();
    let (cases, objects) = matrix_cases();
    let status = hub.post("FR", &objects);
    assert_eq!(status["success_count"], json!(objects.len()), "{status}");
    let readers: Vec<Option<&str>> = std::iter::once(None)
        .chain(PARTIES.iter().map(|p| Some(*p)))
        .collect();
    let mut checked = 0;
    let mut visible_somewhere = 0;
    // The public log is one more read path, an anonymous one.
    let in_log = published_in_log(&hub.server.base);
    for who in &readers {
        let rest = rest_ids(&hub, *who);
        let page = get_basic(&hub, *who, &format!("/collections/{COLLECTION}"));
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["cache-control"], "private, no-store");
        let html = page.text().unwrap();
        let export = |path: &str| {
            let r = get_basic(
                &hub,
                *who,
                &format!("/api/v1/collections/{COLLECTION}/export/{path}"),
            );
            assert_eq!(r.status(), 200, "{path}");
            r.text().unwrap()
        };
        let blocklist: Vec<String> = export("blocklist?type=ipv4")
            .lines()
            .map(str::to_owned)
            .collect();
        let zeek = export("zeek");
        let suricata = export("suricata");
        for (n, (marking, named)) in cases.iter().enumerate() {
            let id = objects[n]["id"].as_str().unwrap();
            let ip = format!("192.0.2.{n}");
            let names = if *named {
                vec!["DE".to_owned()]
            } else {
                vec![]
            };
            let want = oracle(*who, *marking, "FR", &names);
            visible_somewhere += usize::from(want);
            let label = format!("{who:?} reading {marking:?} named={named}");
            assert_eq!(rest.contains(&id.to_owned()), want, "REST list: {label}");
            let one = get_basic(
                &hub,
                *who,
                &format!("/api/v1/collections/{COLLECTION}/objects/{id}"),
            )
            .status();
            assert_eq!(one == 200, want, "REST object: {label}");
            assert_eq!(one == 404, !want, "REST object: {label}");
            let tally = get_basic(
                &hub,
                *who,
                &format!("/api/v1/collections/{COLLECTION}/objects/{id}/sightings"),
            )
            .status();
            assert_eq!(tally == 200, want, "REST sightings: {label}");
            assert_eq!(html.contains(id), want, "dashboard: {label}");
            if who.is_none() {
                assert_eq!(in_log.contains(&id.to_owned()), want, "log: {label}");
            }
            assert_eq!(blocklist.contains(&ip), want, "blocklist export: {label}");
            assert_eq!(
                zeek.lines().any(|l| l.starts_with(&format!("{ip}\t"))),
                want,
                "zeek export: {label}"
            );
            assert_eq!(
                suricata.contains(&format!("stix_id {id};")),
                want,
                "suricata export: {label}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, readers.len() * cases.len());
    assert!(visible_somewhere > 0 && visible_somewhere < checked);
    // Wrong credentials are refused, not read as anonymous.
    let r = client()
        .get(format!("{}/collections/{COLLECTION}", hub.server.base))
        .basic_auth("DE", Some(&hub.tokens["FR"]))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = client()
        .get(format!("{}/api/v1/collections", hub.server.base))
        .bearer_auth("nope")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // A browser is asked for credentials when it wants to sign in.
    let r = get_basic(&hub, None, "/collections?login=1");
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    let r = get_basic(&hub, Some("IT"), "/collections");
    let html = r.text().unwrap();
    assert!(html.contains("reading as <strong>IT</strong>"), "{html}");
    // REST bad input: a cursor the hub never issued, an unknown parameter, a bad target.
    for (q, field) in [
        ("objects?cursor=garbage", "cursor"),
        ("objects?limit=0", "limit"),
        ("objects?colour=red", "colour"),
        ("export/pdf", "target"),
        ("export/blocklist?type=asn", "type"),
    ] {
        let r = get_basic(
            &hub,
            Some("FR"),
            &format!("/api/v1/collections/{COLLECTION}/{q}"),
        );
        assert_eq!(r.status(), 400, "{q}");
        let e: Value = r.json().unwrap();
        assert_eq!(e["errors"][0]["path"], json!(field), "{q}: {e}");
    }
}

#[test]
fn sighting_counts_respect_each_sightings_tlp() {
    let hub = hub();
    // FR shares one TLP:CLEAR indicator everyone reads.
    let target = indicator(99, Some(TlpMarking::Clear), false);
    let target_id = target["id"].as_str().unwrap().to_owned();
    hub.post("FR", &[target]);
    // DE reports a sighting of it under every marking, with and without naming FR.
    let (cases, _) = matrix_cases();
    let sightings: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(n, (m, named))| {
            let mut s = json!({
                "type": "sighting",
                "spec_version": "2.1",
                "id": format!("sighting--6f1c8a8e-0000-4000-9000-{n:012}"),
                "created": "2026-02-02T00:00:00.000Z",
                "modified": "2026-02-02T00:00:00.000Z",
                "sighting_of_ref": target_id,
                "count": n + 1,
                "first_seen": "2026-02-01T10:00:00Z",
                "last_seen": "2026-02-01T11:00:00Z"
            });
            if let Some(m) = m {
                s["object_marking_refs"] = json!([m.id()]);
            }
            if *named {
                s["x_accord_recipients"] = json!(["FR"]);
            }
            s
        })
        .collect();
    let status = hub.post("DE", &sightings);
    assert_eq!(status["success_count"], json!(sightings.len()), "{status}");
    let readers: Vec<Option<&str>> = std::iter::once(None)
        .chain(PARTIES.iter().map(|p| Some(*p)))
        .collect();
    for who in readers {
        let (mut n_want, mut count_want) = (0, 0);
        for (n, (m, named)) in cases.iter().enumerate() {
            let names = if *named {
                vec!["FR".to_owned()]
            } else {
                vec![]
            };
            if oracle(who, *m, "DE", &names) {
                n_want += 1;
                count_want += n as u64 + 1;
            }
        }
        let r = get_basic(
            &hub,
            who,
            &format!("/api/v1/collections/{COLLECTION}/objects/{target_id}/sightings"),
        );
        assert_eq!(r.status(), 200, "{who:?}");
        let t: Value = r.json().unwrap();
        assert_eq!(t["sightings"], json!(n_want), "{who:?}: {t}");
        assert_eq!(t["count"], json!(count_want), "{who:?}: {t}");
        let reporters = if n_want > 0 { json!(["DE"]) } else { json!([]) };
        assert_eq!(t["reported_by"], reporters, "{who:?}: {t}");
    }
}

#[test]
fn pages_select_versions_across_the_whole_collection() {
    let hub = hub();
    // Twelve objects, then an older version of the first added after all of them, so the
    // newest version of that object sits on the first page and an older one on the last.
    let version = |n: usize, modified: &str| {
        let mut o = indicator(n, Some(TlpMarking::Green2), false);
        o["modified"] = json!(modified);
        o
    };
    let newest: Vec<Value> = (0..12)
        .map(|n| version(n, "2026-03-01T00:00:00.000Z"))
        .collect();
    hub.post("FR", &newest);
    // Its producer adds it: only the producer of an id's first version may version it.
    hub.post("FR", &[version(0, "2026-02-15T00:00:00.000Z")]);
    for limit in [1, 2, 5, 100] {
        let mut ids = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut url = format!("{}?limit={limit}", hub.url("objects/"));
            if let Some(n) = &next {
                url.push_str(&format!("&next={n}"));
            }
            let v: Value = hub.get(Some("IT"), &url).json().unwrap();
            for o in v["objects"].as_array().into_iter().flatten() {
                ids.push(o["id"].as_str().unwrap().to_owned());
                assert_eq!(
                    o["modified"],
                    json!("2026-03-01T00:00:00.000Z"),
                    "limit {limit}"
                );
            }
            match v["next"].as_str() {
                Some(n) => next = Some(n.to_owned()),
                None => break,
            }
        }
        assert_eq!(ids.len(), 12, "limit {limit}: {ids:?}");
        let first = newest[0]["id"].as_str().unwrap();
        let all: Value = hub
            .get(
                Some("IT"),
                &format!(
                    "{}?match[version]=all&match[id]={first}",
                    hub.url("objects/")
                ),
            )
            .json()
            .unwrap();
        assert_eq!(all["objects"].as_array().unwrap().len(), 2);
    }
}

/// A collection closed to anonymous readers keeps its TLP:CLEAR objects off the public log too:
/// the entry and the body's hash are published, the body only over the collection's read path.
#[test]
fn the_log_publishes_clear_bodies_only_of_collections_open_to_anonymous_readers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let closed = "0c1c2c3c-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    for (id, open) in [(COLLECTION, true), (closed, false)] {
        let mut args = vec![
            "collections",
            "add",
            "--id",
            id,
            "--title",
            "t",
            "--member",
            "FR:rw",
            "--default-tlp",
            "clear",
        ];
        if open {
            args.push("--anonymous-read");
        }
        run(data, &args);
    }
    let token = run(data, &["tokens", "issue", "--party", "FR"])
        .trim()
        .to_owned();
    let server = Server::start(data);
    let mut posted = Vec::new();
    for (n, id) in [(1, COLLECTION), (2, closed)] {
        let object = indicator(n, Some(TlpMarking::Clear), false);
        let r = client()
            .post(format!(
                "{}/taxii2/api/collections/{id}/objects/",
                server.base
            ))
            .header("Accept", TAXII)
            .header("Content-Type", TAXII)
            .bearer_auth(&token)
            .body(json!({ "objects": [object] }).to_string())
            .send()
            .unwrap();
        assert_eq!(r.status(), 202);
        posted.push(object["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(published_in_log(&server.base), vec![posted[0].clone()]);
    // The entry of the closed collection's object names neither it nor the collection (its
    // id is opaque), and says why its body is withheld.
    let size = checkpoint_size(&http_get(&server.base, "/log/checkpoint"));
    let entry: Value = serde_json::from_slice(&http_get(
        &server.base,
        &format!("/log/entries/{}", size - 1),
    ))
    .unwrap();
    let entry_id = entry["entry"]["envelope"]["id"].as_str().unwrap();
    assert!(
        entry_id.starts_with("opaque-") && !entry_id.contains(closed),
        "{entry}"
    );
    assert!(!entry.to_string().contains(&posted[1]), "{entry}");
    assert_eq!(entry["tlp"], json!("clear"));
    assert!(entry.get("body").is_none(), "{entry}");
    assert!(
        entry["body_withheld"]
            .as_str()
            .unwrap()
            .contains("anonymous"),
        "{entry}"
    );
    // Its member still reads it.
    let r = client()
        .get(format!(
            "{}/taxii2/api/collections/{closed}/objects/",
            server.base
        ))
        .header("Accept", TAXII)
        .bearer_auth(&token)
        .send()
        .unwrap();
    let page: Value = r.json().unwrap();
    assert_eq!(page["objects"][0]["id"], json!(posted[1]));
}

/// The local collection on a mirroring hub.
const MIRROR: &str = "9c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5";

/// A hub that mirrors the matrix collection of the hub at `peer` (log key `peer_key`,
/// origin `peer_origin`) into its own collection [`MIRROR`], with the community and
/// affiliations of the matrix hub, reading the peer with `token`; returns the hub (serving)
/// and what `accord peers sync --json` said of the peer.
fn mirror_hub(
    origin: &str,
    peer: &str,
    peer_key: &str,
    peer_origin: &str,
    token: &str,
    keys: &[(&str, &Path)],
) -> (Hub, Value) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(on(data).env("ACCORD_ORIGIN", origin).args([
        "peers",
        "add",
        "--url",
        peer,
        "--log-key",
        peer_key,
    ]));
    for (party, key) in keys {
        ok(on(data)
            .args(["keys", "add", "--party", party, "--public-key"])
            .arg(key));
    }
    let peers: Value = serde_json::from_str(&run(data, &["peers", "list", "--json"])).unwrap();
    let id = peers[0]["id"].as_str().unwrap().to_owned();
    let tokens = community(
        data,
        &[
            "collections",
            "add",
            "--id",
            MIRROR,
            "--title",
            "The matrix, mirrored",
            "--member",
            "FR:r",
            "--member",
            "DE:r",
            "--member",
            "IT:r",
            "--default-tlp",
            "amber",
            "--anonymous-read",
            "--mirror-peer",
            peer_origin,
            "--mirror-collection",
            COLLECTION,
        ],
    );
    let sync = |data: &Path| -> Value {
        let out = ok(on(data)
            .env(token_env(&id), token)
            .args(["peers", "sync", "--json"]));
        let all: Value = serde_json::from_str(&out).unwrap();
        all[0].clone()
    };
    let first = sync(data);
    // A second sync brings nothing new: what was mirrored is not imported twice.
    let again = sync(data);
    assert_eq!(again["collections"][0]["new"], json!(0), "{again}");
    assert_eq!(
        again["collections"][0]["verified"], first["collections"][0]["verified"],
        "{again}"
    );
    let server = Server::start(data);
    (
        Hub {
            _dir: dir,
            server,
            tokens,
        },
        first,
    )
}

/// The ids of the mirrored objects `who` may read on `hub` (`/api/v1/collections/{MIRROR}/mirrored`),
/// each checked to name its producer as `producer`.
fn mirrored_ids(hub: &Hub, who: Option<&str>, producer: &str) -> Vec<String> {
    let mut r = client().get(format!(
        "{}/api/v1/collections/{MIRROR}/mirrored",
        hub.server.base
    ));
    if let Some(p) = who {
        r = r.bearer_auth(&hub.tokens[p]);
    }
    let r = r.send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    let page: Value = r.json().unwrap();
    assert!(page["next"].is_null(), "one page holds the matrix: {page}");
    let items = page["items"].as_array().unwrap();
    for item in items {
        // The original producer (qualified by its origin when this hub does not hold its
        // key) and provenance, never this hub's.
        assert_eq!(item["producer"], producer, "{item}");
        assert_eq!(item["origin"], "a.example/log", "{item}");
        assert!(item["object"]["id"].is_string(), "{item}");
    }
    items
        .iter()
        .map(|i| i["object"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `/api/v1/collections/{id}/mirrored` pages: `limit` versions a page by origin then index,
/// `next` leading to the rest and absent on the last page, the pages together the whole
/// list; a bad `limit` or `cursor` is a 400 naming it.
#[test]
fn mirrored_objects_are_paged_by_limit_and_cursor_and_a_bad_cursor_is_named() {
    let a = hub_with_origin(Some("a.example/log"));
    let (_, objects) = matrix_cases();
    a.post("FR", &objects);
    let a_key = String::from_utf8(http_get(&a.server.base, "/log/key"))
        .unwrap()
        .trim()
        .to_owned();
    // FR's key, so that B resolves the producer of every mirrored version.
    let keys = tempfile::tempdir().unwrap();
    let fr_keys: Value = serde_json::from_str(&run(
        a._dir.path(),
        &["keys", "list", "--party", "FR", "--json"],
    ))
    .unwrap();
    let fr_pub = keys.path().join("FR.pub");
    std::fs::write(&fr_pub, fr_keys[0]["public_key"].as_str().unwrap()).unwrap();
    let (b, _) = mirror_hub(
        "b.example/log",
        &a.server.base,
        &a_key,
        "a.example/log",
        &a.tokens["DE"],
        &[("FR", &fr_pub)],
    );
    let get = |query: &str| {
        let r = client()
            .get(format!(
                "{}/api/v1/collections/{MIRROR}/mirrored{query}",
                b.server.base
            ))
            .bearer_auth(&b.tokens["DE"])
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let (status, whole) = get("");
    assert_eq!(status, 200, "{whole}");
    let whole: Value = serde_json::from_str(&whole).unwrap();
    let whole = whole["items"].as_array().unwrap().clone();
    assert!(whole.len() > 2, "{whole:?}");
    let mut paged = Vec::new();
    let mut query = "?limit=2".to_owned();
    loop {
        let (status, page) = get(&query);
        assert_eq!(status, 200, "{page}");
        let page: Value = serde_json::from_str(&page).unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2, "{page}");
        paged.extend(items.iter().cloned());
        match page["next"].as_str() {
            Some(next) => query = format!("?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged, whole);
    for (query, parameter) in [
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?cursor=zz", "cursor"),
        ("?cursor=61.x", "cursor"),
        ("?colour=red", "colour"),
    ] {
        let (status, body) = get(query);
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.contains(parameter), "{query}: {body}");
    }
}

/// The federated column of the TLP matrix (issue 14 part 5). Hub A holds the matrix
/// collection; hub B mirrors it reading A as DE (a member, and the named recipient), hub C
/// reading A as NL (in no community), each over HTTP with its peer token and every object
/// version proven against A's log. What each reader then reads on B and C is what A released
/// to the mirroring party, narrowed by the read rule with the original marking and producer
/// (`may_read_mirrored`): AMBER, AMBER+STRICT and RED only with named recipients, which B
/// resolves; an unmarked (AMBER by A's default) or marked object naming nobody was shared
/// with A's community, which B cannot resolve, so nobody reads it there. TLP:RED reaches no
/// one but its producer and named recipient on any of the three hubs. A party is its key: B
/// registers the keys A holds for FR and DE and so resolves them; C registers DE's only, so
/// there FR is A's party, shown `FR@a.example/log`, and FR's marked objects reach nobody.
#[test]
fn tlp_matrix_federated_column_across_three_hubs() {
    let a = hub_with_origin(Some("a.example/log"));
    let (cases, objects) = matrix_cases();
    let status = a.post("FR", &objects);
    assert_eq!(status["success_count"], json!(objects.len()), "{status}");
    let a_key = String::from_utf8(http_get(&a.server.base, "/log/key"))
        .unwrap()
        .trim()
        .to_owned();
    // DE's own key, registered on A (A's log records it) and on the mirroring hubs; FR's is
    // the custodial key A signed its objects with.
    let keys = tempfile::tempdir().unwrap();
    let de_pub = keys.path().join("DE.key.pub");
    ok(accord()
        .args(["keygen", "--party", "DE", "--out"])
        .arg(keys.path().join("DE.key")));
    ok(on(a._dir.path())
        .args(["keys", "add", "--party", "DE", "--public-key"])
        .arg(&de_pub));
    let fr_keys: Value = serde_json::from_str(&run(
        a._dir.path(),
        &["keys", "list", "--party", "FR", "--json"],
    ))
    .unwrap();
    let fr_pub = keys.path().join("FR.pub");
    std::fs::write(&fr_pub, fr_keys[0]["public_key"].as_str().unwrap()).unwrap();
    let (b, b_sync) = mirror_hub(
        "b.example/log",
        &a.server.base,
        &a_key,
        "a.example/log",
        &a.tokens["DE"],
        &[("FR", &fr_pub), ("DE", &de_pub)],
    );
    let (c, c_sync) = mirror_hub(
        "c.example/log",
        &a.server.base,
        &a_key,
        "a.example/log",
        &a.tokens["NL"],
        &[("DE", &de_pub)],
    );

    let readers: Vec<Option<&str>> = std::iter::once(None)
        .chain(PARTIES.iter().map(|p| Some(*p)))
        .collect();
    let mut checked = 0;
    for (hub, sync, party, producer) in [
        (&b, &b_sync, "DE", "FR"),
        (&c, &c_sync, "NL", "FR@a.example/log"),
    ] {
        let col = &sync["collections"][0];
        assert!(col["error"].is_null(), "{sync}");
        assert_eq!(col["authenticated"], json!(true), "{sync}");
        let released = cases
            .iter()
            .filter(|(m, named)| oracle(Some(party), *m, "FR", &names(*named)))
            .count();
        assert_eq!(col["verified"]["indicator"], json!(released), "{sync}");
        assert_eq!(col["new"], json!(released), "{sync}");
        for who in &readers {
            let seen = mirrored_ids(hub, *who, producer);
            for (n, (marking, named)) in cases.iter().enumerate() {
                let id = objects[n]["id"].as_str().unwrap();
                let names = names(*named);
                let level = marking.map(Tlp::from).unwrap_or(Tlp::Amber);
                let resolvable = level < Tlp::Amber || (!names.is_empty() && producer == "FR");
                let want = oracle(Some(party), *marking, "FR", &names)
                    && resolvable
                    && oracle(*who, *marking, producer, &names);
                let got = seen.contains(&id.to_owned());
                assert_eq!(
                    got, want,
                    "hub mirroring as {party}: {who:?} reading {marking:?} named={named}"
                );
                if got && level == Tlp::Red {
                    assert!(
                        *who == Some("FR") || who.is_some_and(|w| names.iter().any(|n| n == w)),
                        "TLP:RED reached {who:?} on the hub mirroring as {party}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * readers.len() * cases.len());
    // Not trivial: B serves a marked object to a recipient's organisation (EE, in DE's) and
    // to a client of it (LT) under AMBER, and C, reading as an outsider, only what is CLEAR.
    let amber_named = cases
        .iter()
        .position(|(m, named)| *named && m.map(Tlp::from) == Some(Tlp::Amber))
        .unwrap();
    let amber_id = objects[amber_named]["id"].as_str().unwrap().to_owned();
    for who in ["DE", "EE", "LT"] {
        assert!(
            mirrored_ids(&b, Some(who), "FR").contains(&amber_id),
            "{who}"
        );
    }
    assert!(!mirrored_ids(&b, Some("NL"), "FR").contains(&amber_id));
    assert!(
        mirrored_ids(&c, Some("DE"), "FR@a.example/log").len()
            < mirrored_ids(&b, Some("DE"), "FR").len()
    );
}

fn names(named: bool) -> Vec<String> {
    if named { vec!["DE".to_owned()] } else { vec![] }
}

/// [`tampering_relay`] forwards every answer as the peer gave it.
const HONEST: u8 = 0;
/// [`tampering_relay`] alters the first object (or request entry's body) of every
/// `/provenance` answer: a peer (or anything between the hubs) serving what its log does not
/// commit to.
const ALTER: u8 = 1;
/// [`tampering_relay`] serves the first version of every `/provenance` page again at its end.
const REPEAT_ITEM: u8 = 2;
/// [`tampering_relay`] answers every `/provenance` read with the same `next` cursor (and no
/// items once it is followed): a peer keeping a mirroring hub reading forever.
const REPEAT_CURSOR: u8 = 3;
/// [`tampering_relay`] serves the first item of every `/provenance` page with an inclusion
/// proof that leads nowhere: an entry the peer's signed tree does not hold.
const OUT_OF_TREE: u8 = 4;

/// A relay in front of a peer hub that forwards GETs with their `Authorization` header and
/// changes `/provenance` answers as `mode` says ([`HONEST`], [`ALTER`], [`REPEAT_ITEM`],
/// [`REPEAT_CURSOR`], [`OUT_OF_TREE`]).
fn tampering_relay(upstream: String, mode: Arc<AtomicU8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (upstream, mode) = (upstream.clone(), Arc::clone(&mode));
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                let mut authorization = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("authorization")
                    {
                        authorization = Some(v.trim().to_owned());
                    }
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/");
                let mode = mode.load(Ordering::SeqCst);
                // The peer never gave the cursor the relay hands out: ask it for the first page.
                let forward = match path.split_once("&cursor=") {
                    Some((first, _)) if mode == REPEAT_CURSOR => first,
                    _ => path,
                };
                let mut r = client().get(format!("{upstream}{forward}"));
                if let Some(a) = authorization {
                    r = r.header("Authorization", a);
                }
                let r = r.send().unwrap();
                let status = r.status().as_u16();
                let mut body = r.bytes().unwrap().to_vec();
                if status == 200 && path.contains("/provenance") && mode != HONEST {
                    let mut page: Value = serde_json::from_slice(&body).unwrap();
                    match mode {
                        // A request entry's body (hex of its committed bytes): another filing.
                        ALTER if path.contains("/requests/") => {
                            let body =
                                hex::decode(page["items"][0]["body"].as_str().unwrap()).unwrap();
                            let mut filing: Value = serde_json::from_slice(&body).unwrap();
                            filing["summary"] = json!("Everything the provider holds.");
                            page["items"][0]["body"] =
                                json!(hex::encode(filing.to_string().as_bytes()));
                        }
                        ALTER => {
                            page["items"][0]["object"]["pattern"] =
                                json!("[ipv4-addr:value = '203.0.113.66']")
                        }
                        OUT_OF_TREE => page["items"][0]["inclusion"] = json!([]),
                        REPEAT_ITEM => {
                            let first = page["items"][0].clone();
                            page["items"].as_array_mut().unwrap().push(first);
                        }
                        _ => {
                            if path.contains("cursor=") {
                                page["items"] = json!([]);
                            }
                            page["next"] = json!("again");
                        }
                    }
                    body = serde_json::to_vec(&page).unwrap();
                }
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    base
}

/// A mirrored collection's object that does not match its log entry's commitment is refused
/// by `accord peers sync` (non-zero, naming the peer, the collection and the object), and
/// nothing of that collection's read is stored: the honest sync that follows finds every
/// version new.
#[test]
fn an_object_altered_on_its_way_from_the_peer_is_refused_naming_it_and_nothing_is_stored() {
    let a = hub_with_origin(Some("a.example/log"));
    let (_, objects) = matrix_cases();
    a.post("FR", &objects);
    let a_key = String::from_utf8(http_get(&a.server.base, "/log/key"))
        .unwrap()
        .trim()
        .to_owned();
    let tamper = Arc::new(AtomicU8::new(ALTER));
    let relay = tampering_relay(a.server.base.clone(), Arc::clone(&tamper));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(on(data).env("ACCORD_ORIGIN", "b.example/log").args([
        "peers",
        "add",
        "--url",
        &relay,
        "--log-key",
        &a_key,
    ]));
    let peers: Value = serde_json::from_str(&run(data, &["peers", "list", "--json"])).unwrap();
    let id = peers[0]["id"].as_str().unwrap().to_owned();
    run(
        data,
        &[
            "collections",
            "add",
            "--id",
            MIRROR,
            "--title",
            "The matrix, mirrored",
            "--member",
            "DE:r",
            "--mirror-peer",
            "a.example/log",
            "--mirror-collection",
            COLLECTION,
        ],
    );
    let sync = || {
        let mut c = on(data);
        c.env(token_env(&id), &a.tokens["DE"])
            .args(["peers", "sync", "--json"]);
        c
    };
    let err = fails(&mut sync());
    assert!(err.contains("peer a.example/log collection"), "{err}");
    assert!(err.contains("object indicator--"), "{err}");
    assert!(err.contains("commits to"), "{err}");
    tamper.store(HONEST, Ordering::SeqCst);
    let all: Value = serde_json::from_str(&ok(&mut sync())).unwrap();
    let col = &all[0]["collections"][0];
    assert!(col["error"].is_null(), "{all}");
    let verified = col["verified"]["indicator"].as_u64().unwrap();
    assert!(verified > 0, "{all}");
    assert_eq!(col["new"].as_u64(), Some(verified), "{all}");
}

/// A peer that serves a version twice, or hands back a `next` cursor it gave before, is
/// refused by `accord peers sync` naming the peer, the collection and the entry or cursor,
/// and nothing of that read is stored (the honest sync that follows finds every version new):
/// a hostile peer cannot make a mirroring hub read and hold its collection without end.
#[test]
fn a_peer_repeating_an_item_or_a_cursor_is_refused_naming_it_and_nothing_is_stored() {
    let a = hub_with_origin(Some("a.example/log"));
    let (_, objects) = matrix_cases();
    a.post("FR", &objects);
    let a_key = String::from_utf8(http_get(&a.server.base, "/log/key"))
        .unwrap()
        .trim()
        .to_owned();
    let mode = Arc::new(AtomicU8::new(REPEAT_ITEM));
    let relay = tampering_relay(a.server.base.clone(), Arc::clone(&mode));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(on(data).env("ACCORD_ORIGIN", "b.example/log").args([
        "peers",
        "add",
        "--url",
        &relay,
        "--log-key",
        &a_key,
    ]));
    let peers: Value = serde_json::from_str(&run(data, &["peers", "list", "--json"])).unwrap();
    let id = peers[0]["id"].as_str().unwrap().to_owned();
    run(
        data,
        &[
            "collections",
            "add",
            "--id",
            MIRROR,
            "--title",
            "The matrix, mirrored",
            "--member",
            "DE:r",
            "--mirror-peer",
            "a.example/log",
            "--mirror-collection",
            COLLECTION,
        ],
    );
    let sync = || {
        let mut c = on(data);
        c.env(token_env(&id), &a.tokens["DE"])
            .args(["peers", "sync", "--json"]);
        c
    };
    let err = fails(&mut sync());
    assert!(err.contains("peer a.example/log collection"), "{err}");
    assert!(err.contains("object indicator--"), "{err}");
    assert!(err.contains("served after entry"), "{err}");
    mode.store(REPEAT_CURSOR, Ordering::SeqCst);
    let err = fails(&mut sync());
    assert!(err.contains("peer a.example/log collection"), "{err}");
    assert!(err.contains("again"), "{err}");
    assert!(err.contains("was served before"), "{err}");
    mode.store(HONEST, Ordering::SeqCst);
    let all: Value = serde_json::from_str(&ok(&mut sync())).unwrap();
    let col = &all[0]["collections"][0];
    assert!(col["error"].is_null(), "{all}");
    let verified = col["verified"]["indicator"].as_u64().unwrap();
    assert!(verified > 0, "{all}");
    assert_eq!(col["new"].as_u64(), Some(verified), "{all}");
}

/// A peer's evidence-request entries (issue 14) are refused by `accord peers sync` when one
/// is altered on its way (its body not the one its entry commits to), served with a proof
/// that does not lead to the accepted checkpoint, or served twice; each refusal names the
/// peer's requests and what failed, and nothing of the read is stored: the honest sync that
/// follows finds both entries new.
#[test]
fn a_request_entry_altered_out_of_tree_or_repeated_is_refused_and_nothing_is_stored() {
    let a = hub_with_origin(Some("a.example/log"));
    let a_data = a._dir.path();
    let keys = tempfile::tempdir().unwrap();
    for party in ["FR", "DE"] {
        ok(accord()
            .args(["keygen", "--party", party, "--out"])
            .arg(keys.path().join(format!("{party}.key"))));
        ok(on(a_data)
            .args(["keys", "add", "--party", party, "--public-key"])
            .arg(keys.path().join(format!("{party}.key.pub"))));
    }
    let submit = |kind: &str, body: Value| -> String {
        let file = keys.path().join(format!("{kind}.json"));
        std::fs::write(&file, body.to_string()).unwrap();
        ok(accord()
            .args(["submit", kind])
            .arg(&file)
            .arg("--key")
            .arg(keys.path().join("FR.key"))
            .args(["--hub", &a.server.base, "--token", &a.tokens["FR"]]))
    };
    let out = submit(
        "request",
        json!({
            "requesting_state": "FR", "requested_state": "DE", "data": "content",
            "pathway": {"instrument": "budapest", "article": "Art. 29"},
            "summary": "Preserve the mailbox behind the phishing campaign."
        }),
    );
    let id = out.split(' ').nth(1).unwrap().to_owned();
    submit("request-transition", json!({"request": id, "to": "sent"}));
    let a_key = String::from_utf8(http_get(&a.server.base, "/log/key"))
        .unwrap()
        .trim()
        .to_owned();
    let mode = Arc::new(AtomicU8::new(ALTER));
    let relay = tampering_relay(a.server.base.clone(), Arc::clone(&mode));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    ok(on(data).env("ACCORD_ORIGIN", "b.example/log").args([
        "peers",
        "add",
        "--url",
        &relay,
        "--log-key",
        &a_key,
    ]));
    ok(on(data)
        .args(["keys", "add", "--party", "DE", "--public-key"])
        .arg(keys.path().join("DE.key.pub")));
    let peers: Value = serde_json::from_str(&run(data, &["peers", "list", "--json"])).unwrap();
    let peer = peers[0]["id"].as_str().unwrap().to_owned();
    let sync = || {
        let mut c = on(data);
        c.env(token_env(&peer), &a.tokens["DE"])
            .args(["peers", "sync", "--json"]);
        c
    };
    let stored = || -> u64 {
        let q = "SELECT count(*) FROM mirrored_requests";
        common::sql(data, q, q)[0].parse().unwrap()
    };
    for (m, why) in [
        (ALTER, "commits to"),
        (OUT_OF_TREE, "not included"),
        (REPEAT_ITEM, "served after entry"),
    ] {
        mode.store(m, Ordering::SeqCst);
        let err = fails(&mut sync());
        assert!(err.contains("peer a.example/log requests"), "{err}");
        assert!(err.contains(why), "{err}");
        assert_eq!(stored(), 0, "{why}");
    }
    mode.store(HONEST, Ordering::SeqCst);
    let all: Value = serde_json::from_str(&ok(&mut sync())).unwrap();
    let requests = &all[0]["requests"];
    assert!(requests["error"].is_null(), "{all}");
    assert_eq!(requests["verified"], 2, "{all}");
    assert_eq!(requests["new"], 2, "{all}");
    assert_eq!(stored(), 2);
}
