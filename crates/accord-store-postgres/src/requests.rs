//! Evidence requests: the `requests` and `request_transitions` tables.
//!
//! A request row keeps the whole request as JSONB, history included, beside the columns the
//! lists filter on. `next_due` holds the earliest response limit of an open request, so the
//! overdue list reads an index range; the domain's own `Request::overdue` then decides, so
//! every backend agrees.

use accord_law::request::{Request, Transition};
use accord_store::StoreError;
use accord_store::log::Effect;
use accord_store::requests::RequestFilter;
use deadpool_postgres::GenericClient;
use jiff::Timestamp;
use tokio_postgres::types::{Json, ToSql};

use accord_store::codec::from_json;

use crate::db::{db, run};

/// A timestamp as microseconds, the form the SQL below turns into a TIMESTAMPTZ exactly.
fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// Applies a request effect the refusal rules let through at log `index`; `Ok(None)` when the
/// effect is not a request's.
pub(crate) async fn effect(
    client: &impl GenericClient,
    effect: &Effect,
    index: u64,
) -> Result<Option<Result<(), StoreError>>, StoreError> {
    let at = index as i64;
    match effect {
        Effect::RequestCreated(r) => {
            let mut r = (**r).clone();
            for t in &mut r.history {
                t.log_index = Some(index);
            }
            let n = run(
                client,
                "INSERT INTO requests \
                 (id, requesting, requested, incident, status, tlp, next_due, body, log_index) \
                 VALUES ($1, $2, $3, $4, $5, $6, \
                         TIMESTAMPTZ 'epoch' + $7::BIGINT * INTERVAL '1 microsecond', $8, $9)",
                &[
                    &r.id,
                    &r.requesting_state.as_str(),
                    &r.requested_state.as_str(),
                    &r.incident,
                    &r.status.as_str(),
                    &r.tlp.as_str(),
                    &r.next_due().map(micros),
                    &Json(&r),
                    &at,
                ],
            )
            .await?;
            if n != 1 {
                return Err(StoreError::Backend(format!(
                    "request {} was not stored",
                    r.id
                )));
            }
            if let Some(first) = r.history.first() {
                insert_transition(client, &r.id, first, index).await?;
            }
        }
        Effect::RequestTransition {
            request,
            transition,
            due,
            ..
        } => {
            let row = client
                .query_one("SELECT body::TEXT FROM requests WHERE id = $1", &[request])
                .await
                .map_err(db)?;
            let mut r: Request = from_json(&format!("request {request}"), row.get(0))?;
            let transition = Transition {
                log_index: Some(index),
                ..transition.clone()
            };
            r.apply(transition.clone(), due.clone());
            run(
                client,
                "UPDATE requests SET status = $2, \
                 next_due = TIMESTAMPTZ 'epoch' + $3::BIGINT * INTERVAL '1 microsecond', body = $4 \
                 WHERE id = $1",
                &[
                    &r.id,
                    &r.status.as_str(),
                    &r.next_due().map(micros),
                    &Json(&r),
                ],
            )
            .await?;
            insert_transition(client, &r.id, &transition, index).await?;
        }
        _ => return Ok(None),
    }
    Ok(Some(Ok(())))
}

async fn insert_transition(
    client: &impl GenericClient,
    request: &str,
    t: &Transition,
    index: u64,
) -> Result<(), StoreError> {
    run(
        client,
        "INSERT INTO request_transitions (request_id, to_status, at, by_party, note, log_index) \
         VALUES ($1, $2, TIMESTAMPTZ 'epoch' + $3::BIGINT * INTERVAL '1 microsecond', $4, $5, $6)",
        &[
            &request,
            &t.to.as_str(),
            &micros(t.at),
            &t.by,
            &t.note,
            &(index as i64),
        ],
    )
    .await?;
    Ok(())
}

