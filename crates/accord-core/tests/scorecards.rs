//! Scorecards that never overstate: every link between a party and an incident carries the
//! tier of what it rests on, only formal attributions count as "attributed", contested is
//! derived from the record, and rule reasons cite the strongest attribution. Run over
//! synthetic incidents (one per tier) and over the shipped record.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use accord_core::accord::PrincipleId;
use accord_core::dataset::Dataset;
use accord_core::incident::{AttributionTier, ConductRole, Contest, Incident};
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_core::scorecard::{
    IncidentLine, PartyScorecard, Standing, bloc_view, party_scorecard, principle_scorecards,
};
use serde_json::{Value, json};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

fn load() -> Dataset {
    let dir = data_dir();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let mut incidents = Vec::new();
    for e in std::fs::read_dir(dir.join("incidents")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            incidents.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    Dataset::from_texts(
        &read("accord.json"),
        &read("parties.json"),
        &read("principle-rules.json"),
        incidents.iter().map(|(n, t)| (n.as_str(), t.as_str())),
    )
    .unwrap_or_else(|e| panic!("bundled data is invalid:\n{e}"))
}

fn records(d: &Dataset) -> Vec<IncidentRecord> {
    d.incidents
        .iter()
        .map(|i| IncidentRecord {
            suggested_principles: d.rules.suggest(i),
            incident: i.clone(),
            log_index: None,
        })
        .collect()
}

fn party<'a>(d: &'a Dataset, id: &str) -> &'a Party {
    d.parties.iter().find(|p| p.id == id).unwrap()
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 12, 7)
}

fn card(d: &Dataset, id: &str, rs: &[IncidentRecord]) -> PartyScorecard {
    party_scorecard(party(d, id), rs, today())
}

fn initiator_line<'a>(c: &'a PartyScorecard, incident: &str) -> &'a IncidentLine {
    c.as_initiator
        .incidents
        .iter()
        .find(|l| l.id == incident)
        .unwrap_or_else(|| panic!("{} has no initiator line for {incident}", c.party))
}

fn source(verification: &str) -> Value {
    json!({"url": "https://www.example.gov/statement", "as_of": "2026-11", "verification": verification})
}

/// A synthetic incident against a French bank whose only attribution names Russia.
fn one_attribution(basis: &str, verification: &str) -> Incident {
    serde_json::from_value(json!({
        "id": "case-2024", "title": "Case", "summary": "A test case.",
        "dates": {"start": {"date": "2024", "source": source("secondary")}},
        "victims": [{"name": "A bank", "country": "FR", "sector": "finance", "source": source("secondary")}],
        "attributions": [{"by": "Someone", "attributed_to": "RU", "basis": basis,
            "statement": "It was Russia.", "source": source(verification)}]
    }))
    .unwrap()
}

fn record_of(d: &Dataset, i: Incident) -> Vec<IncidentRecord> {
    vec![IncidentRecord {
        suggested_principles: d.rules.suggest(&i),
        incident: i,
        log_index: None,
    }]
}

/// Russia's scorecard over one synthetic incident: (tier, standing, attributed count).
fn tier_of(basis: &str, verification: &str) -> (Option<AttributionTier>, Option<Standing>, usize) {
    let d = load();
    let rs = record_of(&d, one_attribution(basis, verification));
    let c = card(&d, "RU", &rs);
    assert_eq!(c.as_initiator.total, 1);
    let l = &c.as_initiator.incidents[0];
    let t = l.tier.unwrap();
    assert_eq!(c.as_initiator.by_tier.get(&t), Some(&1));
    assert_eq!(c.as_initiator.by_tier.values().sum::<usize>(), 1);
    assert_eq!(l.attributions.len(), 1);
    (l.tier, l.standing, c.as_initiator.attributed)
}

#[test]
fn tier_1_a_formal_attribution_read_on_an_official_page_is_attributed() {
    for basis in [
        "government-statement",
        "indictment",
        "sanctions",
        "joint-statement",
    ] {
        assert_eq!(
            tier_of(basis, "verified"),
            (
                Some(AttributionTier::Official),
                Some(Standing::Attributed),
                1
            ),
            "{basis}"
        );
    }
}

