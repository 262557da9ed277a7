//! Evidence requests from the command line: filing and moving them (`accord submit request` and
//! `accord submit request-transition`, signed client-side) and reading them back (`accord
//! requests list|show|overdue`) from a hub's REST API with the party's token; `requests list
//! --from` lists those the hub mirrored from its peers that the party is a side of.
//!
//! A request file is the body the hub takes (`{"requesting_state", "requested_state", "data",
//! "pathway": {"instrument", "article"}, "summary", …}`); its `tlp` (default `red`) is also the
//! marking of the signed entry. Its `id` is best left out: the CLI then draws a random UUID for
//! the request (the hub takes no other kind of id for a new request) and prints it. A
//! transition file is `{"request", "to", "note"?}`, marked as its request is. Every entry gets
//! a fresh random UUID as its log entry id, so the public log ties it to no request and no
//! status.

use std::path::Path;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use serde_json::Value;

use accord_law::request::is_random_uuid;
use accord_store::log::{kind as entry_kind, random_uuid};
use accord_tlp::Tlp;

use crate::args::HubArgs;
use crate::client::HubClient;
use crate::keyfiles;
use crate::output::{explain, print_json};

/// `accord requests …`: read a hub's evidence requests as a party.
#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// The party's requests, newest first.
    ///
    /// Those where it is the requesting or the requested state.
    #[command(mut_arg("token", |a| a.required(true)))]
    List {
        #[command(flatten)]
        hub: PartyHub,
        /// Only requests at this status.
        ///
        /// One of draft, sent, acknowledged, preserved, produced, refused, withdrawn.
        #[arg(long)]
        status: Option<String>,
        /// List the requests mirrored from peer hubs instead.
        ///
        /// `mirrored` for every peer, or a peer's log origin: the requests the
        /// party is a side of there, each with where it comes from ("from hub
        /// X, entry N, checkpoint S").
        #[arg(long, value_name = "ORIGIN", conflicts_with = "status")]
        from: Option<String>,
    },
    /// One request with its history and due dates.
    #[command(mut_arg("token", |a| a.required(true)))]
    Show {
        /// The request's id.
        id: String,
        #[command(flatten)]
        hub: PartyHub,
    },
    /// Open requests past their response limit, the longest overdue first.
    #[command(mut_arg("token", |a| a.required(true)))]
    Overdue {
        #[command(flatten)]
        hub: PartyHub,
        /// Compute for this instant (RFC 3339) instead of now.
        #[arg(long)]
        at: Option<String>,
    },
}

/// Where the hub is and who is asking (each command requires the token).
#[derive(Debug, clap::Args)]
pub struct PartyHub {
    #[command(flatten)]
    hub: HubArgs,
    /// Print the hub's answer as JSON.
    #[arg(long)]
    json: bool,
}

/// True for the entry kinds this module submits.
pub fn is_request_kind(kind: &str) -> bool {
    kind == entry_kind::REQUEST || kind == entry_kind::REQUEST_TRANSITION
}

/// The string `field` of a request file.
fn text_field(body: &Value, field: &str, file: &Path) -> Result<String> {
    body[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} has no string `{field}`", file.display()))
}

/// What a request file is submitted as: the API path, the body to sign and the marking (a
/// transition's is its request's, which [`submit`] asks the hub for; TLP:RED until then). A
/// request file without an `id` gets one drawn here.
fn target(kind: &str, mut body: Value, file: &Path) -> Result<(String, Value, Tlp)> {
    if kind == entry_kind::REQUEST {
        let tlp = match body.get("tlp") {
            None => Tlp::Red,
            Some(v) => serde_json::from_value(v.clone()).with_context(|| {
                format!(
                    "{}: `tlp` is {v}; use clear, green, amber, amber+strict or red",
                    file.display()
                )
            })?,
        };
        let Some(fields) = body.as_object_mut() else {
            bail!("{} is not a JSON object", file.display());
        };
        match fields.get("id") {
            None => {
                fields.insert("id".into(), Value::String(random_uuid()?));
            }
            Some(Value::String(id)) if is_random_uuid(id) => {}
            Some(other) => bail!(
                "{}: `id` is {other}; a new request's id is a random UUID (version 4, canonical \
                 lower-case form): leave `id` out and one is drawn for it",
                file.display()
            ),
        }
        Ok(("/api/v1/requests".to_owned(), body, tlp))
    } else {
        let request = text_field(&body, "request", file)?;
        text_field(&body, "to", file)?;
        Ok((
            format!("/api/v1/requests/{request}/transitions"),
            body,
            Tlp::Red,
        ))
    }
}