/// One request.
pub(crate) async fn read(client: &impl GenericClient, id: &str) -> Result<Request, StoreError> {
    let stmt = client
        .prepare_cached("SELECT body::TEXT FROM requests WHERE id = $1")
        .await
        .map_err(db)?;
    match client.query_opt(&stmt, &[&id]).await.map_err(db)? {
        Some(row) => from_json(&format!("request {id}"), row.get(0)),
        None => Err(StoreError::NotFound {
            what: "request",
            id: id.to_owned(),
        }),
    }
}

/// Requests matching `filter`, newest first; `overdue_at` narrows to those with a response
/// limit before that instant (still to be confirmed by the caller).
async fn select(
    client: &impl GenericClient,
    filter: &RequestFilter,
    overdue_at: Option<Timestamp>,
) -> Result<Vec<Request>, StoreError> {
    // Only the conditions given are written, so each shape of query gets its own plan and
    // uses the index that fits it.
    let mut sql = String::from("SELECT id, body::TEXT FROM requests WHERE TRUE");
    let status = filter.status.map(|s| s.as_str());
    let due = overdue_at.map(micros);
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
    if let Some(p) = &filter.party {
        params.push(p);
        let n = params.len();
        sql.push_str(&format!(" AND (requesting = ${n} OR requested = ${n})"));
    }
    if let Some(s) = &status {
        params.push(s);
        sql.push_str(&format!(" AND status = ${}", params.len()));
    }
    if let Some(i) = &filter.incident {
        params.push(i);
        sql.push_str(&format!(" AND incident = ${}", params.len()));
    }
    if let Some(d) = &due {
        params.push(d);
        sql.push_str(&format!(
            " AND next_due IS NOT NULL \
              AND next_due < TIMESTAMPTZ 'epoch' + ${}::BIGINT * INTERVAL '1 microsecond'",
            params.len()
        ));
    }
    sql.push_str(" ORDER BY log_index DESC");
    let stmt = client.prepare_cached(&sql).await.map_err(db)?;
    let rows = client.query(&stmt, &params).await.map_err(db)?;
    let mut out = Vec::new();
    for row in rows {
        let r: Request = from_json(&format!("request {}", row.get::<_, &str>(0)), row.get(1))?;
        // The marking (and anything the index does not hold) is checked on the record itself.
        if filter.matches(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Requests matching `filter`, newest first.
pub(crate) async fn list(
    client: &impl GenericClient,
    filter: &RequestFilter,
) -> Result<Vec<Request>, StoreError> {
    select(client, filter, None).await
}

/// Requests matching `filter` that are overdue at `now`, the longest overdue first.
pub(crate) async fn overdue(
    client: &impl GenericClient,
    filter: &RequestFilter,
    now: Timestamp,
) -> Result<Vec<Request>, StoreError> {
    let mut out: Vec<Request> = select(client, filter, Some(now))
        .await?
        .into_iter()
        .filter(|r| !r.overdue(now).is_empty())
        .collect();
    out.sort_by_key(|r| (r.next_due(), r.id.clone()));
    Ok(out)
}

/// The steps of the requests `query.party` is a side of, by entry index.
pub(crate) async fn steps(
    client: &impl GenericClient,
    query: &accord_store::mirror::RequestStepQuery,
) -> Result<Vec<accord_store::mirror::RequestStep>, StoreError> {
    // A cursor past every index SQL can hold has nothing after it (`as` wrapped it to a
    // negative index, which served the list from its start).
    let after = query
        .after
        .map_or(-1, |a| i64::try_from(a).unwrap_or(i64::MAX));
    let below = i64::try_from(query.below).unwrap_or(i64::MAX);
    let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
    let rows = client
        .query(
            "SELECT t.request_id, t.log_index FROM request_transitions t
             JOIN requests r ON r.id = t.request_id
             WHERE (r.requesting = $1 OR r.requested = $1)
               AND t.log_index < $2 AND t.log_index > $3
             ORDER BY t.log_index LIMIT $4",
            &[&query.party, &below, &after, &limit],
        )
        .await
        .map_err(db)?;
    Ok(rows
        .iter()
        .map(|r| accord_store::mirror::RequestStep {
            request: r.get(0),
            index: r.get::<_, i64>(1) as u64,
        })
        .collect())
}
