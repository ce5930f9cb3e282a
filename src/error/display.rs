//! The `Display` adapters of the error messages: each shows one part of a message, bounded.

use super::Error;
use crate::excerpt::excerpt_of;
use crate::ret_code::Platform;
use std::fmt;

pub(super) struct RequestSuffix<'a>(pub(super) &'a Option<String>);

impl fmt::Display for RequestSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(id) => write!(f, " (request {id})"),
            None => Ok(()),
        }
    }
}

pub(super) struct Attempts(pub(super) u32);

impl fmt::Display for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 1 { write!(f, " after {} attempts", self.0) } else { Ok(()) }
    }
}

pub(super) struct BodySuffix<'a>(pub(super) &'a str);

impl fmt::Display for BodySuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { Ok(()) } else { write!(f, ": {:?}", self.0) }
    }
}

pub(super) struct Meaning(pub(super) Platform, pub(super) i64);

impl fmt::Display for Meaning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.meaning(self.1) {
            Some(meaning) => write!(f, " ({meaning})"),
            None => Ok(()),
        }
    }
}

/// A text the server sent, cut at [`SHOWN`](crate::open_enum::SHOWN) bytes.
pub(super) struct Shown<'a>(pub(super) &'a str);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&excerpt_of(self.0.as_bytes(), crate::open_enum::SHOWN))
    }
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&excerpt_of(self.0.as_bytes(), crate::open_enum::SHOWN), f)
    }
}

/// How many ids a list in an error shows before "and N more".
const IDS_SHOWN: usize = 10;

/// A list of ids, the first [`IDS_SHOWN`] of them.
pub(super) struct Ids<'a>(pub(super) &'a [String]);

impl fmt::Display for Ids<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().take(IDS_SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{}", Shown(id))?;
        }
        match self.0.len().saturating_sub(IDS_SHOWN) {
            0 => Ok(()),
            more => write!(f, " and {more} more"),
        }
    }
}

pub(super) struct LastError<'a>(pub(super) &'a Option<Box<Error>>);

impl fmt::Display for LastError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(error) => write!(f, "; last error: {error}"),
            None => Ok(()),
        }
    }
}

/// How much of a transport error's source chain `Display` shows.
const CHAIN_EXCERPT: usize = 300;

/// An error and its sources, `outer: inner: root`, skipping a source whose text its parent
/// already shows, cut at [`CHAIN_EXCERPT`] bytes.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        let mut next = self.0.source();
        while let Some(source) = next {
            let part = source.to_string();
            if !part.is_empty() && !text.contains(&part) {
                text.push_str(": ");
                text.push_str(&part);
            }
            next = source.source();
        }
        f.write_str(&excerpt_of(text.as_bytes(), CHAIN_EXCERPT))
    }
}

/// What to check when a request could not reach the endpoint: the endpoint, the setting that
/// named it, and what the failure points at (nothing listening, a name that does not resolve,
/// TLS spoken to a plain-HTTP port, a refused certificate, no answer at all).
pub(super) struct Advice<'a>(
    pub(super) crate::TransportErrorKind,
    pub(super) Option<&'a super::EndpointOrigin>,
    pub(super) &'a (dyn std::error::Error + 'static),
);

impl fmt::Display for Advice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::TransportErrorKind as Kind;
        let Advice(kind, endpoint, source) = *self;
        let Some(endpoint) = endpoint else { return Ok(()) };
        if !matches!(kind, Kind::Connect | Kind::Tls) {
            return Ok(());
        }
        let url = url::Url::parse(&endpoint.url).ok();
        let host = url.as_ref().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
        let port = url.as_ref().and_then(url::Url::port_or_known_default).map_or(String::new(), |p| p.to_string());
        let https = endpoint.url.starts_with("https:");
        let text = chain_text(source).to_ascii_lowercase();
        write!(f, ". The endpoint is {} (set by {})", endpoint.url, endpoint.set_by)?;
        let advice = if text.contains("invalidcontenttype")
            || text.contains("corrupt message")
            || text.contains("wrong version number")
        {
            if https {
                format!(
                    "the server at {host} port {port} answered in plain HTTP, not TLS: use http:// for this port, or the platform's https port"
                )
            } else {
                "the server did not answer in HTTP: check the port".to_owned()
            }
        } else if kind == Kind::Tls || text.contains("certificate") {
            format!(
                "the TLS connection to {host} was refused: check the host name matches the certificate, or give the program a reqwest client that trusts the platform's CA (ClientBuilder::http_client)"
            )
        } else if text.contains("connection refused") {
            format!(
                "nothing accepts connections at {host} port {port}: check the host and port, and that the platform's API runs there"
            )
        } else if text.contains("dns error")
            || text.contains("failed to lookup")
            || text.contains("name or service not known")
            || text.contains("no address associated")
        {
            format!("the host name {host} does not resolve: check its spelling and this machine's DNS")
        } else if text.contains("timed out") || text.contains("no connection within") {
            format!(
                "{host} port {port} did not answer: check the host and port, a firewall, or a proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)"
            )
        } else {
            format!("check that it is the platform's API address and that this machine can reach {host} port {port}")
        };
        write!(f, ": {advice}")
    }
}

/// Every message of an error chain, for matching what the cause was.
fn chain_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut next = Some(error);
    while let Some(e) = next {
        text.push_str(&e.to_string());
        text.push_str(" / ");
        next = e.source();
    }
    text
}
