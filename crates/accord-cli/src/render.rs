//! Plain-text renderings for the terminal.

use std::fmt::Write as _;

use accord_core::accord::Accord;
use accord_core::party::Party;
use accord_core::record::IncidentRecord;
use accord_core::source::Source;
use jiff::civil::Date;

/// The principles as a numbered list.
pub fn principles(accord: &Accord) -> String {
    let mut out = format!("{} (launched {})\n\n", accord.name, accord.launched);
    for p in &accord.principles {
        let _ = writeln!(
            out,
            "{:<4}{}  [{}]",
            p.id.to_string(),
            p.short_name,
            p.source.verification
        );
        let _ = writeln!(out, "    {}", p.gist);
    }
    out
}

/// The parties as a table; the id comes last, whole, since ids of the listed supporters are
/// long slugs.
pub fn parties(parties: &[Party], today: Date) -> String {
    let mut out = format!(
        "{:<34} {:<26} {:<15} {:<24} ID\n",
        "NAME", "KIND", "STATUS", "SINCE"
    );
    for p in parties {
        let since = match &p.support {
            Some(s) => match s.since_meaning {
                accord_core::party::SinceMeaning::Joined => format!("{} (joined)", s.since),
                accord_core::party::SinceMeaning::FirstSeenUpperBound => {
                    format!("by {} (first seen)", s.since)
                }
            },
            None if p.absent_at_launch.is_some() => "absent at launch".to_owned(),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{:<34} {:<26} {:<15} {:<24} {}",
            truncate(&p.name, 34),
            p.kind.as_str(),
            p.status_on(today).as_str(),
            since,
            p.id,
        );
    }
    let _ = writeln!(
        out,
        "\n{} parties. \"first seen\" dates are when the official site first listed a supporter: upper bounds, not accession dates.",
        parties.len()
    );
    out
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Incidents as a table.
pub fn incident_table(records: &[IncidentRecord]) -> String {
    let mut out = format!("{:<36} {:<5} {:<22} TITLE\n", "ID", "YEAR", "PRINCIPLES");
    for r in records {
        let ps: Vec<String> = r.principles().iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "{:<36} {:<5} {:<22} {}",
            r.incident.id,
            r.incident.year().map(|y| y.to_string()).unwrap_or_default(),
            ps.join(","),
            r.incident.title
        );
    }
    let _ = writeln!(out, "\n{} incident(s)", records.len());
    out
}

/// Mirrored incidents as a table: each with the hub and entry it comes from.
pub fn mirrored_incident_table(items: &[accord_server::IncidentItem]) -> String {
    let mut out = format!(
        "{:<36} {:<5} {:<22} {:<40} TITLE\n",
        "ID", "YEAR", "PRINCIPLES", "FROM"
    );
    for item in items {
        let r = &item.record;
        let ps: Vec<String> = r.principles().iter().map(ToString::to_string).collect();
        let from = item
            .mirrored
            .as_ref()
            .map(|m| m.provenance.clone())
            .unwrap_or_else(|| "this hub".to_owned());
        let _ = writeln!(
            out,
            "{:<36} {:<5} {:<22} {:<40} {}",
            r.incident.id,
            r.incident.year().map(|y| y.to_string()).unwrap_or_default(),
            ps.join(","),
            from,
            r.incident.title
        );
    }
    let _ = writeln!(out, "\n{} incident(s)", items.len());
    out
}

fn src(s: &Source) -> String {
    match &s.url {
        Some(u) => format!("[{}; {} as of {}]", s.verification, u, s.as_of),
        None => format!("[{}; no source page, as of {}]", s.verification, s.as_of),
    }
}

