//! Incidents: what happened, who did it and on what basis that is said, where, how, and which
//! of the accord's principles it bears on.
//!
//! Every fact in an incident carries its own [`Source`], because sources disagree (OPM's
//! discovery date, Shamoon's machine count) and a reader must see which fact rests on what.

use serde::{Deserialize, Serialize};

use crate::accord::PrincipleId;
use crate::country::CountryCode;
use crate::date::FuzzyDate;
use crate::source::Source;
use crate::targeting::{ArmedConflict, TargetClassification};
use crate::validate::{Problems, check_slug};

// `$text` is a `tt`, not a `literal`: a `literal` fragment reaches derive macros wrapped in an
// invisible group, which utoipa's reading of `#[serde(rename = …)]` skips, so the OpenAPI
// document listed the variants' Rust names (`Technology`) instead of the written forms.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
        }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];
            /// The value as written in data files and shown to users.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
            /// Parses the written form.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The sector a victim belongs to.
    Sector {
        /// Electricity, oil and gas, nuclear.
        Energy = "energy",
        /// Water supply and treatment.
        Water = "water",
        /// Hospitals and public health.
        Health = "health",
        /// Banks, central banks, payment networks.
        Finance = "finance",
        /// Transport and logistics, including shipping and pipelines' operators.
        Transport = "transport",
        /// Telecommunications and satellite communications.
        Telecommunications = "telecommunications",
        /// DNS, routing, certificate authorities and other public-core services.
        InternetInfrastructure = "internet-infrastructure",
        /// Government bodies.
        Government = "government",
        /// Election bodies, parties and campaigns.
        Elections = "elections",
        /// Military and defence industry.
        Defence = "defence",
        /// Media and entertainment.
        Media = "media",
        /// Software and IT services, including managed service providers.
        Technology = "technology",
        /// Manufacturing and industry.
        Manufacturing = "manufacturing",
        /// Hotels, travel and hospitality.
        Hospitality = "hospitality",
        /// Retail and consumer services.
        Retail = "retail",
        /// Credit bureaus and data brokers.
        ConsumerData = "consumer-data",
        /// Education and research.
        Education = "education",
        /// Anything else.
        Other = "other",
    }
}

vocabulary! {
    /// What kind of actor an initiator is.
    ActorKind {
        /// A state organ: an intelligence service, a military unit.
        State = "state",
        /// A group acting for or with the support of a state.
        StateSponsored = "state-sponsored",
        /// A criminal group.
        Criminal = "criminal",
        /// A hacktivist persona or group.
        Hacktivist = "hacktivist",
        /// A company or other private-sector body.
        PrivateSector = "private-sector",
        /// An individual acting alone.
        Individual = "individual",
        /// Not known.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// Why an initiator acted, as the sources state it.
    Motive {
        /// Intelligence gathering.
        Espionage = "espionage",
        /// Destruction or disruption.
        Sabotage = "sabotage",
        /// Money.
        Financial = "financial",
        /// Influencing politics or opinion.
        Influence = "influence",
        /// Retaliating against an earlier attack.
        Retaliation = "retaliation",
        /// Commercial advantage from stolen intellectual property.
        CommercialAdvantage = "commercial-advantage",
        /// Coercion of the victim.
        Coercion = "coercion",
    }
}

vocabulary! {
    /// How exactly a source gives an impact's figure, when not as an exact count: the words
    /// "about", "more than", "at least", "up to" bound or round the number, and the record
    /// keeps that instead of showing the number as exact.
    Approximation {
        /// A rounded or estimated figure: "about", "around", "roughly", "some", "nearly".
        About = "about",
        /// A lower bound: "at least", "more than", "over", "N+".
        AtLeast = "at-least",
        /// An upper bound: "up to", "as many as", "no more than".
        AtMost = "at-most",
    }
}

impl Approximation {
    /// The words put before the number when it is shown ("about 47,000").
    pub fn words(self) -> &'static str {
        match self {
            Approximation::About => "about",
            Approximation::AtLeast => "at least",
            Approximation::AtMost => "at most",
        }
    }
}

vocabulary! {
    /// What kind of harm an impact figure measures.
    ImpactKind {
        /// Personal data of individuals stolen or exposed.
        PersonalData = "personal-data",
        /// Intellectual property, trade secrets or confidential business data stolen.
        IntellectualProperty = "intellectual-property",
        /// Machines wiped, encrypted or made inoperable.
        SystemsDestroyed = "systems-destroyed",
        /// A service interrupted (power, fuel, connectivity, websites).
        ServiceDisruption = "service-disruption",
        /// Physical equipment damaged.
        PhysicalDamage = "physical-damage",
        /// Money stolen, paid or lost.
        FinancialLoss = "financial-loss",
        /// Stolen material published.
        DataLeak = "data-leak",
        /// Spread of the malware (infection counts, countries reached).
        Spread = "spread",
        /// Anything else worth recording (legal consequences, recoveries).
        Other = "other",
    }
}