#[test]
fn tier_2_a_formal_attribution_read_in_a_secondary_source_is_attributed() {
    assert_eq!(
        tier_of("indictment", "secondary"),
        (
            Some(AttributionTier::OfficialSecondary),
            Some(Standing::Attributed),
            1
        )
    );
}

#[test]
fn tier_3_a_vendor_report_is_alleged() {
    for verification in ["verified", "secondary"] {
        assert_eq!(
            tier_of("vendor-report", verification),
            (Some(AttributionTier::Research), Some(Standing::Alleged), 0)
        );
    }
}

#[test]
fn tier_4_media_remarks_and_self_claims_are_alleged() {
    for basis in ["media", "official-remark", "self-claim"] {
        assert_eq!(
            tier_of(basis, "secondary"),
            (
                Some(AttributionTier::Allegation),
                Some(Standing::Alleged),
                0
            ),
            "{basis}"
        );
    }
}

#[test]
fn tier_5_anything_unverified_is_alleged() {
    for basis in [
        "government-statement",
        "indictment",
        "vendor-report",
        "media",
    ] {
        assert_eq!(
            tier_of(basis, "unverified"),
            (
                Some(AttributionTier::Unverified),
                Some(Standing::Alleged),
                0
            ),
            "{basis}"
        );
    }
}

#[test]
fn the_strongest_attribution_sets_the_tier_and_is_cited_first() {
    let d = load();
    let mut v = serde_json::to_value(one_attribution("media", "secondary")).unwrap();
    v["attributions"].as_array_mut().unwrap().push(json!({
        "by": "A government", "attributed_to": "RU", "basis": "sanctions",
        "statement": "Sanctions.", "source": source("verified")}));
    let rs = record_of(&d, serde_json::from_value(v).unwrap());
    let c = card(&d, "RU", &rs);
    let l = &c.as_initiator.incidents[0];
    assert_eq!(l.tier, Some(AttributionTier::Official));
    assert_eq!(l.attributions[0].by, "A government");
    assert_eq!(l.attributions[1].tier, AttributionTier::Allegation);
    assert_eq!(c.as_initiator.attributed, 1);
}

/// Stuxnet's initiator nexus (a "state actor linked to US" in press reporting) put the United
/// States and Israel on the initiator scorecards as plain links with no basis shown.
#[test]
fn an_unattributed_nexus_is_alleged_never_attributed() {
    let d = load();
    let rs = records(&d);
    for state in ["US", "IL"] {
        let c = card(&d, state, &rs);
        let l = initiator_line(&c, "stuxnet-2010");
        assert_eq!(l.standing, Some(Standing::Alleged), "{state}");
        // Press reporting read in a secondary copy: an allegation, never an attribution.
        assert_eq!(l.tier, Some(AttributionTier::Allegation), "{state}");
        assert!(l.attributions.is_empty() && l.bases.is_empty(), "{state}");
    }
    // Israel's only link is Stuxnet: linked, never attributed.
    let il = card(&d, "IL", &rs);
    assert_eq!((il.as_initiator.total, il.as_initiator.attributed), (1, 0));
    // A nexus read on a page of standing, with no attribution behind it, is still alleged.
    let mut v = serde_json::to_value(one_attribution("media", "secondary")).unwrap();
    v["attributions"] = json!([]);
    v["initiators"] = json!([{"name": "A unit", "kind": "state", "state_nexus": "RU",
        "source": source("verified")}]);
    let rs = record_of(&d, serde_json::from_value(v).unwrap());
    let c = card(&d, "RU", &rs);
    let l = &c.as_initiator.incidents[0];
    assert_eq!(l.tier, Some(AttributionTier::Allegation));
    assert_eq!(l.standing, Some(Standing::Alleged));
    assert_eq!(c.as_initiator.attributed, 0);
}

