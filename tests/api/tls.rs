//! A server whose TLS certificate the client refuses: one handshake, no retry, and an error that
//! says so.

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

#[tokio::test]
async fn a_refused_certificate_is_not_retried() {
    let config = tokio_rustls::rustls::ServerConfig::builder()
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
