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
