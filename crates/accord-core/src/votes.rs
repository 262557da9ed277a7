//! Recorded votes of the UN General Assembly and its First Committee on ICT-security texts
//! (`data/votes/`), the fixed list of UN member states they are read against
//! (`data/un-member-states.json`), and the checks run before any of it is used.
//!
//! A vote file records exactly what the pages read say, and says how much that is through its
//! [`Coverage`]: the whole recorded vote, only the minority (the states voting against and
//! abstaining, as UN press releases list them), part of it, or an adoption without a vote. The
//! position of every other member state is derived, never typed: [`Vote::positions`] puts each
//! member state in a [`Position`], and a state a minority-only source does not name is
//! [`Position::YesOrAbsent`], a category, not a guess.
//!
//! Reading the files is the caller's job; [`VoteSet::from_texts`] takes their text, like
//! [`crate::dataset::Dataset::from_texts`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::date::FuzzyDate;
use crate::source::{Source, Verification};
use crate::validate::{Problem, Problems, check_slug};

/// The file that lists the UN member states, relative to `data/`.
pub const MEMBER_STATES_FILE: &str = "un-member-states.json";

/// How many member states the United Nations has had since South Sudan joined in July 2011,
/// and so through every vote this dataset covers (2018 on).
pub const MEMBER_STATE_COUNT: usize = 193;

/// The hosts whose pages count as the UN's own record: a fact read there may be `verified`.
pub const UN_RECORD_HOSTS: &[&str] = &[
    "press.un.org",
    "documents.un.org",
    "digitallibrary.un.org",
    "www.un.org",
    "un.org",
    "static.un.org",
];

/// Which organ voted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Body {
    /// The First Committee (Disarmament and International Security), which approves drafts
    /// and sends them to the plenary.
    FirstCommittee,
    /// The General Assembly in plenary, which adopts resolutions.
    Plenary,
}

/// A position a source records for a state, as written in a vote file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recorded {
    /// Voted in favour.
    Yes,
    /// Voted against.
    No,
    /// Abstained.
    Abstain,
    /// Present in the record as absent or not voting.
    Absent,
}

/// A member state's position on one vote, once the unnamed states are derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Voted in favour.
    Yes,
    /// Voted against.
    No,
    /// Abstained.
    Abstain,
    /// Absent or not voting, as the record says.
    Absent,
    /// The source names only the states against and abstaining; this state is not among them,
    /// so it voted in favour or did not vote. A category, not a guess.
    YesOrAbsent,
    /// No page read records this state's position (a partial source, or no vote was taken).
    NotRecorded,
}

impl From<Recorded> for Position {
    fn from(r: Recorded) -> Self {
        match r {
            Recorded::Yes => Position::Yes,
            Recorded::No => Position::No,
            Recorded::Abstain => Position::Abstain,
            Recorded::Absent => Position::Absent,
        }
    }
}

/// How much of a vote the sources read give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// Every member state's position (yes, no, abstain or absent) is listed; the lists
    /// account for all member states and match the tally.
    Full,
    /// The complete lists of states voting against and abstaining, with the tally; every
    /// other member state is [`Position::YesOrAbsent`].
    Minority,
    /// Some of the tally and at most some named states; everyone unnamed is
    /// [`Position::NotRecorded`].
    Partial,
    /// Adopted (or approved) without a vote: no tally, no per-state positions.
    WithoutVote,
}

/// What was put to the vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Subject {
    /// The draft or resolution as a whole.
    WholeText,
    /// A separate vote on one paragraph, to retain it.
    Paragraph {
        /// Which paragraph, as the source names it ("operative paragraph 1").
        paragraph: String,
        /// What the paragraph says, in Accord's words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gist: Option<String>,
    },
}

/// The counts a source gives. A count the sources read do not give is absent (only in a
/// [`Coverage::Partial`] vote).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Tally {
    /// Votes in favour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub yes: Option<u16>,
    /// Votes against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no: Option<u16>,
    /// Abstentions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstain: Option<u16>,
}

impl Tally {
    /// True when all three counts are given.
    pub fn is_complete(&self) -> bool {
        self.yes.is_some() && self.no.is_some() && self.abstain.is_some()
    }

