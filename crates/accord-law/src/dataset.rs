//! The legal-instrument dataset: instruments, their parties and dates, and their mechanisms.
//!
//! One JSON document per instrument (`data/law/<id>.json`; the schema is described in
//! `data/law/README.md`). Every fact carries an [`accord_core::source::Source`]: the URL it
//! was read at, the date the source reflects and its verification level, so an answer can say
//! how far each fact behind it was checked.
//!
//! The dataset is parsed from text; reading files is the caller's job (or [`crate::load`]'s),
//! which keeps this module free of I/O.

use std::collections::HashMap;

use accord_core::country::CountryCode;
use accord_core::source::Source;
use accord_core::validate::{Problem, Problems, check_slug};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::vocabulary::{Action, Channel, DataCategory, Period};

/// A statement with its source: a status line, a condition's basis, a caveat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    /// The statement in plain words.
    pub text: String,
    /// Where it was read, as of when, how far checked.
    pub source: Source,
}

/// A date with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedFact {
    /// The date.
    pub date: Date,
    /// Where it was read, as of when, how far checked.
    pub source: Source,
}

/// What kind of legal instrument this is; it decides the wording of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstrumentKind {
    /// A multilateral treaty with ratifications.
    Treaty,
    /// An EU regulation, which applies from a date in the Member States it binds.
    EuRegulation,
    /// An agreement between two states.
    BilateralAgreement,
    /// Mutual legal assistance under a bilateral treaty or the requested state's law: always
    /// available, never with a treaty deadline.
    Fallback,
}

/// How the delay after the last needed ratification is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delay {
    /// Whole months after the instrument is deposited.
    #[serde(default)]
    pub months: u32,
    /// Days after the instrument is deposited ("the 90th day after" is 90).
    #[serde(default)]
    pub days: u32,
    /// Entry into force on the first day of the month after the delay (CETS 224 Art. 16).
    #[serde(default)]
    pub first_of_month: bool,
}

impl Delay {
    /// The date a ratification deposited on `deposited` takes effect.
    pub fn apply(&self, deposited: Date) -> Date {
        let after = deposited
            .checked_add(i64::from(self.months).months())
            .and_then(|d| d.checked_add(i64::from(self.days).days()))
            .unwrap_or(Date::MAX);
        if self.first_of_month {
            // "The first day of the month following the expiration of a period of three
            // months": the month after the one in which the period ends.
            after
                .first_of_month()
                .checked_add(1.month())
                .unwrap_or(Date::MAX)
        } else {
            after
        }
    }
}

/// When an instrument binds anyone at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum EntryRule {
    /// In force (or applicable) from a known date.
    Fixed {
        /// The date.
        date: Date,
    },
    /// In force once `count` ratifications are deposited, after a delay; later parties are
    /// bound after the same delay from their own ratification.
    AfterRatifications {
        /// How many ratifications are needed.
        count: u32,
        /// The delay after the last needed one.
        delay: Delay,
    },
    /// Always available (plain mutual legal assistance).
    Always,
}

/// An instrument's entry-into-force rule, in words and with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryIntoForce {
    /// The rule the engine applies.
    #[serde(flatten)]
    pub rule: EntryRule,
    /// The rule as the instrument states it.
    pub text: String,
    /// Where it was read.
    pub source: Source,
}

/// Which pairs of states an instrument connects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pairing {
    /// Any two parties (a multilateral treaty, a bilateral agreement).
    AnyTwoParties,
    /// The hub state and any other party (the EU–US MLA Agreement: US and one Member State).
    Hub,
    /// The requesting state must be a party; the other side may be anywhere, under the
    /// condition in `reach_beyond_parties` (EU e-Evidence reaches providers offering services
    /// in the Union wherever they are established).
    RequestingParty,
    /// Any two states (plain mutual legal assistance).
    AnyStates,
}

/// Whether a listed state has only signed or is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartyStatus {
    /// Bound (or bound once the dates below are reached).
    #[default]
    Party,
    /// Signed but not ratified: not bound.
    Signatory,
}

/// A state listed under an instrument, with its dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The state.
    pub state: CountryCode,
    /// The state's usual English name, as the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Party or signatory only.
    #[serde(default)]
    pub status: PartyStatus,
    /// Date of signature, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Date>,
    /// Date of ratification (or accession), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratified: Option<Date>,
    /// Date the instrument entered into force for this state, when the source gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_force: Option<Date>,
    /// A ratification is reported, but its date is not known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ratification_reported: bool,
    /// False for a state that is listed but not bound (Denmark under Regulation 2023/1543).
    #[serde(default = "yes", skip_serializing_if = "Clone::clone")]
    pub bound: bool,
    /// Why a listed state is not bound, in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_bound_reason: Option<String>,
    /// Where these facts were read.
    pub source: Source,
}

