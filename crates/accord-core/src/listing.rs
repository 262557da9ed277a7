//! The Paris Call's official supporters list as the site's data gives it, and the rules that
//! turn one of its rows into a [`Party`]'s kind and nationality.
//!
//! The list (`data/sources/paris-call-supporters-all.tsv`, one row per supporter: name,
//! category, nature, nationality, first-seen date) is the source of `data/parties.json`'s
//! supporters; `cargo run -p accord-core --example import_supporters` applies these rules to
//! it, and the bundled-data tests check every row against the parties file with them.
//!
//! [`Party`]: crate::party::Party

use jiff::civil::Date;

use crate::country::CountryCode;
use crate::party::PartyKind;
use crate::validate::Problems;

/// One row of the official supporters list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedSupporter {
    /// The name as listed (state names in French).
    pub name: String,
    /// The list's category (`state`, `private-sector`, `civil-society`, `public-authority`);
    /// `None` where the list gives none.
    pub category: Option<String>,
    /// The list's French label of the supporter's nature, if any.
    pub nature: Option<String>,
    /// The nationality as written (alpha-3, a retired code, sometimes blank).
    pub nationality: Option<String>,
    /// The day the site's data first listed the name: it joined on or before it.
    pub first_seen: Date,
}

impl ListedSupporter {
    /// The kind of party the row is, from its category and, for international organisations,
    /// its nature (the list files the World Economic Forum and Finabel under civil society and
    /// INTERPOL under public authority, each with the nature "international organisation").
    /// The European Union, which the list files under public authority with no nature, is an
    /// international organisation too: it is a union of states, not an authority below one.
    pub fn kind(&self) -> PartyKind {
        let nature = self.nature.as_deref().map(str::trim).unwrap_or("");
        if ["Organisation internationale", "International Organization"].contains(&nature)
            || self.name.trim() == "European Union"
        {
            return PartyKind::InternationalOrganisation;
        }
        match self.category.as_deref() {
            Some("state") => PartyKind::State,
            Some("private-sector") => PartyKind::Company,
            Some("civil-society") => PartyKind::CivilSociety,
            Some("public-authority") => PartyKind::PublicAuthority,
            _ => PartyKind::Organisation,
        }
    }

    /// The row's nationality as an ISO 3166-1 alpha-2 code, if it has one (see
    /// [`nationality`]).
    pub fn country(&self) -> Option<CountryCode> {
        self.nationality.as_deref().and_then(nationality)
    }
}

/// Converts a nationality as the list writes it to ISO 3166-1 alpha-2: an alpha-3 code, an
/// alpha-2 code, or one of the retired or made-up codes the list uses (`ROM`, Romania's code
/// before 2002; `SCG`, Serbia and Montenegro's, on Serbia's row; `MTG` on Montenegro's).
/// `None` for a blank or unknown code.
pub fn nationality(code: &str) -> Option<CountryCode> {
    let code = code.trim().to_ascii_uppercase();
    let alpha2 = match code.as_str() {
        "" => return None,
        "ROM" => "RO",
        "SCG" => "RS",
        "MTG" => "ME",
        c if c.len() == 2 => c,
        c => celes::Country::from_alpha3(c).ok()?.alpha2,
    };
    CountryCode::parse(alpha2).ok()
}

/// Parses the list's text: a header line `name, category, nature, nationality, first_seen`
/// separated by tabs, then one row per supporter. Every problem is reported with its line.
pub fn parse_tsv(text: &str) -> Result<Vec<ListedSupporter>, Problems> {
    const HEADER: [&str; 5] = ["name", "category", "nature", "nationality", "first_seen"];
    let mut problems = Problems::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.split('\t').eq(HEADER) => {}
        _ => problems.push(
            "line 1",
            format!("expected the header {:?}", HEADER.join("\t")),
        ),
    }
    let mut rows = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("line {}", i + 1);
        let cells: Vec<&str> = line.split('\t').collect();
        let [name, category, nature, nationality, first_seen] = cells[..] else {
            problems.push(
                at,
                format!("expected 5 tab-separated cells, found {}", cells.len()),
            );
            continue;
        };
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        if name.trim().is_empty() {
            problems.push(format!("{at}.name"), "the name is empty");
            continue;
        }
        let Ok(first_seen) = first_seen.trim().parse::<Date>() else {
            problems.push(
                format!("{at}.first_seen"),
                format!("{first_seen:?} is not a date (YYYY-MM-DD)"),
            );
            continue;
        };
        rows.push(ListedSupporter {
            name: name.to_owned(),
            category: opt(category),
            nature: opt(nature),
            nationality: opt(nationality),
            first_seen,
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(category: &str, nature: &str, nationality: &str) -> ListedSupporter {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        ListedSupporter {
            name: "X".into(),
            category: opt(category),
            nature: opt(nature),
            nationality: opt(nationality),
            first_seen: "2019-09-16".parse().unwrap(),
        }
    }

    #[test]
    fn nationalities_convert_to_alpha2_including_the_lists_retired_codes() {
        let code = |s: &str| nationality(s).map(|c| c.to_string());
        assert_eq!(code("DEU").as_deref(), Some("DE"));
        assert_eq!(code("usa").as_deref(), Some("US"));
        assert_eq!(code("ROM").as_deref(), Some("RO"));
        assert_eq!(code("SCG").as_deref(), Some("RS"));
        assert_eq!(code("MTG").as_deref(), Some("ME"));
        assert_eq!(code("FR").as_deref(), Some("FR"));
        assert_eq!(code(""), None);
        assert_eq!(code("XYZ"), None);
    }

    #[test]
    fn kinds_follow_category_and_international_nature() {
        assert_eq!(row("state", "UE", "DEU").kind(), PartyKind::State);
        assert_eq!(
            row("private-sector", "Entreprise", "").kind(),
            PartyKind::Company
        );
        assert_eq!(
            row("civil-society", "ONG", "").kind(),
            PartyKind::CivilSociety
        );
        assert_eq!(
            row("public-authority", "Etat fédéré", "").kind(),
            PartyKind::PublicAuthority
        );
        assert_eq!(
            row("civil-society", "Organisation internationale", "").kind(),
            PartyKind::InternationalOrganisation
        );
        assert_eq!(
            row("public-authority", "International Organization", "").kind(),
            PartyKind::InternationalOrganisation
        );
        assert_eq!(row("", "", "IND").kind(), PartyKind::Organisation);
    }

    #[test]
    fn parse_reports_bad_rows_by_line() {
        let ok = "name\tcategory\tnature\tnationality\tfirst_seen\nGoogle\tprivate-sector\tEntreprise\tUSA\t2019-09-16\n";
        let rows = parse_tsv(ok).unwrap();
        assert_eq!(
            rows[0].country().map(|c| c.to_string()).as_deref(),
            Some("US")
        );
        let bad = "name\tcategory\tnature\tnationality\tfirst_seen\nA\tstate\t\tFRA\t2019-13-01\nB\tstate\n";
        let p = parse_tsv(bad).unwrap_err();
        assert_eq!(p.0[0].path, "line 2.first_seen");
        assert_eq!(p.0[1].path, "line 3");
        assert!(parse_tsv("nom\n").is_err());
    }
}
