//! `accord collections`: the operator's commands for threat-indicator sharing on the hub's
//! machine: define a collection (a sharing community served over TAXII 2.1), list them, and
//! record which organisation a party belongs to for TLP:AMBER.

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use accord_store::peers::find_peer;
use accord_store::sharing::{
    AffiliationBody, Collection, CollectionMirror, Member, all_collections, define_collection,
    record_affiliation,
};
use accord_tlp::Tlp;

use crate::args::StoreArgs;
use crate::hub::Hub;

/// The flags of `accord collections`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct CollectionsArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: CollectionsCommand,
}

/// What `accord collections` does.
#[derive(Debug, Subcommand)]
pub enum CollectionsCommand {
    /// Define a collection, or replace one's definition.
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
        /// The TLP level of objects that carry no marking.
        ///
        /// One of clear, green, amber, amber+strict, red.
        #[arg(long, default_value = "amber")]
        default_tlp: String,
        /// Let anonymous readers see the collection's TLP:CLEAR objects.
        #[arg(long)]
        anonymous_read: bool,
        /// Mirror a collection of this peer hub (its id, log key or origin).
        ///
        /// `accord peers sync` reads it with the peer token, as this hub's
        /// party there, and proves every object version against the peer's
        /// log; mirrored objects keep their marking and producer.
        #[arg(long, requires = "mirror_collection")]
        mirror_peer: Option<String>,
        /// The id of the peer's collection to mirror (with --mirror-peer).
        #[arg(long, requires = "mirror_peer")]
        mirror_collection: Option<String>,
    },
    /// List the collections.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Record the organisation a party belongs to.
    ///
    /// And the one it is a client of: TLP:AMBER reaches the recipients' organisations and
    /// their clients.
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
pub async fn run(args: CollectionsArgs) -> Result<()> {
    let (store_args, command) = (&args.store, args.command);
    let hub = Hub::open(store_args).await?;
    let (store, sequencer) = (hub.store.as_ref(), &hub.sequencer);
    match command {
        CollectionsCommand::Add {
            id,
            title,
            description,
            members,
            default_tlp,
            anonymous_read,
            mirror_peer,
            mirror_collection,
        } => {
            let default_tlp = Tlp::parse(&default_tlp).with_context(|| {
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
            let mirror = match (mirror_peer, mirror_collection) {
                (Some(peer), Some(collection)) => {
                    let peer = find_peer(store, &peer)
                        .await
                        .with_context(|| format!("--mirror-peer {peer:?}"))?;
                    if collection.is_empty() || collection.contains(['/', '?', '#']) {
                        bail!(
                            "--mirror-collection {collection:?}: a collection id without `/`, `?` or `#`"
                        );
                    }
                    Some(CollectionMirror {
                        peer: peer.origin,
                        collection,
                    })
                }
                _ => None,
            };
            let index = define_collection(
                sequencer,
                Collection {
                    id: id.clone(),
                    title,
                    description,
                    members,
                    default_tlp,
                    anonymous_read,
                    mirror,
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
                        "{}\t{}\tdefault {}\t{}{}{}",
                        c.id,
                        c.title,
                        c.default_tlp,
                        members.join(" "),
                        if c.anonymous_read {
                            "\tanonymous read"
                        } else {
                            ""
                        },
                        c.mirror
                            .map(|m| format!("\tmirrors {} of {}", m.collection, m.peer))
                            .unwrap_or_default()
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