fn yes() -> bool {
    true
}

/// A reservation that stops an article from applying to a state's territory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reservation {
    /// The reserving state.
    pub state: CountryCode,
    /// The article it does not apply, spelt as in the mechanisms ("Art. 7").
    pub article: String,
    /// The reservation in plain words.
    pub text: String,
    /// Where it was read.
    pub source: Source,
}

/// A note about one state and one article that answers must show (a reservation whose
/// content is not known, a declaration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateNote {
    /// The state.
    pub state: CountryCode,
    /// The article, spelt as in the mechanisms.
    pub article: String,
    /// The note.
    pub text: String,
    /// Where it was read.
    pub source: Source,
}

/// Which kind of time limit a deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeadlineKind {
    /// The data must be handed over within the period.
    Response,
    /// The data is kept for (at least) the period.
    Hold,
    /// A possible extension of the hold.
    HoldExtension,
    /// The requested state serves the order on the provider within the period.
    Serve,
    /// A notified state may object within the period.
    RefusalWindow,
    /// A provider that has not answered within the period can be pursued only by other means.
    ProviderWindow,
}

/// A time limit set by a mechanism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// Which kind of limit.
    pub kind: DeadlineKind,
    /// Limits that differ by data category name the category they apply to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<DataCategory>,
    /// The ordinary period.
    pub normal: Period,
    /// The period in an emergency, when shorter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<Period>,
    /// The period is a minimum ("not less than 60 days", Budapest Art. 29(7)).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_least: bool,
    /// The limit as the text states it.
    pub text: String,
    /// Where it was read.
    pub source: Source,
}

impl Deadline {
    /// The period that holds for a request, emergency or not.
    pub fn period(&self, emergency: bool) -> Period {
        match (emergency, self.emergency) {
            (true, Some(p)) => p,
            _ => self.normal,
        }
    }
}

/// Restricts a condition to some directions of travel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Only when the requesting state is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<CountryCode>,
    /// Only when the requested state is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<CountryCode>,
}

impl When {
    /// True when the condition holds for a request from `from` to `to`.
    pub fn matches(&self, from: CountryCode, to: CountryCode) -> bool {
        (self.from.is_empty() || self.from.contains(&from))
            && (self.to.is_empty() || self.to.contains(&to))
    }
}

/// A condition or caveat of a mechanism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The condition in plain words.
    pub text: String,
    /// Where it was read.
    pub source: Source,
    /// Shown only for emergency requests.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emergency: bool,
    /// Shown only in these directions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<When>,
}

/// A note that holds for one data category under a mechanism.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryNote {
    /// The category.
    pub category: DataCategory,
    /// The note.
    pub text: String,
    /// Where it was read (often our own analysis, marked unverified).
    pub source: Source,
}

/// One way an instrument lets a state obtain or preserve data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mechanism {
    /// Stable id within the instrument (`art29-preservation`).
    pub id: String,
    /// The legal basis as cited to users ("Art. 29").
    pub article: String,
    /// What the mechanism is, in a line.
    pub title: String,
    /// Preservation, production or disclosure.
    pub action: Action,
    /// Through whom the request travels.
    pub channel: Channel,
    /// The data categories it covers.
    pub categories: Vec<DataCategory>,
    /// Usable only in an emergency.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emergency_only: bool,
    /// The basis for the channel, when it is a separate article.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_basis: Option<Statement>,
    /// Time limits.
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    /// Conditions and caveats.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Notes that hold for one category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_notes: Vec<CategoryNote>,
    /// Where the mechanism itself was read.
    pub source: Source,
}

impl Mechanism {
    /// True when the mechanism covers `category`.
    pub fn covers(&self, category: DataCategory) -> bool {
        self.categories.contains(&category)
    }
}

