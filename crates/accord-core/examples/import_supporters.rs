//! Adds every supporter on the Paris Call's official list to `data/parties.json`.
//!
//! ```sh
//! cargo run -p accord-core --example import_supporters -- data
//! ```
//!
//! Reads `sources/paris-call-supporters-all.tsv` and `sources/paris-call-supporters-vanished.tsv`
//! under the given data directory and rewrites `parties.json`: a listed state is matched to the
//! existing state party by its nationality code (so state ids never change) and gains its
//! listing; a listed name that is already a party's name (Google) gives that party its support;
//! every other row becomes a new party with a slug id. The formerly listed names that match no
//! current entry (see `data/README.md`) become parties whose support says when they were first
//! seen and that they are no longer listed. Running it again changes nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::PathBuf;

use accord_core::dataset::PartiesFile;
use accord_core::date::FuzzyDate;
use accord_core::listing::{ListedSupporter, parse_tsv};
use accord_core::party::{Listing, Party, PartyKind, SinceMeaning, Support};
use accord_core::source::{Source, Verification};

const COMMIT: &str = "916433b20a70ce587db86de70b108ce21a25c551";
/// The last change to the site's `_supporters/` folder: a name not listed in the snapshot was
/// gone by then.
const LAST_CHANGE: &str = "2024-01-19";

/// Names once listed that match no current entry (the others are renames: `data/README.md`).
/// "new supporter" (2022-10-20) is a placeholder, not a party, and is left out.
const FORMERLY_LISTED: [&str; 7] = [
    "baitulmal professional college",
    "eastwest institute",
    "guatemalan american chamber of commerce amcham",
    "instituto nacional de ciberseguridad incibe",
    "maldon wat",
    "swiss american chamber of commerce swiss amcham",
    "university of lima",
];

fn list_source() -> Source {
    Source {
        url: Some(format!(
            "https://github.com/ambanum/pariscall.international/tree/{COMMIT}/_supporters"
        )),
        title: Some(
            "pariscall.international site data: _supporters/ (the official list of supporters)"
                .into(),
        ),
        as_of: FuzzyDate::parse("2025-12-25").unwrap(),
        verification: Verification::Verified,
        note: None,
    }
}

fn listing(row: &ListedSupporter) -> Listing {
    Listing {
        name: row.name.clone(),
        category: row.category.clone(),
        nature: row.nature.as_ref().map(|n| n.trim().to_owned()),
        nationality: row.nationality.clone(),
    }
}

fn support(first_seen: &str, unlisted_by: Option<&str>, note: Option<String>) -> Support {
    Support {
        since: FuzzyDate::parse(first_seen).unwrap(),
        since_meaning: SinceMeaning::FirstSeenUpperBound,
        withdrawn: None,
        how: None,
        unlisted_by: unlisted_by.map(|d| FuzzyDate::parse(d).unwrap()),
        source: Source {
            note,
            ..list_source()
        },
    }
}

/// Folds the Latin letters the list uses to ASCII; anything else separates words.
fn fold(c: char) -> Option<char> {
    const GROUPS: [(&str, char); 13] = [
        ("àáâãäăÀÁÂÃÄĂ", 'a'),
        ("çÇ", 'c'),
        ("èéêëÈÉÊË", 'e'),
        ("ğĞ", 'g'),
        ("ìíîïıÌÍÎÏİ", 'i'),
        ("ñńÑŃ", 'n'),
        ("òóôõöÒÓÔÕÖ", 'o'),
        ("řŘ", 'r'),
        ("şșšŞȘŠ", 's'),
        ("țȚ", 't'),
        ("ùúûüÙÚÛÜ", 'u'),
        ("žŽ", 'z'),
        ("ýÿÝ", 'y'),
    ];
    if c.is_ascii_alphanumeric() {
        return Some(c.to_ascii_lowercase());
    }
    GROUPS
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, a)| *a)
}

