//! Random valid STIX 2.1 patterns and observations for the differential
//! test, from a seed (the same seed gives the same cases).
//!
//! Values come from small pools so that a good share of cases match. The
//! generator stays inside what both engines define alike; the documented
//! deviations ([`accord_stix::deviations`]) are avoided (1, 3, 4, 5, 6, 7:
//! `EXISTS` only alone in its brackets, CIDR prefixes 8–32, IPv4 only for
//! range operators, plain regexes with no syntax where the engines differ,
//! ASCII only, no binary values) or, for 2 (`ISSUPERSET` on a plain
//! address), generated on purpose and classified by the caller.

use serde_json::{Value, json};

/// SplitMix64: tiny, seedable, good enough to pick test cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const ADDRESSES: &[&str] = &["10.0.0.1", "10.0.1.1", "10.0.1.2", "10.1.0.9", "192.0.2.7"];
const RANGES: &[&str] = &[
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.0.1.2/32",
    "192.0.2.0/24",
    "198.51.100.0/24",
];
const DOMAINS: &[&str] = &[
    "a.example",
    "b.example",
    "evil.test",
    "x.cn",
    "mail.a.example",
];
/// Two of them spell "résumé" composed (NFC) and decomposed (NFD): the
/// reference compares `LIKE` and `MATCHES` in NFC, `=` as written.
const NAMES: &[&str] = &[
    "a.exe",
    "b.dll",
    "invoice.pdf.exe",
    "readme.txt",
    "r\u{e9}sum\u{e9}.pdf",
    "re\u{301}sume\u{301}.pdf",
];
const SHA256: &[&str] = &[
    "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
    "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9",
    "1d4b8a0f3a5c0a2f7a8f3e2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d",
];
const MD5: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "9e107d9d372bb6826bd81d3542a419d6",
];
const PORTS: &[i64] = &[22, 80, 443, 4444, 8080];
const PROTOCOLS: &[&str] = &["tcp", "udp", "http", "tls", "dns"];
const URLS: &[&str] = &[
    "http://a.example/index.html",
    "http://evil.test/wp-admin/shell.php",
    "https://b.example/login",
    "http://x.cn/a/b",
];
const SIZES: &[i64] = &[0, 100, 4096, 73802];

fn quote(s: impl AsRef<str>) -> String {
    let s = s.as_ref();
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `NOT ` with some probability.
fn not(rng: &mut Rng) -> &'static str {
    if rng.chance(15) { "NOT " } else { "" }
}

fn string_test(rng: &mut Rng, path: &str, pool: &[&str], like: &[&str], re: &[&str]) -> String {
    let n = not(rng);
    match rng.below(9) {
        0..=2 => format!("{path} {n}= {}", quote(rng.pick(pool))),
        3 => format!("{path} != {}", quote(rng.pick(pool))),
        4 => format!(
            "{path} {n}IN ({}, {})",
            quote(rng.pick(pool)),
            quote(rng.pick(pool))
        ),
        5 => format!("{path} {n}LIKE {}", quote(rng.pick(like))),
        6 => format!("{path} {n}MATCHES {}", quote(rng.pick(re))),
        7 => format!(
            "{path} {n}{} {}",
            rng.pick(&[">", "<", ">=", "<="]),
            quote(rng.pick(pool))
        ),
        _ => format!("{path} {n}= {}", quote(rng.pick(pool))),
    }
}

fn int_test(rng: &mut Rng, path: &str, pool: &[i64]) -> String {
    let n = not(rng);
    match rng.below(4) {
        0 => format!("{path} {n}= {}", rng.pick(pool)),
        1 => format!("{path} {n}IN ({}, {})", rng.pick(pool), rng.pick(pool)),
        2 => format!("{path} != {}", rng.pick(pool)),
        _ => format!(
            "{path} {n}{} {}",
            rng.pick(&[">", "<", ">=", "<="]),
            rng.pick(pool)
        ),
    }
}

