//! One request in, one answer out: the checks every action shares, faults, and the envelope.

use super::codes::Codes;
use super::state::State;
use super::{FakeBuilder, Fault, ReceivedRequest, image, other, vm};
use crate::REQUEST_ID_HEADER;
use crate::sign::{SIGNATURE, signature};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// What a handler returns: the JSON payload, or a RetCode and message.
pub(super) type Outcome = Result<Value, (i64, String)>;

/// The form of a request, decoded.
pub(super) type Form = [(String, String)];

/// How long an answer that never comes is held back.
const NEVER: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub(super) struct Shared {
    pub settings: FakeBuilder,
    pub codes: Codes,
    pub state: Mutex<State>,
}

pub(super) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub delay: Duration,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take the fake down with it.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Brings the state up to now: images along their life, requests carried out late.
    pub fn advance(&self, state: &mut State) {
        for form in state.due() {
            let _ = self.act(state, &form);
        }
        state.advance(self.settings.making_delay, self.settings.deleting_delay, self.settings.vm_delay);
    }

    pub fn handle(&self, body: &[u8], headers: Vec<(String, String)>) -> Reply {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let action = param(&form, "Action").map(str::to_owned);
        let mut state = self.lock();
        state.requests_served += 1;
        let request_id = format!("{:08x}-fa6e-4000-8000-{:012x}", state.requests_served, state.requests_served);
        state.received.push(ReceivedRequest { action: action.clone(), form: form.clone(), headers });
        self.advance(&mut state);

        let fault = action.as_ref().and_then(|a| state.next_fault(a));
        let action_name = action.unwrap_or_default();
        let envelope = |outcome: Outcome| -> Vec<u8> {
            let mut value = match outcome {
                Ok(payload) => payload,
                Err((code, message)) => json!({ "RetCode": code, "Message": message }),
            };
            value["Action"] = json!(format!("{action_name}Response"));
            if value.get("RetCode").is_none() {
                value["RetCode"] = json!(0);
                value["Message"] = json!("");
            }
            serde_json::to_vec(&value).expect("JSON values serialize")
        };
        let latency = self.settings.latency;
        let reply = |status, content_type, body, delay: Duration| Reply {
            status,
            content_type,
            headers: vec![(REQUEST_ID_HEADER, request_id.clone())],
            body,
            delay: delay.saturating_add(latency),
        };
        let throttled = || envelope(Err((self.codes.too_frequent, "请求过于频繁，请稍后再试 (too frequent)".into())));

        // Faults that answer without acting.
        match fault {
            Some(Fault::Http(status)) => {
                let page = format!("<html><body>{status}</body></html>").into_bytes();
                return reply(status, "text/html", page, Duration::ZERO);
            }
            Some(Fault::HttpRetryAfter(status, seconds)) => {
                let mut r = reply(status, "text/html", b"<html>slow down</html>".to_vec(), Duration::ZERO);
                r.headers.push(("retry-after", seconds.to_string()));
                return r;
            }
            Some(Fault::RetCode(code)) => {
                let body = envelope(Err((code, format!("injected RetCode {code}"))));
                return reply(200, "application/json", body, Duration::ZERO);
            }
            Some(Fault::Throttled) => return reply(200, "application/json", throttled(), Duration::ZERO),
            Some(Fault::LostAnswer { acts_after }) => {
                state.deferred.push((Instant::now() + acts_after, form));
                if acts_after.is_zero() {
                    self.advance(&mut state);
                }
                return reply(200, "application/json", envelope(Ok(json!({}))), NEVER);
            }
            _ => {}
        }
        if state.rate.as_mut().is_some_and(|bucket| !bucket.take()) {
            return reply(200, "application/json", throttled(), Duration::ZERO);
        }

        let body = envelope(self.act(&mut state, &form));
        match fault {
            Some(Fault::Delay(delay)) => reply(200, "application/json", body, delay),
            Some(Fault::MalformedBody) => {
                reply(200, "text/html", b"<html><body>502 Bad Gateway</body></html>".to_vec(), Duration::ZERO)
            }
            Some(Fault::TruncatedBody) => {
                let half = body[..body.len() / 2].to_vec();
                reply(200, "application/json", half, Duration::ZERO)
            }
            _ => reply(200, "application/json", body, Duration::ZERO),
        }
    }

    /// Checks a request and carries it out.
    fn act(&self, state: &mut State, form: &Form) -> Outcome {
        self.check(form)?;
        match param(form, "Action") {
            Some("DescribeImage") => image::describe(self, state, form),
            Some("CreateCustomImage") => image::create(self, state, form),
            Some("DeleteCustomImage") => image::delete(self, state, form),
            Some("DescribeVMInstance") => vm::describe(self, state, form),
            Some("StopVMInstance") => vm::stop(self, state, form),
            Some("StartVMInstance") => vm::start(self, state, form),
            Some("PoweroffVMInstance") => vm::poweroff(self, state, form),
            Some("RestartVMInstance") => vm::restart(self, state, form),
            Some("ModifyNameAndRemark") => other::rename(self, state, form),
            Some("DescribeRegion") => other::regions(self),
            Some(other) => Err((self.codes.unknown_action, format!("Action [{other}] not found"))),
            None => Err((self.codes.missing_action, "Missing Action".to_owned())),
        }
    }

    /// The checks every action shares: action, key, signature, region, zone.
    fn check(&self, form: &Form) -> Result<(), (i64, String)> {
        let codes = &self.codes;
        if param(form, "Action").is_none() {
            return Err((codes.missing_action, "Missing Action".into()));
        }
        let settings = &self.settings;
        match param(form, "PublicKey") {
            None => return Err((codes.missing_public_key, "Missing PublicKey".into())),
            Some(key) if key != settings.public_key => {
                return Err((codes.bad_signature, "签名错误: unknown PublicKey".into()));
            }
            _ => {}
        }
        let signed: Vec<(&str, &str)> =
            form.iter().filter(|(k, _)| k != SIGNATURE).map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let keys: HashSet<&str> = signed.iter().map(|(k, _)| *k).collect();
        match param(form, SIGNATURE) {
            None => return Err((codes.missing_signature, "Missing Signature".into())),
            Some(sent) if keys.len() != signed.len() || sent != signature(&signed, &settings.private_key) => {
                return Err((codes.bad_signature, "签名错误: signature error".into()));
            }
            _ => {}
        }
        match param(form, "Region") {
            // The one action that takes no Region.
            _ if param(form, "Action") == Some("DescribeRegion") => {}
            None => return Err((codes.missing_region, "Params [Region] not available".into())),
            Some(region) if region != settings.region => {
                return Err((codes.unknown_region, format!("Region [{region}] not available")));
            }
            _ => {}
        }
        if let Some(zone) = &settings.require_zone {
            match param(form, "Zone") {
                None => return Err((codes.missing_param, "Params [Zone] not available".into())),
                Some(sent) if sent != zone => return Err((codes.unknown_zone, format!("Zone [{sent}] not available"))),
                _ => {}
            }
        }
        Ok(())
    }

    pub fn required<'a>(&self, form: &'a Form, key: &str) -> Result<&'a str, (i64, String)> {
        param(form, key).ok_or_else(|| (self.codes.missing_param, format!("Params [{key}] not available")))
    }

    /// `Offset` and `Limit` as the listing actions read them (default 0 and 20; 1..=100).
    pub fn page(&self, form: &Form) -> Result<(usize, usize), (i64, String)> {
        let bad = self.codes.bad_param;
        let offset = self.int(form, "Offset")?.unwrap_or(0);
        let limit = self.int(form, "Limit")?.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err((bad, format!("Params [Limit] must be between 1 and 100, got {limit}")));
        }
        if offset < 0 {
            return Err((bad, format!("Params [Offset] must not be negative, got {offset}")));
        }
        Ok((offset as usize, limit as usize))
    }

    pub fn int(&self, form: &Form, key: &str) -> Result<Option<i64>, (i64, String)> {
        param(form, key)
            .map(|text| {
                text.parse()
                    .map_err(|_| (self.codes.bad_param, format!("Params [{key}] must be an integer, got {text:?}")))
            })
            .transpose()
    }
}

/// A form value, `None` when missing or empty.
pub(super) fn param<'a>(form: &'a Form, key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// The values of `Name.0`, `Name.1`, ... in index order.
pub(super) fn list<'a>(form: &'a Form, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}.");
    let mut items: Vec<(usize, &str)> =
        form.iter().filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.parse().ok()?, v.as_str()))).collect();
    items.sort_by_key(|(i, _)| *i);
    items.into_iter().map(|(_, v)| v).collect()
}