/// Signs a request or transition file with the party's key and posts it.
pub async fn submit(
    kind: &str,
    file: &Path,
    key: &Path,
    hub: &str,
    token: Option<String>,
    json: bool,
) -> Result<()> {
    let signer = keyfiles::read_signer(key)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let body: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let (path, body, mut tlp) = target(kind, body, file)?;
    let client = HubClient::new(hub, token)?;
    if kind == entry_kind::REQUEST_TRANSITION {
        // A transition carries its request's marking (the hub refuses any other).
        let request = text_field(&body, "request", file)?;
        let shown = client
            .get_json_as(&format!("/api/v1/requests/{request}"))
            .await?;
        tlp = serde_json::from_value(shown["tlp"].clone()).with_context(|| {
            format!("the hub's request {request:?} has no TLP marking the CLI knows")
        })?;
    }
    // Every entry's id is fresh and random: the public log shows it.
    let submission = accord_store::write::sign_submission(
        kind,
        &random_uuid()?,
        signer.name(),
        tlp,
        &body,
        signer.signing_key(),
    )
    .map_err(explain)?;
    let answer = client
        .post_json(&path, &serde_json::to_value(&submission)?)
        .await?;
    if json {
        return print_json(&answer);
    }
    let index = |h: &Value| h["log_index"].as_u64().map(|i| i.to_string());
    let last = answer["history"]
        .as_array()
        .and_then(|h| h.last())
        .and_then(index)
        .unwrap_or_default();
    println!(
        "request {} is {} (log entry {last})",
        answer["id"].as_str().unwrap_or("?"),
        answer["status"].as_str().unwrap_or("?")
    );
    Ok(())
}

/// Runs `accord requests …`.
pub async fn run(command: RequestsCommand) -> Result<()> {
    match command {
        RequestsCommand::List {
            hub,
            from: Some(from),
            ..
        } => {
            let items = mirrored(&hub, &from).await?;
            if hub.json {
                return print_json(&items);
            }
            print_mirrored(&items);
            Ok(())
        }
        RequestsCommand::List { hub, status, .. } => {
            let path = match status {
                Some(s) => format!("/api/v1/requests?status={}", query_value(&s)),
                None => "/api/v1/requests".to_owned(),
            };
            let answer = get(&hub, &path).await?;
            if hub.json {
                return print_json(&answer);
            }
            print_table(&answer);
            Ok(())
        }
        RequestsCommand::Overdue { hub, at } => {
            let path = match at {
                Some(t) => format!("/api/v1/requests/overdue?at={}", query_value(&t)),
                None => "/api/v1/requests/overdue".to_owned(),
            };
            let answer = get(&hub, &path).await?;
            if hub.json {
                return print_json(&answer);
            }
            if answer.as_array().is_some_and(Vec::is_empty) {
                println!("no overdue requests");
                return Ok(());
            }
            print_table(&answer);
            Ok(())
        }
        RequestsCommand::Show { id, hub } => {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                bail!("{id:?} is not a request id (lower-case letters, digits and hyphens)");
            }
            let answer = get(&hub, &format!("/api/v1/requests/{id}")).await?;
            if hub.json {
                return print_json(&answer);
            }
            print!("{}", show_text(&answer));
            Ok(())
        }
    }
}

/// The most pages of mirrored requests read for one list.
const MAX_MIRRORED_PAGES: usize = 1000;

