//! The backend conformance suite (feature `testkit`): every test the SQLite backend passes,
//! written once against `Arc<dyn Store>`, so that each backend runs the same suite and a
//! behaviour one backend has and another lacks shows up as a failing test.
//!
//! A backend's test crate implements [`StoreFactory`] (how to make a fresh, empty store and
//! reopen it) and expands [`conformance_suite!`](crate::conformance_suite) once:
//!
//! ```ignore
//! struct Sqlite;
//! #[async_trait::async_trait]
//! impl accord_store::testkit::StoreFactory for Sqlite {
//!     async fn fresh(&self) -> Option<accord_store::testkit::TestStore> { /* … */ }
//! }
//! accord_store::conformance_suite!(Sqlite);
//! ```
//!
//! A factory returns `None` when its backend is not available here (a PostgreSQL server not
//! configured); each test then returns at once, after the factory has said why.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::any::Any;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use accord_core::dataset::Dataset;
use async_trait::async_trait;

use crate::log::{OPERATOR_PARTY, Operator};
use crate::sequencer::Sequencer;
use crate::store::Store;
use crate::write::seed_bundled;

pub mod amend;
pub mod log;
pub mod mirror;
pub mod peers;
pub mod requests;
pub mod sharing;
pub mod store;
pub mod targeting;
pub mod upgrade;
pub mod witnessing;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a [`TestStore`] opens its data again, as a restarted hub would.
pub type Reopen = Box<dyn Fn() -> BoxFuture<'static, Arc<dyn Store>> + Send + Sync>;

/// A fresh store made for one test, with what keeps its data alive (a temporary directory, a
/// test database) and a way to open the same data again.
pub struct TestStore {
    /// The store.
    pub store: Arc<dyn Store>,
    reopen: Reopen,
    _keep: Box<dyn Any + Send + Sync>,
}

impl TestStore {
    /// A store, how to reopen its data, and a value to hold until the test ends (dropping it
    /// may delete the data).
    pub fn new(store: Arc<dyn Store>, reopen: Reopen, keep: impl Any + Send + Sync) -> Self {
        TestStore {
            store,
            reopen,
            _keep: Box::new(keep),
        }
    }

    /// Opens the same data again through a new store value.
    pub async fn reopen(&self) -> Arc<dyn Store> {
        (self.reopen)().await
    }
}

/// Makes fresh, empty stores of one backend for the suite.
#[async_trait]
pub trait StoreFactory: Send + Sync {
    /// A new, empty store (migrated, not seeded); `None` when the backend is not available
    /// in this environment, after printing why the test is skipped.
    async fn fresh(&self) -> Option<TestStore>;
}

/// The repository's root (for `data/`).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The bundled dataset in `data/`.
pub fn bundled() -> Dataset {
    crate::dataset_dir::load_dataset_dir(&repo().join("data")).unwrap()
}

/// A fixed operator key for the origin `test.example/log`.
pub fn operator() -> Arc<Operator> {
    Arc::new(Operator {
        party: OPERATOR_PARTY.to_owned(),
        signer: accord_tlog::note::Signer::from_seed("test.example/log", &[42; 32]).unwrap(),
    })
}

/// Audits `store`'s whole log against `operator`'s key, as `accord log verify` would
/// offline (no witnesses, no earlier checkpoint).
pub async fn audit_store(store: &dyn Store, operator: &Operator) -> crate::audit::AuditReport {
    crate::audit::audit(
        &crate::audit::StoreSource(store),
        &operator.signer.verifier(),
        &[],
        None,
        &|_, _| {},
    )
    .await
    .unwrap()
}

/// A store seeded with the bundled dataset, with a sequencer writing to it.
pub struct Hub {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Its sequencer.
    pub seq: Sequencer,
    /// The operator key that signs its checkpoints.
    pub op: Arc<Operator>,
    /// The test store (for reopening).
    pub test: TestStore,
}

/// A fresh store from `f`, seeded, with a sequencer; `None` when the backend is unavailable.
pub async fn seeded_hub(f: &dyn StoreFactory) -> Option<Hub> {
    let test = f.fresh().await?;
    let store = test.store.clone();
    let op = operator();
    seed_bundled(store.as_ref(), op.clone(), &bundled())
        .await
        .unwrap();
    let seq = Sequencer::start(store.clone(), op.clone());
    Some(Hub {
        store,
        seq,
        op,
        test,
    })
}

