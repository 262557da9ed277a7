//! `accord incidents amend`: a party corrects an incident it recorded, on a hub. The command
//! reads the incident and its latest version from the hub, applies the changes asked for
//! (`--set PATH=TEXT`, `--set PATH:=JSON`, or a JSON merge patch file), signs the amendment
//! with the party's key as `accord submit` signs and posts it to
//! `/api/v1/incidents/{id}/amendments`. The hub refuses it unless the party recorded the
//! incident and the version read is still the latest.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};

use accord_core::corrections::{Change, Reason, diff};
use accord_core::date::FuzzyDate;
use accord_core::incident::Incident;
use accord_store::kind as entry_kind;
use accord_store::log::{amendment_entry_id, random_uuid};

use crate::args::HubArgs;
use crate::client::HubClient;
use crate::keyfiles;
use crate::output::{change_line, explain, print_json};

/// The flags of `accord incidents amend`.
#[derive(Debug, clap::Args)]
pub struct AmendArgs {
    /// The incident's id, e.g. fr-grid-2026.
    id: String,
    /// A field to change: PATH=TEXT sets text, PATH:=JSON any value.
    ///
    /// PATH names a field as validation does: title, dates.start.date,
    /// `victims[0].target_class`. Repeat for several fields.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// A JSON merge patch (RFC 7386) to apply to the incident.
    ///
    /// Applied before any --set; null removes a field.
    #[arg(long, value_name = "FILE")]
    patch: Option<PathBuf>,
    /// Why the incident is amended (required): kept in the log with it.
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// What changed, in a line (default: the fields changed).
    #[arg(long, value_name = "TEXT")]
    what: Option<String>,
    /// The party's private key (from `accord keygen`).
    ///
    /// The key's name is the submitter: the party that recorded the incident.
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    hub: HubArgs,
    /// Print the hub's answer as JSON.
    #[arg(long)]
    json: bool,
}

/// Reads the incident from the hub, applies the changes, signs the amendment and posts it.
pub async fn run(args: AmendArgs) -> Result<()> {
    let AmendArgs {
        id,
        set,
        patch,
        reason,
        what,
        key,
        hub: HubArgs { hub, token },
        json,
    } = args;
    if set.is_empty() && patch.is_none() {
        bail!("nothing to amend: give --set PATH=VALUE or --patch FILE");
    }
    if reason.trim().is_empty() {
        bail!("--reason is empty: say why the incident is amended");
    }
    let signer = keyfiles::read_signer(&key)?;
    let client = HubClient::new(&hub, token)?;
    // The id is one path segment: a `/`, `?` or `#` in it must not reach another resource.
    let segment = crate::sharing::encode(&id);
    let record = client
        .get_json(&format!("/api/v1/incidents/{segment}"))
        .await
        .with_context(|| format!("cannot read incident {id:?} from {hub}"))?;
    let previous = record["incident"].clone();
    // The version amended: its latest amendment, or the entry that recorded it.
    let amendments = client
        .get_json(&format!("/api/v1/incidents/{segment}/amendments"))
        .await?;
    let base = amendments["amendments"]
        .as_array()
        .and_then(|a| a.last())
        .map_or(&record["log_index"], |a| &a["index"])
        .as_u64()
        .with_context(|| format!("{hub} gave no log index for incident {id:?}"))?;

    let mut new = previous.clone();
    if let Some(file) = &patch {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let p: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        merge_patch(&mut new, &p);
    }
    for s in &set {
        let (path, value) = parse_set(s)?;
        set_path(&mut new, &path, value).with_context(|| format!("--set {s}"))?;
    }
    // The incident as the schema reads it (a null left by a patch is an absent field), so the
    // amendment shows only what changed.
    let incident: Incident = accord_store::write::parse_body(&new, "incident")
        .map_err(explain)
        .context("the amended incident does not fit the schema")?;
    let new = serde_json::to_value(&incident)?;
    let changes = diff(&previous, &new);
    if changes.is_empty() {
        bail!("the changes leave incident {id:?} as it reads: nothing to amend");
    }
    let what = what.unwrap_or_else(|| {
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        paths.join(", ")
    });
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let reason = Reason {
        date: FuzzyDate::parse(&today.to_string())
            .map_err(|e| anyhow::anyhow!("today's date {today}: {e}"))?,
        what,
        why: reason,
        sources: Vec::new(),
    };
    let body = json!({
        "kind": "incident",
        "id": id,
        "base": base,
        "previous": previous,
        "new": new,
        "reasons": [reason],
    });
    let entry_id = amendment_entry_id(
        accord_core::corrections::RecordKind::Incident,
        &id,
        &random_uuid()?,
    );
    let submission = accord_store::write::sign_submission(
        entry_kind::AMENDMENT,
        &entry_id,
        signer.name(),
        accord_tlp::Tlp::Clear,
        &body,
        signer.signing_key(),
    )
    .map_err(explain)?;
    let answer = client
        .post_json(
            &format!("/api/v1/incidents/{segment}/amendments"),
            &serde_json::to_value(&submission)?,
        )
        .await?;
    if json {
        return print_json(&answer);
    }
    println!(
        "amended incident {id} as log entry {} (of the version at log entry {base})",
        answer["index"]
            .as_u64()
            .map(|i| i.to_string())
            .unwrap_or_default()
    );
    let shown: Vec<Change> = serde_json::from_value(answer["changes"].clone()).unwrap_or(changes);
    for c in &shown {
        println!("  {}", change_line(c));
    }
    Ok(())
}

