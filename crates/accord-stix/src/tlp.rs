//! Who may read a STIX object under its TLP 2.0 marking: the one read rule.
//!
//! Every read path of the hub (TAXII objects, manifest, versions and object-by-id, the REST
//! API, the dashboard, exports, `accord match --hub`) asks [`may_read`] before it releases an
//! object, so a TLP:RED indicator reaches exactly its named recipients whichever door the
//! reader comes in by.
//!
//! # The model
//!
//! FIRST TLP 2.0 speaks of *recipients*, their *organisations*, the *community* and the
//! organisations' *clients*. In Accord:
//!
//! - a **party** (what a token authenticates) is one participant; each party belongs to an
//!   **organisation** (by default the party alone) and may be a **client** of another
//!   organisation (a national CSIRT's constituents are its clients);
//! - a collection is a **community**: its members with `can_read`;
//! - an object's **named recipients** are the party ids in its `x_accord_recipients` custom
//!   property ([`RECIPIENTS_PROPERTY`]); STIX 2.1 §11.1 allows such custom properties, and
//!   they survive a round trip through any STIX library unchanged;
//! - an object's **recipients** are its named recipients, or, when it names none, the
//!   community it was shared with.
//!
//! The marking is the strictest TLP marking found anywhere on the object, in
//! `object_marking_refs` or `granular_markings` (a granular TLP:RED on `pattern` makes the
//! whole object RED: the hub cannot release part of an object), recognising the TLP 1.0
//! definitions of STIX 2.1 §7.2.1.4 and the TLP 2.0 definitions of the OASIS extension, their
//! identifiers compared as UUIDs; an object with none takes the collection's default. TLP 1.0
//! WHITE reads as CLEAR (TLP 2.0 §"TLP:CLEAR" replaces WHITE). An object with a marking the
//! hub cannot map to one of these levels is refused, never read at the default: see
//! [`crate::marking`].
//!
//! | level        | who may read (besides the producer and its named recipients)            |
//! |--------------|-------------------------------------------------------------------------|
//! | CLEAR        | anyone authenticated; anonymous readers if the collection allows them    |
//! | GREEN        | the community, and everyone AMBER reaches                               |
//! | AMBER        | the recipients' organisations and their clients; the producer's org     |
//! | AMBER+STRICT | the recipients' organisations only (no clients); the producer's org     |
//! | RED          | nobody else: the producer party and the named recipients only           |
//!
//! The producer party always reads what it produced, and a named recipient always reads what
//! names it: naming a party shares the object with it at any level.
//!
//! # Example
//!
//! ```
//! use accord_stix::tlp::{Reader, Audience, Affiliation, may_read};
//! use accord_tlp::Tlp;
//!
//! struct Flat;
//! impl Affiliation for Flat {
//!     fn organisation<'a>(&'a self, party: &'a str) -> &'a str { party }
//!     fn client_of(&self, _party: &str) -> Option<&str> { None }
//!     fn is_member(&self, party: &str) -> bool { party == "cert-fr" || party == "cert-de" }
//!     fn has_member_in(&self, org: &str) -> bool { self.is_member(org) }
//! }
//! let named = vec!["cert-de".to_owned()];
//! let audience = Audience { level: Tlp::Red, producer: "cert-fr", named: &named, anonymous_read: false };
//! assert!(may_read(&audience, &Reader::Party("cert-de"), &Flat));
//! assert!(!may_read(&audience, &Reader::Party("cert-nl"), &Flat));
//! assert!(!may_read(&audience, &Reader::Anonymous, &Flat));
//! ```

use accord_tlp::Tlp;
use serde_json::Value;

use crate::marking::{self, MarkingError};
use crate::object::StixObject;

/// The custom property naming an object's recipients (a list of party ids).
pub const RECIPIENTS_PROPERTY: &str = "x_accord_recipients";

/// The level an object is read under: the strictest TLP marking found anywhere on it
/// (object-level or granular), or `default` (the collection's) when it carries none. An object
/// whose markings the hub cannot enforce, or a `marking-definition` that redefines or claims
/// TLP, is an error naming the property ([`marking::strictest_level`],
/// [`marking::check_definition`]): fail closed, never the default.
pub fn level_of(object: &StixObject, default: Tlp) -> Result<Tlp, MarkingError> {
    if object.object_type == "marking-definition" {
        marking::check_definition(object)?;
    }
    Ok(marking::strictest_level(object)?.unwrap_or(default))
}