    /// The count for a recorded position, if the tally gives one (absences are not tallied).
    pub fn count(&self, position: Recorded) -> Option<u16> {
        match position {
            Recorded::Yes => self.yes,
            Recorded::No => self.no,
            Recorded::Abstain => self.abstain,
            Recorded::Absent => None,
        }
    }
}

/// The states a source names with one position, with the page that names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PositionList {
    /// The position these states took.
    pub position: Recorded,
    /// ISO 3166-1 alpha-2 codes, each a UN member state.
    pub states: Vec<CountryCode>,
    /// The page naming them, when it is not the vote's own `source`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The names exactly as the source prints them, in its order, so the mapping to codes can
    /// be audited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub as_printed: Vec<String>,
}

/// What became of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A draft approved by the First Committee.
    Approved,
    /// A resolution adopted by the plenary.
    Adopted,
    /// A paragraph kept by a separate vote.
    Retained,
    /// Rejected, or a paragraph deleted.
    Rejected,
    /// The pages read record the vote but not its result.
    NotRecorded,
}

/// One recorded vote (or one adoption without a vote): `data/votes/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Vote {
    /// Stable id, also the file name: symbol, body and date, e.g.
    /// `a-c1-74-l49-rev1-first-committee-2019-11-06`.
    pub id: String,
    /// The draft's document symbol (`A/C.1/74/L.49/Rev.1`); absent when no page read gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The resolution symbol when adopted (`A/RES/73/27`), if a page read gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// The day (or, when the pages read do not give the day, the month or year) of the vote.
    pub date: FuzzyDate,
    /// Which organ voted.
    pub body: Body,
    /// Who tabled the text, as the source says ("Russian Federation").
    pub sponsor: String,
    /// The text's title.
    pub title: String,
    /// The whole text or one paragraph.
    pub subject: Subject,
    /// What became of it.
    pub outcome: Outcome,
    /// True when adopted or approved without a vote.
    pub adopted_without_vote: bool,
    /// The counts; absent when there was no vote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tally: Option<Tally>,
    /// How much of the vote the sources give.
    pub coverage: Coverage,
    /// The states the sources name, by position.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub positions: Vec<PositionList>,
    /// The page the vote is read from: `as_of` is the meeting date it reflects.
    pub source: Source,
    /// Further pages: corroboration, or a conflicting account (each with a note saying which).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_sources: Vec<Source>,
    /// What a reader must know: which facts come from which source, what is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One member state as the UN names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberState {
    /// ISO 3166-1 alpha-2 code.
    pub code: CountryCode,
    /// The UN's name for it, the way voting records print it.
    pub un_name: String,
}

/// `data/un-member-states.json`: the fixed list the derived categories are computed against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberStatesFile {
    /// What the list is and over which period it holds.
    #[serde(default)]
    pub about: String,
    /// Where the list comes from.
    pub source: Source,
    /// The member states.
    pub states: Vec<MemberState>,
}

impl MemberStatesFile {
    /// Checks the list: 193 distinct states, names present, a source.
    pub fn validate(&self) -> Problems {
        let mut ps = Problems::new();
        self.source.validate("source", &mut ps);
        if self.states.len() != MEMBER_STATE_COUNT {
            ps.push(
                "states",
                format!(
                    "lists {} states; the UN has had {MEMBER_STATE_COUNT} member states since July 2011",
                    self.states.len()
                ),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, s) in self.states.iter().enumerate() {
            ps.require_text(&format!("states[{i}].un_name"), &s.un_name);
            if !seen.insert(s.code) {
                ps.push(
                    format!("states[{i}].code"),
                    format!("{} ({}) is listed twice", s.code, s.un_name),
                );
            }
        }
        ps
    }

    /// The member states' codes.
    pub fn codes(&self) -> BTreeSet<CountryCode> {
        self.states.iter().map(|s| s.code).collect()
    }
}

/// True when `url` is on one of the [`UN_RECORD_HOSTS`].
pub fn is_un_record(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next());
    host.is_some_and(|h| UN_RECORD_HOSTS.contains(&h))
}

fn check_source(path: &str, source: &Source, ps: &mut Problems) {
    source.validate(path, ps);
    if source.verification == Verification::Verified
        && !source.url.as_deref().is_some_and(is_un_record)
    {
        ps.push(
            format!("{path}.verification"),
            "only a page of the UN's own record (press.un.org, documents.un.org, un.org) is \
             `verified` here; news, a government's or a delegation's page is `secondary`",
        );
    }
}

