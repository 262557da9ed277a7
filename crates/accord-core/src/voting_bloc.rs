//! The voting-bloc engine: how groups of states voted on the UN's ICT-security texts
//! (`data/votes/`), how cohesive each group was, and how often a state voted with another state
//! or with a group's majority.
//!
//! # Groups
//!
//! A [`Group`] is resolved against the registry on each vote's date, because a state's standing
//! toward the accord changes over time:
//!
//! - [`Group::Supporters`]: states that certainly supported the accord on the vote's date.
//! - [`Group::Uncertain`]: states whose standing on that date the registry cannot tell. Most
//!   supporters' dates are first-seen upper bounds (see `data/README.md`): a state first seen on
//!   2019-09-16 joined somewhere between the launch (12 November 2018) and that day, so on a
//!   vote of December 2018 it may or may not have been a supporter. Such states are kept apart,
//!   never counted on either side.
//! - [`Group::NonSupporters`]: member states that certainly did not support it on that date
//!   (never listed, not yet able to have joined, or withdrawn).
//! - [`Group::AbsentAtLaunch`]: the states recorded as staying out at the launch, whatever
//!   they did later.
//! - [`Group::States`]: any list a user gives.
//!
//! Only UN member states vote, so every group is cut to the member list.
//!
//! # Indices
//!
//! With `Y`, `N` and `A` a group's votes in favour, against and abstaining:
//!
//! - **Agreement index** (Hix, Noury and Roland, 2005):
//!   `AI = (max(Y, N, A) − ½·(Y + N + A − max(Y, N, A))) / (Y + N + A)`.
//!   It is 1 when every voting member took the same position and 0 when the three positions
//!   split evenly. Abstaining counts as a position of its own.
//! - **Rice index** (Rice, 1925): `|Y − N| / (Y + N)`. It ignores abstentions: 1 when all who
//!   voted yes or no voted alike, 0 at an even yes/no split.
//!
//! Both are undefined when no member voted (the sum is zero), and reported as absent then.
//! Members absent or not voting take no part in either index.
//!
//! # Positions the sources do not give: bounds, not guesses
//!
//! A [`Position::YesOrAbsent`] state voted in favour or did not vote; a
//! [`Position::NotRecorded`] state may have voted any way or not at all. The engine never
//! picks one. Every index is reported as [`Bounds`]: the lowest and the highest value over every
//! way those states could have voted. For a fully recorded vote the two are equal. The bounds
//! of the two cohesion indices are exact (each value is reached by some assignment). Agreement
//! with a group's majority treats the state's own unknown vote and the group's count
//! independently, so its bounds always contain the true value but may be wider than the
//! tightest. Texts adopted without a vote have no cohesion indices and are left out of every
//! agreement rate: nobody voted, so there is nothing to agree on.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::country::CountryCode;
use crate::date::FuzzyDate;
use crate::party::{Party, PartyKind, SinceMeaning};
use crate::votes::{Position, Vote};

/// A state's standing toward the accord on a date, as far as the registry can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// Certainly a supporter on that date.
    Supporter,
    /// The registry cannot tell: the date falls between the earliest and the latest day the
    /// state may have joined (or withdrawn).
    Uncertain,
    /// Certainly not a supporter on that date.
    NonSupporter,
}

impl Standing {
    /// The standing's name as shown to users.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Supporter => "supporter",
            Standing::Uncertain => "uncertain",
            Standing::NonSupporter => "non-supporter",
        }
    }
}

