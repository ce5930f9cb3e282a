//! Integration tests: the crate against real HTTP (wiremock, the embedded fake, and an S3 server
//! started in-process, s3s). One test binary, so the suite links once.

mod catalog;
mod catalog_fake;
mod config;
mod decode;
mod docs;
mod download;
mod download_edges;
mod download_links;
mod download_lock;
mod download_rate;
mod download_redirect;
mod download_server;
mod durations;
mod fake;
mod fake_newer;
mod fake_s3;
mod faults;
mod fidelity;
mod hostile;
mod lifecycle;
mod load;
mod paginate;
mod properties;
mod redaction;
mod s3_server;
mod scale;
mod secrets;
mod support;
mod tls;
mod transfer_workflows;
mod upload;
mod upload_hostile;
mod validation;
mod wait;
mod wire;
