//! TLS: a server whose certificate the client refuses (one handshake, no retry, and an error
//! that says so), errors classified by their types, and a crate that leaves the program's other
//! HTTPS clients alone.

use crate::support::*;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use ucloudstack::CallOptionsBuilder;
use ucloudstack::{Client, Credentials, Error, RetryPolicy, TransportErrorKind};

/// A self-signed certificate for 127.0.0.1, made once with openssl for this test.
const CERT: &[u8] = include_bytes!("tls/cert.pem");
const KEY: &[u8] = include_bytes!("tls/key.pem");

/// A TLS server on loopback with the self-signed certificate; counts its handshakes.
async fn tls_server() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    // An explicit provider: `ServerConfig::builder()` would install one for the whole process.
    let ring = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(ring)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(CERT).unwrap()],
            PrivateKeyDer::from_pem_slice(KEY).unwrap(),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counted = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(socket).await;
            });
        }
    });
    (addr, handshakes)
}

#[tokio::test]
async fn a_refused_certificate_is_not_retried() {
    let (addr, handshakes) = tls_server().await;
    let client = Client::builder()
        .endpoint(format!("https://{addr}/api"))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.describe_image().send().await.unwrap_err();
    match &err {
        Error::Transport { kind, maybe_sent, .. } => {
            assert!(*kind == TransportErrorKind::Tls && !maybe_sent, "{err:?}")
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), 1);
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "the same certificate would be refused again");
    assert!(err.to_string().to_lowercase().contains("certificate"), "{err}");
}

/// A refused connection is a `Connect` failure, retried, whatever words the URL holds: the kind
/// comes from the error's type, never from its text (which quotes the URL).
#[tokio::test]
async fn an_endpoint_named_certificate_is_still_a_connect_failure() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let client = Client::builder()
        .endpoint(format!("http://{closed}/certificate/api"))
        .credentials(Credentials::new(PUBLIC, PRIVATE))
        .region("cn")
        .retry_policy(RetryPolicy::default().max_attempts(2).initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let err = client.describe_image().send().await.unwrap_err();
    match &err {
        Error::Transport { kind, maybe_sent, .. } => {
            assert!(*kind == TransportErrorKind::Connect && !maybe_sent, "{err:?}")
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.attempts(), 2, "{err}");
}

/// The program around the crate: its own `reqwest` without TLS features (as this package's
/// is), and HTTPS clients built before any `ucloudstack::Client`. The default features must
/// leave them working; rustls's provider is process-wide, so this runs in a fresh process.
#[test]
fn default_features_leave_the_programs_own_https_clients_alone() {
    let output = crate::config::run_alone("tls::https_clients_built_first", &[], Duration::from_secs(60));
    let output = output.expect("finished in time");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && text.contains("1 passed"), "{text}");
}

/// Run alone by the test above.
#[test]
fn https_clients_built_first() {
    if !crate::config::is_alone("tls::https_clients_built_first") {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (addr, _) = tls_server().await;
        let own = reqwest::Client::new();
        let err = own.get(format!("https://{addr}/")).send().await.unwrap_err();
        assert!(err.is_connect(), "the program's client speaks TLS and refuses the certificate: {err:?}");
        // The crate's documented way to bring one's own client.
        let http = ucloudstack::reqwest::Client::builder().build().unwrap();
        let client = Client::builder()
            .endpoint(format!("https://{addr}/api"))
            .credentials(Credentials::new(PUBLIC, PRIVATE))
            .region("cn")
            .http_client(http)
            .build()
            .unwrap();
        let err = client.describe_image().send().await.unwrap_err();
        assert!(matches!(&err, Error::Transport { kind: TransportErrorKind::Tls, .. }), "{err:?}");
    });
}