#[test]
fn contested_is_derived_from_a_recorded_denial() {
    let d = load();
    // Nothing contests the link: not contested.
    let quiet = one_attribution("indictment", "secondary");
    let c = card(&d, "RU", &record_of(&d, quiet.clone()));
    assert!(!c.as_initiator.incidents[0].contested);
    assert!(quiet.attribution_contests(0).is_empty());
    // Russia's recorded denial contests it, on the scorecard and on the attribution.
    let mut v = serde_json::to_value(&quiet).unwrap();
    v["denials"] = json!([{"by": "Russia's foreign ministry", "state": "RU",
        "statement": "Russia denies it.", "source": source("secondary")}]);
    let denied: Incident = serde_json::from_value(v).unwrap();
    assert!(denied.validate(9).is_empty(), "{:?}", denied.validate(9));
    let c = card(&d, "RU", &record_of(&d, denied.clone()));
    let l = &c.as_initiator.incidents[0];
    assert!(l.contested);
    assert_eq!(
        l.contests,
        [Contest::Denied {
            index: 0,
            by: "Russia's foreign ministry".into()
        }]
    );
    assert_eq!(denied.attribution_contests(0), l.contests);
    // A denial by someone else does not contest Russia's link.
    let mut v = serde_json::to_value(&quiet).unwrap();
    v["denials"] = json!([{"by": "China", "state": "CN", "statement": "Not us.",
        "source": source("secondary")}]);
    let other: Incident = serde_json::from_value(v).unwrap();
    assert!(!card(&d, "RU", &record_of(&d, other)).as_initiator.incidents[0].contested);
    // Attributions that disagree contest both links.
    let mut v = serde_json::to_value(&quiet).unwrap();
    v["attributions"].as_array_mut().unwrap().push(json!({
        "by": "Another government", "attributed_to": "CN", "basis": "government-statement",
        "statement": "It was China.", "source": source("verified")}));
    let split: Incident = serde_json::from_value(v).unwrap();
    let rs = record_of(&d, split);
    for (state, other) in [("RU", "CN"), ("CN", "RU")] {
        let l = card(&d, state, &rs).as_initiator.incidents[0].clone();
        assert!(
            matches!(&l.contests[..], [Contest::Disagreement { names, .. }] if names == other),
            "{state}: {:?}",
            l.contests
        );
    }
    // "contested" is no longer stated by a submitter: it is refused on new input.
    let mut v = serde_json::to_value(&quiet).unwrap();
    v["attributions"][0]["contested"] = json!(false);
    let stated: Incident = serde_json::from_value(v).unwrap();
    let problems = stated.validate(9);
    assert_eq!(problems.0[0].path, "attributions[0].contested");
    // A denial must say who denies.
    let mut v = serde_json::to_value(&quiet).unwrap();
    v["denials"] =
        json!([{"by": "Someone", "statement": "Not us.", "source": source("secondary")}]);
    let nobody: Incident = serde_json::from_value(v).unwrap();
    assert_eq!(nobody.validate(9).0[0].path, "denials[0].state");
}

/// In the shipped record, every denial recorded contests the accused's link.
#[test]
fn shipped_denials_contest_the_accused() {
    let d = load();
    let rs = records(&d);
    for (state, incident) in [
        ("KP", "sony-pictures-2014"),
        ("CN", "opm-breach-2015"),
        ("RU", "ukraine-power-grid-2015"),
        ("CN", "apt10-cloud-hopper"),
    ] {
        let c = card(&d, state, &rs);
        let l = initiator_line(&c, incident);
        assert!(
            l.contests
                .iter()
                .any(|c| matches!(c, Contest::Denied { .. })),
            "{state} {incident}"
        );
    }
}

/// An incident stored by a hub before tiers and denials existed still loads, and its
/// reporter's "contested" flag is still read (as such) rather than dropped.
#[test]
fn a_record_stored_before_denials_still_loads_and_keeps_its_flag() {
    let d = load();
    let mut v = serde_json::to_value(one_attribution("government-statement", "secondary")).unwrap();
    v["attributions"][0]["contested"] = json!(true);
    let old: Incident = serde_json::from_value(v).unwrap();
    let c = card(&d, "RU", &record_of(&d, old));
    assert_eq!(
        c.as_initiator.incidents[0].contests,
        [Contest::Recorded {
            index: 0,
            by: "Someone".into()
        }]
    );
}

