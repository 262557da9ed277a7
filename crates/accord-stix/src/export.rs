//! Indicators exported to what sensors load.
//!
//! Sensors cannot evaluate STIX patterns; they load lists of values. An
//! indicator can be exported when its pattern holds exactly when some
//! observed object has one of a set of values ([`Pattern::exact_values`]:
//! `=` and `IN` joined by `OR`), or an address inside one of a set of
//! ranges (`ipv4-addr:value ISSUBSET '…/24'`, joined the same way). Each
//! value on its own implies the indicator, so exporting some of an
//! indicator's values is sound (it may miss, never over-match); such an
//! indicator is reported as partly exported.
//!
//! Every indicator or value left out comes back in [`Export::left_out`]
//! with the reason, so the caller can tell the analyst what the sensor will
//! not see. Expired indicators (`valid_until` before the export time) are
//! left out; ones not yet valid are exported, since sensors load lists
//! ahead of time.
//!
//! | target | domain | IP / range | URL | file hash | other |
//! |---|---|---|---|---|---|
//! | Suricata rules | `dns.query`, `tls.sni` | `ip` rule both ways | `http.host` + `http.uri` (`http://` only) | — (datasets) | — |
//! | Suricata datasets | `dataset` lists on `dns.query`, `tls.sni` | as rules | as rules | `filemd5`/`filesha1`/`filesha256` lists | — |
//! | Zeek Intel | `Intel::DOMAIN` | `Intel::ADDR`, `Intel::SUBNET` | `Intel::URL` (`http://` only) | `Intel::FILE_HASH` | `Intel::EMAIL`, `Intel::USER_NAME`, `Intel::CERT_HASH`, `Intel::FILE_NAME` |
//! | blocklist | `domain` | `ipv4`, `ipv6` | `url` | `sha256` | — |

use std::collections::HashSet;
use std::fmt::Write as _;

use base64::Engine as _;

use crate::object::Indicator;
use crate::pattern::{
    Comparison, ComparisonExpression, ComparisonOperator, Constant, ObjectPath,
    ObservationExpression, PathStep, Pattern,
};

/// The value kinds a blocklist can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlocklistType {
    /// `domain-name:value`.
    Domain,
    /// `ipv4-addr:value` addresses and ranges.
    Ipv4,
    /// `ipv6-addr:value` addresses and ranges.
    Ipv6,
    /// `url:value`.
    Url,
    /// `file:hashes.'SHA-256'`.
    Sha256,
}

/// What to export to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A Suricata rules file, one rule per value.
    SuricataRules,
    /// A Suricata rules file using datasets and hash lists, plus the lists.
    SuricataDatasets,
    /// A Zeek Intel framework file.
    Zeek,
    /// One value per line.
    Blocklist(BlocklistType),
}

/// Options for an export.
#[derive(Debug, Clone)]
pub struct Options {
    /// Indicators whose `valid_until` is at or before this are left out.
    pub at: jiff::Timestamp,
    /// First Suricata rule id (`sid`); local rules conventionally use
    /// 1000000–1999999.
    pub first_sid: u64,
}

/// The result of an export: files to write and what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// (file name, contents); the first is the main file (rules, intel,
    /// list), the rest are lists it loads.
    pub files: Vec<(String, String)>,
    /// How many values were written.
    pub values: usize,
    /// How many indicators contributed at least one value.
    pub indicators: usize,
    /// Indicators, or some of their values, not exported, with why.
    pub left_out: Vec<LeftOut>,
}

/// An indicator, or part of one, that could not be exported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The indicator id.
    pub indicator: String,
    /// Whether some of its values were exported nonetheless.
    pub partly: bool,
    /// Why.
    pub reason: String,
}

/// A value an indicator stands for, classified by what sensors match on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Value {
    Domain(String),
    Ip(ipnet::IpNet, bool),
    Url(String),
    /// (STIX hash name, lowercase hex).
    Hash(&'static str, String),
    Email(String),
    UserName(String),
    CertSha1(String),
    FileName(String),
}

