//! Evidence requests: signed creation and transitions through the one write path, the read
//! filters, the overdue list, that every step is a TLP:RED log entry with an id of its own, and
//! that the store keeps one transition into each status.

use accord_law::Dataset;
use accord_law::request::{
    Status, Transition, TransitionBody, UNUSABLE_REQUEST_ID, is_random_uuid,
};
use accord_tlog::entry::SignedEntry;
use accord_tlp::Tlp;
use ed25519_dalek::SigningKey;
use jiff::Timestamp;

use crate::error::StoreError;
use crate::kind;
use crate::log::{Effect, LogWrite, random_uuid};
use crate::requests::{RequestFilter, submit_request, submit_transition};
use crate::testkit::{StoreFactory, repo, seeded_hub};
use crate::write::{RecordError, add_key, sign_submission_at, verify_submission};

/// A seeded hub with the legal dataset and keys for FR, DE and US.
pub struct Hub {
    hub: crate::testkit::Hub,
    law: Dataset,
    fr: SigningKey,
    de: SigningKey,
    us: SigningKey,
}

impl Hub {
    /// The registered key of FR, DE or (any other party) US.
    fn key(&self, party: &str) -> &SigningKey {
        match party {
            "FR" => &self.fr,
            "DE" => &self.de,
            _ => &self.us,
        }
    }
}

async fn hub(f: &dyn StoreFactory) -> Option<Hub> {
    let hub = seeded_hub(f).await?;
    let law = accord_law::load::load_dir(&repo().join("data/law")).unwrap();
    let mut keys = Vec::new();
    for (party, seed) in [("FR", 1u8), ("DE", 2), ("US", 3)] {
        let key = SigningKey::from_bytes(&[seed; 32]);
        add_key(hub.store.as_ref(), &hub.seq, party, &key.verifying_key())
            .await
            .unwrap();
        keys.push(key);
    }
    let us = keys.pop().unwrap();
    let de = keys.pop().unwrap();
    let fr = keys.pop().unwrap();
    Some(Hub {
        hub,
        law,
        fr,
        de,
        us,
    })
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// A fresh random id, as a client draws for a new request and for every step's log entry.
fn rid() -> String {
    random_uuid().unwrap()
}

/// A FR → DE request for subscriber data by a European Production Order (10 days, e-Evidence
/// Regulation Art. 10(2); applies from 2026-08-18).
fn fr_de(id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": id, "requesting_state": "FR", "requested_state": "DE", "data": "subscriber",
        "pathway": {"instrument": "eu-e-evidence", "article": "European Production Order (Arts 4, 5, 10)"},
        "summary": "Subscriber behind an IP address seen in the intrusion."
    })
}

/// `party` files request `body` (its `id` names it) under `tlp`, signed at `at` and received
/// by the hub then; the entry has a fresh id of its own.
async fn file(
    h: &Hub,
    party: &str,
    tlp: Tlp,
    body: serde_json::Value,
    at: &str,
) -> Result<accord_law::request::Request, RecordError> {
    let s = sign_submission_at(
        kind::REQUEST,
        &rid(),
        party,
        tlp,
        &body,
        h.key(party),
        ts(at),
    )
    .unwrap();
    submit_request(h.hub.store.as_ref(), &h.hub.seq, &h.law, party, s, ts(at)).await
}

/// France files request `body` as TLP:RED, signed at `at`.
async fn open(
    h: &Hub,
    body: serde_json::Value,
    at: &str,
) -> Result<accord_law::request::Request, RecordError> {
    file(h, "FR", Tlp::Red, body, at).await
}

async fn step(
    h: &Hub,
    party: &str,
    request: &str,
    to: Status,
    at: &str,
) -> Result<accord_law::request::Request, RecordError> {
    // A transition carries its request's marking.
    let tlp = h
        .hub
        .store
        .request(request)
        .await
        .map_or(Tlp::Red, |r| r.tlp);
    step_marked(h, party, request, to, at, tlp).await
}