/// A party's standing on `date` (a vote's date, possibly only a month or a year), given when
/// the accord was launched. No party, or a party without support, is a non-supporter.
///
/// A `first_seen_upper_bound` date means the party joined between the launch and that day; a
/// `joined` date means it joined on that day (which may itself be only a month or a year).
pub fn standing_on(party: Option<&Party>, date: &FuzzyDate, launched: &FuzzyDate) -> Standing {
    let Some(support) = party.and_then(|p| p.support.as_ref()) else {
        return Standing::NonSupporter;
    };
    let join_earliest = match support.since_meaning {
        SinceMeaning::Joined => support.since.earliest(),
        SinceMeaning::FirstSeenUpperBound => launched.earliest().min(support.since.earliest()),
    };
    let join_latest = support.since.latest();
    let withdrawn_certainly = support
        .withdrawn
        .is_some_and(|w| w.latest() <= date.earliest());
    let withdrawn_maybe = support
        .withdrawn
        .is_some_and(|w| w.earliest() <= date.latest());
    if date.latest() < join_earliest || withdrawn_certainly {
        Standing::NonSupporter
    } else if join_latest <= date.earliest() && !withdrawn_maybe {
        Standing::Supporter
    } else {
        Standing::Uncertain
    }
}

/// A group of states whose votes are compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Group {
    /// States certainly supporting the accord on the vote's date.
    Supporters,
    /// States whose standing on the vote's date is uncertain.
    Uncertain,
    /// Member states certainly not supporting the accord on the vote's date.
    NonSupporters,
    /// States recorded as absent at the accord's launch.
    AbsentAtLaunch,
    /// A list of states a user gives.
    States {
        /// ISO 3166-1 alpha-2 codes.
        states: BTreeSet<CountryCode>,
    },
}

/// A group name or state list that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// An item of a list is not a country code.
    #[error(
        "group {input:?}: {item:?} is not a group (supporters, uncertain, non-supporters, \
         absent-at-launch) nor an ISO 3166-1 alpha-2 code{hint}"
    )]
    Unknown {
        /// The whole text given.
        input: String,
        /// The item that is neither.
        item: String,
        /// Suggested codes, if the item looks like a typo.
        hint: String,
    },
    /// A code that is not a UN member state (an observer or a territory does not vote).
    #[error("group {input:?}: {code} ({name}) is not a UN member state; only member states vote")]
    NotAMember {
        /// The whole text given.
        input: String,
        /// The code.
        code: CountryCode,
        /// The country's name.
        name: String,
    },
    /// An empty text or list.
    #[error("group is empty: give a group name or a comma-separated list of state codes")]
    Empty,
}