impl Value {
    fn describe(&self) -> String {
        match self {
            Value::Domain(v) => format!("domain `{v}`"),
            Value::Ip(n, _) => format!("address `{n}`"),
            Value::Url(v) => format!("URL `{v}`"),
            Value::Hash(h, v) => format!("{h} `{v}`"),
            Value::Email(v) => format!("e-mail address `{v}`"),
            Value::UserName(v) => format!("user name `{v}`"),
            Value::CertSha1(v) => format!("certificate SHA-1 `{v}`"),
            Value::FileName(v) => format!("file name `{v}`"),
        }
    }
}

/// Exports `indicators` to `target`.
pub fn export(indicators: &[Indicator], target: Target, options: &Options) -> Export {
    let mut out = Writer::new(target, options.first_sid);
    let mut left_out = Vec::new();
    let mut contributed = 0;
    for indicator in indicators {
        let mut reject = |partly: bool, reason: String| {
            left_out.push(LeftOut {
                indicator: indicator.id.clone(),
                partly,
                reason,
            })
        };
        if indicator.pattern_type != "stix" {
            reject(
                false,
                format!("pattern_type `{}` is not `stix`", indicator.pattern_type),
            );
            continue;
        }
        if indicator.valid_until.is_some_and(|u| u <= options.at) {
            reject(false, "expired (valid_until is past)".into());
            continue;
        }
        let pattern = match Pattern::parse(&indicator.pattern) {
            Ok(p) => p,
            Err(e) => {
                reject(false, format!("invalid pattern: {e}"));
                continue;
            }
        };
        let items = match values(&pattern) {
            Ok(items) => items,
            Err(reason) => {
                reject(false, reason);
                continue;
            }
        };
        let mut written = 0;
        let mut refused = Vec::new();
        for item in &items {
            match item {
                Ok(v) => match out.write(v, indicator) {
                    Ok(()) => written += 1,
                    Err(why) => refused.push(format!("{}: {why}", v.describe())),
                },
                Err(why) => refused.push(why.clone()),
            }
        }
        if written > 0 {
            contributed += 1;
        }
        if !refused.is_empty() {
            reject(written > 0, refused.join("; "));
        }
    }
    let values = out.count;
    Export {
        files: out.finish(),
        values,
        indicators: contributed,
        left_out,
    }
}

/// The values of an exportable pattern, each classified or refused; `Err`
/// when the pattern is not a set of values at all.
fn values(pattern: &Pattern) -> Result<Vec<Result<Value, String>>, String> {
    if let Some(pairs) = pattern.exact_values() {
        return Ok(pairs.into_iter().map(|(p, c)| classify(p, c)).collect());
    }
    // Address ranges: `ISSUBSET` on an address value, joined by `OR`.
    let mut out = Vec::new();
    ranges(&pattern.observation, &mut out).ok_or_else(|| why_not_exact(pattern))?;
    Ok(out)
}

fn ranges(o: &ObservationExpression, out: &mut Vec<Result<Value, String>>) -> Option<()> {
    fn comparison(c: &ComparisonExpression, out: &mut Vec<Result<Value, String>>) -> Option<()> {
        match c {
            ComparisonExpression::Comparison(Comparison {
                path,
                negated: false,
                operator: ComparisonOperator::Equal | ComparisonOperator::IsSubset,
                value,
            }) => {
                out.push(classify(path, value));
                Some(())
            }
            ComparisonExpression::Comparison(Comparison {
                path,
                negated: false,
                operator: ComparisonOperator::In,
                value: Constant::Set(items),
            }) => {
                out.extend(items.iter().map(|v| classify(path, v)));
                Some(())
            }
            ComparisonExpression::Or(v) => v.iter().try_for_each(|c| comparison(c, out)),
            _ => None,
        }
    }
    match o {
        ObservationExpression::Simple(c) => comparison(c, out),
        ObservationExpression::Or(v) => v.iter().try_for_each(|o| ranges(o, out)),
        _ => None,
    }
}

