//! Serving the hub's router on a socket with the limits a hub open to hostile parties needs:
//! a client may not hold a connection by sending its request slowly, nor open connections
//! without bound.
//!
//! - **Headers**: a request's head (request line and headers) must arrive within
//!   [`Limits::header_read_timeout`] of the server starting to wait for it — also on an idle
//!   keep-alive connection — or the connection is closed (hyper's HTTP/1 header read timeout).
//! - **Body**: the whole body must arrive within [`Limits::body_read_timeout`] of its headers;
//!   a body still arriving then is cut off and answered 408 (problem details, or a TAXII error
//!   under `/taxii2/`) and the connection closed. The deadline is for the whole body, not
//!   between chunks, so a client trickling a byte every few seconds cannot outlast it.
//! - **Connections**: at most [`Limits::max_connections`] are served at once; the next waits
//!   in the kernel's accept queue until one ends (each ends at the latest when a timeout above
//!   fires, or after its request).
//!
//! The hub speaks HTTP/1.1 (a TLS-terminating proxy in front of it may speak HTTP/2 to
//! clients).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Request, StatusCode, header};
use axum::response::Response;
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::hygiene::error_response;

/// How long a shutdown waits for requests in flight before it stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The connection limits of [`serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest wait for a request's head (request line and headers).
    pub header_read_timeout: Duration,
    /// Longest time from a request's head to the end of its body.
    pub body_read_timeout: Duration,
    /// Most connections served at once.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 10 s for headers, 30 s for a body (a 1 MiB body at 35 KB/s), 512 connections.
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

/// Serves `app` on `listener` within `limits` until `shutdown` completes, then stops
/// accepting and lets requests in flight finish (for at most 30 s).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A slot first, then accept: connections over the limit wait in the kernel's queue
        // rather than costing the hub a task and a buffer each.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // keep serving the others (as axum::serve does).
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let body_timeout = limits.body_read_timeout;
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            handle(app.clone(), body_timeout, request)
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // Timeouts, resets and malformed requests end up here; none is the hub's fault.
                tracing::debug!(%peer, error = %e, "connection ended");
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the shutdown grace period were cut off");
    }
    Ok(())
}

/// One request: the body under its deadline, and a 408 if the deadline cut it off.
async fn handle(
    app: Router,
    body_timeout: Duration,
    request: Request<Incoming>,
) -> Result<Response, Infallible> {
    let path = request.uri().path().to_owned();
    let expired = Arc::new(AtomicBool::new(false));
    let ended = Arc::new(AtomicBool::new(request.body().is_end_stream()));
    let deadline = Instant::now() + body_timeout;
    let request = request.map(|body| {
        Body::new(DeadlineBody {
            inner: body,
            deadline,
            sleep: None,
            expired: Arc::clone(&expired),
            ended: Arc::clone(&ended),
        })
    });
    let mut response = app.oneshot(request).await?;
    if !expired.load(Ordering::Acquire) {
        if !ended.load(Ordering::Acquire) {
            // Answered before its body was read (refused early, or over the size limit): the
            // rest of the body is not read, so the connection cannot carry another request.
            // Say so, rather than let the client send its next request into a closed socket.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        return Ok(response);
    }
    // Whatever the handler made of the broken body, the answer is that it came too slowly.
    let mut response = error_response(
        StatusCode::REQUEST_TIMEOUT,
        &path,
        format!(
            "the request body did not arrive within {} s of its headers",
            body_timeout.as_secs_f64()
        ),
    );
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    Ok(response)
}

/// Why a request body stopped.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    /// The body did not arrive by its deadline.
    #[error("the request body did not arrive in time")]
    TimedOut,
    /// The connection failed.
    #[error(transparent)]
    Transport(#[from] hyper::Error),
}

/// A request body that fails once its deadline passes.
struct DeadlineBody {
    inner: Incoming,
    deadline: Instant,
    /// Created on the first poll: most requests have no body and need no timer.
    sleep: Option<Pin<Box<Sleep>>>,
    expired: Arc<AtomicBool>,
    /// Set once the whole body has been read.
    ended: Arc<AtomicBool>,
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            if frame.is_none() || this.inner.is_end_stream() {
                this.ended.store(true, Ordering::Release);
            }
            return Poll::Ready(frame.map(|f| f.map_err(BodyError::from)));
        }
        let deadline = this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(BodyError::TimedOut)));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