/// OPM's P9 reason read "US Attorney General Barr attributes it to the state CN" from an
/// indirect remark in a record that says no formal attribution was made.
#[test]
fn opm_reason_cites_the_strongest_attribution() {
    let d = load();
    let rs = records(&d);
    let opm = rs
        .iter()
        .find(|r| r.incident.id == "opm-breach-2015")
        .unwrap();
    for s in &opm.suggested_principles {
        assert!(!s.reason.contains("Barr"), "{}", s.reason);
        assert_ne!(s.rule, "state-attribution", "{}", s.reason);
    }
    let cn = card(&d, "CN", &rs);
    let l = initiator_line(&cn, "opm-breach-2015");
    assert_eq!(l.standing, Some(Standing::Alleged));
    assert_eq!(l.tier, Some(AttributionTier::Allegation));
    assert!(l.contested, "China's denial is recorded");
    // SolarWinds cited an unverified statement while a verified White House attribution is
    // in the same record.
    let sw = rs
        .iter()
        .find(|r| r.incident.id == "solarwinds-sunburst-2020")
        .unwrap();
    let p9 = sw
        .suggested_principles
        .iter()
        .find(|s| s.rule == "state-attribution")
        .unwrap();
    assert!(
        p9.reason.starts_with(
            "United States (White House) attributes it to the state RU (government-statement; tier 1, official; source verified)"
        ),
        "{}",
        p9.reason
    );
    let ru = card(&d, "RU", &rs);
    let l = initiator_line(&ru, "solarwinds-sunburst-2020");
    assert_eq!(l.attributions[0].by, "United States (White House)");
    assert_eq!(l.standing, Some(Standing::Attributed));
}

/// The headline count never includes an alleged link, for any party in the shipped record.
#[test]
fn headline_attributed_counts_only_tiers_1_and_2() {
    let d = load();
    let rs = records(&d);
    for p in &d.parties {
        let c = party_scorecard(p, &rs, today());
        let formal = c
            .as_initiator
            .incidents
            .iter()
            .filter(|l| l.tier.is_some_and(AttributionTier::is_formal))
            .count();
        assert_eq!(c.as_initiator.attributed, formal, "{}", p.id);
        let tiers: usize = c.as_initiator.by_tier.values().sum();
        assert_eq!(
            tiers, c.as_initiator.total,
            "{}: every link has a tier",
            p.id
        );
    }
}

// Part 3: principles tied to conduct.

fn p(n: u8) -> PrincipleId {
    PrincipleId(n)
}

/// P8 (no private hack-back) was asserted on the Sony Pictures record because of the victim's
/// reported counter-attack, so North Korea's scorecard listed a hack-back.
#[test]
fn sony_counter_attack_scores_the_hack_back_actor_not_north_korea() {
    let d = load();
    let rs = records(&d);
    let kp = card(&d, "KP", &rs);
    let line = initiator_line(&kp, "sony-pictures-2014");
    assert!(!line.principles.contains(&p(8)), "{:?}", line.principles);
    assert!(line.principles.contains(&p(9)));
    assert!(!kp.as_initiator.by_principle.contains_key(&p(8)));
    assert!(kp.other_conduct.incidents.is_empty());

    let sony = card(&d, "sony-pictures-entertainment", &rs);
    // Its reported counter-attack, as its own conduct: in the Sony Pictures record as the
    // responder, and as the initiator of the hack-back record.
    let own = sony
        .other_conduct
        .incidents
        .iter()
        .find(|l| l.id == "sony-pictures-2014")
        .unwrap();
    assert_eq!(own.roles, [ConductRole::Responder]);
    assert_eq!(own.principles, [p(8)]);
    assert_eq!(
        initiator_line(&sony, "private-hackback-sony-ddos-2014").principles,
        [p(8)]
    );
    // As a victim it sees what North Korea is said to have done, not its own hack-back.
    let suffered = sony
        .as_victim
        .incidents
        .iter()
        .find(|l| l.id == "sony-pictures-2014")
        .unwrap();
    assert!(!suffered.principles.contains(&p(8)));
    assert!(suffered.principles.contains(&p(4)));
}

/// Google's Aurora hack-back landed on the P4 (intellectual property) scorecard through an
/// assertion about the underlying Aurora campaign, which is not this record.
#[test]
fn aurora_hack_back_is_not_an_intellectual_property_finding() {
    let d = load();
    let rs = records(&d);
    let aurora = rs
        .iter()
        .find(|r| r.incident.id == "private-hackback-google-aurora-2010")
        .unwrap();
    assert!(
        !aurora.principles().contains(&p(4)),
        "{:?}",
        aurora.principles()
    );
    let cards = principle_scorecards(&d.accord, &rs);
    let p4 = cards.iter().find(|c| c.principle == p(4)).unwrap();
    assert!(!p4.incidents.iter().any(|i| i == &aurora.incident.id));
    let p8 = cards.iter().find(|c| c.principle == p(8)).unwrap();
    assert!(p8.incidents.iter().any(|i| i == &aurora.incident.id));
    let google = card(&d, "google", &rs);
    let line = initiator_line(&google, "private-hackback-google-aurora-2010");
    assert_eq!(line.principles, [p(8)]);
    assert_eq!(line.standing, Some(Standing::Alleged));
    assert_eq!(line.tier, Some(AttributionTier::Allegation));
    // The attribution names Google itself (a media report): it is cited.
    assert_eq!(line.attributions.len(), 1);
}

