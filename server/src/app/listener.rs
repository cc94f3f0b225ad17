//! The accept loop: what `axum::serve` does, plus what it cannot be told — a header-read
//! timeout (a client that trickles its request headers is cut off: slowloris) and a cap on
//! open connections (past it, new connections wait in the listen backlog). HTTP/1.1 and
//! HTTP/2, websocket upgrades, TLS when the server holds a certificate (the handshake counts
//! against the header-read timeout), the client address for every request (`ConnectInfo`), and a
//! graceful shutdown that lets requests in flight finish.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How the listener treats connections.
#[derive(Clone, Copy, Debug)]
pub struct ListenerLimits {
    /// Longest a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// Most connections open at once.
    pub max_connections: usize,
    /// Longest the shutdown waits for requests in flight.
    pub drain: Duration,
}

/// Serves `app` on `listener` (over TLS with `tls`) until `shutdown` completes, then drains.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ListenerLimits,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()> + Send,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .enable_connect_protocol()
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let builder = Arc::new(builder);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    // Every connection task, so the shutdown returns only once none holds the app (and with
    // it the store) any more; `closing` ends those still waiting for their first byte.
    let tasks = TaskTracker::new();
    let closing = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let header_timeout = limits.header_read_timeout;
        let closing = closing.clone();
        let tls = tls.clone();
        tasks.spawn(async move {
            // The protocol detection reads the first bytes without a timer: a client that
            // connects and sends nothing would hold its place for ever.
            let mut first = [0u8; 1];
            let peeked = tokio::select! {
                () = closing.cancelled() => return drop(permit),
                peeked = tokio::time::timeout(header_timeout, stream.peek(&mut first)) => peeked,
            };
            match peeked {
                Ok(Ok(n)) if n > 0 => {}
                _ => return drop(permit),
            }
            match tls {
                None => serve_one(stream, &builder, app, peer, watcher).await,
                Some(tls) => {
                    let handshake = tokio::select! {
                        () = closing.cancelled() => return drop(permit),
                        done = tokio::time::timeout(header_timeout, tls.accept(stream)) => done,
                    };
                    match handshake {
                        Ok(Ok(stream)) => serve_one(stream, &builder, app, peer, watcher).await,
                        Ok(Err(e)) => tracing::debug!(%peer, "TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "requests still running after {:?}; stopping anyway",
            limits.drain
        );
    }
    Ok(())
}

/// Serves HTTP/1.1 or HTTP/2 (with upgrades) on one connection until it closes.
async fn serve_one<I>(
    io: I,
    builder: &Builder<TokioExecutor>,
    app: Router,
    peer: std::net::SocketAddr,
    watcher: hyper_util::server::graceful::Watcher,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            Ok::<_, Infallible>(
                app.oneshot(request.map(axum::body::Body::new))
                    .await
                    .unwrap_or_else(|never| match never {}),
            )
        }
    });
    let connection = builder
        .serve_connection_with_upgrades(TokioIo::new(io), service)
        .into_owned();
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(%peer, "connection ended: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use std::net::SocketAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn start(limits: ListenerLimits) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = Router::new().route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(serve_connections(listener, app, limits, None, async {
            let _ = stopped.await;
        }));
        (address, stop)
    }

    fn limits() -> ListenerLimits {
        ListenerLimits {
            header_read_timeout: Duration::from_millis(300),
            max_connections: 2,
            drain: Duration::from_secs(1),
        }
    }

    async fn get_peer(address: SocketAddr) -> String {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn serves_with_the_client_address() {
        let (address, _stop) = start(limits()).await;
        let answer = get_peer(address).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("127.0.0.1"), "{answer}");
    }

    #[tokio::test]
    async fn a_client_trickling_its_headers_is_cut_off() {
        let (address, _stop) = start(limits()).await;
        let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
        slow.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        // Never finishes its headers: the server closes the connection after the timeout.
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(3), slow.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the slow connection stayed open");
    }

    #[tokio::test]
    async fn a_client_that_sends_nothing_is_cut_off() {
        let (address, _stop) = start(limits()).await;
        let mut silent = tokio::net::TcpStream::connect(address).await.unwrap();
        let mut rest = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(3), silent.read_to_end(&mut rest)).await;
        assert!(closed.is_ok(), "the silent connection stayed open");
    }

    #[tokio::test]
    async fn connections_past_the_cap_wait_until_one_closes() {
        let (address, _stop) = start(ListenerLimits {
            header_read_timeout: Duration::from_secs(5),
            ..limits()
        })
        .await;
        // Two idle connections take both places.
        let first = tokio::net::TcpStream::connect(address).await.unwrap();
        let _second = tokio::net::TcpStream::connect(address).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let third = tokio::spawn(get_peer(address));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!third.is_finished(), "served past the cap");
        drop(first);
        let answer = tokio::time::timeout(Duration::from_secs(3), third)
            .await
            .expect("served once a place was free")
            .unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    }
}