/// A legal instrument with its parties and mechanisms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    /// Stable id (`budapest`, `budapest-2ap`, `eu-e-evidence`, `cloud-act-uk-us`,
    /// `cloud-act-au-us`, `un-cybercrime`, `eu-us-mla`, `mla`).
    pub id: String,
    /// Full name.
    pub name: String,
    /// The name used in sentences ("CETS 224").
    pub short_name: String,
    /// Official reference (ETS No. 185, OJ reference).
    pub reference: String,
    /// Treaty, EU regulation, bilateral agreement or fallback.
    pub kind: InstrumentKind,
    /// Opened for signature, signed or adopted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<DatedFact>,
    /// When it binds anyone.
    pub entry_into_force: EntryIntoForce,
    /// Which pairs of states it connects.
    pub pairing: Pairing,
    /// The hub state for [`Pairing::Hub`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<CountryCode>,
    /// For [`Pairing::RequestingParty`]: the condition under which the requested side may be
    /// outside the parties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach_beyond_parties: Option<Statement>,
    /// What the instrument offers when both sides are the same party (domestic measures).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domestic: Vec<Statement>,
    /// Parties and signatories.
    #[serde(default)]
    pub parties: Vec<Party>,
    /// Reservations that exclude an article for a state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<Reservation>,
    /// Notes that answers involving a state and an article must show.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<StateNote>,
    /// Status lines (counts, caveats about the party list).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<Statement>,
    /// The mechanisms.
    pub mechanisms: Vec<Mechanism>,
    /// Index of `parties` by state, rebuilt after every change.
    #[serde(skip)]
    party_index: HashMap<CountryCode, usize>,
    /// General entry-into-force date computed from the rule and the ratifications.
    #[serde(skip)]
    general_date: Option<Date>,
}

impl Instrument {
    /// The listed entry for `state`, party or signatory.
    pub fn party(&self, state: CountryCode) -> Option<&Party> {
        self.party_index.get(&state).map(|&i| &self.parties[i])
    }

    /// Ratifications with a known date, oldest first.
    pub fn dated_ratifications(&self) -> Vec<Date> {
        let mut dates: Vec<Date> = self
            .parties
            .iter()
            .filter(|p| p.status == PartyStatus::Party)
            .filter_map(|p| p.ratified)
            .collect();
        dates.sort();
        dates
    }

    /// The date from which the instrument binds anyone, if it does on the data we have.
    /// `Always` instruments return `None` and are always in force.
    pub fn general_entry_into_force(&self) -> Option<Date> {
        self.general_date
    }

    /// The date the instrument binds `party`: its own date when the source gives it, else
    /// the rule applied to its ratification, never before the general date.
    pub fn party_entry_into_force(&self, party: &Party) -> Option<Date> {
        if party.status != PartyStatus::Party || !party.bound {
            return None;
        }
        match &self.entry_into_force.rule {
            EntryRule::Always => Some(Date::MIN),
            // No delay is recorded for these instruments, so a bare ratification counts from
            // its own date.
            EntryRule::Fixed { date } => Some(
                party
                    .in_force
                    .or(party.ratified)
                    .unwrap_or(*date)
                    .max(*date),
            ),
            EntryRule::AfterRatifications { delay, .. } => {
                let general = self.general_date?;
                let own = party
                    .in_force
                    .or_else(|| party.ratified.map(|r| delay.apply(r)))?;
                Some(own.max(general))
            }
        }
    }

    fn compute_general_date(&self) -> Option<Date> {
        match &self.entry_into_force.rule {
            EntryRule::Always => None,
            EntryRule::Fixed { date } => Some(*date),
            EntryRule::AfterRatifications { count, delay } => {
                let dates = self.dated_ratifications();
                let nth = usize::try_from(*count).ok()?.checked_sub(1)?;
                dates.get(nth).map(|d| delay.apply(*d))
            }
        }
    }

    fn reindex(&mut self) {
        self.party_index = self
            .parties
            .iter()
            .enumerate()
            .map(|(i, p)| (p.state, i))
            .collect();
        self.general_date = self.compute_general_date();
    }

