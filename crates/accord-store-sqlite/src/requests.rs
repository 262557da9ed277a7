//! Evidence requests: the `requests` and `request_transitions` tables (migration V3).
//!
//! A request row keeps the whole request as JSON, history included, beside the columns the
//! lists filter on. `next_due_ms` holds the earliest response limit of an open request, so the
//! overdue list reads an index range instead of every request; the domain's own
//! `Request::overdue` then decides, so SQLite and any other backend agree.

use accord_law::request::{Request, Transition};
use accord_store::StoreError;
use accord_store::log::Effect;
use accord_store::requests::RequestFilter;
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};

use accord_store::codec::{from_json, to_json};

use crate::db::backend;

fn next_due_ms(r: &Request) -> Option<i64> {
    r.next_due().map(|t| t.as_millisecond())
}

/// Writes a request effect the refusal rules let through, logged at `index`. Returns `Ok(false)` when the effect
/// is not a request's.
pub(crate) fn apply(conn: &Connection, effect: &Effect, index: u64) -> Result<bool, StoreError> {
    match effect {
        Effect::RequestCreated(r) => {
            let mut r = (**r).clone();
            for t in &mut r.history {
                t.log_index = Some(index);
            }
            let (tlp, body) = (r.tlp.as_str(), to_json(&r)?);
            conn.prepare_cached(
                "INSERT INTO requests \
                 (id, requesting, requested, incident, status, tlp, next_due_ms, body, log_index) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    r.id,
                    r.requesting_state.as_str(),
                    r.requested_state.as_str(),
                    r.incident,
                    r.status.as_str(),
                    tlp,
                    next_due_ms(&r),
                    body,
                    index as i64
                ])
            })
            .map_err(backend)?;
            if let Some(first) = r.history.first() {
                insert_transition(conn, &r.id, first, index)?;
            }
        }
        Effect::RequestTransition {
            request,
            transition,
            due,
            ..
        } => {
            let mut r = read(conn, request)?;
            let transition = Transition {
                log_index: Some(index),
                ..transition.clone()
            };
            r.apply(transition.clone(), due.clone());
            let body = to_json(&r)?;
            conn.prepare_cached(
                "UPDATE requests SET status = ?2, next_due_ms = ?3, body = ?4 WHERE id = ?1",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![r.id, r.status.as_str(), next_due_ms(&r), body])
            })
            .map_err(backend)?;
            insert_transition(conn, &r.id, &transition, index)?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn insert_transition(
    conn: &Connection,
    request: &str,
    t: &Transition,
    index: u64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO request_transitions (request_id, to_status, at, by_party, note, log_index) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            request,
            t.to.as_str(),
            t.at.to_string(),
            t.by,
            t.note,
            index as i64
        ])
    })
    .map(|_| ())
    .map_err(backend)
}

/// One request.
pub(crate) fn read(conn: &Connection, id: &str) -> Result<Request, StoreError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM requests WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    match body {
        Some(b) => from_json(&format!("request {id}"), &b),
        None => Err(StoreError::NotFound {
            what: "request",
            id: id.to_owned(),
        }),
    }
}

/// Requests matching `filter`, newest first; `overdue_at` narrows to those with a response
/// limit before that instant (still to be confirmed by the caller).
fn select(
    conn: &Connection,
    filter: &RequestFilter,
    overdue_at: Option<Timestamp>,
) -> Result<Vec<Request>, StoreError> {
    let mut sql = String::from("SELECT id, body FROM requests WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(p) = &filter.party {
        args.push(p.clone().into());
        sql.push_str(&format!(
            " AND (requesting = ?{n} OR requested = ?{n})",
            n = args.len()
        ));
    }
    if let Some(s) = filter.status {
        args.push(s.as_str().to_owned().into());
        sql.push_str(&format!(" AND status = ?{}", args.len()));
    }
    if let Some(i) = &filter.incident {
        args.push(i.clone().into());
        sql.push_str(&format!(" AND incident = ?{}", args.len()));
    }
    if let Some(now) = overdue_at {
        args.push(now.as_millisecond().into());
        sql.push_str(&format!(
            " AND next_due_ms IS NOT NULL AND next_due_ms < ?{}",
            args.len()
        ));
    }
    sql.push_str(" ORDER BY log_index DESC");
    let mut stmt = conn.prepare(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, body) = row.map_err(backend)?;
        let r: Request = from_json(&format!("request {id}"), &body)?;
        // The marking (and anything the index does not hold) is checked on the record itself.
        if filter.matches(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Requests matching `filter`, newest first.
pub(crate) fn list(conn: &Connection, filter: &RequestFilter) -> Result<Vec<Request>, StoreError> {
    select(conn, filter, None)
}

/// Requests matching `filter` that are overdue at `now`, the longest overdue first.
pub(crate) fn overdue(
    conn: &Connection,
    filter: &RequestFilter,
    now: Timestamp,
) -> Result<Vec<Request>, StoreError> {
    let mut out: Vec<Request> = select(conn, filter, Some(now))?
        .into_iter()
        .filter(|r| !r.overdue(now).is_empty())
        .collect();
    out.sort_by_key(|r| (r.next_due(), r.id.clone()));
    Ok(out)
}

/// The steps of the requests `query.party` is a side of, by entry index.
pub(crate) fn steps(
    conn: &Connection,
    query: &accord_store::mirror::RequestStepQuery,
) -> Result<Vec<accord_store::mirror::RequestStep>, StoreError> {
    // A cursor past every index SQL can hold has nothing after it (`as` wrapped it to a
    // negative index, which served the list from its start).
    let after = query
        .after
        .map_or(-1, |a| i64::try_from(a).unwrap_or(i64::MAX));
    let mut stmt = conn
        .prepare_cached(
            "SELECT t.request_id, t.log_index FROM request_transitions t
             JOIN requests r ON r.id = t.request_id
             WHERE (r.requesting = ?1 OR r.requested = ?1)
               AND t.log_index < ?2 AND t.log_index > ?3
             ORDER BY t.log_index LIMIT ?4",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                query.party,
                i64::try_from(query.below).unwrap_or(i64::MAX),
                after,
                i64::try_from(query.limit).unwrap_or(i64::MAX)
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .map_err(backend)?;
    rows.map(|row| {
        let (request, index) = row.map_err(backend)?;
        Ok(accord_store::mirror::RequestStep {
            request,
            index: index as u64,
        })
    })
    .collect()
}
