//! `Debug` of [`Error`] as derived, but every field cut after 2 KiB: a variant may hold
//! server text (ids, names, bodies) of any length, and `{:?}` in a log must stay bounded, as
//! `Display` is.

use super::Error;
use crate::excerpt::Capped;
use std::fmt;

/// `f.debug_struct($name)` with each field through [`Capped`].
macro_rules! fields {
    ($f:expr, $name:literal, $($field:ident),*) => {
        $f.debug_struct($name)$(.field(stringify!($field), &Capped($field)))*.finish()
    };
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { meta, ret_code, message, platform } => fields!(f, "Api", meta, ret_code, message, platform),
            Error::Http { meta, status, body, retry_after } => fields!(f, "Http", meta, status, body, retry_after),
            Error::Transport { meta, maybe_sent, kind, source, endpoint } => {
                fields!(f, "Transport", meta, maybe_sent, kind, source, endpoint)
            }
            Error::Timeout { meta, what, limit } => fields!(f, "Timeout", meta, what, limit),
            Error::Decode { meta, reason, malformed, body } => fields!(f, "Decode", meta, reason, malformed, body),
            Error::InvalidRequest { field, rule } => fields!(f, "InvalidRequest", field, rule),
            Error::Config { field, message, missing, shared_files } => {
                fields!(f, "Config", field, message, missing, shared_files)
            }
            Error::Pagination { action, reason } => fields!(f, "Pagination", action, reason),
            Error::Throttled { action, reason, attempts, source } => {
                fields!(f, "Throttled", action, reason, attempts, source)
            }
            Error::Transfer(transfer) => f.debug_tuple("Transfer").field(transfer).finish(),
            Error::Waiter { resource, id, reason, last_status, source } => {
                fields!(f, "Waiter", resource, id, reason, last_status, source)
            }
            Error::Capture(capture) => f.debug_tuple("Capture").field(&Capped(capture)).finish(),
            Error::AmbiguousRecovery { action, name, image_ids, source } => {
                fields!(f, "AmbiguousRecovery", action, name, image_ids, source)
            }
        }
    }
}