/// A slug of at most 80 characters, cut at a word boundary.
fn slug(name: &str) -> String {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in name.chars() {
        match fold(c) {
            Some(a) => word.push(a),
            None if !word.is_empty() => words.push(std::mem::take(&mut word)),
            None => {}
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut out = String::new();
    for w in words {
        if !out.is_empty() && out.len() + 1 + w.len() > 80 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w[..w.len().min(80)]);
    }
    out
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "data".into()));
    let read =
        |p: &str| std::fs::read_to_string(dir.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let mut file: PartiesFile = serde_json::from_str(&read("parties.json")).expect("parties.json");
    let rows = parse_tsv(&read("sources/paris-call-supporters-all.tsv"))
        .unwrap_or_else(|p| panic!("supporters list: {p:?}"));
    let vanished = read("sources/paris-call-supporters-vanished.tsv");

    let mut ids: HashSet<String> = file.parties.iter().map(|p| p.id.clone()).collect();
    let mut added = Vec::new();
    for row in &rows {
        let kind = row.kind();
        let country = row.country();
        let existing = if kind == PartyKind::State {
            let code = country.unwrap_or_else(|| panic!("state {:?} has no code", row.name));
            let p = file.parties.iter_mut().find(|p| p.id == code.as_str());
            Some(p.unwrap_or_else(|| {
                panic!("listed state {} ({code}) is not in parties.json", row.name)
            }))
        } else {
            file.parties.iter_mut().find(|p| {
                p.listing
                    .as_ref()
                    .map_or(p.name == row.name, |l| l.name == row.name)
            })
        };
        if let Some(p) = existing {
            p.listing = Some(listing(row));
            if p.support.is_none() {
                p.support = Some(support(&row.first_seen.to_string(), None, None));
            }
            continue;
        }
        let base = slug(&row.name);
        let mut id = base.clone();
        if ids.contains(&id) {
            let cc = country
                .map(|c| c.as_str().to_ascii_lowercase())
                .unwrap_or_default();
            id = format!("{base}-{cc}");
            let mut n = 2;
            while ids.contains(&id) || id.ends_with('-') {
                id = format!("{base}-{n}");
                n += 1;
            }
        }
        ids.insert(id.clone());
        let note = match (row.category.as_deref(), kind) {
            (None, _) => Some(
                "The official list gives this supporter no category; Accord does not guess one."
                    .to_owned(),
            ),
            (Some(c), PartyKind::InternationalOrganisation) => Some(format!(
                "Listed under the category {c:?} with the nature {:?}; Accord files it as an international organisation.",
                row.nature.as_deref().unwrap_or("").trim()
            )),
            _ => None,
        };
        added.push(Party {
            id,
            name: row.name.trim().to_owned(),
            kind,
            country,
            support: Some(support(&row.first_seen.to_string(), None, note)),
            absent_at_launch: None,
            listing: Some(listing(row)),
        });
    }
    for line in vanished.lines().skip(1) {
        let Some((name, first_seen)) = line.split_once('\t') else {
            continue;
        };
        if !FORMERLY_LISTED.contains(&name) {
            continue;
        }
        let id = slug(name);
        if ids.contains(&id) {
            continue;
        }
        ids.insert(id.clone());
        let note = format!(
            "The site data listed this name (recorded normalised: lower case, accents dropped) and no longer lists it: it is absent from the snapshot of 2025-12-25, whose supporters were last changed on {LAST_CHANGE}. No current entry matches it, so it is not a rename Accord could identify. The list records no withdrawal and not when the name left it; its kind and nationality were not recorded."
        );
        let mut support = support(first_seen, Some(LAST_CHANGE), Some(note));
        support.source.url = Some(format!(
            "https://github.com/ambanum/pariscall.international/commits/{COMMIT}/_supporters"
        ));
        support.source.title =
            Some("pariscall.international site data: history of _supporters/".into());
        added.push(Party {
            id,
            name: name.to_owned(),
            kind: PartyKind::Organisation,
            country: None,
            support: Some(support),
            absent_at_launch: None,
            listing: Some(Listing {
                name: name.to_owned(),
                category: None,
                nature: None,
                nationality: None,
            }),
        });
    }
    added.sort_by_key(|a| (a.kind, a.name.to_lowercase()));
    let n = added.len();
    file.parties.extend(added);
    let mut text = serde_json::to_string_pretty(&file).expect("serialise");
    text.push('\n');
    std::fs::write(dir.join("parties.json"), text).expect("write parties.json");
    eprintln!("{n} parties added; {} in all", file.parties.len());
}