    fn validate(&self, problems: &mut Problems) {
        let id = &self.id;
        check_slug(&format!("{id}.id"), id, problems);
        problems.require_text(&format!("{id}.name"), &self.name);
        problems.require_text(&format!("{id}.short_name"), &self.short_name);
        if let Some(opened) = &self.opened {
            opened
                .source
                .validate(&format!("{id}.opened.source"), problems);
        }
        let eif = &self.entry_into_force;
        eif.source
            .validate(&format!("{id}.entry_into_force.source"), problems);
        if let EntryRule::AfterRatifications { count: 0, .. } = eif.rule {
            problems.push(format!("{id}.entry_into_force.count"), "must be at least 1");
        }
        match (self.pairing, self.hub) {
            (Pairing::Hub, None) => {
                problems.push(format!("{id}.hub"), "a hub pairing needs the hub state")
            }
            (Pairing::Hub, Some(hub)) if self.party(hub).is_none() => problems.push(
                format!("{id}.hub"),
                format!("the hub {hub} is not among the parties"),
            ),
            _ => {}
        }
        if self.pairing == Pairing::RequestingParty && self.reach_beyond_parties.is_none() {
            problems.push(
                format!("{id}.reach_beyond_parties"),
                "a requesting-party pairing needs the condition for requests outside the parties",
            );
        }
        if let Some(reach) = &self.reach_beyond_parties {
            reach
                .source
                .validate(&format!("{id}.reach_beyond_parties.source"), problems);
        }
        for (i, s) in self.domestic.iter().enumerate() {
            s.source
                .validate(&format!("{id}.domestic[{i}].source"), problems);
        }
        for (i, s) in self.status.iter().enumerate() {
            s.source
                .validate(&format!("{id}.status[{i}].source"), problems);
        }
        let mut seen = HashMap::new();
        for (i, p) in self.parties.iter().enumerate() {
            let path = format!("{id}.parties[{i}]");
            if let Some(first) = seen.insert(p.state, i) {
                problems.push(
                    format!("{path}.state"),
                    format!("{} is listed twice (first at parties[{first}])", p.state),
                );
            }
            p.source.validate(&format!("{path}.source"), problems);
            if !p.bound && p.not_bound_reason.is_none() {
                problems.push(
                    format!("{path}.not_bound_reason"),
                    "a state listed as not bound needs the reason",
                );
            }
            if p.status == PartyStatus::Signatory && (p.ratified.is_some() || p.in_force.is_some())
            {
                problems.push(
                    format!("{path}.status"),
                    "a signatory with a ratification or entry-into-force date should be a party",
                );
            }
            if let (Some(s), Some(r)) = (p.signed, p.ratified)
                && r < s
            {
                problems.push(format!("{path}.ratified"), "is before the signature");
            }
        }
        for (i, r) in self.reservations.iter().enumerate() {
            let path = format!("{id}.reservations[{i}]");
            r.source.validate(&format!("{path}.source"), problems);
            if !self.mechanisms.iter().any(|m| m.article == r.article) {
                problems.push(
                    format!("{path}.article"),
                    format!("no mechanism has article {:?}", r.article),
                );
            }
        }
        for (i, n) in self.notes.iter().enumerate() {
            n.source
                .validate(&format!("{id}.notes[{i}].source"), problems);
        }
        if self.mechanisms.is_empty() {
            problems.push(
                format!("{id}.mechanisms"),
                "an instrument needs a mechanism",
            );
        }
        let mut mech_ids = HashMap::new();
        for (i, m) in self.mechanisms.iter().enumerate() {
            let path = format!("{id}.mechanisms[{i}]");
            check_slug(&format!("{path}.id"), &m.id, problems);
            if mech_ids.insert(m.id.as_str(), i).is_some() {
                problems.push(format!("{path}.id"), format!("{:?} is used twice", m.id));
            }
            problems.require_text(&format!("{path}.article"), &m.article);
            if m.categories.is_empty() {
                problems.push(format!("{path}.categories"), "must name a category");
            }
            m.source.validate(&format!("{path}.source"), problems);
            if let Some(b) = &m.channel_basis {
                b.source
                    .validate(&format!("{path}.channel_basis.source"), problems);
            }
            for (j, d) in m.deadlines.iter().enumerate() {
                d.source
                    .validate(&format!("{path}.deadlines[{j}].source"), problems);
                if d.normal.hours() == 0 {
                    problems.push(format!("{path}.deadlines[{j}].normal"), "must not be zero");
                }
            }
            for (j, c) in m.conditions.iter().enumerate() {
                c.source
                    .validate(&format!("{path}.conditions[{j}].source"), problems);
            }
            for (j, n) in m.category_notes.iter().enumerate() {
                n.source
                    .validate(&format!("{path}.category_notes[{j}].source"), problems);
            }
        }
    }
}

/// Why a dataset could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// A file is not valid JSON, or does not have the instrument shape.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        /// The file's name as given by the caller.
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What serde_json reported.
        message: String,
    },
    /// Two files declare the same instrument id.
    #[error("{file}: instrument id {id:?} is already defined in {first}")]
    DuplicateInstrument {
        /// The later file.
        file: String,
        /// The id.
        id: String,
        /// The file that defined it first.
        first: String,
    },
    /// The instruments parsed but break the dataset's rules; every problem is listed.
    #[error("the legal dataset has {} problem(s): {}", problems.len(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Each problem, with the path `<instrument>.<field>`.
        problems: Vec<Problem>,
    },
    /// [`Dataset::add_party`] named an instrument that is not in the dataset.
    #[error("no instrument {id:?} in the dataset")]
    UnknownInstrument {
        /// The id.
        id: String,
    },
}

/// Every instrument, ready for the engine.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    instruments: Vec<Instrument>,
    names: HashMap<CountryCode, String>,
}