/// A victim's own conduct (OPM's hygiene, P7) is its own line, not what was done to it, and
/// not the initiator's.
#[test]
fn a_victims_own_conduct_is_kept_apart_from_what_it_suffered() {
    let d = load();
    let rs = records(&d);
    let us = card(&d, "US", &rs);
    let own = us
        .other_conduct
        .incidents
        .iter()
        .find(|l| l.id == "opm-breach-2015")
        .unwrap();
    assert_eq!(own.roles, [ConductRole::Victim]);
    assert_eq!(own.principles, [p(7)]);
    let suffered = us
        .as_victim
        .incidents
        .iter()
        .find(|l| l.id == "opm-breach-2015")
        .unwrap();
    assert!(!suffered.principles.contains(&p(7)));
    assert!(suffered.principles.contains(&p(1)));
    let cn = card(&d, "CN", &rs);
    assert!(
        !initiator_line(&cn, "opm-breach-2015")
            .principles
            .contains(&p(7))
    );
    // Equifax's hygiene is Equifax's (not a party), never the United States'.
    assert!(
        !us.other_conduct
            .incidents
            .iter()
            .any(|l| l.id == "equifax-2017")
    );
}

/// A finding stored by a hub before findings named whose conduct they concern still loads,
/// counts on no party's own conduct, and stays on the victim's side; new input must say.
#[test]
fn a_finding_without_concerns_counts_on_no_partys_conduct() {
    let d = load();
    let mut v = serde_json::to_value(one_attribution("indictment", "verified")).unwrap();
    v["asserted_principles"] =
        json!([{"principle": "P9", "reason": "State conduct.", "by": "A reporter"}]);
    let old: Incident = serde_json::from_value(v).unwrap();
    assert_eq!(
        old.validate(9).0[0].path,
        "asserted_principles[0].concerns.role"
    );
    let rs = vec![IncidentRecord {
        suggested_principles: Vec::new(),
        incident: old,
        log_index: None,
    }];
    let ru = card(&d, "RU", &rs);
    assert!(ru.as_initiator.incidents[0].principles.is_empty());
    assert!(ru.other_conduct.incidents.is_empty());
    let fr = card(&d, "FR", &rs);
    assert_eq!(fr.as_victim.incidents[0].principles, [p(9)]);
}

/// A finding that names a party checks that the party can bear that role in the incident.
#[test]
fn a_named_party_must_fit_the_role() {
    let mut v = serde_json::to_value(one_attribution("indictment", "verified")).unwrap();
    v["asserted_principles"] = json!([
        {"principle": "P9", "reason": "x", "by": "r", "concerns": {"role": "initiator", "party": "CN"}},
        {"principle": "P7", "reason": "x", "by": "r", "concerns": {"role": "victim", "party": "DE"}},
        {"principle": "P9", "reason": "x", "by": "r", "concerns": {"role": "territory", "party": "google"}},
        {"principle": "P8", "reason": "x", "by": "r", "concerns": {"role": "responder"}},
        {"principle": "P9", "reason": "x", "by": "r", "concerns": {"role": "initiator", "party": "RU"}},
        {"principle": "P7", "reason": "x", "by": "r", "concerns": {"role": "victim", "party": "FR"}}
    ]);
    let i: Incident = serde_json::from_value(v).unwrap();
    let paths: Vec<String> = i.validate(9).0.into_iter().map(|p| p.path).collect();
    assert_eq!(
        paths,
        [
            "asserted_principles[0].concerns.party",
            "asserted_principles[1].concerns.party",
            "asserted_principles[2].concerns.party",
            "asserted_principles[3].concerns.party",
        ]
    );
}

