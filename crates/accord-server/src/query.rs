//! Query-string parameters as the JSON endpoints read them: a bad one is a 400 that names
//! it, an unknown one is refused (a typo is not silently ignored), and a page size is checked
//! against the list's bounds, each in one place so every endpoint says it the same way.

use std::collections::HashMap;

use crate::error::ApiError;

/// A 400 naming the parameter `field` and what is wrong with it.
pub(crate) fn bad(field: &str, detail: String) -> ApiError {
    ApiError::BadRequest {
        detail,
        field: Some(field.to_owned()),
    }
}

/// Refuses a parameter the endpoint does not know (the first by name, so the answer does not
/// depend on the map's order), listing those it does.
pub(crate) fn reject_unknown(q: &HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    match q.keys().filter(|k| !known.contains(&k.as_str())).min() {
        Some(k) => Err(bad(
            k,
            format!("unknown parameter {k:?}; known: {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

/// The page size a list asks for in its `limit` query parameter: `default` when absent, else
/// a whole number from 1 to `max`; anything else is a bad request naming `limit`.
pub(crate) fn page_limit(
    q: &HashMap<String, String>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let Some(l) = q.get("limit") else {
        return Ok(default);
    };
    l.parse::<usize>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| bad("limit", format!("limit: expected 1..={max}, got {l:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_of(value: Option<&str>) -> Result<usize, ApiError> {
        let q: HashMap<String, String> = value
            .map(|v| ("limit".to_owned(), v.to_owned()))
            .into_iter()
            .collect();
        page_limit(&q, 100, 1000)
    }

    #[test]
    fn page_limit_takes_the_default_or_a_size_from_one_to_the_maximum() {
        assert_eq!(limit_of(None).unwrap(), 100);
        assert_eq!(limit_of(Some("1")).unwrap(), 1);
        assert_eq!(limit_of(Some("1000")).unwrap(), 1000);
    }

    #[test]
    fn page_limit_refuses_anything_else_naming_limit_and_what_it_got() {
        for (value, got) in [
            ("0", "\"0\""),
            ("1001", "\"1001\""),
            ("-1", "\"-1\""),
            ("ten", "\"ten\""),
            ("", "\"\""),
            ("99999999999999999999999", "\"99999999999999999999999\""),
        ] {
            match limit_of(Some(value)) {
                Err(ApiError::BadRequest { detail, field }) => {
                    assert_eq!(field.as_deref(), Some("limit"), "{value}");
                    assert_eq!(detail, format!("limit: expected 1..=1000, got {got}"));
                }
                other => panic!("{value:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn an_unknown_parameter_is_named_the_first_by_name_of_several() {
        let q: HashMap<String, String> = ["zeta", "limit", "alpha", "mid"]
            .into_iter()
            .map(|k| (k.to_owned(), String::new()))
            .collect();
        match reject_unknown(&q, &["limit"]) {
            Err(ApiError::BadRequest { detail, field }) => {
                assert_eq!(field.as_deref(), Some("alpha"));
                assert_eq!(detail, "unknown parameter \"alpha\"; known: limit");
            }
            other => panic!("{other:?}"),
        }
        assert!(reject_unknown(&q, &["alpha", "limit", "mid", "zeta"]).is_ok());
    }
}