fn check_symbol(path: &str, symbol: &str, ps: &mut Problems) {
    let ok = symbol.starts_with("A/")
        && !symbol.contains(char::is_whitespace)
        && symbol.len() >= 6
        && !symbol.ends_with('/');
    if !ok {
        ps.push(
            path,
            format!("{symbol:?} is not a General Assembly document symbol (e.g. \"A/RES/73/27\")"),
        );
    }
}

impl Vote {
    /// Checks the vote against the member states, reporting every problem with its field path.
    pub fn validate(&self, members: &BTreeSet<CountryCode>) -> Problems {
        let mut ps = Problems::new();
        check_slug("id", &self.id, &mut ps);
        ps.require_text("sponsor", &self.sponsor);
        ps.require_text("title", &self.title);
        if let Some(d) = &self.document {
            check_symbol("document", d, &mut ps);
        }
        if let Some(r) = &self.resolution {
            check_symbol("resolution", r, &mut ps);
            if !r.starts_with("A/RES/") {
                ps.push(
                    "resolution",
                    format!("{r:?} is not a resolution symbol (A/RES/…)"),
                );
            }
        }
        if self.document.is_none() && self.resolution.is_none() && self.note.is_none() {
            ps.push(
                "document",
                "a vote with neither a document nor a resolution symbol needs a note saying why",
            );
        }
        if let Subject::Paragraph { paragraph, .. } = &self.subject {
            ps.require_text("subject.paragraph", paragraph);
        }
        if self.date.year() < 2018 {
            ps.push(
                "date",
                format!("{} is before 2018, outside this dataset", self.date),
            );
        }
        self.check_outcome(&mut ps);
        check_source("source", &self.source, &mut ps);
        if self.source.as_of.certainly_before(&self.date) {
            ps.push(
                "source.as_of",
                format!(
                    "{} is before the vote ({}): as_of is the meeting date the page reflects",
                    self.source.as_of, self.date
                ),
            );
        }
        for (i, s) in self.other_sources.iter().enumerate() {
            check_source(&format!("other_sources[{i}]"), s, &mut ps);
        }
        self.check_positions(members, &mut ps);
        ps
    }

    fn check_outcome(&self, ps: &mut Problems) {
        let paragraph = matches!(self.subject, Subject::Paragraph { .. });
        let ok = matches!(
            (self.outcome, self.body, paragraph),
            (Outcome::Retained, _, true)
                | (Outcome::Approved, Body::FirstCommittee, false)
                | (Outcome::Adopted, Body::Plenary, false)
                | (Outcome::Rejected | Outcome::NotRecorded, _, _)
        );
        if !ok {
            ps.push(
                "outcome",
                "the First Committee approves drafts, the plenary adopts resolutions, and a \
                 separate vote on a paragraph retains or rejects it",
            );
        }
        if self.body == Body::FirstCommittee && self.resolution.is_some() && !paragraph {
            // Allowed (the resolution it became), but only with a document symbol too.
            if self.document.is_none() {
                ps.push(
                    "document",
                    "a First Committee vote is on a draft: give the draft's symbol",
                );
            }
        }
    }