vocabulary! {
    /// A method used in an incident step, in the record's controlled vocabulary.
    Method {
        /// Targeted phishing e-mails.
        SpearPhishing = "spear-phishing",
        /// Compromise of a supplier's product or update channel.
        SupplyChainCompromise = "supply-chain-compromise",
        /// Compromise of a service provider to reach its customers.
        ServiceProviderCompromise = "service-provider-compromise",
        /// Exploitation of a vulnerability unknown to the vendor.
        ZeroDayExploit = "zero-day-exploit",
        /// Exploitation of a known vulnerability for which a fix existed.
        KnownVulnerabilityExploit = "known-vulnerability-exploit",
        /// Use of stolen or guessed credentials.
        CredentialAbuse = "credential-abuse",
        /// Malware that spreads itself from machine to machine.
        SelfPropagation = "self-propagation",
        /// Use of an exploit or tool leaked from another actor's arsenal.
        LeakedToolReuse = "leaked-tool-reuse",
        /// Destructive wiping of data or disks.
        Wiper = "wiper",
        /// Encryption for ransom.
        Ransomware = "ransomware",
        /// Distributed denial of service.
        Ddos = "ddos",
        /// A botnet of compromised devices.
        Botnet = "botnet",
        /// Theft and publication of documents to influence.
        HackAndLeak = "hack-and-leak",
        /// Bulk copying of data out of the victim.
        DataExfiltration = "data-exfiltration",
        /// Manipulation of industrial control systems.
        IcsManipulation = "ics-manipulation",
        /// Fraudulent financial transactions.
        FraudulentTransactions = "fraudulent-transactions",
        /// Firmware or device corruption.
        FirmwareCorruption = "firmware-corruption",
    }
}

vocabulary! {
    /// On what an attribution rests.
    AttributionBasis {
        /// An official statement by a government.
        GovernmentStatement = "government-statement",
        /// A criminal indictment or complaint.
        Indictment = "indictment",
        /// Sanctions imposed in response.
        Sanctions = "sanctions",
        /// A joint statement by several governments.
        JointStatement = "joint-statement",
        /// A security vendor's technical report.
        VendorReport = "vendor-report",
        /// The actor's own claim of responsibility.
        SelfClaim = "self-claim",
        /// Press reporting, often from anonymous officials.
        Media = "media",
        /// An official's passing, on-record remark that is not a formal attribution (a speech
        /// about another case that mentions this one).
        OfficialRemark = "official-remark",
        /// Nobody has attributed it.
        None = "none",
    }
}

vocabulary! {
    /// How confident the attributing party says it is.
    Confidence {
        /// High confidence as stated by the attributor.
        High = "high",
        /// Moderate confidence.
        Moderate = "moderate",
        /// Low confidence.
        Low = "low",
        /// The attributor gives no level.
        Unstated = "unstated",
    }
}

vocabulary! {
    /// How much weight an attribution carries, strongest first. Only the first two are a
    /// government's formal attribution; a scorecard's headline "attributed" count includes only
    /// them.
    AttributionTier {
        /// Tier 1: a government's formal attribution (statement, joint statement, sanctions,
        /// indictment) read on an official page (`verified`).
        Official = "official",
        /// Tier 2: a government's formal attribution read only in a secondary source.
        OfficialSecondary = "official-secondary",
        /// Tier 3: a security vendor's or researchers' report.
        Research = "research",
        /// Tier 4: an allegation: press reporting, anonymous officials, an official's passing
        /// remark, or the actor's own claim.
        Allegation = "allegation",
        /// Tier 5: not confirmed in any page read, whatever its basis.
        Unverified = "unverified",
    }
}

impl AttributionTier {
    /// The tier's number, 1 (strongest) to 5.
    pub fn number(self) -> u8 {
        match self {
            AttributionTier::Official => 1,
            AttributionTier::OfficialSecondary => 2,
            AttributionTier::Research => 3,
            AttributionTier::Allegation => 4,
            AttributionTier::Unverified => 5,
        }
    }

    /// True for the tiers a headline "attributed" count includes (1 and 2).
    pub fn is_formal(self) -> bool {
        matches!(
            self,
            AttributionTier::Official | AttributionTier::OfficialSecondary
        )
    }
}

impl AttributionBasis {
    /// True for a government's formal act of attribution.
    pub fn is_formal(self) -> bool {
        matches!(
            self,
            AttributionBasis::GovernmentStatement
                | AttributionBasis::Indictment
                | AttributionBasis::Sanctions
                | AttributionBasis::JointStatement
        )
    }
}

vocabulary! {
    /// Whose conduct a principle finding (asserted or suggested) concerns, so that a party's
    /// scorecard lists only its own conduct.
    #[derive(Default)]
    ConductRole {
        /// The incident's initiators: every party the record links to it as initiator, or the
        /// one named.
        Initiator = "initiator",
        /// A party that responded to the incident, such as a company that hacked back.
        Responder = "responder",
        /// A state from whose territory the operation ran, or whose territory's infrastructure
        /// it used (its due diligence).
        Territory = "territory",
        /// A victim's own conduct (its cyber hygiene, its due diligence): the victims that are
        /// registry parties, or the one named.
        Victim = "victim",
        /// Someone else: a product's vendor, device makers, states cooperating against the
        /// initiators.
        Other = "other",
        /// Not stated: a finding recorded before findings named whose conduct they concern. It
        /// counts on no party's own conduct.
        #[default]
        Unstated = "unstated",
    }
}