/// Expands to one `#[tokio::test]` per conformance test, each running it against stores made
/// by `$factory` (an expression whose value implements [`StoreFactory`]).
#[macro_export]
macro_rules! conformance_suite {
    ($factory:expr) => {
        $crate::conformance_suite!(@tests $factory;
            store::seeds_once_and_survives_reopen,
            store::a_seeded_hub_gains_new_bundled_parties_through_the_log,
            store::conflicting_insert_changes_nothing,
            amend::an_old_dataset_version_is_amended_to_the_bundled_one,
            amend::an_upgrade_cut_short_resumes,
            amend::an_unexplained_change_amends_nothing,
            amend::only_the_recorder_amends_a_record,
            amend::a_forged_amendment_fails_the_audit,
            amend::a_v1_accord_and_rules_are_amended_to_the_bundled_ones,
            amend::an_unexplained_accord_change_amends_nothing,
            amend::only_the_operator_amends_the_accord,
            targeting::classes_reach_a_hub_seeded_before_them_by_amendment,
            targeting::a_new_incident_needs_classes_and_one_logged_before_the_rule_still_replays,
            store::filters_combine_and_every_match_satisfies_them,
            store::pages_follow_cursors_newest_first,
            store::unseeded_store_says_so,
            store::tokens_bind_parties,
            store::tokens_expire_and_are_revoked,
            log::checkpoint_is_signed_and_covers_every_entry,
            log::another_operator_key_is_refused,
            log::nodes_seeding_together_seed_once,
            log::proofs_verify_against_published_checkpoints,
            log::tiles_and_bundles_rebuild_the_tree,
            log::signatures_keys_and_replays,
            log::concurrent_writes_are_batched_without_gaps,
            log::cosignatures_come_only_from_configured_witnesses,
            log::polluted_checkpoints_are_rebuilt_and_bounded,
            log::audit_accepts_keys_whose_base64_contains_a_slash,
            requests::a_request_lives_to_production_and_every_step_is_a_red_log_entry,
            requests::illegal_wrong_side_and_repeated_moves_write_nothing,
            requests::a_request_is_checked_against_the_law_and_filed_by_its_requesting_state,
            requests::lists_filter_by_party_status_and_marking_and_overdue_follows_the_clock,
            requests::requests_survive_a_reopen,
            requests::of_two_racing_moves_from_one_status_exactly_one_lands,
            requests::a_backdated_filing_is_refused_and_deadlines_run_from_receipt,
            requests::a_second_transition_to_the_same_status_is_refused,
            requests::request_steps_are_a_sides_entries_below_a_size_by_index,
            sharing::tlp_decides_who_sees_each_object_on_every_read,
            sharing::invalid_objects_are_listed_and_valid_ones_recorded_and_replays_are_harmless,
            sharing::an_envelope_lands_in_its_order_under_one_checkpoint,
            sharing::one_version_sent_twice_in_an_envelope_is_stored_once,
            sharing::versions_filters_and_pages_follow_taxii_and_hide_what_tlp_withholds,
            sharing::only_the_producer_of_an_ids_first_version_versions_or_deletes_it,
            sharing::two_parties_racing_on_one_new_id_get_one_winner,
            sharing::a_different_object_under_a_recorded_version_is_refused,
            sharing::object_times_and_recipients_are_bounded,
            witnessing::add_checkpoint_answers_as_tlog_witness_requires,
            witnessing::of_two_racing_add_checkpoints_exactly_one_lands,
            mirror::a_peer_log_mirrors_with_provenance_and_resumes_from_the_accepted_size,
            mirror::a_pull_refuses_tampering_split_views_and_rollbacks_naming_them,
            mirror::a_pull_refuses_an_amendment_by_another_than_the_recorder_and_keeps_no_marked_body,
            mirror::mirrored_objects_are_stored_once_per_collection_with_their_provenance,
            mirror::mirrored_requests_are_stored_once_with_their_provenance,
            mirror::advance_mirror_keeps_the_verifier_key_the_entries_were_verified_under,
            mirror::a_mirrored_incident_this_hub_would_refuse_is_left_out,
            peers::peers_are_registered_listed_and_removed_by_signed_entries,
            peers::a_peer_showing_two_views_is_marked_forked_with_evidence,
            peers::mirrored_objects_are_served_only_from_the_current_mirrored_peer,
        );
    };
    (@tests $factory:expr; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                let factory = $factory;
                $crate::testkit::$module::$name(&factory).await;
            }
        )*
    };
}