/// `party` moves `request` to `to` at `at`, the entry marked `tlp`.
async fn step_marked(
    h: &Hub,
    party: &str,
    request: &str,
    to: Status,
    at: &str,
    tlp: Tlp,
) -> Result<accord_law::request::Request, RecordError> {
    let key = h.key(party);
    let body = TransitionBody {
        request: request.into(),
        to,
        note: None,
    };
    let s = sign_submission_at(
        kind::REQUEST_TRANSITION,
        &rid(),
        party,
        tlp,
        &body,
        key,
        ts(at),
    )
    .unwrap();
    submit_transition(
        h.hub.store.as_ref(),
        &h.hub.seq,
        &h.law,
        party,
        request,
        s,
        ts(at),
    )
    .await
}

/// A request lives from draft to production; every step is its own TLP:RED entry signed by its party.
pub async fn a_request_lives_to_production_and_every_step_is_a_red_log_entry(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let id = rid();
    let r = open(&h, fr_de(&id), "2026-11-01T09:00:00Z").await.unwrap();
    assert_eq!(r.status, Status::Draft);
    assert_eq!(r.tlp, Tlp::Red);
    let created = r.history[0].log_index.unwrap();

    step(&h, "FR", &id, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    step(&h, "DE", &id, Status::Acknowledged, "2026-11-02T10:00:00Z")
        .await
        .unwrap();
    let done = step(&h, "DE", &id, Status::Produced, "2026-11-05T09:00:00Z")
        .await
        .unwrap();

    let stored = h.hub.store.request(&id).await.unwrap();
    assert_eq!(stored, done);
    assert_eq!(stored.status, Status::Produced);
    assert_eq!(stored.due.len(), 1);
    assert_eq!(stored.due[0].due, ts("2026-11-12T09:00:00Z"));
    let kinds: Vec<(Status, String)> = stored
        .history
        .iter()
        .map(|t| (t.to, t.by.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Status::Draft, "FR".to_owned()),
            (Status::Sent, "FR".to_owned()),
            (Status::Acknowledged, "DE".to_owned()),
            (Status::Produced, "DE".to_owned()),
        ]
    );
    // Every step is its own log entry, signed by its party and marked TLP:RED, under an id of
    // its own that names neither the request nor the status.
    let mut entry_ids = std::collections::HashSet::new();
    for (i, t) in stored.history.iter().enumerate() {
        let index = t.log_index.unwrap();
        let e = h.hub.store.log_entry(index).await.unwrap();
        let entry = SignedEntry::from_bytes(&e.entry).unwrap();
        assert_eq!(entry.envelope.tlp, Tlp::Red);
        assert_eq!(e.tlp, Tlp::Red);
        assert_eq!(entry.envelope.submitter, t.by);
        let expected = if i == 0 {
            kind::REQUEST
        } else {
            kind::REQUEST_TRANSITION
        };
        assert_eq!(entry.envelope.kind, expected);
        if i == 0 {
            assert_eq!(index, created);
        }
        let entry_id = &entry.envelope.id;
        assert!(is_random_uuid(entry_id), "{entry_id}");
        assert!(entry_id != &id && !entry_id.contains(t.to.as_str()));
        assert!(entry_ids.insert(entry_id.clone()), "{entry_id} twice");
    }
}