/// Whose conduct a principle finding concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Concerns {
    /// In what role.
    pub role: ConductRole,
    /// The registry party whose conduct it is, when the finding names one (a state's code or a
    /// party id). Without it, an initiator finding concerns every party linked as initiator, a
    /// victim finding every victim that is a party, and any other finding no party's scorecard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Who, in words, when no party is named ("the product's vendor").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
}

impl Concerns {
    /// A finding about `role`, naming no party.
    pub fn role(role: ConductRole) -> Self {
        Concerns {
            role,
            party: None,
            who: None,
        }
    }

    /// True when the finding does not say whose conduct it concerns.
    pub fn is_unstated(&self) -> bool {
        self.role == ConductRole::Unstated
    }
}

impl std::fmt::Display for Concerns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.role.as_str())?;
        match (&self.party, &self.who) {
            (Some(p), Some(w)) => write!(f, ": {w} ({p})"),
            (Some(p), None) => write!(f, ": {p}"),
            (None, Some(w)) => write!(f, ": {w}"),
            (None, None) => Ok(()),
        }
    }
}

vocabulary! {
    /// How a date bounds the event.
    DateBound {
        /// The event happened on (or in) that date.
        On = "on",
        /// The event happened before that date.
        Before = "before",
        /// The date is approximate.
        About = "about",
    }
}

/// A date in an incident's timeline with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DatedFact {
    /// The date, to the precision the source gives.
    pub date: FuzzyDate,
    /// Whether the event was on, before or about that date.
    #[serde(default = "default_bound")]
    pub bound: DateBound,
    /// Detail from the source ("first attack wave per Symantec").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the date was read.
    pub source: Source,
}

fn default_bound() -> DateBound {
    DateBound::On
}

/// The incident's timeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentDates {
    /// When the malicious activity started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DatedFact>,
    /// When it was discovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered: Option<DatedFact>,
    /// When it was made public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclosed: Option<DatedFact>,
}

/// Someone harmed by the incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Victim {
    /// Who: an organisation or a described group of people.
    pub name: String,
    /// Where the victim is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// The victim's sector.
    pub sector: Sector,
    /// The victim's party id when it is a party in the registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Whether the target was civilian, military, dual-use or a non-military government body,
    /// with its source. Records stored before this was asked for lack it and read as
    /// unclassified ([`crate::targeting::UNCLASSIFIED`]), never as a guessed class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_class: Option<TargetClassification>,
    /// Where this was read.
    pub source: Source,
}

impl Victim {
    /// The victim's class as written and counted: its class, or `unclassified`.
    pub fn class_name(&self) -> &'static str {
        self.target_class
            .as_ref()
            .map_or(crate::targeting::UNCLASSIFIED, |c| c.class.as_str())
    }
}

/// A figure or statement of harm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// What the figure measures.
    pub kind: ImpactKind,
    /// The number, when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<f64>,
    /// The unit of `quantity` ("individuals", "USD", "computers", "customers").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Whether the source gives `quantity` as approximate or as a bound ("about", "more than",
    /// "up to"); absent, the figure is as exact as the source states it. Records stored before
    /// this was asked for lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate: Option<Approximation>,
    /// The fact in words, as the source states it.
    pub description: String,
    /// Where it was read.
    pub source: Source,
}

impl Impact {
    /// The figure with its unit, grouped in thousands (`147,900,000 individuals`), after the
    /// words of its approximation when the source gives it as one (`about 47,000 Social
    /// Security numbers`, `at least 17 countries`); `None` when the source gives no number.
    pub fn figure(&self) -> Option<String> {
        let q = self.quantity?;
        let number = if q.fract() == 0.0 && q.abs() < 1e15 {
            group_thousands(q as i64)
        } else {
            q.to_string()
        };
        let number = match self.approximate {
            Some(a) => format!("{} {number}", a.words()),
            None => number,
        };
        Some(match &self.unit {
            Some(u) => format!("{number} {u}"),
            None => number,
        })
    }
}

/// `n` written for reading, its digits grouped in threes with commas: `1508` → `1,508`,
/// `-1234` → `-1,234`. How the hub shows an impact's quantity, and what the tests that read
/// pages and sources for a quantity expect.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Who carried out the incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Initiator {
    /// The group or persona ("Sandworm (GRU Unit 74455)").
    pub name: String,
    /// What kind of actor.
    pub kind: ActorKind,
    /// The state the actor is linked to, if any is named by the sources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_nexus: Option<CountryCode>,
    /// The initiator's party id when it is a party in the registry (a company that hacked back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// Why it acted, as the sources state.
    #[serde(default)]
    pub motives: Vec<Motive>,
    /// How the link is described ("widely suspected; not formally attributed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where this was read.
    pub source: Source,
}