impl Group {
    /// Reads `supporters`, `uncertain`, `non-supporters`, `absent-at-launch`, or a
    /// comma-separated list of ISO alpha-2 codes (`FR,DE,IT`), each a UN member state.
    pub fn parse(input: &str, members: &BTreeSet<CountryCode>) -> Result<Group, GroupError> {
        let text = input.trim();
        match text.to_ascii_lowercase().as_str() {
            "" => return Err(GroupError::Empty),
            "supporters" => return Ok(Group::Supporters),
            "uncertain" => return Ok(Group::Uncertain),
            "non-supporters" | "nonsupporters" => return Ok(Group::NonSupporters),
            "absent-at-launch" => return Ok(Group::AbsentAtLaunch),
            _ => {}
        }
        let mut states = BTreeSet::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let code = CountryCode::parse(item).map_err(|_| {
                let s = crate::country::suggest(item);
                GroupError::Unknown {
                    input: input.to_owned(),
                    item: item.to_owned(),
                    hint: if s.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; did you mean {}?",
                            s.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
                        )
                    },
                }
            })?;
            if !members.contains(&code) {
                return Err(GroupError::NotAMember {
                    input: input.to_owned(),
                    code,
                    name: code.name(),
                });
            }
            states.insert(code);
        }
        if states.is_empty() {
            return Err(GroupError::Empty);
        }
        Ok(Group::States { states })
    }

    /// A short label: the group's name, or its codes joined by commas.
    pub fn label(&self) -> String {
        match self {
            Group::Supporters => "supporters".into(),
            Group::Uncertain => "uncertain".into(),
            Group::NonSupporters => "non-supporters".into(),
            Group::AbsentAtLaunch => "absent-at-launch".into(),
            Group::States { states } => states
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

/// How a set of states voted on one vote: a count per position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Split {
    /// Voted in favour.
    pub yes: u32,
    /// Voted against.
    pub no: u32,
    /// Abstained.
    pub abstain: u32,
    /// Absent or not voting, as recorded.
    pub absent: u32,
    /// In favour or not voting: the source names only the minority.
    pub yes_or_absent: u32,
    /// No page read records the position.
    pub not_recorded: u32,
}

impl Split {
    /// Counts the positions of `states` (states missing from `positions` are not counted).
    pub fn count<'a>(
        positions: &BTreeMap<CountryCode, Position>,
        states: impl IntoIterator<Item = &'a CountryCode>,
    ) -> Split {
        let mut s = Split::default();
        for c in states {
            if let Some(p) = positions.get(c) {
                s.add(*p);
            }
        }
        s
    }

    /// Adds one state's position.
    pub fn add(&mut self, p: Position) {
        let n = match p {
            Position::Yes => &mut self.yes,
            Position::No => &mut self.no,
            Position::Abstain => &mut self.abstain,
            Position::Absent => &mut self.absent,
            Position::YesOrAbsent => &mut self.yes_or_absent,
            Position::NotRecorded => &mut self.not_recorded,
        };
        *n += 1;
    }

    /// How many states are counted.
    pub fn states(&self) -> u32 {
        self.yes + self.no + self.abstain + self.absent + self.yes_or_absent + self.not_recorded
    }

    /// True when every counted state's position is recorded (no derived category).
    pub fn is_complete(&self) -> bool {
        self.yes_or_absent == 0 && self.not_recorded == 0
    }
}

/// The lowest and highest value an index can take over every way the unrecorded votes could
/// have gone. Equal when the votes are fully recorded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Bounds {
    /// The lowest value.
    pub low: f64,
    /// The highest value.
    pub high: f64,
}

impl Bounds {
    /// True when the value is known exactly.
    pub fn is_exact(&self) -> bool {
        self.low == self.high
    }
}

/// A share `num / den` (den > 0), compared exactly.
#[derive(Debug, Clone, Copy)]
struct Share {
    num: u64,
    den: u64,
}

impl Share {
    fn lt(self, other: Share) -> bool {
        self.num * other.den < other.num * self.den
    }
}

/// The lowest and highest share of the largest category, over every way the flexible votes
/// could have gone. `base` holds the recorded counts per category, `base[0]` being "yes";
/// each of `yes_only` states was either "yes" or did not vote; each of `any` states was in any
/// category or did not vote. `None` when no assignment has anyone voting.
fn share_bounds(base: &[u32], yes_only: u32, any: u32) -> Option<(Share, Share)> {
    let base: Vec<u64> = base.iter().map(|&b| u64::from(b)).collect();
    let (yes_only, any) = (u64::from(yes_only), u64::from(any));
    let total: u64 = base.iter().sum();
    let top = base.iter().copied().max().unwrap_or(0);
    // Highest: every flexible vote that can join one category does, the rest stay away.
    let mut high: Option<Share> = None;
    for (c, &b) in base.iter().enumerate() {
        let extra = any + if c == 0 { yes_only } else { 0 };
        let s = Share {
            num: b + extra,
            den: total + extra,
        };
        if s.den > 0 && high.is_none_or(|h| h.lt(s)) {
            high = Some(s);
        }
    }
    // Lowest: for each possible final maximum m, place as many flexible votes as fit under m
    // (yes-only ones into "yes" first, then the rest anywhere); the share is at most m over
    // that total, and the lowest over m is reached.
    let mut low: Option<Share> = None;
    for m in top..=top + yes_only + any {
        let deficit_yes = m - base.first().copied().unwrap_or(0);
        let placed_yes = yes_only.min(deficit_yes);
        let room: u64 = base.iter().map(|&b| m - b).sum::<u64>() - placed_yes;
        let placed_any = any.min(room);
        let s = Share {
            num: m,
            den: total + placed_yes + placed_any,
        };
        if s.den > 0 && low.is_none_or(|l| s.lt(l)) {
            low = Some(s);
        }
    }
    Some((low?, high?))
}