/// Illegal, wrong-side and repeated moves are refused and write nothing.
pub async fn illegal_wrong_side_and_repeated_moves_write_nothing(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let id = rid();
    open(&h, fr_de(&id), "2026-11-01T09:00:00Z").await.unwrap();
    let size = h.hub.store.checkpoint().await.unwrap().unwrap().size;

    // Produced before sent.
    let e = step(&h, "DE", &id, Status::Produced, "2026-11-02T09:00:00Z")
        .await
        .unwrap_err();
    let RecordError::Invalid { problems } = e else {
        panic!("{e:?}")
    };
    assert_eq!(problems[0].path, "body.to");
    // The requested state cannot send on the requesting state's behalf.
    let e = step(&h, "DE", &id, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap_err();
    assert!(matches!(e, RecordError::Forbidden(_)), "{e:?}");
    // A third state cannot even see it.
    let e = step(&h, "US", &id, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap_err();
    assert!(
        matches!(e, RecordError::Store(StoreError::NotFound { .. })),
        "{e:?}"
    );
    assert_eq!(h.hub.store.checkpoint().await.unwrap().unwrap().size, size);

    step(&h, "FR", &id, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    // Sending twice is a conflict, not a second entry.
    let e = step(&h, "FR", &id, Status::Sent, "2026-11-02T10:00:00Z")
        .await
        .unwrap_err();
    assert!(
        matches!(e, RecordError::Store(StoreError::Conflict { .. })),
        "{e:?}"
    );
    assert_eq!(
        h.hub.store.checkpoint().await.unwrap().unwrap().size,
        size + 1
    );
    // A second request with a taken id is a conflict too, for a party of the request...
    let e = open(&h, fr_de(&id), "2026-11-02T11:00:00Z")
        .await
        .unwrap_err();
    assert!(
        matches!(e, RecordError::Store(StoreError::Conflict { .. })),
        "{e:?}"
    );
    // ...while a third state is answered as for a malformed id: nothing confirms the request.
    let us_de = |id: &str| {
        let mut b = fr_de(id);
        b["requesting_state"] = "US".into();
        b["pathway"] = serde_json::json!({"instrument": "budapest", "article": "Art. 29"});
        b["data"] = "content".into();
        b
    };
    let mut answers = Vec::new();
    for id in [id.as_str(), "us-de-1"] {
        let e = file(&h, "US", Tlp::Red, us_de(id), "2026-11-02T11:00:00Z")
            .await
            .unwrap_err();
        let RecordError::Invalid { problems } = e else {
            panic!("{e:?}")
        };
        answers.push(problems);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].len(), 1, "{:?}", answers[0]);
    assert_eq!(
        (answers[0][0].path.as_str(), answers[0][0].message.as_str()),
        ("body.id", UNUSABLE_REQUEST_ID)
    );
    assert_eq!(
        h.hub.store.checkpoint().await.unwrap().unwrap().size,
        size + 1
    );
}

/// A request is checked against the law on its date, reports every problem, and is filed only by its requesting state.
pub async fn a_request_is_checked_against_the_law_and_filed_by_its_requesting_state(
    f: &dyn StoreFactory,
) {
    let Some(h) = hub(f).await else { return };
    // Before the e-Evidence Regulation applies (2026-08-18), its order is no pathway.
    let e = open(&h, fr_de(&rid()), "2026-08-01T09:00:00Z")
        .await
        .unwrap_err();
    let RecordError::Invalid { problems } = e else {
        panic!("{e:?}")
    };
    assert_eq!(problems[0].path, "body.pathway.instrument");
    assert!(
        problems[0].message.contains("2026-08-01"),
        "{}",
        problems[0].message
    );

    // Every problem at once.
    let mut bad = fr_de("Bad Id");
    bad["summary"] = "".into();
    bad["incident"] = "no-such-incident".into();
    bad["pathway"]["article"] = "Art. 99".into();
    let e = open(&h, bad, "2026-11-01T09:00:00Z").await.unwrap_err();
    let RecordError::Invalid { problems } = e else {
        panic!("{e:?}")
    };
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "body.id",
            "body.summary",
            "body.pathway.article",
            "body.incident"
        ]
    );

    // Germany cannot file a request in France's name.
    let e = file(&h, "DE", Tlp::Red, fr_de(&rid()), "2026-11-01T09:00:00Z")
        .await
        .unwrap_err();
    assert!(matches!(e, RecordError::Forbidden(_)), "{e:?}");

    // An entry marked less strictly than its request is refused.
    let e = file(&h, "FR", Tlp::Clear, fr_de(&rid()), "2026-11-01T09:00:00Z")
        .await
        .unwrap_err();
    let RecordError::Invalid { problems } = e else {
        panic!("{e:?}")
    };
    assert_eq!(problems[0].path, "entry.envelope.tlp");

    // So is a step marked otherwise than its request, in either direction: every read path
    // shows the whole timeline to whoever may read the request.
    let open_book = rid();
    let mut public = fr_de(&open_book);
    public["tlp"] = "clear".into();
    file(&h, "FR", Tlp::Clear, public, "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    for tlp in [Tlp::Green, Tlp::Red] {
        let e = step_marked(
            &h,
            "FR",
            &open_book,
            Status::Sent,
            "2026-11-02T09:00:00Z",
            tlp,
        )
        .await
        .unwrap_err();
        let RecordError::Invalid { problems } = e else {
            panic!("{e:?}")
        };
        assert_eq!(problems[0].path, "entry.envelope.tlp");
    }
    let sent = step(&h, "FR", &open_book, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    assert_eq!(sent.status, Status::Sent);
}

/// Lists filter by party, status and marking; the overdue list follows the clock passed in.
pub async fn lists_filter_by_party_status_and_marking_and_overdue_follows_the_clock(
    f: &dyn StoreFactory,
) {
    let Some(h) = hub(f).await else { return };
    let (late, answered, draft, public_id) = (rid(), rid(), rid(), rid());
    open(&h, fr_de(&late), "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    step(&h, "FR", &late, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    open(&h, fr_de(&answered), "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    step(&h, "FR", &answered, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    step(&h, "DE", &answered, Status::Refused, "2026-11-03T09:00:00Z")
        .await
        .unwrap();
    open(&h, fr_de(&draft), "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    let mut public = fr_de(&public_id);
    public["tlp"] = "green".into();
    file(&h, "FR", Tlp::Green, public, "2026-11-20T09:00:00Z")
        .await
        .unwrap();
    step(&h, "FR", &public_id, Status::Sent, "2026-11-20T09:00:00Z")
        .await
        .unwrap();

    let ids =
        |v: Vec<accord_law::request::Request>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = RequestFilter::default();
    assert_eq!(
        ids(h.hub.store.requests(&all).await.unwrap()),
        [
            public_id.as_str(),
            draft.as_str(),
            answered.as_str(),
            late.as_str()
        ]
    );
    let us = RequestFilter {
        party: Some("US".into()),
        ..Default::default()
    };
    assert!(h.hub.store.requests(&us).await.unwrap().is_empty());
    let de = RequestFilter {
        party: Some("DE".into()),
        ..Default::default()
    };
    assert_eq!(h.hub.store.requests(&de).await.unwrap().len(), 4);
    let refused = RequestFilter {
        status: Some(Status::Refused),
        ..Default::default()
    };
    assert_eq!(
        ids(h.hub.store.requests(&refused).await.unwrap()),
        [answered.as_str()]
    );
    let green = RequestFilter {
        max_tlp: Some(Tlp::Green),
        ..Default::default()
    };
    assert_eq!(
        ids(h.hub.store.requests(&green).await.unwrap()),
        [public_id.as_str()]
    );

    // Sent 2026-11-02 09:00 with 10 days to answer: due 2026-11-12 09:00.
    assert!(
        h.hub
            .store
            .overdue_requests(&all, ts("2026-11-12T08:59:59Z"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(h
            .hub
            .store
            .overdue_requests(&all, ts("2026-11-12T09:00:01Z"))
            .await
            .unwrap()),
        [late.as_str()]
    );
    // Later, the public one (sent 2026-11-20) falls due too; the longest overdue comes first.
    assert_eq!(
        ids(h
            .hub
            .store
            .overdue_requests(&all, ts("2026-12-01T00:00:00Z"))
            .await
            .unwrap()),
        [late.as_str(), public_id.as_str()]
    );
    assert_eq!(
        ids(h
            .hub
            .store
            .overdue_requests(&green, ts("2026-12-01T00:00:00Z"))
            .await
            .unwrap()),
        [public_id.as_str()]
    );
    // Once produced, it leaves the overdue list.
    step(&h, "DE", &late, Status::Produced, "2026-11-29T09:00:00Z")
        .await
        .unwrap();
    assert_eq!(
        ids(h
            .hub
            .store
            .overdue_requests(&all, ts("2026-12-01T00:00:00Z"))
            .await
            .unwrap()),
        [public_id.as_str()]
    );
}

/// Requests and their history survive a reopen.
pub async fn requests_survive_a_reopen(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let kept = rid();
    open(&h, fr_de(&kept), "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    step(&h, "FR", &kept, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    let store = h.hub.test.reopen().await;
    let r = store.request(&kept).await.unwrap();
    assert_eq!(r.status, Status::Sent);
    assert_eq!(r.history.len(), 2);
    assert!(matches!(
        store.request(&rid()).await,
        Err(StoreError::NotFound {
            what: "request",
            ..
        })
    ));
}

/// Of two racing moves from one status, exactly one lands; the other is a conflict.
///
/// Both moves are checked against `sent` before either is appended (as two requests handled
/// at once, on one node or two, would be), then appended together: the store must refuse the
/// one that no longer starts from the status it was checked against.
pub async fn of_two_racing_moves_from_one_status_exactly_one_lands(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let race = rid();
    open(&h, fr_de(&race), "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    step(&h, "FR", &race, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    let size = h.hub.store.checkpoint().await.unwrap().unwrap().size;
    let checked = |party: &'static str, to: Status| {
        let (h, race) = (&h, &race);
        async move {
            let key = h.key(party);
            let body = TransitionBody {
                request: race.clone(),
                to,
                note: None,
            };
            let at = ts("2026-11-03T09:00:00Z");
            let s = sign_submission_at(
                kind::REQUEST_TRANSITION,
                &rid(),
                party,
                Tlp::Red,
                &body,
                key,
                at,
            )
            .unwrap();
            let (entry, body, salt) = verify_submission(
                h.hub.store.as_ref(),
                party,
                kind::REQUEST_TRANSITION,
                &s,
                at,
            )
            .await
            .unwrap();
            LogWrite {
                entry,
                body,
                salt: Some(salt),
                effect: Effect::RequestTransition {
                    request: race.clone(),
                    from: Status::Sent,
                    transition: Transition {
                        to,
                        at,
                        received_at: Some(at),
                        by: party.to_owned(),
                        note: None,
                        log_index: None,
                    },
                    due: Vec::new(),
                },
            }
        }
    };
    let ack = checked("DE", Status::Acknowledged).await;
    let withdraw = checked("FR", Status::Withdrawn).await;
    let (ack, withdraw) = tokio::join!(h.hub.seq.append(ack), h.hub.seq.append(withdraw));
    let stored = h.hub.store.request(&race).await.unwrap();
    match (ack, withdraw) {
        (Ok(_), Err(e)) | (Err(e), Ok(_)) => {
            assert!(matches!(e, StoreError::Conflict { .. }), "{e:?}");
        }
        other => panic!("exactly one move must land: {other:?}"),
    }
    assert!(matches!(
        stored.status,
        Status::Acknowledged | Status::Withdrawn
    ));
    assert_eq!(stored.history.len(), 3);
    assert_eq!(
        h.hub.store.checkpoint().await.unwrap().unwrap().size,
        size + 1
    );
}

/// A filing signed more than a day before the hub receives it is refused (a request "filed 60
/// days ago" and sent the next day would be overdue at once); the hub keeps its receipt time
/// beside the stated one, and the deadlines run from the receipt of `sent`.
pub async fn a_backdated_filing_is_refused_and_deadlines_run_from_receipt(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let (store, seq) = (h.hub.store.as_ref(), &h.hub.seq);
    let received = ts("2026-11-29T12:00:00Z");
    let filing = |id: &str, at: &str| {
        sign_submission_at(
            kind::REQUEST,
            &rid(),
            "FR",
            Tlp::Red,
            &fr_de(id),
            &h.fr,
            ts(at),
        )
        .unwrap()
    };
    let (backdated, on_time) = (rid(), rid());
    let e = submit_request(
        store,
        seq,
        &h.law,
        "FR",
        filing(&backdated, "2026-09-30T12:00:00Z"),
        received,
    )
    .await;
    let Err(RecordError::Invalid { problems }) = e else {
        panic!("a filing signed 60 days before it arrives must be refused: {e:?}");
    };
    assert_eq!(problems[0].path, "entry.envelope.submitted_at");
    assert!(matches!(
        store.request(&backdated).await,
        Err(StoreError::NotFound { .. })
    ));

    // Filed and sent, each stated an hour before the hub received it.
    let r = submit_request(
        store,
        seq,
        &h.law,
        "FR",
        filing(&on_time, "2026-11-29T11:00:00Z"),
        received,
    )
    .await
    .unwrap();
    assert_eq!(r.history[0].at, ts("2026-11-29T11:00:00Z"));
    assert_eq!(r.history[0].received_at, Some(received));
    let body = TransitionBody {
        request: on_time.clone(),
        to: Status::Sent,
        note: None,
    };
    let s = sign_submission_at(
        kind::REQUEST_TRANSITION,
        &rid(),
        "FR",
        Tlp::Red,
        &body,
        &h.fr,
        ts("2026-11-30T08:00:00Z"),
    )
    .unwrap();
    let sent_received = ts("2026-11-30T09:00:00Z");
    submit_transition(store, seq, &h.law, "FR", &on_time, s, sent_received)
        .await
        .unwrap();
    let stored = store.request(&on_time).await.unwrap();
    assert_eq!(stored.history[0].received_at, Some(received));
    assert_eq!(stored.history[1].at, ts("2026-11-30T08:00:00Z"));
    assert_eq!(stored.history[1].received_at, Some(sent_received));
    // E-Evidence production order: 10 days from the receipt, not from the stated time.
    assert_eq!(stored.due[0].due, ts("2026-12-10T09:00:00Z"));
}

/// The store keeps at most one transition into each status of a request, whatever the write
/// path checked: with entry ids random, the log's unique entry ids no longer imply it. A
/// second move into `sent`, appended straight to the sequencer as if two checks had raced
/// past the lifecycle, is a conflict and writes nothing.
pub async fn a_second_transition_to_the_same_status_is_refused(f: &dyn StoreFactory) {
    let Some(h) = hub(f).await else { return };
    let id = rid();
    open(&h, fr_de(&id), "2026-11-01T09:00:00Z").await.unwrap();
    step(&h, "FR", &id, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    let before = h.hub.store.request(&id).await.unwrap();
    let size = h.hub.store.checkpoint().await.unwrap().unwrap().size;

    let at = ts("2026-11-02T10:00:00Z");
    let body = TransitionBody {
        request: id.clone(),
        to: Status::Sent,
        note: Some("again".into()),
    };
    let s = sign_submission_at(
        kind::REQUEST_TRANSITION,
        &rid(),
        "FR",
        Tlp::Red,
        &body,
        &h.fr,
        at,
    )
    .unwrap();
    let (entry, body, salt) =
        verify_submission(h.hub.store.as_ref(), "FR", kind::REQUEST_TRANSITION, &s, at)
            .await
            .unwrap();
    let again = LogWrite {
        entry,
        body,
        salt: Some(salt),
        effect: Effect::RequestTransition {
            request: id.clone(),
            from: Status::Sent,
            transition: Transition {
                to: Status::Sent,
                at,
                received_at: Some(at),
                by: "FR".to_owned(),
                note: Some("again".into()),
                log_index: None,
            },
            due: Vec::new(),
        },
    };
    let e = h.hub.seq.append(again).await.unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Conflict {
                what: "request transition",
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(h.hub.store.request(&id).await.unwrap(), before);
    assert_eq!(h.hub.store.checkpoint().await.unwrap().unwrap().size, size);
    // The hub still writes afterwards.
    step(&h, "DE", &id, Status::Acknowledged, "2026-11-02T11:00:00Z")
        .await
        .unwrap();
}

/// The steps a peer hub reading as a party mirrors (`Store::request_steps`): every log entry
/// (filing and transitions) of the requests the party is a side of, by index, only below the
/// tree size asked and after the index given, at most the limit; a party that is no side
/// gets none, even of a TLP:GREEN request it may read on this hub.
pub async fn request_steps_are_a_sides_entries_below_a_size_by_index(f: &dyn StoreFactory) {
    use crate::mirror::RequestStepQuery;
    let Some(h) = hub(f).await else { return };
    let (fr_de_id, de_fr_id, green_id) = (rid(), rid(), rid());
    let filed = open(&h, fr_de(&fr_de_id), "2026-11-01T09:00:00Z")
        .await
        .unwrap();
    let sent = step(&h, "FR", &fr_de_id, Status::Sent, "2026-11-02T09:00:00Z")
        .await
        .unwrap();
    let mut de_fr = fr_de(&de_fr_id);
    de_fr["requesting_state"] = "DE".into();
    de_fr["requested_state"] = "FR".into();
    let other = file(&h, "DE", Tlp::Red, de_fr, "2026-11-02T10:00:00Z")
        .await
        .unwrap();
    let acked = step(
        &h,
        "DE",
        &fr_de_id,
        Status::Acknowledged,
        "2026-11-03T09:00:00Z",
    )
    .await
    .unwrap();
    let mut green = fr_de(&green_id);
    green["tlp"] = "green".into();
    let public = file(&h, "FR", Tlp::Green, green, "2026-11-03T10:00:00Z")
        .await
        .unwrap();
    let index = |r: &accord_law::request::Request, i: usize| r.history[i].log_index.unwrap();
    let (i_filed, i_sent, i_other, i_acked, i_green) = (
        index(&filed, 0),
        index(&sent, 1),
        index(&other, 0),
        index(&acked, 2),
        index(&public, 0),
    );
    let size = i_green + 1;
    let steps = |party: &str, below: u64, after: Option<u64>, limit: u64| {
        let store = h.hub.store.clone();
        let query = RequestStepQuery {
            party: party.into(),
            below,
            after,
            limit,
        };
        async move {
            store
                .request_steps(&query)
                .await
                .unwrap()
                .into_iter()
                .map(|s| (s.request, s.index))
                .collect::<Vec<_>>()
        }
    };
    let both = vec![
        (fr_de_id.clone(), i_filed),
        (fr_de_id.clone(), i_sent),
        (de_fr_id.clone(), i_other),
        (fr_de_id.clone(), i_acked),
        (green_id.clone(), i_green),
    ];
    assert_eq!(steps("FR", size, None, 100).await, both);
    assert_eq!(steps("DE", size, None, 100).await, both);
    assert!(steps("US", size, None, 100).await.is_empty());
    // Below the size asked: the steps logged later are left for a later read.
    assert_eq!(steps("DE", i_acked, None, 100).await, both[..3]);
    // Paged by the last index seen.
    assert_eq!(steps("DE", size, None, 2).await, both[..2]);
    assert_eq!(steps("DE", size, Some(i_sent), 2).await, both[2..4]);
    assert_eq!(steps("DE", size, Some(i_acked), 2).await, both[4..]);
    assert!(steps("DE", size, Some(i_green), 2).await.is_empty());
    // Review finding: a cursor past i64::MAX wrapped to a negative index, and the list was
    // served again from its start; nothing is after it.
    assert!(steps("DE", size, Some(u64::MAX), 2).await.is_empty());
    assert!(steps("DE", size, Some(1 << 63), 2).await.is_empty());
}