/// A public statement of who did it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Attribution {
    /// Who attributes ("US DOJ", "CrowdStrike").
    pub by: String,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<FuzzyDate>,
    /// The state it names, if it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<CountryCode>,
    /// The actor it names, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The registry party it names, when that is a party other than a state (a company that
    /// hacked back); a state is named by `attributed_to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// On what it rests.
    pub basis: AttributionBasis,
    /// How confident the attributor says it is.
    #[serde(default = "default_confidence")]
    pub confidence: Confidence,
    /// A reporter's own "contested" flag, as incidents recorded before denials were kept it.
    /// Read only from such stored records: whether an attribution is contested is derived
    /// ([`Incident::contests`]), and new submissions record the accused's denial in
    /// [`Incident::denials`] instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contested: Option<bool>,
    /// The statement in words.
    pub statement: String,
    /// Where it was read.
    pub source: Source,
}

impl Attribution {
    /// How much weight the attribution carries, from its basis and the verification of its
    /// source; `None` for a statement that nobody attributes it (basis `none`).
    pub fn tier(&self) -> Option<AttributionTier> {
        use crate::source::Verification;
        if self.basis == AttributionBasis::None {
            return None;
        }
        if self.source.verification == Verification::Unverified {
            return Some(AttributionTier::Unverified);
        }
        Some(match self.basis {
            b if b.is_formal() => match self.source.verification {
                Verification::Verified => AttributionTier::Official,
                _ => AttributionTier::OfficialSecondary,
            },
            AttributionBasis::VendorReport => AttributionTier::Research,
            _ => AttributionTier::Allegation,
        })
    }

    /// True when the attribution names `state` or the party `party_id`.
    pub fn names(&self, state: Option<CountryCode>, party_id: &str) -> bool {
        (state.is_some() && self.attributed_to == state) || self.party.as_deref() == Some(party_id)
    }
}

/// The accused's public denial of responsibility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Denial {
    /// Who denies, in words ("China's foreign ministry").
    pub by: String,
    /// The state denying, when a state does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<CountryCode>,
    /// The registry party denying, when it is not a state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<FuzzyDate>,
    /// The denial in words.
    pub statement: String,
    /// Where it was read.
    pub source: Source,
}

/// Why a party's link to an incident, or an attribution, is contested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Contest {
    /// The accused denies it (`denials[index]`).
    Denied {
        /// Index in the incident's denials.
        index: usize,
        /// Who denies.
        by: String,
    },
    /// Another attribution names someone else.
    Disagreement {
        /// Index in the incident's attributions.
        index: usize,
        /// Who attributes it elsewhere.
        by: String,
        /// Whom that attribution names.
        names: String,
    },
    /// A record stored before denials were recorded carries its reporter's "contested" flag.
    Recorded {
        /// Index in the incident's attributions.
        index: usize,
        /// The attribution's author.
        by: String,
    },
}

impl std::fmt::Display for Contest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Contest::Denied { by, .. } => write!(f, "denied by {by}"),
            Contest::Disagreement { by, names, .. } => {
                write!(f, "{by} attributes it to {names}")
            }
            Contest::Recorded { by, .. } => {
                write!(f, "recorded as contested (attribution by {by})")
            }
        }
    }
}

fn default_confidence() -> Confidence {
    Confidence::Unstated
}

/// Where the incident touched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Jurisdictions {
    /// Where the initiators acted from.
    #[serde(default)]
    pub origin: Vec<CountryCode>,
    /// Where the infrastructure used sat.
    #[serde(default)]
    pub infrastructure: Vec<CountryCode>,
    /// Where the victims are.
    #[serde(default)]
    pub victims: Vec<CountryCode>,
    /// What the codes cannot say ("worm reached 150+ countries"; "origin alleged").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One step of how the incident unfolded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What happened.
    pub description: String,
    /// MITRE ATT&CK technique ids (`T1195.002`), only where a source gives them.
    #[serde(default)]
    pub techniques: Vec<String>,
    /// Methods in the record's vocabulary.
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Where it was read.
    pub source: Source,
}

/// A principle that a reporter asserts the incident breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssertedPrinciple {
    /// Which principle.
    pub principle: PrincipleId,
    /// Why the reporter says so.
    pub reason: String,
    /// Who asserts it.
    pub by: String,
    /// Whose conduct it concerns. Records stored before this was asked for read as `unstated`.
    #[serde(default, skip_serializing_if = "Concerns::is_unstated")]
    pub concerns: Concerns,
}

/// An incident as reported: the facts, each with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Stable slug, e.g. `notpetya-2017`.
    pub id: String,
    /// Short title.
    pub title: String,
    /// What happened, in a paragraph.
    pub summary: String,
    /// Timeline.
    #[serde(default)]
    pub dates: IncidentDates,
    /// Who was harmed.
    pub victims: Vec<Victim>,
    /// How much harm, in figures and words.
    #[serde(default)]
    pub impacts: Vec<Impact>,
    /// Who did it.
    #[serde(default)]
    pub initiators: Vec<Initiator>,
    /// Who says who did it, and on what basis.
    #[serde(default)]
    pub attributions: Vec<Attribution>,
    /// Denials of responsibility by those accused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denials: Vec<Denial>,
    /// Where it touched.
    #[serde(default)]
    pub jurisdictions: Jurisdictions,
    /// Whether it happened during an armed conflict, with its source. Records stored before
    /// this was asked for lack it, and read as not stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub armed_conflict: Option<ArmedConflict>,
    /// How it unfolded, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Principles the reporter asserts it breaks.
    #[serde(default)]
    pub asserted_principles: Vec<AssertedPrinciple>,
    /// Ids of related incidents in the record.
    #[serde(default)]
    pub related: Vec<String>,
    /// General sources on the incident.
    #[serde(default)]
    pub sources: Vec<Source>,
}

