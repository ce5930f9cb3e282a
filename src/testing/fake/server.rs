//! The fake's HTTP server: HTTP/1.1 on 127.0.0.1, on a thread and runtime of its own, so that it
//! answers even while the test's own runtime is blocked or paused. POST is the API (any path);
//! GET and HEAD of `/s3/download` are image downloads; every other request under `/s3/` goes to
//! the S3 service.

use super::download::{self, Reply};
use super::handler::Shared;
use super::s3;
use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// A running server; dropping it stops it (connections in progress are cut).
#[derive(Debug)]
pub(super) struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub(super) fn start(shared: Arc<Shared>) -> std::io::Result<Server> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    std::thread::Builder::new().name("fake-ucloudstack".into()).spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else { return };
            let accept = async {
                loop {
                    // A failed accept (a reset connection, no file descriptor left) is passing:
                    // keep serving.
                    let stream = match listener.accept().await {
                        Ok((stream, _)) => stream,
                        Err(error) => {
                            tracing::debug!(%error, "the fake UCloudStack could not accept a connection");
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let shared = shared.clone();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| serve(shared.clone(), request));
                        let io = hyper_util::rt::TokioIo::new(stream);
                        let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                    });
                }
            };
            tokio::pin!(accept);
            // Until the FakeUCloudStack is dropped; the runtime's end cuts what is in progress.
            let _ = futures_util::future::select(accept, stopped).await;
        });
    })?;
    Ok(Server { addr, stop: Some(stop) })
}

/// An error closes the connection without an answer (an S3 fault).
async fn serve(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Reply, s3::Cut> {
    let method = request.method();
    let path = request.uri().path();
    if path == download::PATH && (method == http::Method::GET || method == http::Method::HEAD) {
        return Ok(download::serve(&shared, method == http::Method::HEAD, request.uri().query(), request.headers()));
    }
    if path.starts_with(s3::PREFIX) && path != download::PATH {
        return s3::serve(shared, request).await;
    }
    if method != http::Method::POST {
        return Ok(download::text(http::StatusCode::METHOD_NOT_ALLOWED, "UCloudStack takes POST only"));
    }
    let headers = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let reply = shared.handle(&body, headers);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(Either::Left(Full::new(Bytes::from(reply.body))));
    *response.status_mut() =
        http::StatusCode::from_u16(reply.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static(reply.content_type));
    for (name, value) in reply.headers {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.insert(http::HeaderName::from_static(name), value);
        }
    }
    Ok(response)
}