/// The party ids an object names in [`RECIPIENTS_PROPERTY`] (non-strings are ignored; the
/// write path refuses them).
pub fn named_recipients(object: &StixObject) -> Vec<String> {
    match object.get(RECIPIENTS_PROPERTY) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Who is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader<'a> {
    /// Nobody authenticated.
    Anonymous,
    /// An authenticated party, by id.
    Party(&'a str),
}

/// How parties relate to organisations and to the community an object was shared in.
pub trait Affiliation {
    /// The organisation `party` belongs to (the party itself when none is recorded).
    fn organisation<'a>(&'a self, party: &'a str) -> &'a str;
    /// The organisation `party` is a client of, if any.
    fn client_of(&self, party: &str) -> Option<&str>;
    /// Whether `party` is a member of the community (the collection's readers).
    fn is_member(&self, party: &str) -> bool;
    /// Whether some member of the community belongs to `organisation`.
    fn has_member_in(&self, organisation: &str) -> bool;
}

/// What the rule needs to know about one object.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    /// The object's TLP level ([`level_of`]).
    pub level: Tlp,
    /// The party that produced (submitted) it.
    pub producer: &'a str,
    /// Its named recipients ([`named_recipients`]).
    pub named: &'a [String],
    /// Whether the collection lets anonymous readers see TLP:CLEAR.
    pub anonymous_read: bool,
}