/// True for a MITRE ATT&CK enterprise technique id: `T` + 4 digits, optionally `.` + 3 digits.
pub fn is_attack_technique_id(id: &str) -> bool {
    let b = id.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match b.len() {
        5 => b[0] == b'T' && digits(&b[1..5]),
        9 => b[0] == b'T' && digits(&b[1..5]) && b[5] == b'.' && digits(&b[6..9]),
        _ => false,
    }
}

impl Incident {
    /// The year the incident is filed under: its start, else discovery, else disclosure.
    pub fn year(&self) -> Option<i16> {
        self.reference_date().map(|d| d.year())
    }

    /// The date the incident is filed under: its start, else discovery, else disclosure.
    pub fn reference_date(&self) -> Option<FuzzyDate> {
        let d = &self.dates;
        d.start
            .as_ref()
            .or(d.discovered.as_ref())
            .or(d.disclosed.as_ref())
            .map(|f| f.date)
    }

    /// Every state the record links to the initiators: state nexus or a named attribution.
    pub fn linked_states(&self) -> Vec<CountryCode> {
        let mut v: Vec<CountryCode> = self
            .initiators
            .iter()
            .filter_map(|i| i.state_nexus)
            .chain(self.attributions.iter().filter_map(|a| a.attributed_to))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// True when an initiator, or an attribution, links the state `state` or the party
    /// `party_id` to the incident as initiator.
    pub fn links_initiator(&self, state: Option<CountryCode>, party_id: &str) -> bool {
        self.initiators.iter().any(|ini| {
            (state.is_some() && ini.state_nexus == state) || ini.party.as_deref() == Some(party_id)
        }) || self
            .attributions
            .iter()
            .any(|a| a.tier().is_some() && a.names(state, party_id))
    }

    /// Why the link of the state `state` or the party `party_id` to the incident is contested,
    /// derived from the record: a denial by that state or party; an attribution naming someone
    /// else whom the initiators do not name beside it; or, in a record stored before denials
    /// were kept, its reporter's "contested" flag on an attribution naming it. Empty when
    /// nothing in the record contests it.
    pub fn contests(&self, state: Option<CountryCode>, party_id: &str) -> Vec<Contest> {
        let mut out = Vec::new();
        for (index, d) in self.denials.iter().enumerate() {
            if (state.is_some() && d.state == state) || d.party.as_deref() == Some(party_id) {
                out.push(Contest::Denied {
                    index,
                    by: d.by.clone(),
                });
            }
        }
        // Co-initiators the record itself names together are not a disagreement.
        let co_initiator = |other_state: Option<CountryCode>, other_party: Option<&str>| {
            let named = |s: Option<CountryCode>, p: Option<&str>| {
                self.initiators.iter().any(|ini| {
                    (s.is_some() && ini.state_nexus == s)
                        || (p.is_some() && ini.party.as_deref() == p)
                })
            };
            named(state, Some(party_id)) && named(other_state, other_party)
        };
        for (index, a) in self.attributions.iter().enumerate() {
            if a.tier().is_none() {
                continue;
            }
            let names_this = a.names(state, party_id);
            if names_this {
                if a.contested == Some(true) {
                    out.push(Contest::Recorded {
                        index,
                        by: a.by.clone(),
                    });
                }
                continue;
            }
            let other = a
                .attributed_to
                .map(|c| c.to_string())
                .or_else(|| a.party.clone());
            if let Some(names) = other
                && !co_initiator(a.attributed_to, a.party.as_deref())
            {
                out.push(Contest::Disagreement {
                    index,
                    by: a.by.clone(),
                    names,
                });
            }
        }
        out
    }

    /// Why the attribution at `index` is contested (see [`Incident::contests`]); empty for an
    /// attribution that names nobody.
    pub fn attribution_contests(&self, index: usize) -> Vec<Contest> {
        let Some(a) = self.attributions.get(index) else {
            return Vec::new();
        };
        match (a.attributed_to, a.party.as_deref()) {
            (None, None) => Vec::new(),
            (state, party) => self.contests(state, party.unwrap_or("")),
        }
    }

    /// Checks that a finding says whose conduct it concerns, and that a party it names can
    /// bear that role here.
    fn check_concerns(&self, path: &str, c: &Concerns, p: &mut Problems) {
        let state = c
            .party
            .as_deref()
            .and_then(|id| CountryCode::parse(id).ok());
        match (c.role, &c.party) {
            (ConductRole::Unstated, _) => p.push(
                format!("{path}.role"),
                "say whose conduct the principle concerns: initiator, responder, territory, \
                 victim or other",
            ),
            (ConductRole::Responder | ConductRole::Other, None) if c.who.is_none() => p.push(
                format!("{path}.party"),
                format!(
                    "a {} finding names the party (`party`) or says who it is (`who`)",
                    c.role
                ),
            ),
            (ConductRole::Initiator, Some(id)) if !self.links_initiator(state, id) => p.push(
                format!("{path}.party"),
                format!("{id:?} is not linked to the incident as initiator"),
            ),
            (ConductRole::Territory, Some(id)) if state.is_none() => p.push(
                format!("{path}.party"),
                format!("{id:?} is not a state's code; a territory finding names a state"),
            ),
            (ConductRole::Victim, Some(id))
                if !self.victims.iter().any(|v| v.party.as_deref() == Some(id))
                    && !state.is_some_and(|s| self.victim_countries().contains(&s)) =>
            {
                p.push(
                    format!("{path}.party"),
                    format!("{id:?} is not among the incident's victims"),
                );
            }
            (_, Some(id)) => check_party_ref(&format!("{path}.party"), id, p),
            _ => {}
        }
    }

    /// Every registry party id the incident refers to, with its field path, so the write
    /// path can check that each exists.
    pub fn party_refs(&self) -> Vec<(String, &str)> {
        let mut v: Vec<(String, &str)> = Vec::new();
        for (i, x) in self.victims.iter().enumerate() {
            if let Some(p) = &x.party {
                v.push((format!("victims[{i}].party"), p));
            }
        }
        for (i, x) in self.initiators.iter().enumerate() {
            if let Some(p) = &x.party {
                v.push((format!("initiators[{i}].party"), p));
            }
        }
        for (i, x) in self.attributions.iter().enumerate() {
            if let Some(p) = &x.party {
                v.push((format!("attributions[{i}].party"), p));
            }
        }
        for (i, x) in self.denials.iter().enumerate() {
            if let Some(p) = &x.party {
                v.push((format!("denials[{i}].party"), p));
            }
        }
        for (i, x) in self.asserted_principles.iter().enumerate() {
            if let Some(p) = &x.concerns.party {
                v.push((format!("asserted_principles[{i}].concerns.party"), p));
            }
        }
        v
    }

    /// Every country where a victim is, from victims and jurisdictions.
    pub fn victim_countries(&self) -> Vec<CountryCode> {
        let mut v: Vec<CountryCode> = self
            .victims
            .iter()
            .filter_map(|v| v.country)
            .chain(self.jurisdictions.victims.iter().copied())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Checks an incident about to be written (a submission, an operator's record, an
    /// amendment, the bundled dataset): everything [`Incident::validate`] checks, and what
    /// [`Incident::require_classification`] asks of every new record.
    pub fn validate_new(&self, principles: u8) -> Problems {
        let mut p = self.validate(principles);
        p.0.extend(self.require_classification().0);
        p
    }

    /// What a new record must carry that records stored before it was asked for may lack: a
    /// target class on every victim and the incident's armed-conflict statement (each may be
    /// `unknown`, with a note saying what was looked for). Checked on writes only, never when
    /// a stored entry is read or replayed, so the log's earlier entries still load.
    pub fn require_classification(&self) -> Problems {
        let mut p = Problems::new();
        for (i, v) in self.victims.iter().enumerate() {
            if v.target_class.is_none() {
                p.push(
                    format!("victims[{i}].target_class"),
                    "is required: the victim's class (civilian, military, dual-use, \
                     government-non-military, mixed, disputed, or unknown with a note saying \
                     what was looked for), with its note and source",
                );
            }
        }
        if self.armed_conflict.is_none() {
            p.push(
                "armed_conflict",
                "is required: whether the incident happened during an armed conflict (yes with \
                 the conflict named, no, disputed, or unknown with a note saying what was \
                 looked for), with its note and source",
            );
        }
        p
    }

    /// Checks the incident, reporting every problem with its field path. `principles` is the
    /// number of principles in the accord (asserted ids must fall within it). Fields added
    /// after records were first stored (target classes, the armed-conflict statement) are
    /// checked when present; [`Incident::validate_new`] requires them of a new write.
    pub fn validate(&self, principles: u8) -> Problems {
        let mut p = Problems::new();
        check_slug("id", &self.id, &mut p);
        p.require_text("title", &self.title);
        p.require_text("summary", &self.summary);
        if self.victims.is_empty() {
            p.push("victims", "at least one victim is required");
        }
        let d = &self.dates;
        if d.start.is_none() && d.discovered.is_none() && d.disclosed.is_none() {
            p.push(
                "dates",
                "at least one of start, discovered or disclosed is required",
            );
        }
        let dated = [
            ("dates.start", &d.start),
            ("dates.discovered", &d.discovered),
            ("dates.disclosed", &d.disclosed),
        ];
        for (path, fact) in dated {
            if let Some(f) = fact {
                f.source.validate(&format!("{path}.source"), &mut p);
            }
        }
        // Dates out of order: only when they certainly are, given their precision.
        for (i, (earlier_path, earlier)) in dated.iter().enumerate() {
            for (later_path, later) in dated.iter().skip(i + 1) {
                if let (Some(e), Some(l)) = (earlier, later)
                    && l.date.certainly_before(&e.date)
                {
                    p.push(
                        *later_path,
                        format!(
                            "{} is before {} ({earlier_path}); dates must run start ≤ discovered ≤ disclosed",
                            l.date, e.date
                        ),
                    );
                }
            }
        }
        for (i, v) in self.victims.iter().enumerate() {
            p.require_text(&format!("victims[{i}].name"), &v.name);
            v.source.validate(&format!("victims[{i}].source"), &mut p);
            if let Some(party) = &v.party {
                check_party_ref(&format!("victims[{i}].party"), party, &mut p);
            }
            if let Some(c) = &v.target_class {
                c.validate(&format!("victims[{i}].target_class"), &mut p);
            }
        }
        if let Some(a) = &self.armed_conflict {
            a.validate("armed_conflict", &mut p);
        }
        for (i, im) in self.impacts.iter().enumerate() {
            let path = format!("impacts[{i}]");
            p.require_text(&format!("{path}.description"), &im.description);
            if let Some(q) = im.quantity {
                if !q.is_finite() || q < 0.0 {
                    p.push(format!("{path}.quantity"), "must be a finite number ≥ 0");
                }
                if im.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
                    p.push(format!("{path}.unit"), "a quantity needs its unit");
                }
            } else if let Some(a) = im.approximate {
                p.push(
                    format!("{path}.approximate"),
                    format!("is {a}, but there is no quantity for it to qualify"),
                );
            }
            im.source.validate(&format!("{path}.source"), &mut p);
        }
        for (i, ini) in self.initiators.iter().enumerate() {
            p.require_text(&format!("initiators[{i}].name"), &ini.name);
            ini.source
                .validate(&format!("initiators[{i}].source"), &mut p);
            if let Some(party) = &ini.party {
                check_party_ref(&format!("initiators[{i}].party"), party, &mut p);
            }
        }
        for (i, a) in self.attributions.iter().enumerate() {
            let path = format!("attributions[{i}]");
            p.require_text(&format!("{path}.by"), &a.by);
            p.require_text(&format!("{path}.statement"), &a.statement);
            a.source.validate(&format!("{path}.source"), &mut p);
            if let Some(party) = &a.party {
                check_party_ref(&format!("{path}.party"), party, &mut p);
            }
            if a.contested.is_some() {
                p.push(
                    format!("{path}.contested"),
                    "is derived from the record (a denial by the accused, or attributions that \
                     disagree), not stated: record the accused's denial in `denials` instead",
                );
            }
            if a.basis == AttributionBasis::None && (a.attributed_to.is_some() || a.party.is_some())
            {
                p.push(
                    format!("{path}.basis"),
                    "is `none` (nobody attributes it) but the attribution names a state or party",
                );
            }
        }
        for (i, d) in self.denials.iter().enumerate() {
            let path = format!("denials[{i}]");
            p.require_text(&format!("{path}.by"), &d.by);
            p.require_text(&format!("{path}.statement"), &d.statement);
            d.source.validate(&format!("{path}.source"), &mut p);
            match &d.party {
                Some(party) => check_party_ref(&format!("{path}.party"), party, &mut p),
                None if d.state.is_none() => p.push(
                    format!("{path}.state"),
                    "a denial names who denies: a state (`state`) or a party (`party`)",
                ),
                None => {}
            }
        }
        for (i, s) in self.steps.iter().enumerate() {
            p.require_text(&format!("steps[{i}].description"), &s.description);
            for (j, t) in s.techniques.iter().enumerate() {
                if !is_attack_technique_id(t) {
                    p.push(
                        format!("steps[{i}].techniques[{j}]"),
                        format!(
                            "{t:?} is not a MITRE ATT&CK technique id (e.g. T1195 or T1195.002)"
                        ),
                    );
                }
            }
            s.source.validate(&format!("steps[{i}].source"), &mut p);
        }
        for (i, a) in self.asserted_principles.iter().enumerate() {
            if a.principle.0 > principles {
                p.push(
                    format!("asserted_principles[{i}].principle"),
                    format!(
                        "{} does not exist: the accord has P1–P{principles}",
                        a.principle
                    ),
                );
            }
            p.require_text(&format!("asserted_principles[{i}].reason"), &a.reason);
            p.require_text(&format!("asserted_principles[{i}].by"), &a.by);
            self.check_concerns(
                &format!("asserted_principles[{i}].concerns"),
                &a.concerns,
                &mut p,
            );
        }
        for (i, r) in self.related.iter().enumerate() {
            check_slug(&format!("related[{i}]"), r, &mut p);
        }
        for (i, s) in self.sources.iter().enumerate() {
            s.validate(&format!("sources[{i}]"), &mut p);
        }
        p
    }
}

fn check_party_ref(path: &str, id: &str, p: &mut Problems) {
    // A party id is either a state's alpha-2 code or a slug.
    let is_code = id.len() == 2 && id.bytes().all(|b| b.is_ascii_uppercase());
    if !is_code {
        check_slug(path, id, p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Verification;

    #[test]
    fn thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1508), "1,508");
        assert_eq!(group_thousands(147_900_000), "147,900,000");
        assert_eq!(group_thousands(-1234), "-1,234");
    }

    pub(crate) fn src() -> Source {
        Source {
            url: Some("https://www.opm.gov/cybersecurity/cybersecurity-incidents/".into()),
            title: None,
            as_of: FuzzyDate::parse("2026-11").unwrap(),
            verification: Verification::Verified,
            note: None,
        }
    }

    fn fact(d: &str) -> Option<DatedFact> {
        Some(DatedFact {
            date: FuzzyDate::parse(d).unwrap(),
            bound: DateBound::On,
            note: None,
            source: src(),
        })
    }

    fn minimal() -> Incident {
        Incident {
            id: "opm-breach-2015".into(),
            title: "OPM breaches".into(),
            summary: "Background-investigation records stolen.".into(),
            dates: IncidentDates {
                start: fact("2014"),
                discovered: fact("2015-06"),
                disclosed: fact("2015-06-12"),
            },
            victims: vec![Victim {
                name: "US Office of Personnel Management".into(),
                country: Some(CountryCode::parse("US").unwrap()),
                sector: Sector::Government,
                party: None,
                target_class: None,
                source: src(),
            }],
            impacts: vec![],
            initiators: vec![],
            attributions: vec![],
            denials: vec![],
            jurisdictions: Jurisdictions::default(),
            armed_conflict: None,
            steps: vec![],
            asserted_principles: vec![],
            related: vec![],
            sources: vec![],
        }
    }

    fn paths(i: &Incident) -> Vec<String> {
        i.validate(9).0.into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn minimal_incident_is_valid() {
        assert_eq!(paths(&minimal()), Vec::<String>::new());
    }

    #[test]
    fn every_required_field_is_reported_at_once() {
        let mut i = minimal();
        i.id = "Bad Id".into();
        i.title = " ".into();
        i.summary = String::new();
        i.victims.clear();
        i.dates = IncidentDates::default();
        assert_eq!(paths(&i), ["id", "title", "summary", "victims", "dates"]);
    }

    #[test]
    fn dates_out_of_order() {
        let mut i = minimal();
        i.dates.disclosed = fact("2013-01-01");
        assert_eq!(paths(&i), ["dates.disclosed", "dates.disclosed"]);
        // Same year at different precision is not out of order.
        let mut j = minimal();
        j.dates.start = fact("2015");
        j.dates.discovered = fact("2015-01-01");
        assert!(paths(&j).is_empty());
    }

    #[test]
    fn technique_ids_and_principles_and_quantities() {
        let mut i = minimal();
        i.steps.push(Step {
            description: "update channel".into(),
            techniques: vec!["T1195.002".into(), "T195".into()],
            methods: vec![Method::SupplyChainCompromise],
            source: src(),
        });
        i.asserted_principles.push(AssertedPrinciple {
            principle: PrincipleId(12),
            reason: "x".into(),
            by: "analyst".into(),
            concerns: Concerns::role(ConductRole::Initiator),
        });
        i.impacts.push(Impact {
            kind: ImpactKind::PersonalData,
            quantity: Some(21_500_000.0),
            unit: None,
            approximate: None,
            description: "SSNs".into(),
            source: src(),
        });
        assert_eq!(
            paths(&i),
            [
                "impacts[0].unit",
                "steps[0].techniques[1]",
                "asserted_principles[0].principle"
            ]
        );
    }

    #[test]
    fn an_approximation_qualifies_a_quantity_and_reads_in_words() {
        let mut i = minimal();
        i.impacts.push(Impact {
            kind: ImpactKind::Spread,
            quantity: None,
            unit: None,
            approximate: Some(Approximation::AtLeast),
            description: "more than 65 countries".into(),
            source: src(),
        });
        assert_eq!(paths(&i), ["impacts[0].approximate"]);
        i.impacts[0].quantity = Some(65.0);
        i.impacts[0].unit = Some("countries".into());
        assert!(paths(&i).is_empty());
        let v = serde_json::to_value(&i.impacts[0]).unwrap();
        assert_eq!(v["approximate"], "at-least");
        assert_eq!(Approximation::AtLeast.words(), "at least");
        let bad = serde_json::json!({"kind": "spread", "quantity": 65, "unit": "countries",
            "approximate": "roughly", "description": "x", "source": v["source"]});
        let err = serde_json::from_value::<Impact>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("roughly"), "{err}");
    }

    #[test]
    fn sources_need_urls_unless_unverified() {
        let mut i = minimal();
        i.victims[0].source.url = None;
        assert_eq!(paths(&i), ["victims[0].source.url"]);
        i.victims[0].source.verification = Verification::Unverified;
        assert!(paths(&i).is_empty());
        i.victims[0].source.url = Some("n/a".into());
        assert_eq!(paths(&i), ["victims[0].source.url"]);
    }

    #[test]
    fn bad_country_code_is_a_deserialisation_error_naming_the_code() {
        let mut v = serde_json::to_value(minimal()).unwrap();
        v["victims"][0]["country"] = "XX".into();
        let err = serde_json::from_value::<Incident>(v)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"XX\""), "{err}");
    }

    #[test]
    fn attack_ids() {
        assert!(is_attack_technique_id("T1486"));
        assert!(is_attack_technique_id("T1195.002"));
        for bad in ["t1486", "T148", "T1195.02", "T1195-002", "S0368"] {
            assert!(!is_attack_technique_id(bad), "{bad}");
        }
    }
}