/// `PATH=TEXT` (the value is the text) or `PATH:=JSON` (the value is the JSON).
fn parse_set(s: &str) -> Result<(String, Value)> {
    let Some((path, value)) = s.split_once('=') else {
        bail!("--set {s:?} is not PATH=TEXT or PATH:=JSON");
    };
    let (path, value) = match path.strip_suffix(':') {
        Some(path) => (
            path,
            serde_json::from_str(value)
                .with_context(|| format!("--set {s}: {value:?} is not JSON"))?,
        ),
        None => (path, Value::String(value.to_owned())),
    };
    if path.is_empty() {
        bail!("--set {s:?} names no field");
    }
    Ok((path.to_owned(), value))
}

/// One step of a field path: a member name or an array index.
#[derive(Debug, PartialEq)]
enum Step {
    Member(String),
    Index(usize),
}

/// `victims[0].target_class` → member victims, index 0, member target_class.
fn steps(path: &str) -> Result<Vec<Step>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            bail!("{path:?}: an empty field name");
        }
        out.push(Step::Member(name.to_owned()));
        while let Some(after) = rest.strip_prefix('[') {
            let Some((n, tail)) = after.split_once(']') else {
                bail!("{path:?}: an unclosed [");
            };
            let n = n
                .parse()
                .with_context(|| format!("{path:?}: [{n}] is not an index"))?;
            out.push(Step::Index(n));
            rest = tail;
        }
        if !rest.is_empty() {
            bail!("{path:?}: {rest:?} after an index");
        }
    }
    Ok(out)
}

/// Sets the field at `path` of `doc` to `value`: a missing member is added (objects on the
/// way are created), an index must exist.
fn set_path(doc: &mut Value, path: &str, value: Value) -> Result<()> {
    let steps = steps(path)?;
    let mut at = doc;
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        at = match step {
            Step::Member(name) => {
                if at.is_null() {
                    *at = Value::Object(Map::new());
                }
                let Some(members) = at.as_object_mut() else {
                    bail!("{path:?}: the field before {name:?} is not an object");
                };
                members.entry(name.clone()).or_insert(Value::Null)
            }
            Step::Index(n) => {
                let Some(items) = at.as_array_mut() else {
                    bail!("{path:?}: the field before [{n}] is not a list");
                };
                let len = items.len();
                items
                    .get_mut(*n)
                    .with_context(|| format!("{path:?}: [{n}] of a list of {len}"))?
            }
        };
        if last {
            *at = value;
            return Ok(());
        }
    }
    Ok(())
}

/// Applies a JSON merge patch (RFC 7386 §2) to `doc`.
fn merge_patch(doc: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *doc = patch.clone();
        return;
    };
    if !doc.is_object() {
        *doc = Value::Object(Map::new());
    }
    if let Value::Object(target) = doc {
        for (k, v) in members {
            if v.is_null() {
                target.remove(k);
            } else {
                merge_patch(target.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn set_takes_text_or_json_and_names_fields_as_validation_does() {
        let mut doc = json!({"title": "a", "victims": [{"country": "FR"}]});
        let (p, v) = parse_set("title=2017 attack").unwrap();
        set_path(&mut doc, &p, v).unwrap();
        let (p, v) = parse_set("victims[0].target_class:={\"class\": \"civilian\"}").unwrap();
        set_path(&mut doc, &p, v).unwrap();
        assert_eq!(
            doc,
            json!({"title": "2017 attack", "victims": [{"country": "FR", "target_class": {"class": "civilian"}}]})
        );
        assert!(set_path(&mut doc, "victims[3].country", json!("DE")).is_err());
        assert!(set_path(&mut doc, "title.x", json!(1)).is_err());
        assert!(parse_set("title").is_err());
        assert!(parse_set("n:=not json").is_err());
        assert!(steps("a[x]").is_err());
    }

    #[test]
    fn a_merge_patch_replaces_adds_and_removes_members() {
        // RFC 7386, appendix A's cases in one.
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        merge_patch(
            &mut doc,
            &json!({"a": "z", "c": {"f": null}, "l": [3], "n": {"m": 1}}),
        );
        assert_eq!(
            doc,
            json!({"a": "z", "c": {"d": "e"}, "l": [3], "n": {"m": 1}})
        );
    }
}