/// One comparison on one object type; returns (type, text).
fn comparison(rng: &mut Rng, ty: &str) -> String {
    let n = not(rng);
    match ty {
        "ipv4-addr" => match rng.below(4) {
            0 | 1 => format!("ipv4-addr:value {n}ISSUBSET {}", quote(rng.pick(RANGES))),
            _ => string_test(
                rng,
                "ipv4-addr:value",
                ADDRESSES,
                &["10.0.%", "10._.0.9", "%.1"],
                &["^10[.]0", "1$", "2"],
            ),
        },
        "domain-name" => match rng.below(5) {
            0 => format!(
                "domain-name:resolves_to_refs[*].value {n}= {}",
                quote(rng.pick(ADDRESSES))
            ),
            1 => format!(
                "domain-name:resolves_to_refs[*].value {n}ISSUBSET {}",
                quote(rng.pick(RANGES))
            ),
            _ => string_test(
                rng,
                "domain-name:value",
                DOMAINS,
                &["%.example", "_.example", "evil%", "%a%"],
                &["^a", "example$", "e.i", "[xy][.]cn"],
            ),
        },
        "file" => match rng.below(6) {
            0 => format!("file:hashes.'SHA-256' {n}= {}", quote(rng.pick(SHA256))),
            1 => format!("file:hashes.MD5 {n}= {}", quote(rng.pick(MD5))),
            2 | 3 => int_test(rng, "file:size", SIZES),
            _ => string_test(
                rng,
                "file:name",
                NAMES,
                &["%.exe", "%pdf%", "_.dll", "r\u{e9}sum%", "re\u{301}s_m%"],
                &["exe$", "^inv", "[.]d", "^r\u{e9}s", "e\u{301}[.]pdf$"],
            ),
        },
        "network-traffic" => match rng.below(7) {
            0 | 1 => int_test(rng, "network-traffic:dst_port", PORTS),
            2 => int_test(rng, "network-traffic:src_port", PORTS),
            3 => format!(
                "network-traffic:protocols[*] {n}= {}",
                quote(rng.pick(PROTOCOLS))
            ),
            4 => format!(
                "network-traffic:protocols[{}] {n}= {}",
                rng.below(2),
                quote(rng.pick(PROTOCOLS))
            ),
            5 => format!(
                "network-traffic:dst_ref.value {n}ISSUBSET {}",
                quote(rng.pick(RANGES))
            ),
            _ => format!(
                "network-traffic:src_ref.value {n}= {}",
                quote(rng.pick(ADDRESSES))
            ),
        },
        _ => string_test(
            rng,
            "url:value",
            URLS,
            &["http://%", "%/wp-admin/%", "%.cn/%"],
            &["^https", "admin", "[.]html$"],
        ),
    }
}

const TYPES: &[&str] = &["ipv4-addr", "domain-name", "file", "network-traffic", "url"];

/// The inside of `[...]`.
fn comparison_expression(rng: &mut Rng) -> String {
    // Deviation 1: EXISTS only alone.
    if rng.chance(4) {
        return format!(
            "EXISTS {}",
            rng.pick(&[
                "file:size",
                "file:hashes.MD5",
                "network-traffic:src_ref",
                "domain-name:resolves_to_refs",
                "url:value",
            ])
        );
    }
    // Deviation 2 on purpose, now and then.
    if rng.chance(2) {
        return format!("ipv4-addr:value ISSUPERSET {}", quote(rng.pick(ADDRESSES)));
    }
    let ty = *rng.pick(TYPES);
    match rng.below(10) {
        0..=5 => comparison(rng, ty),
        // AND within brackets must be one object: use one type.
        6 | 7 => format!("{} AND {}", comparison(rng, ty), comparison(rng, ty)),
        8 => {
            let other = *rng.pick(TYPES);
            format!("{} OR {}", comparison(rng, ty), comparison(rng, other))
        }
        _ => {
            let other = *rng.pick(TYPES);
            format!(
                "({} OR {}) AND {}",
                comparison(rng, ty),
                comparison(rng, other),
                comparison(rng, ty)
            )
        }
    }
}

/// A timestamp `offset` seconds after the generator's epoch.
pub fn stamp(offset: i64) -> String {
    let t = jiff::Timestamp::from_second(1_767_225_600 + offset).unwrap_or_default();
    format!("{t}")
}

fn qualifier(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!(" WITHIN {} SECONDS", 1 + rng.below(300)),
        1 => format!(" REPEATS {} TIMES", 1 + rng.below(3)),
        _ => {
            let start = rng.below(300) as i64 - 20;
            let stop = start + 1 + rng.below(300) as i64;
            format!(" START t'{}' STOP t'{}'", stamp(start), stamp(stop))
        }
    }
}

