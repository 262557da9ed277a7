//! Where Accord follows the STIX 2.1 text rather than the OASIS reference
//! matcher (`stix2-matcher` 3.0.0), and the other choices the text leaves open.
//!
//! Differential tests against the reference must treat exactly these cases
//! as expected disagreements.
//!
//! # Deviations from the reference matcher
//!
//! 1. **`EXISTS` inside `AND`/`OR`** (§9, comparison operators; grammar
//!    `propTestExists`). The grammar makes `EXISTS path` a comparison like
//!    any other, so it may be combined with `AND`/`OR`. The reference
//!    evaluates it alone but raises an error inside `AND`/`OR`; Accord
//!    evaluates it everywhere.
//! 2. **`ISSUPERSET` with a plain address** (§9, `ISSUPERSET`). The text
//!    compares IP addresses and CIDR ranges; a single address is the range of
//!    that one address (`/32`, `/128`). The reference raises when the
//!    observed value is not written as a CIDR; Accord treats it as a
//!    host-length range, so `'198.51.100.7' ISSUPERSET '198.51.100.7'` holds.
//! 3. **`/0` ranges** (§9, `ISSUBSET`). `0.0.0.0/0` and `::/0` are valid
//!    CIDR ranges; the reference rejects them, Accord accepts them (every
//!    address of the family is a subset).
//! 4. **IPv6 ranges** (§9, `ISSUBSET`/`ISSUPERSET`; `ipv6-addr` values are
//!    addresses or CIDR ranges). The reference's containment test handles
//!    IPv4 only (it packs addresses into 32 bits and accepts prefixes 1–32);
//!    Accord compares IPv6 addresses and ranges as it does IPv4 ones, and
//!    never matches across families.
//! 5. **`MATCHES` engine** (§9, `MATCHES`: PCRE). The reference runs
//!    Python `re.search`. Accord runs a linear-time engine and rejects at
//!    parse time what it cannot honour (look-around, backreferences, atomic
//!    groups, possessive quantifiers, conditionals, `\Z`); see
//!    [`crate::pattern::regex`] for the remaining syntax differences (`$`
//!    before a final newline, nested classes, `{,n}`).
//! 6. **Undecodable and binary values.** The reference decodes `*_hex` and
//!    `*_bin` properties and raises an error when one is malformed; Accord
//!    treats such a value as matching nothing. `LIKE` and `MATCHES` on a
//!    decoded binary value match in the reference (`LIKE` on its UTF-8
//!    text, `MATCHES` as a byte-regex search) and never match in Accord.
//!
//! 7. **Streams: windows instead of the whole set** (§9 evaluates a pattern
//!    over a set of observations; a growing log is no set). A
//!    [`crate::stream::Stream`] fed one observation at a time keeps, for a
//!    pattern that combines observations, only those inside its window:
//!    `WITHIN`/`START`-`STOP` bound it exactly (for input in `first_observed`
//!    order), and a pattern with no time bound (`AND`, `FOLLOWEDBY`,
//!    `REPEATS` without `WITHIN`) is evaluated as if `WITHIN` the configured
//!    window (one hour by default). The reference, reading the whole set,
//!    would also combine observations further apart, or arriving out of
//!    order by more than the window, or dropped at the state limit (which
//!    is counted and reported). Each observation takes part in at most one
//!    sighting per indicator; the reference reports one match per pattern
//!    and set. For input in time order that fits in the windows the verdict
//!    is the reference's (the differential test checks it).
//!
//! # Choices shared with the reference
//!
//! - Comparisons joined by `AND` inside one `[...]` must hold for the same
//!   object; `OR` may be satisfied by different objects of one observation.
//! - A comparison on a property the object lacks is false, with or without
//!   `NOT`; `NOT` inverts the operator for values that exist, and `!=` is
//!   the negation of `=`, so a value of another type is "not equal"
//!   (`file:size != '1'` holds for a numeric size). Ordering across types
//!   is false (and `NOT >` across types is therefore true).
//! - Strings compare with `h'…'`/`b'…'` constants and decoded binary values
//!   code point by code point when every code point is below 256 (§9).
//! - Before `LIKE` and `MATCHES`, both the expression and the value are
//!   normalised to Unicode NFC, so a decomposed `é` (`e` + U+0301) in one
//!   matches a precomposed `é` (U+00E9) in the other. `=`, `!=`, `IN` and
//!   the orderings compare code points as written (neither normalises).
//!   Normalisation is stable for characters both Unicode versions know
//!   (the reference uses its Python's tables, 14.0 for Python 3.11; Accord
//!   those of `unicode-normalization`), so only characters assigned since
//!   could normalise differently.
//! - `LIKE` and `=` on strings are case-sensitive; dictionary keys such as
//!   hash names are compared exactly (`'sha-256'` is not `'SHA-256'`).
//! - `MATCHES` is an unanchored search; `LIKE` matches the whole value.
//! - Time intervals: `FOLLOWEDBY`, `WITHIN` and `START`/`STOP` hold when some
//!   choice of instants inside each `[first_observed, last_observed]`
//!   satisfies them; `START` is inclusive and `STOP` exclusive.
//! - `number_observed = n` counts as `n` distinct observation instances.
//! - A negative list index (`[-1]`), which the 2.1 grammar admits, selects
//!   nothing.
//!
//! # Stricter than the grammar
//!
//! - `ISSUBSET`/`ISSUPERSET` constants must be an IP address or CIDR range
//!   at parse time (the reference raises at match time).
//! - `WITHIN` must be positive and `REPEATS` at least 1 at parse time (the
//!   reference raises at match time).