fn agreement_from_share(s: Share) -> f64 {
    // (m − (T − m)/2) / T = (3m − T) / 2T
    (3 * s.num - s.den) as f64 / (2 * s.den) as f64
}

fn rice_from_share(s: Share) -> f64 {
    // |Y − N| / (Y + N) = (2·max − (Y + N)) / (Y + N)
    (2 * s.num - s.den) as f64 / s.den as f64
}

/// The Hix–Noury–Roland agreement index of a split, as bounds over the unrecorded votes.
/// `None` when no member can have voted.
pub fn agreement_index(split: &Split) -> Option<Bounds> {
    let (low, high) = share_bounds(
        &[split.yes, split.no, split.abstain],
        split.yes_or_absent,
        split.not_recorded,
    )?;
    Some(Bounds {
        low: agreement_from_share(low),
        high: agreement_from_share(high),
    })
}

/// The Rice index of a split, as bounds over the unrecorded votes. `None` when no member can
/// have voted yes or no.
pub fn rice_index(split: &Split) -> Option<Bounds> {
    let (low, high) = share_bounds(
        &[split.yes, split.no],
        split.yes_or_absent,
        split.not_recorded,
    )?;
    Some(Bounds {
        low: rice_from_share(low),
        high: rice_from_share(high),
    })
}

/// One recorded vote a state could have cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cast {
    Yes,
    No,
    Abstain,
    NotVoting,
}

fn could_be(p: Position) -> &'static [Cast] {
    match p {
        Position::Yes => &[Cast::Yes],
        Position::No => &[Cast::No],
        Position::Abstain => &[Cast::Abstain],
        Position::Absent => &[Cast::NotVoting],
        Position::YesOrAbsent => &[Cast::Yes, Cast::NotVoting],
        Position::NotRecorded => &[Cast::Yes, Cast::No, Cast::Abstain, Cast::NotVoting],
    }
}

/// What comparing two votes can come to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Outcomes {
    agree: bool,
    disagree: bool,
    /// One side did not vote (or the group had no majority): the vote is not compared.
    skip: bool,
}

fn outcomes(a: &[Cast], b: &[Option<Cast>]) -> Outcomes {
    let mut o = Outcomes::default();
    for x in a {
        for y in b {
            match (x, y) {
                (Cast::NotVoting, _) | (_, None) | (_, Some(Cast::NotVoting)) => o.skip = true,
                (x, Some(y)) if x == y => o.agree = true,
                _ => o.disagree = true,
            }
        }
    }
    o
}

/// How often one side voted like another, over the votes compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agreement {
    /// Votes where both sides certainly voted (yes, no or abstain) and agreed.
    pub agreed: u32,
    /// Votes where both sides certainly voted and differed.
    pub differed: u32,
    /// Votes whose comparison depends on unrecorded positions.
    pub uncertain: u32,
    /// The share of compared votes on which the two agreed, as bounds over the unrecorded
    /// positions; `None` when no vote can be compared.
    pub rate: Option<Bounds>,
}

