//! A typed, async client for the UCloudStack private-cloud API: list, create and delete images
//! (DescribeImage, CreateCustomImage, DeleteCustomImage), wire-compatible with the official Go
//! and Python SDKs.
//!
//! ```no_run
//! use ucloudstack::{Client, Credentials};
//! use ucloudstack::image::ImageType;
//!
//! # async fn run() -> Result<(), ucloudstack::Error> {
//! let client = Client::builder()
//!     .endpoint("http://192.0.2.10/api")
//!     .credentials(Credentials::new("public-key", "private-key"))
//!     .region("cn")
//!     .build()?;
//!
//! // Fluent: one method per action, a setter per field.
//! let page = client.describe_image().image_type(ImageType::Custom).limit(50).send().await?;
//! println!("{} of {} images", page.infos.len(), page.total_count);
//!
//! let created = client.create_custom_image().vm_id("vm-abc").image_name("golden").send().await?;
//! client.delete_custom_image().image_id(&created.image_id).send().await?;
//! # Ok(()) }
//! ```
//!
//! How a call flows: the request struct is flattened to form pairs (`Name.N` for lists),
//! `Action`, `Region`, `Zone` and `PublicKey` are added, the pairs are signed (SHA-1 over the
//! sorted pairs and the private key) and sent through a [`Transport`]; the answer is checked
//! (status, `RetCode`) and decoded in one pass. Failures are one [`Error`] type, classified by
//! the RetCode table of the client's [`Platform`]. Attempts are retried per the
//! [`RetryPolicy`], within the timeouts.
//!
//! # Features
//!
//! - `rustls` (**the default**): TLS through rustls with reqwest's own crypto provider,
//!   aws-lc-rs (a C build); no other `reqwest::Client` of the program is affected.
//! - `rustls-ring`: rustls with the ring provider, lighter to build, but every
//!   `reqwest::Client` of the program then needs a rustls provider installed before it is
//!   built (see the README's "Features").
//! - `native-tls`: the system's TLS library (OpenSSL on Linux).
//! - none of these (`default-features = false`): no TLS, only `http://` endpoints.
//! - `testing`: the module `ucloudstack::testing`, an embedded fake UCloudStack, a mock
//!   transport and value factories, for the tests of programs built on the crate.
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// `__internals` only makes modules public for the crate's own tests: no badge for it.
#![cfg_attr(docsrs, doc(auto_cfg(hide(feature = "__internals"))))]

mod action;
mod budget;
mod client;
mod config;
mod credentials;
mod de;
#[cfg(feature = "__internals")]
#[doc(hidden)]
pub mod encode;
#[cfg(not(feature = "__internals"))]
mod encode;
mod error;
mod excerpt;
pub mod image;
mod missing;
mod open_enum;
mod options;
pub mod paginate;
mod profile;
pub mod region;
pub mod resource;
#[cfg(feature = "__internals")]
#[doc(hidden)]
pub mod response;
#[cfg(not(feature = "__internals"))]
mod response;
pub mod ret_code;
mod retry;
mod secret;
#[cfg(feature = "__internals")]
#[doc(hidden)]
pub mod sign;
#[cfg(not(feature = "__internals"))]
mod sign;
mod time;
mod transfer;
pub mod transport;
pub mod vm;
pub mod wait;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use action::{Action, ApiResponse, Failure, FluentBuilder, RegionalRequestBuilder, RequestBuilder};
pub use budget::RetryBudget;
pub use client::Client;
pub use config::{ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, env};
pub use credentials::Credentials;
pub use error::{EndpointOrigin, Error, ErrorMetadata, WaitFailure};
pub use image::{CaptureError, CaptureFailure, CaptureStage};
pub use missing::MissingSetting;
pub use options::{CallOptions, CallOptionsBuilder};
pub use profile::SharedFiles;
pub use response::REQUEST_ID_HEADER;
pub use ret_code::{ApiErrorKind, Platform};
pub use retry::{RetryPolicy, THROTTLE_MIN_BACKOFF};
pub use secret::SecretString;
pub use transfer::TransferError;
pub use transport::{
    Delivery, HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError, TransportErrorKind,
};

/// The HTTP client the default transport is built on, re-exported so that a
/// [`ClientBuilder::http_client`] or a custom [`Transport`] never has to match its version by hand.
pub use reqwest;

/// The attribute [`Transport`] is written with, re-exported so that implementing it needs no
/// dependency of your own: `#[ucloudstack::async_trait::async_trait]`.
pub use async_trait;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
