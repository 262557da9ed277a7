//! `accord collections`: the operator's commands for threat-indicator sharing on the hub's
//! machine: define a collection (a sharing community served over TAXII 2.1), list them, and
//! record which organisation a party belongs to for TLP:AMBER.

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use accord_stix::tlp::Level;
use accord_store::Store;
use accord_store::sequencer::Sequencer;
use accord_store::sharing::{
    AffiliationBody, Collection, Member, all_collections, define_collection, record_affiliation,
};

use crate::client::HubClient;

/// What `accord collections` does.
#[derive(Debug, Subcommand)]
pub enum CollectionsCommand {
    /// Define a collection, or redefine one (the new definition replaces the old).
    Add {
        /// The collection id as TAXII shows it (a UUID is customary).
        #[arg(long)]
        id: String,
        /// Its title.
        #[arg(long)]
        title: String,
        /// What it is for.
        #[arg(long)]
        description: Option<String>,
        /// A member as `PARTY:rw`, `PARTY:r` or `PARTY:w` (repeat for each).
        #[arg(long = "member", value_name = "PARTY:rw")]
        members: Vec<String>,
        /// The TLP level of objects that carry no marking (clear, green, amber, amber+strict,
        /// red).
        #[arg(long, default_value = "amber")]
        default_tlp: String,
        /// Let anonymous readers see the collection's TLP:CLEAR objects.
        #[arg(long)]
        anonymous_read: bool,
    },
    /// List the collections.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record the organisation a party belongs to (and the one it is a client of): TLP:AMBER
    /// reaches the recipients' organisations and their clients.
    Affiliate {
        /// The party.
        #[arg(long)]
        party: String,
        /// Its organisation (a party id).
        #[arg(long)]
        organisation: String,
        /// The organisation it is a client of.
        #[arg(long)]
        client_of: Option<String>,
    },
}

fn member(text: &str) -> Result<Member> {
    let (party, rights) = text
        .rsplit_once(':')
        .with_context(|| format!("--member {text:?}: write PARTY:rw, PARTY:r or PARTY:w"))?;
    if party.is_empty() || rights.is_empty() || !rights.chars().all(|c| c == 'r' || c == 'w') {
        bail!("--member {text:?}: write PARTY:rw, PARTY:r or PARTY:w");
    }
    Ok(Member {
        party: party.to_owned(),
        can_read: rights.contains('r'),
        can_write: rights.contains('w'),
    })
}