fn agreement_rate(all: &[Outcomes]) -> Agreement {
    let (mut agreed, mut differed, mut uncertain) = (0u32, 0u32, 0u32);
    // Highest rate: agree wherever possible, else skip, else differ; lowest: the reverse.
    let (mut hi_a, mut hi_d, mut lo_a, mut lo_d) = (0u64, 0u64, 0u64, 0u64);
    let (mut any_agree, mut any_differ) = (false, false);
    for o in all {
        let n = u32::from(o.agree) + u32::from(o.disagree) + u32::from(o.skip);
        match (o.agree, o.disagree, o.skip) {
            (true, false, false) => agreed += 1,
            (false, true, false) => differed += 1,
            _ if n > 1 => uncertain += 1,
            _ => {}
        }
        any_agree |= o.agree;
        any_differ |= o.disagree;
        if o.agree {
            hi_a += 1;
        } else if !o.skip && o.disagree {
            hi_d += 1;
        }
        if o.disagree {
            lo_d += 1;
        } else if !o.skip && o.agree {
            lo_a += 1;
        }
    }
    let rate = if !any_agree && !any_differ {
        None
    } else {
        // If the extreme choice compares nothing, the nearest assignment that compares one
        // vote gives the extreme: only disagreements possible means 0, only agreements 1.
        let high = if hi_a + hi_d == 0 {
            0.0
        } else {
            hi_a as f64 / (hi_a + hi_d) as f64
        };
        let low = if lo_a + lo_d == 0 {
            1.0
        } else {
            lo_a as f64 / (lo_a + lo_d) as f64
        };
        Some(Bounds { low, high })
    };
    Agreement {
        agreed,
        differed,
        uncertain,
        rate,
    }
}

/// How often two states voted alike: over the given positions of each on the same votes (in
/// the same order), the share of votes both cast (yes, no or abstain) on which they cast the
/// same. Absence is not a position: a vote either missed is not compared.
pub fn agreement_between(a: &[Position], b: &[Position]) -> Agreement {
    let all: Vec<Outcomes> = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            let ys: Vec<Option<Cast>> = could_be(*y).iter().map(|c| Some(*c)).collect();
            outcomes(could_be(*x), &ys)
        })
        .collect();
    agreement_rate(&all)
}

/// The positions that could be a group's majority on a vote: the position more of its members
/// took than any other. `None` stands for "no majority" (a tie, or nobody voting).
fn possible_majorities(split: &Split) -> Vec<Option<Cast>> {
    let lo = [split.yes, split.no, split.abstain];
    let hi = [
        split.yes + split.yes_or_absent + split.not_recorded,
        split.no + split.not_recorded,
        split.abstain + split.not_recorded,
    ];
    let casts = [Cast::Yes, Cast::No, Cast::Abstain];
    for c in 0..3 {
        if (0..3).all(|d| d == c || lo[c] > hi[d]) {
            return vec![Some(casts[c])];
        }
    }
    let mut out: Vec<Option<Cast>> = (0..3)
        .filter(|&c| hi[c] > 0 && (0..3).all(|d| d == c || hi[c] > lo[d]))
        .map(|c| Some(casts[c]))
        .collect();
    out.push(None);
    out
}

/// The majority position of a split when it is certain, for display.
pub fn majority(split: &Split) -> Option<Position> {
    match possible_majorities(split).as_slice() {
        [Some(Cast::Yes)] => Some(Position::Yes),
        [Some(Cast::No)] => Some(Position::No),
        [Some(Cast::Abstain)] => Some(Position::Abstain),
        _ => None,
    }
}

/// How often a state voted with a group's majority: `own[i]` is the state's position on vote
/// `i`, `group[i]` its group's split there. A vote where the state did not vote, or the group
/// had no majority (a tie), is not compared.
pub fn agreement_with_majority(own: &[Position], group: &[Split]) -> Agreement {
    let all: Vec<Outcomes> = own
        .iter()
        .zip(group)
        .map(|(p, s)| outcomes(could_be(*p), &possible_majorities(s)))
        .collect();
    agreement_rate(&all)
}

/// The cohesion of one group on one vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupCohesion {
    /// The group's label.
    pub group: String,
    /// How its member states voted.
    pub split: Split,
    /// The Hix–Noury–Roland agreement index; `None` when no member can have voted.
    pub agreement_index: Option<Bounds>,
    /// The Rice index; `None` when no member can have voted yes or no.
    pub rice: Option<Bounds>,
    /// The group's majority position, when certain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub majority: Option<Position>,
}