/// Why a pattern is not a set of values, naming the first construct that
/// makes it so.
fn why_not_exact(pattern: &Pattern) -> String {
    fn observation(o: &ObservationExpression) -> Option<String> {
        match o {
            ObservationExpression::Simple(c) => comparison(c),
            ObservationExpression::Or(v) => v.iter().find_map(observation),
            ObservationExpression::And(_) => Some("joins observations with AND".into()),
            ObservationExpression::FollowedBy(_) => Some("uses FOLLOWEDBY".into()),
            ObservationExpression::Qualified(..) => {
                Some("has a qualifier (WITHIN, REPEATS or START/STOP)".into())
            }
        }
    }
    fn comparison(c: &ComparisonExpression) -> Option<String> {
        match c {
            ComparisonExpression::Or(v) => v.iter().find_map(comparison),
            ComparisonExpression::And(_) => {
                Some("requires several properties of one object (AND inside [...])".into())
            }
            ComparisonExpression::Exists(p) => Some(format!("tests EXISTS {}", path_text(p))),
            ComparisonExpression::Comparison(c) if c.negated => {
                Some(format!("negates a comparison on {}", path_text(&c.path)))
            }
            ComparisonExpression::Comparison(c) => match c.operator {
                ComparisonOperator::Equal | ComparisonOperator::In => None,
                ComparisonOperator::IsSubset if is_address_value(&c.path) => None,
                op => Some(format!(
                    "uses `{}` on {}, which a list of values cannot express",
                    op.as_str(),
                    path_text(&c.path)
                )),
            },
        }
    }
    let reason =
        observation(&pattern.observation).unwrap_or_else(|| "is not a set of exact values".into());
    format!("pattern {reason}")
}

fn path_text(p: &ObjectPath) -> String {
    let mut s = format!("{}:", p.object_type);
    for (i, step) in p.steps.iter().enumerate() {
        match step {
            PathStep::Property(name) if i == 0 => s.push_str(name),
            PathStep::Property(name)
                if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                let _ = write!(s, ".{name}");
            }
            PathStep::Property(name) => {
                let _ = write!(s, ".'{name}'");
            }
            PathStep::Index(n) => {
                let _ = write!(s, "[{n}]");
            }
            PathStep::AnyIndex => s.push_str("[*]"),
        }
    }
    s
}

fn is_address_value(p: &ObjectPath) -> bool {
    matches!(p.object_type.as_str(), "ipv4-addr" | "ipv6-addr")
        && p.steps == [PathStep::Property("value".into())]
}