/// Every mirrored request the party may read from `from` (`mirrored`: every peer), page by
/// page.
async fn mirrored(hub: &PartyHub, from: &str) -> Result<Vec<Value>> {
    let base = match from {
        "mirrored" => "/api/v1/requests/mirrored?limit=1000".to_owned(),
        origin => format!(
            "/api/v1/requests/mirrored?limit=1000&origin={}",
            query_value(origin)
        ),
    };
    let mut items = Vec::new();
    let mut path = base.clone();
    for _ in 0..MAX_MIRRORED_PAGES {
        let page = get(hub, &path).await?;
        items.extend(page["items"].as_array().cloned().unwrap_or_default());
        match page["next"].as_str() {
            Some(next) => path = format!("{base}&cursor={}", query_value(next)),
            None => return Ok(items),
        }
    }
    bail!("more than {MAX_MIRRORED_PAGES} pages of mirrored requests")
}

/// The mirrored requests as a table, each with its provenance.
fn print_mirrored(items: &[Value]) {
    if items.is_empty() {
        println!("no mirrored requests");
        return;
    }
    println!(
        "{:<36} {:<5} {:<13} {:<14} FROM",
        "ID", "FROM", "TO / DATA", "STATUS"
    );
    for m in items {
        let r = &m["request"];
        println!(
            "{:<36} {:<5} {:<13} {:<14} {}",
            s(r, "id"),
            s(r, "requesting_state"),
            format!("{} {}", s(r, "requested_state"), s(r, "data")),
            s(r, "status"),
            s(m, "provenance")
        );
    }
}

async fn get(hub: &PartyHub, path: &str) -> Result<Value> {
    HubClient::new(&hub.hub.hub, hub.hub.token.clone())?
        .get_json_as(path)
        .await
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
fn query_value(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn s<'v>(v: &'v Value, field: &str) -> &'v str {
    v[field].as_str().unwrap_or("")
}

fn print_table(list: &Value) {
    let rows = list.as_array().map(Vec::as_slice).unwrap_or_default();
    if rows.is_empty() {
        println!("no requests");
        return;
    }
    println!(
        "{:<36} {:<5} {:<13} {:<14} {:<38} NEXT DUE",
        "ID", "FROM", "TO / DATA", "STATUS", "PATHWAY"
    );
    for r in rows {
        let due = match (r["overdue"].as_bool(), r["next_due"].as_str()) {
            (Some(true), Some(d)) => format!("{d} OVERDUE"),
            (_, Some(d)) => d.to_owned(),
            _ => "-".to_owned(),
        };
        println!(
            "{:<36} {:<5} {:<13} {:<14} {:<38} {}",
            s(r, "id"),
            s(r, "requesting_state"),
            format!("{} {}", s(r, "requested_state"), s(r, "data")),
            s(r, "status"),
            format!(
                "{} {}",
                s(&r["pathway"], "instrument"),
                s(&r["pathway"], "article")
            ),
            due
        );
    }
}