/// Every group's cohesion on one vote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoteCohesion {
    /// The vote's id.
    pub vote: String,
    /// The vote's date.
    pub date: FuzzyDate,
    /// One entry per group, in the order asked.
    pub groups: Vec<GroupCohesion>,
}

/// The votes, the registry and the member list, with each vote's positions derived once.
#[derive(Debug, Clone)]
pub struct VotingBloc<'a> {
    votes: Vec<&'a Vote>,
    positions: Vec<BTreeMap<CountryCode, Position>>,
    members: BTreeSet<CountryCode>,
    parties: BTreeMap<CountryCode, &'a Party>,
    launched: FuzzyDate,
}

impl<'a> VotingBloc<'a> {
    /// Prepares the engine over `votes` (in the order given) for the member states `members`,
    /// with the registry's `parties` and the accord's launch date.
    pub fn new(
        votes: impl IntoIterator<Item = &'a Vote>,
        members: BTreeSet<CountryCode>,
        parties: &'a [Party],
        launched: FuzzyDate,
    ) -> Self {
        let votes: Vec<&Vote> = votes.into_iter().collect();
        let positions = votes.iter().map(|v| v.positions(&members)).collect();
        let parties = parties
            .iter()
            .filter(|p| p.kind == PartyKind::State)
            .filter_map(|p| p.country.map(|c| (c, p)))
            .collect();
        VotingBloc {
            votes,
            positions,
            members,
            parties,
            launched,
        }
    }

    /// The votes, in the order given.
    pub fn votes(&self) -> &[&'a Vote] {
        &self.votes
    }

    /// A state's standing toward the accord on a date.
    pub fn standing(&self, state: CountryCode, date: &FuzzyDate) -> Standing {
        standing_on(self.parties.get(&state).copied(), date, &self.launched)
    }

    /// The member states in `group` on `date`.
    pub fn members(&self, group: &Group, date: &FuzzyDate) -> BTreeSet<CountryCode> {
        let by_standing = |s: Standing| {
            self.members
                .iter()
                .filter(|c| self.standing(**c, date) == s)
                .copied()
                .collect()
        };
        match group {
            Group::Supporters => by_standing(Standing::Supporter),
            Group::Uncertain => by_standing(Standing::Uncertain),
            Group::NonSupporters => by_standing(Standing::NonSupporter),
            Group::AbsentAtLaunch => self
                .parties
                .iter()
                .filter(|(c, p)| p.absent_at_launch.is_some() && self.members.contains(c))
                .map(|(c, _)| *c)
                .collect(),
            Group::States { states } => states.intersection(&self.members).copied().collect(),
        }
    }

    /// Every member state's position on vote `i` (in the order given to [`VotingBloc::new`]).
    pub fn positions(&self, i: usize) -> Option<&BTreeMap<CountryCode, Position>> {
        self.positions.get(i)
    }

    /// How `group` voted on vote `i`.
    pub fn split(&self, i: usize, group: &Group) -> Split {
        match (self.votes.get(i), self.positions.get(i)) {
            (Some(v), Some(p)) => Split::count(p, &self.members(group, &v.date)),
            _ => Split::default(),
        }
    }

    /// `group`'s cohesion on vote `i`. A text adopted without a vote has no cohesion: nobody
    /// voted, so the indices are absent rather than a range over votes never cast.
    pub fn cohesion(&self, i: usize, group: &Group) -> GroupCohesion {
        let split = self.split(i, group);
        let taken = self.votes.get(i).is_some_and(|v| !v.adopted_without_vote);
        GroupCohesion {
            group: group.label(),
            split,
            agreement_index: agreement_index(&split).filter(|_| taken),
            rice: rice_index(&split).filter(|_| taken),
            majority: majority(&split).filter(|_| taken),
        }
    }

