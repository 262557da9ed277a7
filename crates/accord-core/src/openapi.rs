//! OpenAPI schemas for the domain types that serialise as plain strings.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::accord::PrincipleId;
use crate::country::CountryCode;
use crate::date::FuzzyDate;

fn string(description: &str, pattern: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .pattern(Some(pattern))
        .examples([serde_json::Value::from(example)])
        .into()
}

impl PartialSchema for CountryCode {
    fn schema() -> RefOr<Schema> {
        string("ISO 3166-1 alpha-2 country code", "^[A-Z]{2}$", "FR")
    }
}
impl ToSchema for CountryCode {}

impl PartialSchema for FuzzyDate {
    fn schema() -> RefOr<Schema> {
        string(
            "A date known to the year, month or day: YYYY, YYYY-MM or YYYY-MM-DD",
            "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
            "2017-06",
        )
    }
}
impl ToSchema for FuzzyDate {}

impl PartialSchema for PrincipleId {
    fn schema() -> RefOr<Schema> {
        string("A principle of the accord", "^P[1-9][0-9]?$", "P1")
    }
}
impl ToSchema for PrincipleId {}