/// A whole pattern.
pub fn pattern(rng: &mut Rng) -> String {
    let observation = |rng: &mut Rng| {
        let mut s = format!("[{}]", comparison_expression(rng));
        if rng.chance(12) {
            s.push_str(&qualifier(rng));
        }
        s
    };
    let mut p = match rng.below(12) {
        0..=5 => observation(rng),
        6 | 7 => format!("{} AND {}", observation(rng), observation(rng)),
        8 | 9 => format!("{} OR {}", observation(rng), observation(rng)),
        _ => format!("{} FOLLOWEDBY {}", observation(rng), observation(rng)),
    };
    if rng.chance(15) {
        p = format!("({p}){}", qualifier(rng));
    }
    p
}

fn id(ty: &str, n: u64) -> String {
    format!("{ty}--00000000-0000-4000-8000-{n:012}")
}

/// A bundle of 1–4 observed-data and the SCOs they reference.
pub fn bundle(rng: &mut Rng) -> Value {
    let mut objects = Vec::new();
    let mut next = 1u64;
    let mut fresh = |ty: &str| {
        next += 1;
        id(ty, next)
    };
    for _ in 0..1 + rng.below(4) {
        let mut refs = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let ty = *rng.pick(TYPES);
            let oid = fresh(ty);
            let object = match ty {
                "ipv4-addr" => {
                    let v = if rng.chance(10) {
                        *rng.pick(RANGES)
                    } else {
                        *rng.pick(ADDRESSES)
                    };
                    json!({"type": ty, "spec_version": "2.1", "id": oid, "value": v})
                }
                "domain-name" => {
                    let mut o = json!({"type": ty, "spec_version": "2.1", "id": oid,
                        "value": rng.pick(DOMAINS)});
                    if rng.chance(50) {
                        let ip = fresh("ipv4-addr");
                        objects.push(json!({"type": "ipv4-addr", "spec_version": "2.1",
                            "id": ip, "value": rng.pick(ADDRESSES)}));
                        refs.push(ip.clone());
                        o["resolves_to_refs"] = json!([ip]);
                    }
                    o
                }
                "file" => {
                    let mut o = json!({"type": ty, "spec_version": "2.1", "id": oid,
                        "name": rng.pick(NAMES)});
                    if rng.chance(70) {
                        o["size"] = json!(rng.pick(SIZES));
                    }
                    let mut hashes = serde_json::Map::new();
                    if rng.chance(60) {
                        hashes.insert("SHA-256".into(), json!(rng.pick(SHA256)));
                    }
                    if rng.chance(40) {
                        hashes.insert("MD5".into(), json!(rng.pick(MD5)));
                    }
                    if !hashes.is_empty() {
                        o["hashes"] = Value::Object(hashes);
                    }
                    o
                }
                "network-traffic" => {
                    let src = fresh("ipv4-addr");
                    let dst = fresh("ipv4-addr");
                    objects.push(json!({"type": "ipv4-addr", "spec_version": "2.1",
                        "id": src, "value": rng.pick(ADDRESSES)}));
                    objects.push(json!({"type": "ipv4-addr", "spec_version": "2.1",
                        "id": dst, "value": rng.pick(ADDRESSES)}));
                    refs.push(src.clone());
                    refs.push(dst.clone());
                    let mut protocols = vec![json!(rng.pick(&["tcp", "udp"]))];
                    if rng.chance(60) {
                        protocols.push(json!(rng.pick(PROTOCOLS)));
                    }
                    json!({"type": ty, "spec_version": "2.1", "id": oid,
                        "src_ref": src, "dst_ref": dst,
                        "src_port": rng.pick(PORTS), "dst_port": rng.pick(PORTS),
                        "protocols": protocols})
                }
                _ => json!({"type": ty, "spec_version": "2.1", "id": oid,
                    "value": rng.pick(URLS)}),
            };
            objects.push(object);
            refs.push(oid);
        }
        let first = rng.below(300) as i64;
        let last = first + rng.below(20) as i64;
        let od = fresh("observed-data");
        objects.push(json!({
            "type": "observed-data", "spec_version": "2.1", "id": od,
            "created": stamp(first), "modified": stamp(first),
            "first_observed": stamp(first), "last_observed": stamp(last),
            "number_observed": 1 + rng.below(3) * u64::from(rng.chance(30)),
            "object_refs": refs,
        }));
    }
    json!({"type": "bundle", "id": id("bundle", 1), "objects": objects})
}