/// Every shipped assertion and rule says whose conduct it concerns.
#[test]
fn every_shipped_finding_says_whose_conduct() {
    let d = load();
    for i in &d.incidents {
        for a in &i.asserted_principles {
            assert!(!a.concerns.is_unstated(), "{} {}", i.id, a.principle);
        }
    }
    for r in &d.rules.rules {
        assert_ne!(r.concerns, ConductRole::Unstated, "{}", r.id);
    }
}

/// A record as a hub stored it before tiers, denials and concerns (suggestions without
/// `concerns`, an attribution with its stated `contested`) still loads and scores, deriving
/// what it can.
#[test]
fn an_incident_record_stored_before_this_release_loads() {
    let d = load();
    let stored = json!({
        "incident": {
            "id": "old-2019", "title": "Old", "summary": "Stored by an older hub.",
            "dates": {"start": {"date": "2019", "bound": "on", "source": source("secondary")}},
            "victims": [{"name": "A ministry", "country": "FR", "sector": "government", "source": source("secondary")}],
            "impacts": [], "initiators": [], "steps": [], "related": [], "sources": [],
            "jurisdictions": {"origin": [], "infrastructure": [], "victims": []},
            "attributions": [{"by": "A government", "attributed_to": "RU", "basis": "sanctions",
                "confidence": "unstated", "contested": false, "statement": "Sanctions.",
                "source": source("verified")}],
            "asserted_principles": [{"principle": "P9", "reason": "State conduct.", "by": "A reporter"}]
        },
        "suggested_principles": [{"principle": "P9", "rule": "state-attribution", "reason": "old reason"}],
        "log_index": 40
    });
    let r: IncidentRecord = serde_json::from_value(stored).unwrap();
    assert!(r.suggested_principles[0].concerns.is_unstated());
    let c = card(&d, "RU", std::slice::from_ref(&r));
    let l = &c.as_initiator.incidents[0];
    assert_eq!(
        (l.tier, l.standing, l.contested),
        (
            Some(AttributionTier::Official),
            Some(Standing::Attributed),
            false
        )
    );
    // Unstated findings count on no party's own conduct, and stay on the victim's side.
    assert!(l.principles.is_empty());
    assert_eq!(
        card(&d, "FR", &[r]).as_victim.incidents[0].principles,
        [p(9)]
    );
}

/// The bloc view, like a party's scorecard, counts per tier and only formal attributions as
/// "attributed": a press report naming a supporter links the bloc, alleged.
#[test]
fn the_bloc_view_counts_only_formal_attributions_as_attributed() {
    let d = load();
    let mut formal = serde_json::to_value(one_attribution("indictment", "verified")).unwrap();
    formal["id"] = json!("formal-2024");
    let mut media = serde_json::to_value(one_attribution("media", "secondary")).unwrap();
    media["id"] = json!("media-2024");
    media["attributions"][0]["attributed_to"] = json!("FR");
    media["victims"][0]["country"] = json!("DE");
    let rs: Vec<IncidentRecord> = [formal, media]
        .into_iter()
        .flat_map(|v| record_of(&d, serde_json::from_value(v).unwrap()))
        .collect();
    let view = bloc_view(&d.parties, &rs, today());
    let (s, n) = (&view.supporters.incidents, &view.non_supporters.incidents);
    assert_eq!((s.total, s.attributed), (1, 0));
    assert_eq!(s.by_tier.get(&AttributionTier::Allegation), Some(&1));
    assert_eq!((n.total, n.attributed), (1, 1));
    assert_eq!(n.incidents[0].standing, Some(Standing::Attributed));
}

/// A link's tier is the strongest of what stands behind it: Shamoon's only attribution naming
/// Iran is unverified, but the initiator's nexus to Iran was read in a secondary source, so the
/// link is an allegation (tier 4), still alleged.
#[test]
fn a_link_takes_the_strongest_of_its_attributions_and_its_nexus() {
    let d = load();
    let rs = records(&d);
    let ir = card(&d, "IR", &rs);
    let l = initiator_line(&ir, "shamoon-saudi-aramco-2012");
    assert_eq!(l.tier, Some(AttributionTier::Allegation));
    assert_eq!(l.standing, Some(Standing::Alleged));
    assert_eq!(l.attributions[0].tier, AttributionTier::Unverified);
}