/// One incident in full, each fact with its source and verification level.
pub fn incident(r: &IncidentRecord, accord: &Accord) -> String {
    let i = &r.incident;
    let mut o = String::new();
    let _ = writeln!(o, "{}\n{}\n", i.title, "=".repeat(i.title.chars().count()));
    let _ = writeln!(o, "{}\n", i.summary);
    for (label, f) in [
        ("started", &i.dates.start),
        ("discovered", &i.dates.discovered),
        ("disclosed", &i.dates.disclosed),
    ] {
        if let Some(f) = f {
            let note = f
                .note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default();
            let _ = writeln!(
                o,
                "{label:<11} {} {}{note} {}",
                f.bound,
                f.date,
                src(&f.source)
            );
        }
    }
    let _ = writeln!(o, "\nVictims");
    for v in &i.victims {
        let c = v
            .country
            .map(|c| c.to_string())
            .unwrap_or_else(|| "—".into());
        let _ = writeln!(o, "  - {} ({c}, {}) {}", v.name, v.sector, src(&v.source));
        match &v.target_class {
            Some(tc) => {
                let _ = writeln!(
                    o,
                    "    target class: {} — {} {}",
                    tc.class,
                    tc.note,
                    src(&tc.source)
                );
                for view in &tc.views {
                    let _ = writeln!(
                        o,
                        "      another view: {} — {} {}",
                        view.class,
                        view.note,
                        src(&view.source)
                    );
                }
            }
            None => {
                let _ = writeln!(
                    o,
                    "    target class: {} (recorded before target classes)",
                    accord_core::targeting::UNCLASSIFIED
                );
            }
        }
    }
    match &i.armed_conflict {
        Some(a) => {
            let conflict = a
                .conflict
                .as_deref()
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            let _ = writeln!(o, "\nDuring an armed conflict: {}{conflict}", a.status);
            let _ = writeln!(o, "  {} {}", a.note, src(&a.source));
            for view in &a.views {
                let _ = writeln!(
                    o,
                    "  another view: {} — {} {}",
                    view.status,
                    view.note,
                    src(&view.source)
                );
            }
        }
        None => {
            let _ = writeln!(
                o,
                "\nDuring an armed conflict: not stated (recorded before the question was asked)"
            );
        }
    }
    if !i.impacts.is_empty() {
        let _ = writeln!(o, "\nImpact");
        for im in &i.impacts {
            let figure = im.figure().map(|f| format!("{f}: ")).unwrap_or_default();
            let _ = writeln!(
                o,
                "  - [{}] {figure}{} {}",
                im.kind,
                im.description,
                src(&im.source)
            );
        }
    }
    if !i.initiators.is_empty() {
        let _ = writeln!(o, "\nInitiators");
        for x in &i.initiators {
            let nexus = x
                .state_nexus
                .map(|c| format!(", state nexus {c}"))
                .unwrap_or_default();
            let _ = writeln!(o, "  - {} ({}{nexus}) {}", x.name, x.kind, src(&x.source));
        }
    }
    if !i.attributions.is_empty() {
        let _ = writeln!(o, "\nAttributions");
        for (n, a) in i.attributions.iter().enumerate() {
            let date = a
                .date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "undated".into());
            let tier = a
                .tier()
                .map(|t| format!("; tier {} {t}", t.number()))
                .unwrap_or_default();
            let contests: Vec<String> = i
                .attribution_contests(n)
                .iter()
                .map(ToString::to_string)
                .collect();
            let contested = if contests.is_empty() {
                String::new()
            } else {
                format!("; contested: {}", contests.join(", "))
            };
            let _ = writeln!(
                o,
                "  - {} ({date}; basis {}{tier}; confidence {}{contested}): {} {}",
                a.by,
                a.basis,
                a.confidence,
                a.statement,
                src(&a.source)
            );
        }
    }
    if !i.denials.is_empty() {
        let _ = writeln!(o, "\nDenials");
        for d in &i.denials {
            let date = d
                .date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "undated".into());
            let _ = writeln!(
                o,
                "  - {} ({date}): {} {}",
                d.by,
                d.statement,
                src(&d.source)
            );
        }
    }
    if !i.steps.is_empty() {
        let _ = writeln!(o, "\nSteps");
        for (n, s) in i.steps.iter().enumerate() {
            let t = if s.techniques.is_empty() {
                String::new()
            } else {
                format!(" [{}]", s.techniques.join(", "))
            };
            let _ = writeln!(o, "  {}. {}{t} {}", n + 1, s.description, src(&s.source));
        }
    }
    let name = |p: accord_core::accord::PrincipleId| {
        accord
            .principle(p)
            .map(|p| p.short_name.clone())
            .unwrap_or_default()
    };
    let _ = writeln!(o, "\nSuggested principles (rules)");
    for s in &r.suggested_principles {
        let _ = writeln!(
            o,
            "  - {} {} (concerns {}): {} [rule {}]",
            s.principle,
            name(s.principle),
            s.concerns,
            s.reason,
            s.rule
        );
    }
    if !i.asserted_principles.is_empty() {
        let _ = writeln!(o, "\nAsserted principles (reporters)");
        for a in &i.asserted_principles {
            let _ = writeln!(
                o,
                "  - {} {} (concerns {}): {} (by {})",
                a.principle,
                name(a.principle),
                a.concerns,
                a.reason,
                a.by
            );
        }
    }
    o
}