/// Runs an `accord collections` command against the hub's store.
pub async fn run(
    store: &dyn Store,
    sequencer: &Sequencer,
    command: CollectionsCommand,
) -> Result<()> {
    match command {
        CollectionsCommand::Add {
            id,
            title,
            description,
            members,
            default_tlp,
            anonymous_read,
        } => {
            let default_tlp = Level::parse(&default_tlp).with_context(|| {
                format!(
                    "--default-tlp {default_tlp:?}: use clear, green, amber, amber+strict or red"
                )
            })?;
            let members = members
                .iter()
                .map(|m| member(m))
                .collect::<Result<Vec<_>>>()?;
            for m in &members {
                store
                    .party(&m.party)
                    .await
                    .with_context(|| format!("member {:?}", m.party))?;
            }
            let index = define_collection(
                sequencer,
                Collection {
                    id: id.clone(),
                    title,
                    description,
                    members,
                    default_tlp,
                    anonymous_read,
                },
            )
            .await?;
            println!("defined collection {id} as log entry {index}");
        }
        CollectionsCommand::List { json } => {
            // The operator sees every collection.
            let all = all_collections(store).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for c in all {
                    let members: Vec<String> = c
                        .members
                        .iter()
                        .map(|m| {
                            let r = if m.can_read { "r" } else { "" };
                            let w = if m.can_write { "w" } else { "" };
                            format!("{}:{r}{w}", m.party)
                        })
                        .collect();
                    println!(
                        "{}\t{}\tdefault {}\t{}{}",
                        c.id,
                        c.title,
                        c.default_tlp,
                        members.join(" "),
                        if c.anonymous_read {
                            "\tanonymous read"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        CollectionsCommand::Affiliate {
            party,
            organisation,
            client_of,
        } => {
            let index = record_affiliation(
                store,
                sequencer,
                AffiliationBody {
                    party: party.clone(),
                    organisation,
                    client_of,
                },
            )
            .await?;
            println!("recorded the affiliation of {party} as log entry {index}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_parse() {
        let m = member("FR:rw").unwrap();
        assert!(m.can_read && m.can_write && m.party == "FR");
        let m = member("cert-de:r").unwrap();
        assert!(m.can_read && !m.can_write);
        assert!(member("FR").is_err());
        assert!(member("FR:x").is_err());
    }
}

/// A party's view of a hub's shared objects: the REST reads (`/api/v1/collections`, which
/// the hub filters by the TLP rule for the token's party) and TAXII 2.1 envelopes for writes
/// (the hub records each object as a log entry signed with the party's custodial key).
pub struct SharingClient {
    hub: HubClient,
}

/// The TAXII 2.1 media type.
const TAXII: &str = "application/taxii+json;version=2.1";

/// Objects per TAXII envelope when posting.
pub const ENVELOPE: usize = 100;

/// What a hub said about the objects posted to it.
#[derive(Debug, Default)]
pub struct Posted {
    /// Objects recorded (or already present in that version).
    pub accepted: usize,
    /// Objects refused, each `id: reason`.
    pub refused: Vec<String>,
}

impl SharingClient {
    /// A client for the hub at `base`, reading and writing as the token's party.
    pub fn new(base: &str, token: &str) -> Result<Self> {
        Ok(SharingClient {
            hub: HubClient::new(base, Some(token.to_owned()))?,
        })
    }

    /// The ids of the collections the party may read (all of them, or `only` if given; an
    /// unknown `only` is an error).
    pub async fn collections(&self, only: Option<&str>) -> Result<Vec<String>> {
        let list = self.hub.get_json_as("/api/v1/collections").await?;
        let ids: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["can_read"] == serde_json::Value::Bool(true))
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect();
        match only {
            None => Ok(ids),
            Some(c) if ids.iter().any(|i| i == c) => Ok(vec![c.to_owned()]),
            Some(c) => bail!("--collection {c:?}: the hub has no such collection open to you"),
        }
    }

    /// Every object of `types` in `collection` the party may read (latest versions), paging
    /// through `/api/v1/collections/{id}/objects`.
    pub async fn objects(&self, collection: &str, types: &str) -> Result<Vec<serde_json::Value>> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!(
                "/api/v1/collections/{}/objects?type={}&limit=1000",
                encode(collection),
                encode(types)
            );
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={}", encode(c)));
            }
            let page = self.hub.get_json_as(&path).await?;
            for item in page["items"].as_array().into_iter().flatten() {
                out.push(item["object"].clone());
            }
            match page["next"].as_str() {
                Some(n) => cursor = Some(n.to_owned()),
                None => return Ok(out),
            }
        }
    }

    /// Posts `objects` to `collection` over TAXII in envelopes of [`ENVELOPE`].
    pub async fn post(&self, collection: &str, objects: &[serde_json::Value]) -> Result<Posted> {
        let path = format!("/taxii2/api/collections/{}/objects/", encode(collection));
        let url = self.hub.url(&path);
        let mut posted = Posted::default();
        for chunk in objects.chunks(ENVELOPE) {
            let body = serde_json::json!({ "objects": chunk }).to_string();
            let resp = self
                .hub
                .authorised(reqwest::Method::POST, &path)?
                .header(reqwest::header::ACCEPT, TAXII)
                .header(reqwest::header::CONTENT_TYPE, TAXII)
                .body(body)
                .send()
                .await
                .with_context(|| format!("cannot reach {url}"))?;
            let status = resp.status();
            let v: serde_json::Value = resp.json().await.unwrap_or_default();
            if !status.is_success() {
                bail!(
                    "{url} refused ({status}): {}",
                    v["description"].as_str().unwrap_or("no description")
                );
            }
            posted.accepted += v["success_count"].as_u64().unwrap_or(0) as usize;
            for f in v["failures"].as_array().into_iter().flatten() {
                posted.refused.push(format!(
                    "{}: {}",
                    f["id"].as_str().unwrap_or("?"),
                    f["message"].as_str().unwrap_or("refused")
                ));
            }
        }
        Ok(posted)
    }
}

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters pass).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
