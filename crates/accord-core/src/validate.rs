//! Validation that reports every problem at once, each with the path of the offending field.
//!
//! Users fix a record in one pass when they see all that is wrong with it, so validators push
//! into a [`Problems`] list instead of returning at the first error.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One thing wrong with a record: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Path of the offending field, e.g. `victims[0].country`.
    pub path: String,
    /// What is wrong with it, in plain words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Everything wrong with a record; empty when it is valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem at `path`.
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// True when nothing was found wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Turns the list into a result: `Ok(())` when empty.
    pub fn into_result(self) -> Result<(), ValidationError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationError { problems: self.0 })
        }
    }

    /// Checks that a required text field is not blank.
    pub fn require_text(&mut self, path: &str, value: &str) {
        if value.trim().is_empty() {
            self.push(path, "is required and must not be blank");
        }
    }
}

/// A record failed validation; holds every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s): {}", problems.len(), problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ValidationError {
    /// Every problem found, in field order.
    pub problems: Vec<Problem>,
}

/// Checks that `id` is a slug: lower-case ASCII letters, digits and single hyphens.
pub fn check_slug(path: &str, id: &str, problems: &mut Problems) {
    let ok = !id.is_empty()
        && id.len() <= 100
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--");
    if !ok {
        problems.push(
            path,
            format!(
                "{id:?} is not a valid id: use 1-100 lower-case letters, digits and single hyphens"
            ),
        );
    }
}