    fn check_positions(&self, members: &BTreeSet<CountryCode>, ps: &mut Problems) {
        let without = self.coverage == Coverage::WithoutVote;
        if self.adopted_without_vote != without {
            ps.push(
                "coverage",
                "`adopted_without_vote` is true exactly when coverage is `without_vote`",
            );
        }
        if without {
            if self.tally.is_some() {
                ps.push("tally", "a text adopted without a vote has no tally");
            }
            if !self.positions.is_empty() {
                ps.push(
                    "positions",
                    "a text adopted without a vote has no per-state positions",
                );
            }
            return;
        }
        let Some(tally) = self.tally else {
            ps.push(
                "tally",
                "a recorded vote needs a tally (give the counts the source gives)",
            );
            return;
        };
        if tally == Tally::default() && self.note.is_none() {
            ps.push(
                "tally",
                "no count is given: the note must say what the source does record",
            );
        }
        // Every state once, every code a member state.
        let mut seen: BTreeMap<CountryCode, usize> = BTreeMap::new();
        let mut counts: BTreeMap<Recorded, usize> = BTreeMap::new();
        let mut lists: BTreeMap<Recorded, usize> = BTreeMap::new();
        for (i, list) in self.positions.iter().enumerate() {
            if let Some(prev) = lists.insert(list.position, i) {
                ps.push(
                    format!("positions[{i}].position"),
                    format!(
                        "a second `{}` list (the first is positions[{prev}]); merge them",
                        serde_json::to_string(&list.position).unwrap_or_default()
                    ),
                );
            }
            if let Some(s) = &list.source {
                check_source(&format!("positions[{i}].source"), s, ps);
            }
            if !list.as_printed.is_empty() && list.as_printed.len() != list.states.len() {
                ps.push(
                    format!("positions[{i}].as_printed"),
                    format!(
                        "{} names printed but {} codes listed",
                        list.as_printed.len(),
                        list.states.len()
                    ),
                );
            }
            for (j, code) in list.states.iter().enumerate() {
                let path = format!("positions[{i}].states[{j}]");
                if !members.contains(code) {
                    ps.push(
                        &path,
                        format!(
                            "{code} ({}) is not a UN member state; observers do not vote",
                            code.name()
                        ),
                    );
                }
                if let Some(first) = seen.insert(*code, i) {
                    ps.push(
                        &path,
                        format!("{code} is listed twice in this vote (also in positions[{first}])"),
                    );
                }
                *counts.entry(list.position).or_default() += 1;
            }
        }
        let n = |p: Recorded| counts.get(&p).copied().unwrap_or(0);
        let tally_path = |p: Recorded| match p {
            Recorded::Yes => "tally.yes",
            Recorded::No => "tally.no",
            Recorded::Abstain => "tally.abstain",
            Recorded::Absent => "tally",
        };
        match self.coverage {
            Coverage::Full | Coverage::Minority => {
                if !tally.is_complete() {
                    ps.push(
                        "tally",
                        "a full or minority vote needs all three counts (yes, no, abstain)",
                    );
                }
                let checked: &[Recorded] = if self.coverage == Coverage::Full {
                    &[Recorded::Yes, Recorded::No, Recorded::Abstain]
                } else {
                    &[Recorded::No, Recorded::Abstain]
                };
                for &p in checked {
                    if let Some(t) = tally.count(p)
                        && usize::from(t) != n(p)
                    {
                        ps.push(
                            tally_path(p),
                            format!("the tally says {t} but {} states are listed", n(p)),
                        );
                    }
                }
                if self.coverage == Coverage::Minority {
                    for p in [Recorded::Yes, Recorded::Absent] {
                        if n(p) > 0 {
                            ps.push(
                                "coverage",
                                "a minority source names only the states against and \
                                 abstaining; with more named, use `full` or `partial`",
                            );
                            break;
                        }
                    }
                } else {
                    let missing: Vec<String> = members
                        .iter()
                        .filter(|c| !seen.contains_key(c))
                        .map(ToString::to_string)
                        .collect();
                    if !missing.is_empty() {
                        ps.push(
                            "positions",
                            format!(
                                "a full vote lists every member state; missing: {}",
                                missing.join(", ")
                            ),
                        );
                    }
                }
            }
            Coverage::Partial => {
                for p in [Recorded::Yes, Recorded::No, Recorded::Abstain] {
                    if let Some(t) = tally.count(p)
                        && n(p) > usize::from(t)
                    {
                        ps.push(
                            tally_path(p),
                            format!("the tally says {t} but {} states are listed", n(p)),
                        );
                    }
                }
                if self.note.is_none() {
                    ps.push(
                        "note",
                        "a partial vote needs a note saying what the sources give",
                    );
                }
            }
            Coverage::WithoutVote => {}
        }
    }

    /// Every member state's position on this vote: the states the sources name, and for the
    /// others [`Position::YesOrAbsent`] (minority sources) or [`Position::NotRecorded`].
    pub fn positions(&self, members: &BTreeSet<CountryCode>) -> BTreeMap<CountryCode, Position> {
        let rest = match self.coverage {
            Coverage::Minority => Position::YesOrAbsent,
            _ => Position::NotRecorded,
        };
        let mut out: BTreeMap<CountryCode, Position> = members.iter().map(|c| (*c, rest)).collect();
        for list in &self.positions {
            for c in &list.states {
                out.insert(*c, list.position.into());
            }
        }
        out
    }
}