    /// Each group's cohesion on every vote, in the votes' order: the series over time.
    pub fn cohesion_over_time(&self, groups: &[Group]) -> Vec<VoteCohesion> {
        self.votes
            .iter()
            .enumerate()
            .map(|(i, v)| VoteCohesion {
                vote: v.id.clone(),
                date: v.date,
                groups: groups.iter().map(|g| self.cohesion(i, g)).collect(),
            })
            .collect()
    }

    /// The indices of the votes actually taken (not adoptions without a vote).
    fn voted(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.votes.len()).filter(|&i| !self.votes[i].adopted_without_vote)
    }

    fn position(&self, i: usize, state: CountryCode) -> Position {
        self.positions[i]
            .get(&state)
            .copied()
            .unwrap_or(Position::NotRecorded)
    }

    /// How often states `a` and `b` voted alike, over the votes taken.
    pub fn agreement_between(&self, a: CountryCode, b: CountryCode) -> Agreement {
        let (pa, pb): (Vec<Position>, Vec<Position>) = self
            .voted()
            .map(|i| (self.position(i, a), self.position(i, b)))
            .unzip();
        agreement_between(&pa, &pb)
    }

    /// How often `state` voted with `group`'s majority, over the votes taken. The group is
    /// resolved on each vote's date and includes the state when it is a member.
    pub fn agreement_with_majority(&self, state: CountryCode, group: &Group) -> Agreement {
        let (own, splits): (Vec<Position>, Vec<Split>) = self
            .voted()
            .map(|i| (self.position(i, state), self.split(i, group)))
            .unzip();
        agreement_with_majority(&own, &splits)
    }

    /// How often each member state voted with `group`'s majority, over the votes taken: the
    /// same figures as [`VotingBloc::agreement_with_majority`], with each vote's split
    /// computed once.
    pub fn agreement_with_majority_all(&self, group: &Group) -> BTreeMap<CountryCode, Agreement> {
        let taken: Vec<usize> = self.voted().collect();
        let splits: Vec<Split> = taken.iter().map(|&i| self.split(i, group)).collect();
        self.members
            .iter()
            .map(|c| {
                let own: Vec<Position> = taken.iter().map(|&i| self.position(i, *c)).collect();
                (*c, agreement_with_majority(&own, &splits))
            })
            .collect()
    }

    /// The member states in the engine.
    pub fn member_states(&self) -> &BTreeSet<CountryCode> {
        &self.members
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn split(yes: u32, no: u32, abstain: u32, yoa: u32, nr: u32) -> Split {
        Split {
            yes,
            no,
            abstain,
            absent: 0,
            yes_or_absent: yoa,
            not_recorded: nr,
        }
    }

    #[test]
    fn the_agreement_index_follows_its_formula() {
        // 6 yes, 3 no, 1 abstain: (6 − ½·4) / 10 = 0.4
        let b = agreement_index(&split(6, 3, 1, 0, 0)).unwrap();
        assert!(b.is_exact());
        assert!((b.low - 0.4).abs() < 1e-12);
        // An even three-way split scores 0; a unanimous group 1.
        assert_eq!(agreement_index(&split(2, 2, 2, 0, 0)).unwrap().low, 0.0);
        assert_eq!(agreement_index(&split(0, 7, 0, 0, 0)).unwrap().high, 1.0);
        assert_eq!(agreement_index(&split(0, 0, 0, 0, 0)), None);
    }

    #[test]
    fn rice_ignores_abstentions() {
        let b = rice_index(&split(6, 2, 9, 0, 0)).unwrap();
        assert!((b.low - 0.5).abs() < 1e-12 && b.is_exact());
        assert_eq!(rice_index(&split(0, 0, 4, 0, 0)), None);
    }

    #[test]
    fn yes_or_absent_widens_to_bounds_not_a_guess() {
        // 1 no, 2 yes-or-absent: both absent → 1 (only the no); one yes, one absent →
        // (1 − ½·1) / 2 = 0.25, the lowest; both yes → (2 − ½) / 3 = 0.5.
        let b = agreement_index(&split(0, 1, 0, 2, 0)).unwrap();
        assert_eq!(b.high, 1.0);
        assert!((b.low - 0.25).abs() < 1e-12, "{b:?}");
    }

    #[test]
    fn standing_keeps_first_seen_bounds_apart() {
        let launched = FuzzyDate::parse("2018-11-12").unwrap();
        let party: Party = serde_json::from_str(
            r#"{"id": "FR", "name": "France", "kind": "state", "country": "FR",
                "support": {"since": "2019-09-16", "since_meaning": "first_seen_upper_bound",
                "source": {"as_of": "2026-11", "verification": "unverified"}}}"#,
        )
        .unwrap();
        let on = |d: &str| standing_on(Some(&party), &FuzzyDate::parse(d).unwrap(), &launched);
        assert_eq!(on("2018-11-01"), Standing::NonSupporter);
        assert_eq!(on("2018-12-05"), Standing::Uncertain);
        assert_eq!(on("2019-09-16"), Standing::Supporter);
        assert_eq!(on("2019"), Standing::Uncertain);
        assert_eq!(
            standing_on(None, &FuzzyDate::parse("2020").unwrap(), &launched),
            Standing::NonSupporter
        );
    }

    #[test]
    fn groups_parse_names_and_member_codes() {
        let members: BTreeSet<CountryCode> = ["FR", "DE", "RU"]
            .iter()
            .map(|c| CountryCode::parse(c).unwrap())
            .collect();
        assert_eq!(
            Group::parse("Non-Supporters", &members).unwrap(),
            Group::NonSupporters
        );
        let g = Group::parse("fr, DE", &members).unwrap();
        assert_eq!(g.label(), "DE,FR");
        let e = Group::parse("FR,PS", &members).unwrap_err().to_string();
        assert!(
            e.contains("PS") && e.contains("not a UN member state"),
            "{e}"
        );
        let e = Group::parse("FR,zz", &members).unwrap_err().to_string();
        assert!(e.contains("\"zz\""), "{e}");
        assert_eq!(Group::parse(" ", &members), Err(GroupError::Empty));
    }

    #[test]
    fn agreement_compares_only_votes_both_cast() {
        use Position::*;
        let a = [Yes, No, Absent, Abstain];
        let b = [Yes, Yes, Yes, Abstain];
        let r = agreement_between(&a, &b);
        assert_eq!((r.agreed, r.differed, r.uncertain), (2, 1, 0));
        let rate = r.rate.unwrap();
        assert!(rate.is_exact() && (rate.low - 2.0 / 3.0).abs() < 1e-12);
        // A yes-or-absent state against a yes: agreed or not compared, never differed.
        let r = agreement_between(&[YesOrAbsent, No], &[Yes, Yes]);
        assert_eq!(r.uncertain, 1);
        assert_eq!(
            r.rate.unwrap(),
            Bounds {
                low: 0.0,
                high: 0.5
            }
        );
        assert_eq!(agreement_between(&[Absent], &[Yes]).rate, None);
    }

    #[test]
    fn majorities_are_certain_only_when_no_unknown_can_overturn_them() {
        assert_eq!(majority(&split(5, 2, 1, 0, 0)), Some(Position::Yes));
        assert_eq!(majority(&split(3, 3, 0, 0, 0)), None);
        assert_eq!(majority(&split(0, 3, 1, 2, 0)), Some(Position::No));
        assert_eq!(majority(&split(0, 3, 1, 3, 0)), None);
        let r = agreement_with_majority(&[Position::No], &[split(0, 3, 1, 2, 0)]);
        assert_eq!(
            r.rate,
            Some(Bounds {
                low: 1.0,
                high: 1.0
            })
        );
    }
}