/// Classifies one (path, constant) pair, or says why no target takes it.
fn classify(path: &ObjectPath, constant: &Constant) -> Result<Value, String> {
    let text = path_text(path);
    let Constant::String(s) = constant else {
        return Err(format!(
            "{text} compared with {}, not a string",
            constant.kind()
        ));
    };
    if s.chars().any(char::is_control) {
        return Err(format!("{text} value contains control characters"));
    }
    let property = |name: &str| path.steps == [PathStep::Property(name.into())];
    let hash = |name: &str| {
        path.steps
            == [
                PathStep::Property("hashes".into()),
                PathStep::Property(name.into()),
            ]
    };
    let hex_of = |len: usize| {
        (s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
    };
    let value = match path.object_type.as_str() {
        "domain-name" if property("value") => Some(Value::Domain(s.to_ascii_lowercase())),
        "ipv4-addr" | "ipv6-addr" if property("value") => {
            let v4 = path.object_type == "ipv4-addr";
            let net = crate::literal::parse_ip_network(s)
                .filter(|n| matches!(n, ipnet::IpNet::V4(_)) == v4)
                .ok_or_else(|| format!("{text} value `{s}` is not an address or range"))?;
            Some(Value::Ip(net, v4))
        }
        "url" if property("value") => Some(Value::Url(s.clone())),
        "file" if property("name") => Some(Value::FileName(s.clone())),
        "file" | "artifact" => [("MD5", 32), ("SHA-1", 40), ("SHA-256", 64)]
            .into_iter()
            .find(|(name, _)| hash(name))
            .map(|(name, len)| {
                hex_of(len)
                    .map(|h| Value::Hash(name, h))
                    .ok_or_else(|| format!("{text} value `{s}` is not a {name} digest"))
            })
            .transpose()?,
        "x509-certificate" if hash("SHA-1") => {
            Some(Value::CertSha1(hex_of(40).ok_or_else(|| {
                format!("{text} value `{s}` is not a SHA-1 digest")
            })?))
        }
        "email-addr" if property("value") => Some(Value::Email(s.clone())),
        "user-account" if property("account_login") => Some(Value::UserName(s.clone())),
        _ => None,
    };
    value.ok_or_else(|| format!("{text} has no equivalent in sensor formats"))
}

/// `http://host[:port]/path` split into lowercase host and path.
fn http_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// URLs can be matched on the wire (TLS hides the rest)")?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let host = authority
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(authority, |(h, _)| h);
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Ok((host.to_ascii_lowercase(), path))
}

/// Suricata `content` text: printable ASCII except `"`, `;`, `\` and `|`,
/// which (with everything else) go in `|hex|` form.
fn content(s: &str) -> String {
    let mut out = String::new();
    let mut in_hex = false;
    for b in s.bytes() {
        let plain = (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b';' | b'\\' | b'|');
        if plain {
            if in_hex {
                out.push('|');
                in_hex = false;
            }
            out.push(b as char);
        } else {
            out.push_str(if in_hex { " " } else { "|" });
            in_hex = true;
            let _ = write!(out, "{b:02X}");
        }
    }
    if in_hex {
        out.push('|');
    }
    out
}

