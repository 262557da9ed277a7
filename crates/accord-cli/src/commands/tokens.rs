//! `accord tokens`: issue, list and revoke API tokens (local admin).

use anyhow::{Context, Result, bail};
use clap::Subcommand;

use accord_store::tokens;

use crate::args::StoreArgs;
use crate::hub::Hub;
use crate::output::{explain, print_json};

/// The flags of `accord tokens`: the hub's store, then what to do.
#[derive(Debug, clap::Args)]
pub struct TokensArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: TokensCommand,
}

/// What `accord tokens` does.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Issue an API token bound to a party; it is printed once.
    ///
    /// The token goes to stdout, its id and expiry to stderr; the hub stores only its hash.
    /// Tokens expire: after 90 days unless --expires-in or --expires says otherwise, at most
    /// 366 days.
    Issue {
        /// The party id.
        #[arg(long)]
        party: String,
        /// How long it lives: e.g. 90d, 12h, 2w, 1y.
        #[arg(long, conflicts_with = "expires")]
        expires_in: Option<String>,
        /// When it stops working: a date (YYYY-MM-DD) or an RFC 3339 time.
        ///
        /// A date means midnight UTC.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens, never their secrets.
    ///
    /// Id, party, issued, expires, revoked.
    List {
        /// Only this party's tokens.
        #[arg(long)]
        party: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token, or all of a party's, at once on every node.
    ///
    /// One by its id (from `tokens issue` or `tokens list`; at least 8 hex digits), or every
    /// current token of a party.
    Revoke {
        /// The token's id (or a unique prefix of it).
        #[arg(long, required_unless_present = "party", conflicts_with = "party")]
        id: Option<String>,
        /// Revoke every current token of this party.
        #[arg(long)]
        party: Option<String>,
    },
}

/// Runs `accord tokens …`.
pub async fn run(args: TokensArgs) -> Result<()> {
    let (store_args, command) = (&args.store, args.command);
    let hub = Hub::open(store_args).await?;
    let store = hub.store.as_ref();
    match command {
        TokensCommand::Issue {
            party,
            expires_in,
            expires,
        } => {
            let now = jiff::Timestamp::now();
            let expires_at = match (expires_in, expires) {
                (Some(span), _) => {
                    let lifetime = tokens::parse_lifetime(&span).with_context(|| {
                        format!(
                            "--expires-in {span:?} is not a lifetime such as 90d, 12h, 2w or 1y"
                        )
                    })?;
                    now.checked_add(lifetime)?
                }
                (None, Some(at)) => parse_time(&at).with_context(|| {
                    format!("--expires {at:?} is not a date (YYYY-MM-DD) or an RFC 3339 time")
                })?,
                (None, None) => now.checked_add(tokens::DEFAULT_LIFETIME)?,
            };
            let (token, info) = tokens::issue(store, &party, expires_at)
                .await
                .map_err(explain)
                .with_context(|| format!("cannot issue a token for {party:?}"))?;
            eprintln!(
                "token {} for {party}, expires {} (shown once; the hub keeps only its hash; revoke with `accord tokens revoke --id {}`):",
                info.id,
                info.expires_at.map(|t| t.to_string()).unwrap_or_default(),
                info.id
            );
            println!("{token}");
        }
        TokensCommand::List { party, json } => {
            let now = jiff::Timestamp::now();
            let list: Vec<_> = store
                .token_list()
                .await?
                .into_iter()
                .filter(|t| party.as_deref().is_none_or(|p| t.party == p))
                .collect();
            if json {
                return print_json(&list);
            }
            for t in list {
                let state = match (t.revoked_at, t.is_current(now)) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, true) => "current".to_owned(),
                    (None, false) => "expired".to_owned(),
                };
                println!(
                    "{}  {:<20} issued {}  expires {}  {state}",
                    t.id,
                    t.party,
                    t.created_at,
                    t.expires_at
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| "never".into()),
                );
            }
        }
        TokensCommand::Revoke { id, party } => {
            let which = match (id, party) {
                (Some(id), _) => tokens::Selector::Id(id),
                (None, Some(party)) => tokens::Selector::Party(party),
                (None, None) => bail!("give --id ID or --party PARTY"),
            };
            let revoked = tokens::revoke(store, &which)
                .await
                .map_err(explain)
                .context("nothing was revoked")?;
            if revoked.is_empty() {
                println!("no current token to revoke");
            }
            for t in revoked {
                println!("revoked token {} of {}", t.id, t.party);
            }
        }
    }
    Ok(())
}

/// A date (`YYYY-MM-DD`, midnight UTC) or an RFC 3339 time.
fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    text.parse::<jiff::Timestamp>().ok().or_else(|| {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        format!("{date}T00:00:00Z").parse().ok()
    })
}