/// The votes and the member-state list, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteSet {
    /// The UN member states.
    pub members: MemberStatesFile,
    /// The votes, in date order (then id).
    pub votes: Vec<Vote>,
}

/// The vote files could not be parsed or failed their checks.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum VotesError {
    /// A file is not valid JSON for its schema.
    #[error("{file}: {message}")]
    Parse {
        /// The file's name.
        file: String,
        /// What the parser said, with line and column.
        message: String,
    },
    /// Files parsed but their content is invalid.
    #[error("invalid votes:\n{}", problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Every problem, with `file: field` in the path.
        problems: Vec<Problem>,
    },
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, VotesError> {
    serde_json::from_str(text).map_err(|e| VotesError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

impl VoteSet {
    /// Parses and checks the member-state list and the vote files, given as
    /// `(file name, text)` pairs. A vote's id must equal its file name without `.json`.
    pub fn from_texts<'a>(
        members: &str,
        votes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, VotesError> {
        let members: MemberStatesFile = parse(MEMBER_STATES_FILE, members)?;
        let mut files = Vec::new();
        for (name, text) in votes {
            files.push((name.to_owned(), parse::<Vote>(name, text)?));
        }
        let mut all = Vec::new();
        let mut add = |file: &str, ps: Problems| {
            all.extend(ps.0.into_iter().map(|p| Problem {
                path: format!("{file}: {}", p.path),
                message: p.message,
            }))
        };
        add(MEMBER_STATES_FILE, members.validate());
        let codes = members.codes();
        let mut ids = BTreeSet::new();
        for (name, vote) in &files {
            let mut ps = vote.validate(&codes);
            let stem = name.strip_suffix(".json").unwrap_or(name);
            if stem != vote.id {
                ps.push(
                    "id",
                    format!("{:?} differs from the file name {name:?}", vote.id),
                );
            }
            if !ids.insert(vote.id.as_str()) {
                ps.push("id", format!("duplicate vote id {:?}", vote.id));
            }
            add(name, ps);
        }
        if !all.is_empty() {
            return Err(VotesError::Invalid { problems: all });
        }
        let mut votes: Vec<Vote> = files.into_iter().map(|(_, v)| v).collect();
        votes.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
        Ok(VoteSet { members, votes })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn members(codes: &[&str]) -> BTreeSet<CountryCode> {
        codes
            .iter()
            .map(|c| CountryCode::parse(c).unwrap())
            .collect()
    }

    fn vote(json: &str) -> Vote {
        serde_json::from_str(json).unwrap()
    }

    const BASE: &str = r#"{
        "id": "a-c1-74-l49-rev1-first-committee-2019-11-06",
        "document": "A/C.1/74/L.49/Rev.1", "date": "2019-11-06", "body": "first-committee",
        "sponsor": "United States", "title": "Advancing responsible State behaviour",
        "subject": {"kind": "whole_text"}, "outcome": "approved", "adopted_without_vote": false,
        "tally": {"yes": 2, "no": 1, "abstain": 1}, "coverage": "minority",
        "positions": [{"position": "no", "states": ["RU"]}, {"position": "abstain", "states": ["BY"]}],
        "source": {"url": "https://press.un.org/en/2019/gadis3643.doc.htm", "as_of": "2019-11-06",
                   "verification": "verified"}
    }"#;

    fn messages(ps: &Problems) -> String {
        ps.0.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_minority_vote_derives_yes_or_absent() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let v = vote(BASE);
        assert!(v.validate(&m).is_empty(), "{}", messages(&v.validate(&m)));
        let p = v.positions(&m);
        assert_eq!(p[&CountryCode::parse("RU").unwrap()], Position::No);
        assert_eq!(p[&CountryCode::parse("BY").unwrap()], Position::Abstain);
        assert_eq!(p[&CountryCode::parse("FR").unwrap()], Position::YesOrAbsent);
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn minority_counts_must_equal_the_tally() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let v = vote(&BASE.replace(r#""no": 1"#, r#""no": 2"#));
        let msg = messages(&v.validate(&m));
        assert!(
            msg.contains("tally.no: the tally says 2 but 1 states are listed"),
            "{msg}"
        );
    }

    #[test]
    fn a_state_listed_twice_or_not_a_member_is_named() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let v = vote(&BASE.replace(r#"["BY"]"#, r#"["RU"]"#));
        let msg = messages(&v.validate(&m));
        assert!(
            msg.contains("positions[1].states[0]: RU is listed twice"),
            "{msg}"
        );
        let v = vote(&BASE.replace(r#"["BY"]"#, r#"["PS"]"#));
        let msg = messages(&v.validate(&m));
        assert!(msg.contains("not a UN member state"), "{msg}");
    }

    #[test]
    fn a_bad_code_fails_to_parse_naming_the_file() {
        let text = BASE.replace(r#"["BY"]"#, r#"["XZ"]"#);
        let err = VoteSet::from_texts("{}", [("x.json", text.as_str())]).unwrap_err();
        // The member list fails first; with a valid one, the vote file is named.
        assert!(
            err.to_string().starts_with("un-member-states.json"),
            "{err}"
        );
        let members = r#"{"source": {"url": "https://www.un.org/en/about-us/member-states",
            "as_of": "2026-12", "verification": "verified"}, "states": []}"#;
        let err = VoteSet::from_texts(members, [("x.json", text.as_str())]).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("x.json:") && msg.contains("\"XZ\""),
            "{msg}"
        );
    }

    #[test]
    fn a_full_vote_lists_everyone_and_matches_the_tally() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let full = BASE.replace(r#""coverage": "minority""#, r#""coverage": "full""#);
        let msg = messages(&vote(&full).validate(&m));
        assert!(msg.contains("tally.yes: the tally says 2 but 0"), "{msg}");
        assert!(msg.contains("missing: DE, FR"), "{msg}");
        let ok = full.replace(
            r#"{"position": "no""#,
            r#"{"position": "yes", "states": ["FR", "DE"]}, {"position": "no""#,
        );
        let v = vote(&ok);
        assert!(v.validate(&m).is_empty(), "{}", messages(&v.validate(&m)));
        assert!(
            v.positions(&m)
                .values()
                .all(|p| *p != Position::YesOrAbsent)
        );
    }

    #[test]
    fn only_the_un_record_is_verified() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let v = vote(&BASE.replace(
            "https://press.un.org/en/2019/gadis3643.doc.htm",
            "https://www.urdupoint.com/en/world/x.html",
        ));
        let msg = messages(&v.validate(&m));
        assert!(msg.contains("source.verification"), "{msg}");
        assert!(is_un_record(
            "https://static.un.org/press/en/2018/gadis3619.doc.htm"
        ));
        assert!(!is_un_record("https://un.org.example.com/x"));
    }

    #[test]
    fn without_a_vote_means_no_tally_and_no_positions() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let v = vote(&BASE.replace(
            r#""adopted_without_vote": false"#,
            r#""adopted_without_vote": true"#,
        ));
        let msg = messages(&v.validate(&m));
        assert!(msg.contains("coverage: `adopted_without_vote`"), "{msg}");
        let v = vote(
            &BASE
                .replace(
                    r#""adopted_without_vote": false"#,
                    r#""adopted_without_vote": true"#,
                )
                .replace(r#""coverage": "minority""#, r#""coverage": "without_vote""#),
        );
        let msg = messages(&v.validate(&m));
        assert!(
            msg.contains("tally: a text adopted without a vote has no tally"),
            "{msg}"
        );
        assert!(
            msg.contains("positions: a text adopted without a vote"),
            "{msg}"
        );
    }

    #[test]
    fn dates_before_the_vote_and_before_2018_are_refused() {
        let m = members(&["RU", "BY", "FR", "DE"]);
        let v = vote(&BASE.replace(r#""as_of": "2019-11-06""#, r#""as_of": "2019-10-01""#));
        assert!(messages(&v.validate(&m)).contains("source.as_of"));
        let v = vote(&BASE.replace(r#""date": "2019-11-06""#, r#""date": "2017-11-06""#));
        assert!(messages(&v.validate(&m)).contains("date: 2017-11-06 is before 2018"));
        assert!(
            serde_json::from_str::<Vote>(
                &BASE.replace("2019-11-06\", \"body", "2019-02-30\", \"body")
            )
            .is_err()
        );
    }
}
