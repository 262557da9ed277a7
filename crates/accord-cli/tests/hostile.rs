//! The hostile-client suite (issue 16): each module tries one class of attack a party on the
//! hub could make, against a running `accord serve`, and checks that it fails closed. The
//! suite runs on both backends (`scripts/test.sh` runs it again with
//! `ACCORD_TEST_BACKEND=postgres`). Each test is named after the finding it pins.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod hostile {
    mod disclosure;
    mod held;
    mod lifecycle;
    mod markings;
    mod ownership;
    mod requests;
    mod resources;
    mod witness;
}