/// Suricata `msg` text: `"`, `;` and `\` escaped, other non-printables dropped.
fn msg(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().filter(|c| !c.is_control()) {
        if matches!(c, '"' | ';' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn label(indicator: &Indicator) -> String {
    match &indicator.name {
        Some(n) => format!("{n} ({})", indicator.id),
        None => indicator.id.clone(),
    }
}

/// Accumulates one target's output.
struct Writer {
    target: Target,
    sid: u64,
    count: usize,
    main: String,
    seen: HashSet<Value>,
    domains: Vec<String>,
    hashes: Vec<(&'static str, Vec<String>)>,
}

impl Writer {
    fn new(target: Target, first_sid: u64) -> Writer {
        let main = match target {
            Target::Zeek => "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n".into(),
            Target::SuricataRules | Target::SuricataDatasets => {
                "# Suricata rules exported by Accord from STIX indicators.\n".into()
            }
            Target::Blocklist(_) => String::new(),
        };
        Writer {
            target,
            sid: first_sid,
            count: 0,
            main,
            seen: HashSet::new(),
            domains: Vec::new(),
            hashes: vec![
                ("MD5", Vec::new()),
                ("SHA-1", Vec::new()),
                ("SHA-256", Vec::new()),
            ],
        }
    }

    fn rule(&mut self, header: &str, indicator: &Indicator, body: &str) {
        let _ = writeln!(
            self.main,
            "alert {header} (msg:\"Accord indicator: {}\"; {body}{}metadata:stix_id {}; sid:{}; rev:1;)",
            msg(&label(indicator)),
            if body.is_empty() { "" } else { " " },
            indicator.id,
            self.sid
        );
        self.sid += 1;
    }

    /// Writes one value; `Err` says why this target cannot express it.
    fn write(&mut self, v: &Value, indicator: &Indicator) -> Result<(), String> {
        let unsupported = || Err("not expressible in this format".to_string());
        match (self.target, v) {
            (Target::Blocklist(t), v) => {
                let line = match (t, v) {
                    (BlocklistType::Domain, Value::Domain(d)) => d.clone(),
                    (BlocklistType::Ipv4, Value::Ip(n, true))
                    | (BlocklistType::Ipv6, Value::Ip(n, false)) => ip_text(n),
                    (BlocklistType::Url, Value::Url(u)) => u.clone(),
                    (BlocklistType::Sha256, Value::Hash("SHA-256", h)) => h.clone(),
                    _ => return Err("not of the requested blocklist type".into()),
                };
                if self.seen.insert(v.clone()) {
                    self.main.push_str(&line);
                    self.main.push('\n');
                }
            }
            (Target::Zeek, v) => {
                let (indicator_value, kind) = match v {
                    Value::Domain(d) => (d.clone(), "Intel::DOMAIN"),
                    Value::Ip(n, _) if n.prefix_len() == n.max_prefix_len() => {
                        (n.addr().to_string(), "Intel::ADDR")
                    }
                    Value::Ip(n, _) => (n.trunc().to_string(), "Intel::SUBNET"),
                    // Zeek matches Intel::URL against host + URI, without a scheme.
                    Value::Url(u) => {
                        http_url(u)?;
                        let bare = u.strip_prefix("http://").unwrap_or(u);
                        (bare.to_string(), "Intel::URL")
                    }
                    Value::Hash(_, h) => (h.clone(), "Intel::FILE_HASH"),
                    Value::Email(e) => (e.clone(), "Intel::EMAIL"),
                    Value::UserName(u) => (u.clone(), "Intel::USER_NAME"),
                    Value::CertSha1(h) => (h.clone(), "Intel::CERT_HASH"),
                    Value::FileName(n) => (n.clone(), "Intel::FILE_NAME"),
                };
                let desc: String = label(indicator)
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                let _ = writeln!(self.main, "{indicator_value}\t{kind}\taccord\t{desc}");
            }
            (Target::SuricataRules | Target::SuricataDatasets, v) => match v {
                Value::Domain(d) if self.target == Target::SuricataDatasets => {
                    if self.seen.insert(v.clone()) {
                        self.domains.push(d.clone());
                    }
                }
                Value::Domain(d) => {
                    let c = content(d);
                    let body = format!("dns.query; content:\"{c}\"; nocase; startswith; endswith;");
                    self.rule("dns any any -> any any", indicator, &body);
                    let body = format!("tls.sni; content:\"{c}\"; nocase; startswith; endswith;");
                    self.rule("tls any any -> any any", indicator, &body);
                }
                Value::Ip(n, _) => {
                    let header = format!("ip any any <> [{}] any", ip_text(n));
                    self.rule(&header, indicator, "");
                }
                Value::Url(u) => {
                    let (host, path) = http_url(u)?;
                    let body = format!(
                        "http.host; content:\"{}\"; startswith; endswith; http.uri; content:\"{}\"; startswith; endswith;",
                        content(&host),
                        content(&path)
                    );
                    self.rule("http any any -> any any", indicator, &body);
                }
                Value::Hash(name, h) if self.target == Target::SuricataDatasets => {
                    if self.seen.insert(v.clone())
                        && let Some((_, list)) = self.hashes.iter_mut().find(|(n, _)| n == name)
                    {
                        list.push(h.clone());
                    }
                }
                Value::Hash(..) => {
                    return Err("file hashes need `--format datasets` (hash lists)".into());
                }
                _ => return unsupported(),
            },
        }
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> Vec<(String, String)> {
        let main_name = match self.target {
            Target::SuricataRules | Target::SuricataDatasets => "accord.rules",
            Target::Zeek => "accord.intel",
            Target::Blocklist(_) => "blocklist.txt",
        };
        let mut lists = Vec::new();
        if !self.domains.is_empty() {
            let b64 = base64::engine::general_purpose::STANDARD;
            let list: String = self
                .domains
                .iter()
                .map(|d| format!("{}\n", b64.encode(d)))
                .collect();
            for (proto, buffer) in [("dns", "dns.query"), ("tls", "tls.sni")] {
                let body = format!(
                    "{buffer}; dataset:isset,accord-domains,type string,load accord-domains.lst;"
                );
                let _ = writeln!(
                    self.main,
                    "alert {proto} any any -> any any (msg:\"Accord indicator: listed domain in {buffer}\"; {body} sid:{}; rev:1;)",
                    self.sid
                );
                self.sid += 1;
            }
            lists.push(("accord-domains.lst".to_string(), list));
        }
        for (name, list) in &self.hashes {
            if list.is_empty() {
                continue;
            }
            let (keyword, file) = match *name {
                "MD5" => ("filemd5", "accord-md5.lst"),
                "SHA-1" => ("filesha1", "accord-sha1.lst"),
                _ => ("filesha256", "accord-sha256.lst"),
            };
            let _ = writeln!(
                self.main,
                "alert http any any -> any any (msg:\"Accord indicator: file with a listed {name}\"; {keyword}:{file}; sid:{}; rev:1;)",
                self.sid
            );
            self.sid += 1;
            lists.push((
                file.to_string(),
                list.iter().map(|h| format!("{h}\n")).collect(),
            ));
        }
        let mut files = vec![(main_name.to_string(), self.main)];
        files.extend(lists);
        files
    }
}

/// An address as written for sensors: bare for a host, CIDR otherwise.
fn ip_text(n: &ipnet::IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(id: u32, pattern: &str) -> Indicator {
        Indicator {
            id: format!("indicator--00000000-0000-4000-8000-{id:012}"),
            name: Some(format!("n{id}")),
            pattern: pattern.into(),
            pattern_type: "stix".into(),
            valid_from: jiff::Timestamp::UNIX_EPOCH,
            valid_until: None,
        }
    }

    fn options() -> Options {
        Options {
            at: "2026-11-29T00:00:00Z".parse().unwrap(),
            first_sid: 1_000_000,
        }
    }

    #[test]
    fn content_escapes_rule_syntax() {
        assert_eq!(content("a;b\"c|d\\e"), "a|3B|b|22|c|7C|d|5C|e");
        assert_eq!(content("x;;y"), "x|3B 3B|y");
        assert_eq!(msg("a\"b;c"), "a\\\"b\\;c");
    }

    #[test]
    fn urls_split_into_host_and_path() {
        assert_eq!(
            http_url("http://Shop.example:8080/a?b=1"),
            Ok(("shop.example".into(), "/a?b=1".into()))
        );
        assert_eq!(
            http_url("http://h.example?q"),
            Ok(("h.example".into(), "/?q".into()))
        );
        assert!(http_url("https://h.example/").is_err());
    }

    #[test]
    fn reasons_name_the_construct() {
        let ind = [
            indicator(1, "[file:name = 'a'] FOLLOWEDBY [file:name = 'b']"),
            indicator(2, "[url:value LIKE '%x%']"),
            indicator(3, "[file:hashes.MD5 = 'zz']"),
            indicator(4, "[domain-name:value = 'a.example' OR process:pid = 4]"),
        ];
        let e = export(&ind, Target::Zeek, &options());
        let reasons: Vec<(&str, bool)> = e
            .left_out
            .iter()
            .map(|l| (l.reason.as_str(), l.partly))
            .collect();
        assert_eq!(
            reasons,
            [
                ("pattern uses FOLLOWEDBY", false),
                (
                    "pattern uses `LIKE` on url:value, which a list of values cannot express",
                    false
                ),
                ("file:hashes.MD5 value `zz` is not a MD5 digest", false),
                ("process:pid compared with an integer, not a string", true),
            ]
        );
        assert_eq!(e.indicators, 1);
    }
}