/// Whether `reader` may read an object shared with `audience`, given how parties are
/// affiliated. This is the one read rule: see the module documentation for the table.
///
/// The levels nest: whoever may read at one level may read at every less restrictive one
/// (TLP 2.0 orders them so), which is how the rule is written.
pub fn may_read(
    audience: &Audience<'_>,
    reader: &Reader<'_>,
    affiliation: &dyn Affiliation,
) -> bool {
    let party = match reader {
        Reader::Anonymous => return audience.level == Tlp::Clear && audience.anonymous_read,
        Reader::Party(p) => *p,
    };
    if audience.level == Tlp::Clear {
        return true;
    }
    // TLP:RED: the producer and the named recipients.
    if party == audience.producer || audience.named.iter().any(|n| n == party) {
        return true;
    }
    if audience.level == Tlp::Red {
        return false;
    }
    // The recipients' organisations: of the named recipients, or of the community when the
    // object names none (sharing with a community makes its members the recipients).
    let recipient_org = |o: &str| -> bool {
        if audience.named.is_empty() {
            affiliation.has_member_in(o)
        } else {
            audience
                .named
                .iter()
                .any(|n| affiliation.organisation(n) == o)
        }
    };
    // TLP:AMBER+STRICT: the producer's organisation and the recipients' organisations.
    let org = affiliation.organisation(party);
    if org == affiliation.organisation(audience.producer) || recipient_org(org) {
        return true;
    }
    if audience.level == Tlp::AmberStrict {
        return false;
    }
    // TLP:AMBER: also the clients of those organisations.
    if affiliation.client_of(party).is_some_and(recipient_org) {
        return true;
    }
    if audience.level == Tlp::Amber {
        return false;
    }
    // TLP:GREEN: also the community.
    affiliation.is_member(party)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::marking::TlpMarking;
    use std::collections::HashMap;

    /// A community of `cert-fr`, `cert-de` and `cert-it`. `cert-fr-soc` and `anssi-analyst`
    /// belong to cert-fr's organisation, `cert-de-soc` to cert-de's, `cert-it-soc` to
    /// cert-it's (none of them members); `bank-fr` and `bank-de` are clients of cert-fr and
    /// cert-de; `cert-nl` is authenticated but in another community.
    struct World {
        orgs: HashMap<&'static str, &'static str>,
        clients: HashMap<&'static str, &'static str>,
        members: Vec<&'static str>,
    }

    impl Affiliation for World {
        fn organisation<'a>(&'a self, party: &'a str) -> &'a str {
            self.orgs.get(party).copied().unwrap_or(party)
        }
        fn client_of(&self, party: &str) -> Option<&str> {
            self.clients.get(party).copied()
        }
        fn is_member(&self, party: &str) -> bool {
            self.members.contains(&party)
        }
        fn has_member_in(&self, organisation: &str) -> bool {
            self.members
                .iter()
                .any(|m| self.organisation(m) == organisation)
        }
    }

    fn world() -> World {
        World {
            orgs: HashMap::from([
                ("cert-fr-soc", "cert-fr"),
                ("anssi-analyst", "cert-fr"),
                ("cert-de-soc", "cert-de"),
                ("cert-it-soc", "cert-it"),
            ]),
            clients: HashMap::from([("bank-fr", "cert-fr"), ("bank-de", "cert-de")]),
            members: vec!["cert-fr", "cert-de", "cert-it"],
        }
    }

    /// The reader's relation to an object produced by `cert-fr-soc` that names `cert-de` as
    /// its recipient (or, in the other half of the matrix, names nobody).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Relation {
        Anonymous,
        Producer,
        SameOrgAsProducer,
        ClientOfProducerOrg,
        NamedRecipient,
        SameOrgAsRecipient,
        ClientOfRecipientOrg,
        CommunityMember,
        SameOrgAsCommunityMember,
        OtherCommunity,
    }

    const RELATIONS: [Relation; 10] = [
        Relation::Anonymous,
        Relation::Producer,
        Relation::SameOrgAsProducer,
        Relation::ClientOfProducerOrg,
        Relation::NamedRecipient,
        Relation::SameOrgAsRecipient,
        Relation::ClientOfRecipientOrg,
        Relation::CommunityMember,
        Relation::SameOrgAsCommunityMember,
        Relation::OtherCommunity,
    ];

    fn reader(r: Relation) -> Reader<'static> {
        Reader::Party(match r {
            Relation::Anonymous => return Reader::Anonymous,
            Relation::Producer => "cert-fr-soc",
            Relation::SameOrgAsProducer => "anssi-analyst",
            Relation::ClientOfProducerOrg => "bank-fr",
            Relation::NamedRecipient => "cert-de",
            Relation::SameOrgAsRecipient => "cert-de-soc",
            Relation::ClientOfRecipientOrg => "bank-de",
            Relation::CommunityMember => "cert-it",
            Relation::SameOrgAsCommunityMember => "cert-it-soc",
            Relation::OtherCommunity => "cert-nl",
        })
    }

    /// The expected answer, written out from the TLP 2.0 definitions as a table, not derived
    /// from the code. `named`: the object names cert-de; otherwise the whole community (whose
    /// members include cert-de) are its recipients.
    fn expected(level: Tlp, r: Relation, named: bool, anonymous_read: bool) -> bool {
        use Relation::*;
        let n = named;
        match level {
            Tlp::Clear => r != Anonymous || anonymous_read,
            Tlp::Red => match r {
                Producer => true,
                NamedRecipient => n,
                _ => false,
            },
            Tlp::AmberStrict => match r {
                Producer | SameOrgAsProducer | NamedRecipient | SameOrgAsRecipient => true,
                CommunityMember | SameOrgAsCommunityMember => !n,
                Anonymous | ClientOfProducerOrg | ClientOfRecipientOrg | OtherCommunity => false,
            },
            Tlp::Amber => match r {
                Producer | SameOrgAsProducer | NamedRecipient | SameOrgAsRecipient => true,
                ClientOfRecipientOrg => true,
                CommunityMember | SameOrgAsCommunityMember | ClientOfProducerOrg => !n,
                Anonymous | OtherCommunity => false,
            },
            Tlp::Green => match r {
                Producer | SameOrgAsProducer | NamedRecipient | SameOrgAsRecipient => true,
                ClientOfRecipientOrg | CommunityMember => true,
                SameOrgAsCommunityMember | ClientOfProducerOrg => !n,
                Anonymous | OtherCommunity => false,
            },
        }
    }

    #[test]
    fn the_whole_marking_by_reader_matrix() {
        let w = world();
        let mut checked = 0;
        for marking in TlpMarking::ALL {
            let level = Tlp::from(marking);
            for named in [false, true] {
                let names = if named {
                    vec!["cert-de".to_owned()]
                } else {
                    Vec::new()
                };
                for anonymous_read in [false, true] {
                    let audience = Audience {
                        level,
                        producer: "cert-fr-soc",
                        named: &names,
                        anonymous_read,
                    };
                    for r in RELATIONS {
                        let got = may_read(&audience, &reader(r), &w);
                        let want = expected(level, r, named, anonymous_read);
                        assert_eq!(
                            got, want,
                            "{marking:?} named={named} anonymous_read={anonymous_read} {r:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 9 * 2 * 2 * RELATIONS.len());
    }

    #[test]
    fn levels_nest_a_reader_of_a_stricter_level_reads_every_looser_one() {
        let w = world();
        let names = ["cert-de".to_owned()];
        for named in [&names[..], &[]] {
            for r in RELATIONS {
                let mut allowed_stricter = false;
                for level in Tlp::ALL.into_iter().rev() {
                    let a = Audience {
                        level,
                        producer: "cert-fr-soc",
                        named,
                        anonymous_read: true,
                    };
                    let allowed = may_read(&a, &reader(r), &w);
                    assert!(allowed || !allowed_stricter, "{r:?} at {level}");
                    allowed_stricter = allowed;
                }
            }
        }
    }

    #[test]
    fn red_without_recipients_is_the_producer_alone() {
        let w = world();
        let a = Audience {
            level: Tlp::Red,
            producer: "cert-fr",
            named: &[],
            anonymous_read: true,
        };
        assert!(may_read(&a, &Reader::Party("cert-fr"), &w));
        for p in ["cert-fr-soc", "cert-de", "cert-it", "bank-fr", "cert-nl"] {
            assert!(!may_read(&a, &Reader::Party(p), &w), "{p}");
        }
        assert!(!may_read(&a, &Reader::Anonymous, &w));
    }

    #[test]
    fn unmarked_objects_take_the_default_and_the_strictest_marking_wins() {
        let mut o = StixObject::from_json(
            r#"{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#,
        )
        .unwrap();
        assert_eq!(level_of(&o, Tlp::Amber), Ok(Tlp::Amber));
        o.properties.insert(
            "object_marking_refs".into(),
            serde_json::json!([TlpMarking::Green.id(), TlpMarking::AmberStrict.id()]),
        );
        assert_eq!(level_of(&o, Tlp::Clear), Ok(Tlp::AmberStrict));
        o.properties.insert(
            "object_marking_refs".into(),
            serde_json::json!([TlpMarking::White.id()]),
        );
        assert_eq!(level_of(&o, Tlp::Red), Ok(Tlp::Clear));
        // A marking that is not TLP is not read at the default: the object is refused.
        o.properties.insert(
            "object_marking_refs".into(),
            serde_json::json!(["marking-definition--00000000-0000-4000-8000-000000000000"]),
        );
        let e = level_of(&o, Tlp::Green).unwrap_err();
        assert_eq!(e.property, "object_marking_refs[0]");
    }

    #[test]
    fn a_party_made_tlp_red_definition_is_refused_not_read_at_the_default() {
        let fake = StixObject::from_json(
            r#"{"type":"marking-definition","spec_version":"2.1",
                "id":"marking-definition--6d1f1c0a-2f0e-4b8e-9b55-3a1f6a1b2c3d",
                "created":"2026-01-01T00:00:00.000Z","name":"TLP:RED",
                "definition_type":"tlp","definition":{"tlp":"red"}}"#,
        )
        .unwrap();
        assert!(level_of(&fake, Tlp::Clear).is_err());
        for m in TlpMarking::ALL {
            assert_eq!(level_of(&m.definition(), Tlp::Amber), Ok(Tlp::Amber));
        }
    }

    #[test]
    fn recipients_and_levels_parse() {
        let o = StixObject::from_json(
            r#"{"type":"indicator","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","x_accord_recipients":["cert-de",3,"cert-it"]}"#,
        )
        .unwrap();
        assert_eq!(named_recipients(&o), vec!["cert-de", "cert-it"]);
        assert_eq!(Tlp::parse("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("white"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("amber-strict"), None);
        for l in Tlp::ALL {
            assert_eq!(Tlp::parse(l.as_str()), Some(l));
            assert_eq!(Tlp::from(TlpMarking::of(l)), l);
        }
    }
}