/// The text `accord requests show` prints.
fn show_text(r: &Value) -> String {
    let mut out = String::new();
    let line = |out: &mut String, k: &str, v: &str| out.push_str(&format!("{k:<11} {v}\n"));
    line(&mut out, "request", s(r, "id"));
    line(
        &mut out,
        "states",
        &format!(
            "{} asks {}",
            s(r, "requesting_state"),
            s(r, "requested_state")
        ),
    );
    let emergency = if r["emergency"].as_bool() == Some(true) {
        " (emergency)"
    } else {
        ""
    };
    line(&mut out, "data", &format!("{}{emergency}", s(r, "data")));
    line(
        &mut out,
        "pathway",
        &format!(
            "{} {}",
            s(&r["pathway"], "instrument"),
            s(&r["pathway"], "article")
        ),
    );
    if let Some(i) = r["incident"].as_str() {
        line(&mut out, "incident", i);
    }
    line(&mut out, "marking", &s(r, "tlp").to_uppercase());
    let status = if r["overdue"].as_bool() == Some(true) {
        format!("{} — OVERDUE", s(r, "status"))
    } else {
        s(r, "status").to_owned()
    };
    line(&mut out, "status", &status);
    line(&mut out, "summary", s(r, "summary"));
    if let Some(due) = r["due"].as_array().filter(|d| !d.is_empty()) {
        out.push_str("due\n");
        for d in due {
            out.push_str(&format!(
                "  {:<16} {}  ({}; {})\n",
                s(d, "kind"),
                s(d, "due"),
                s(d, "text"),
                s(d, "verification")
            ));
        }
    }
    out.push_str("history\n");
    for t in r["history"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let note = t["note"]
            .as_str()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default();
        let index = t["log_index"]
            .as_u64()
            .map(|i| format!(" [log {i}]"))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}  {:<13} by {}{note}{index}\n",
            s(t, "at"),
            s(t, "to"),
            s(t, "by")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_map_to_their_endpoint_body_and_marking() {
        let f = Path::new("r.json");
        // A request file without an id gets a random one.
        let (path, body, tlp) = target("request", serde_json::json!({"tlp": "green"}), f).unwrap();
        assert_eq!((path.as_str(), tlp), ("/api/v1/requests", Tlp::Green));
        let drawn = body["id"].as_str().unwrap();
        assert!(is_random_uuid(drawn), "{drawn}");
        let (_, again, _) = target("request", serde_json::json!({}), f).unwrap();
        assert_ne!(again["id"], body["id"]);
        // One that carries a random UUID keeps it; any other id is refused before signing.
        let id = "6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162";
        let (_, kept, tlp) = target("request", serde_json::json!({"id": id}), f).unwrap();
        assert_eq!((kept["id"].as_str(), tlp), (Some(id), Tlp::Red));
        for bad in [
            serde_json::json!({"id": "fr-de-1"}),
            serde_json::json!({"id": id.to_uppercase()}),
            serde_json::json!({"id": 7}),
            serde_json::json!(["not", "an", "object"]),
            serde_json::json!({"tlp": "pink"}),
        ] {
            assert!(target("request", bad.clone(), f).is_err(), "{bad}");
        }
        let (path, body, tlp) = target(
            "request-transition",
            serde_json::json!({"request": id, "to": "sent"}),
            f,
        )
        .unwrap();
        assert_eq!(
            (path.as_str(), tlp),
            (
                "/api/v1/requests/6f1c2a9e-3b7d-4e58-9a0c-1d2e3f405162/transitions",
                Tlp::Red
            )
        );
        assert_eq!(body, serde_json::json!({"request": id, "to": "sent"}));
        assert!(target("request-transition", serde_json::json!({"to": "sent"}), f).is_err());
    }

    #[test]
    fn show_names_overdue_and_each_step() {
        let r = serde_json::json!({
            "id": "late", "requesting_state": "FR", "requested_state": "DE", "data": "subscriber",
            "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"},
            "summary": "s", "tlp": "red", "status": "sent", "overdue": true,
            "due": [{"kind": "response", "due": "2026-11-12T09:00:00Z", "text": "10 days", "verification": "secondary"}],
            "history": [{"to": "draft", "at": "2026-11-01T09:00:00Z", "by": "FR", "log_index": 7},
                        {"to": "sent", "at": "2026-11-02T09:00:00Z", "by": "FR", "note": "ref 42", "log_index": 8}]
        });
        let text = show_text(&r);
        assert!(text.contains("status      sent — OVERDUE"), "{text}");
        assert!(text.contains("marking     RED"));
        assert!(
            text.contains("2026-11-02T09:00:00Z  sent          by FR — ref 42 [log 8]"),
            "{text}"
        );
        assert!(
            text.contains("response         2026-11-12T09:00:00Z"),
            "{text}"
        );
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query_value("2026-11-29T12:00:00+01:00"),
            "2026-11-29T12:00:00%2B01:00"
        );
    }
}