impl Dataset {
    /// Builds a dataset from `(file name, JSON text)` pairs, one instrument per text. The file
    /// name is only used in error messages. Instruments are kept in the order given, which is
    /// the order answers list them in when nothing else separates them.
    pub fn from_json_files<'a, I>(files: I) -> Result<Dataset, DatasetError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut instruments: Vec<Instrument> = Vec::new();
        let mut origin: HashMap<String, String> = HashMap::new();
        for (file, text) in files {
            let instrument: Instrument =
                serde_json::from_str(text).map_err(|e| DatasetError::Syntax {
                    file: file.to_owned(),
                    line: e.line(),
                    column: e.column(),
                    message: e.to_string(),
                })?;
            if let Some(first) = origin.insert(instrument.id.clone(), file.to_owned()) {
                return Err(DatasetError::DuplicateInstrument {
                    file: file.to_owned(),
                    id: instrument.id,
                    first,
                });
            }
            instruments.push(instrument);
        }
        Dataset::from_instruments(instruments)
    }

    /// Builds a dataset from instruments already in memory, validating them.
    pub fn from_instruments(mut instruments: Vec<Instrument>) -> Result<Dataset, DatasetError> {
        let mut problems = Problems::new();
        for inst in &mut instruments {
            inst.reindex();
            inst.validate(&mut problems);
        }
        if !problems.is_empty() {
            return Err(DatasetError::Invalid {
                problems: problems.0,
            });
        }
        let mut dataset = Dataset {
            instruments,
            names: HashMap::new(),
        };
        dataset.rebuild_names();
        Ok(dataset)
    }

    fn rebuild_names(&mut self) {
        self.names.clear();
        for inst in &self.instruments {
            for p in &inst.parties {
                if let Some(name) = &p.name {
                    self.names.entry(p.state).or_insert_with(|| name.clone());
                }
            }
        }
    }

    /// The instruments, in dataset order.
    pub fn instruments(&self) -> &[Instrument] {
        &self.instruments
    }

    /// The instrument with `id`.
    pub fn instrument(&self, id: &str) -> Option<&Instrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    /// Every state listed under any instrument, sorted: the rows and columns of the
    /// "who can ask whom" matrix.
    pub fn states(&self) -> Vec<CountryCode> {
        let mut states: Vec<CountryCode> = self.names.keys().copied().collect();
        for inst in &self.instruments {
            states.extend(inst.parties.iter().map(|p| p.state));
        }
        states.sort();
        states.dedup();
        states
    }

    /// A state's usual English name: as the dataset's sources spell it, else the ISO 3166-1
    /// name.
    pub fn state_name(&self, state: CountryCode) -> String {
        self.names
            .get(&state)
            .cloned()
            .unwrap_or_else(|| state.name())
    }

    /// Adds a party to an instrument, or replaces the entry for the same state: the way to
    /// record a new ratification, and to ask "what if" questions.
    pub fn add_party(&mut self, instrument: &str, party: Party) -> Result<(), DatasetError> {
        let inst = self
            .instruments
            .iter_mut()
            .find(|i| i.id == instrument)
            .ok_or_else(|| DatasetError::UnknownInstrument {
                id: instrument.to_owned(),
            })?;
        match inst.parties.iter_mut().find(|p| p.state == party.state) {
            Some(existing) => *existing = party,
            None => inst.parties.push(party),
        }
        inst.reindex();
        let mut problems = Problems::new();
        inst.validate(&mut problems);
        self.rebuild_names();
        problems.into_result().map_err(|e| DatasetError::Invalid {
            problems: e.problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn three_month_delay_lands_on_the_first_of_the_following_month() {
        // CETS 224 Art. 16 (unverified reading): first day of the month after 3 months.
        let delay = Delay {
            months: 3,
            days: 0,
            first_of_month: true,
        };
        assert_eq!(delay.apply(d("2026-02-05")), d("2026-06-01"));
        assert_eq!(delay.apply(d("2026-01-31")), d("2026-05-01"));
    }

    #[test]
    fn ninetieth_day_after_is_ninety_days_later() {
        // UN Convention Art. 65(1): the 90th day after the 40th instrument.
        let delay = Delay {
            months: 0,
            days: 90,
            first_of_month: false,
        };
        assert_eq!(delay.apply(d("2026-01-01")), d("2026-04-01"));
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let err = Dataset::from_json_files([("x.json", "{\n  \"id\": 3\n}")]).unwrap_err();
        match err {
            DatasetError::Syntax { file, line, .. } => {
                assert_eq!(file, "x.json");
                assert_eq!(line, 2);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
