//! Dates with a stated precision.
//!
//! Incident records rarely know the day: Stuxnet's discovery is "June 2010", OPM's intrusion
//! "2014". A [`FuzzyDate`] keeps exactly what the source says (a year, a month or a day) so that
//! the record never claims more precision than it has.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How precise a [`FuzzyDate`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Only the year is known.
    Year,
    /// The year and month are known.
    Month,
    /// The exact day is known.
    Day,
}

/// A calendar date known to a year, a month or a day: `2010`, `2010-06`, `2010-06-17`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FuzzyDate {
    year: i16,
    month: Option<i8>,
    day: Option<i8>,
}

/// Why a text is not a [`FuzzyDate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a date: expected YYYY, YYYY-MM or YYYY-MM-DD ({reason})")]
pub struct DateError {
    /// The text that was given.
    pub input: String,
    /// What was wrong with it.
    pub reason: String,
}

impl FuzzyDate {
    /// A date known to the day.
    pub fn from_date(d: Date) -> Self {
        FuzzyDate {
            year: d.year(),
            month: Some(d.month()),
            day: Some(d.day()),
        }
    }

    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, rejecting impossible dates.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let err = |reason: &str| DateError {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = input.split('-').collect();
        let num = |s: &str, len: usize, what: &str| -> Result<i16, DateError> {
            if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(&format!("{what} must have {len} digits")));
            }
            s.parse::<i16>().map_err(|_| err(&format!("bad {what}")))
        };
        let (year, month, day) = match parts.as_slice() {
            [y] => (num(y, 4, "year")?, None, None),
            [y, m] => (num(y, 4, "year")?, Some(num(m, 2, "month")?), None),
            [y, m, d] => (
                num(y, 4, "year")?,
                Some(num(m, 2, "month")?),
                Some(num(d, 2, "day")?),
            ),
            _ => return Err(err("too many parts")),
        };
        if year < 1900 {
            return Err(err("year before 1900"));
        }
        let month = month.map(|m| m as i8);
        let day = day.map(|d| d as i8);
        if let Some(m) = month
            && !(1..=12).contains(&m)
        {
            return Err(err("month must be 01-12"));
        }
        if let (Some(m), Some(d)) = (month, day) {
            Date::new(year, m, d).map_err(|_| err("no such day"))?;
        }
        Ok(FuzzyDate { year, month, day })
    }

    /// The year.
    pub fn year(&self) -> i16 {
        self.year
    }

    /// How precise the date is.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (Some(_), Some(_)) => Precision::Day,
            (Some(_), None) => Precision::Month,
            _ => Precision::Year,
        }
    }

    /// The first day the date can mean (`2010-06` → 2010-06-01).
    pub fn earliest(&self) -> Date {
        let m = self.month.unwrap_or(1);
        let d = self.day.unwrap_or(1);
        Date::new(self.year, m, d).unwrap_or(Date::MIN)
    }

    /// The last day the date can mean (`2010-06` → 2010-06-30).
    pub fn latest(&self) -> Date {
        match (self.month, self.day) {
            (Some(m), Some(d)) => Date::new(self.year, m, d).unwrap_or(Date::MAX),
            (Some(m), None) => Date::new(self.year, m, 1)
                .map(|first| first.last_of_month())
                .unwrap_or(Date::MAX),
            _ => Date::new(self.year, 12, 31).unwrap_or(Date::MAX),
        }
    }

    /// True when this date is certainly before `other` (every day it may mean comes first).
    pub fn certainly_before(&self, other: &FuzzyDate) -> bool {
        self.latest() < other.earliest()
    }
}

impl PartialOrd for FuzzyDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for FuzzyDate {
    /// Orders by the earliest day each may mean, then less precise first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.earliest()
            .cmp(&other.earliest())
            .then(self.precision().cmp(&other.precision()))
    }
}

impl fmt::Display for FuzzyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for FuzzyDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FuzzyDate({self})")
    }
}

impl FromStr for FuzzyDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FuzzyDate::parse(s)
    }
}

impl Serialize for FuzzyDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FuzzyDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FuzzyDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_precision() {
        assert_eq!(
            FuzzyDate::parse("2010").unwrap().precision(),
            Precision::Year
        );
        assert_eq!(
            FuzzyDate::parse("2010-06").unwrap().precision(),
            Precision::Month
        );
        assert_eq!(
            FuzzyDate::parse("2010-06-17").unwrap().precision(),
            Precision::Day
        );
        assert_eq!(FuzzyDate::parse("2010-06").unwrap().to_string(), "2010-06");
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "2010-13",
            "2010-02-30",
            "10-06",
            "2010/06",
            "",
            "2010-6",
            "1800",
        ] {
            assert!(FuzzyDate::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn ranges_and_ordering() {
        let june = FuzzyDate::parse("2010-06").unwrap();
        assert_eq!(june.latest().to_string(), "2010-06-30");
        let y = FuzzyDate::parse("2010").unwrap();
        // A year does not certainly precede a month inside it.
        assert!(!y.certainly_before(&june));
        assert!(FuzzyDate::parse("2009").unwrap().certainly_before(&june));
        assert!(y < june);
    }
}
