//! The log side of C2SP tlog-witness: `accord serve --witness-url URL` asks each witness to
//! cosign every new checkpoint, in the background, and attaches the cosignatures it returns
//! (only those of configured witnesses that verify, `accord_store::witness::attach_returned`),
//! so `/log/checkpoint` serves them.
//!
//! Each witness is followed on its own: the size it last cosigned (learnt from its 200s and
//! its 409s, which carry it), a request timeout, a bounded number of attempts per checkpoint,
//! and a pause after failures; a witness that is down never holds up the log or the others.

use std::sync::Arc;
use std::time::Duration;

use accord_store::Store;
use accord_store::log::Operator;
use accord_store::witnessing::request_body;
use accord_tlog::note::Note;

/// How often the latest checkpoint is looked at.
const POLL: Duration = Duration::from_secs(1);
/// Longest wait for one witness's answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Requests per checkpoint and witness before waiting for the next round.
const ATTEMPTS: usize = 3;
/// Rounds a witness sits out after a checkpoint it failed on.
const BACKOFF_ROUNDS: u32 = 5;

/// One witness as the log follows it.
struct Followed {
    url: String,
    /// The size this witness holds for the log, as far as the log knows (0: none yet).
    known: u64,
    /// The latest size it cosigned for us.
    cosigned: Option<u64>,
    /// Rounds left to sit out.
    pause: u32,
}

/// What one request came to.
enum Outcome {
    /// Cosigned: the number of lines attached.
    Cosigned(usize),
    /// The witness holds another size: retry from it.
    Moved(u64),
    /// Failed; the message says why.
    Failed(String),
}

/// Starts the background task asking `urls` (submission prefixes) to cosign each new
/// checkpoint of the log in `store`.
pub fn spawn(store: Arc<dyn Store>, operator: Arc<Operator>, urls: Vec<String>) {
    if urls.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let http = match reqwest::Client::builder().timeout(TIMEOUT).build() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the HTTP client for witnesses");
                return;
            }
        };
        let mut witnesses: Vec<Followed> = urls
            .into_iter()
            .map(|url| Followed {
                url: url.trim_end_matches('/').to_owned(),
                known: 0,
                cosigned: None,
                pause: 0,
            })
            .collect();
        loop {
            round(store.as_ref(), &operator, &http, &mut witnesses).await;
            tokio::time::sleep(POLL).await;
        }
    });
}

async fn round(
    store: &dyn Store,
    operator: &Operator,
    http: &reqwest::Client,
    witnesses: &mut [Followed],
) {
    let cp = match store.checkpoint().await {
        Ok(Some(cp)) => cp,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "witnesses: cannot read the latest checkpoint");
            return;
        }
    };
    for w in witnesses.iter_mut() {
        if w.cosigned == Some(cp.size) {
            continue;
        }
        if w.pause > 0 {
            w.pause -= 1;
            continue;
        }
        let mut last_error = String::new();
        let mut done = false;
        for _ in 0..ATTEMPTS {
            match ask(store, operator, http, w, &cp).await {
                Outcome::Cosigned(n) => {
                    tracing::info!(witness = %w.url, size = cp.size, lines = n, "checkpoint cosigned");
                    w.known = cp.size;
                    w.cosigned = Some(cp.size);
                    done = true;
                    break;
                }
                Outcome::Moved(size) if size <= cp.size => w.known = size,
                Outcome::Moved(size) => {
                    last_error = format!(
                        "the witness holds size {size} for this log, beyond its {} entries",
                        cp.size
                    );
                    break;
                }
                Outcome::Failed(e) => last_error = e,
            }
        }
        if !done {
            tracing::warn!(witness = %w.url, size = cp.size, error = %last_error, "witness did not cosign");
            w.pause = BACKOFF_ROUNDS;
        }
    }
}

async fn ask(
    store: &dyn Store,
    operator: &Operator,
    http: &reqwest::Client,
    w: &Followed,
    cp: &accord_store::log::SignedCheckpoint,
) -> Outcome {
    let proof = if w.known == 0 || w.known == cp.size {
        Vec::new()
    } else {
        match store.consistency_proof(w.known, cp.size).await {
            Ok(p) => p.hashes,
            Err(e) => return Outcome::Failed(format!("no consistency proof: {e}")),
        }
    };
    let note = match Note::parse_lenient(&cp.note) {
        Ok(n) => n,
        Err(e) => return Outcome::Failed(format!("the stored checkpoint: {e}")),
    };
    let resp = match http
        .post(format!("{}/add-checkpoint", w.url))
        .body(request_body(w.known, &proof, &note))
        .send()
        .await
    {
        Ok(r) => r,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let status = resp.status().as_u16();
    let text = match resp.text().await {
        Ok(t) => t,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    match status {
        200 => {
            let mut attached = 0;
            for line in text.lines().filter(|l| !l.is_empty()) {
                match accord_store::witness::attach_returned(store, operator, cp.size, line).await {
                    Ok(_) => attached += 1,
                    // Lines of keys the operator did not configure are ignored, as the spec
                    // requires of clients.
                    Err(e) => {
                        tracing::debug!(witness = %w.url, error = %e, "cosignature line not attached")
                    }
                }
            }
            if attached == 0 {
                Outcome::Failed(
                    "no returned line is a valid cosignature of a configured witness (is it configured with `accord witnesses add`?)".into(),
                )
            } else {
                Outcome::Cosigned(attached)
            }
        }
        409 => match text.trim_end_matches('\n').parse::<u64>() {
            Ok(size) if text.ends_with('\n') => Outcome::Moved(size),
            _ => Outcome::Failed(format!("409 without a size: {text:?}")),
        },
        _ => Outcome::Failed(format!("HTTP {status}: {}", text.trim())),
    }
}
