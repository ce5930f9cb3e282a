//! One request in, one answer out: the checks every action shares, faults, and the envelope.
//! The actions themselves come from each service's `ACTIONS` table.

use super::form::{Form, Outcome, ReceivedRequest, Refusal, Why, param};
use super::state::{Fault, Handler, State};
use super::{catalog, fetch, image, other, transfer, vm};
use crate::sign::{SIGNATURE, signature};
use crate::{Platform, REQUEST_ID_HEADER};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How long an answer that never comes is held back.
const NEVER: Duration = Duration::from_secs(3600);

/// How the fake was set up (see [`FakeBuilder`](super::FakeBuilder)).
#[derive(Clone)]
pub(super) struct Settings {
    pub public_key: String,
    pub private_key: String,
    pub region: String,
    pub require_zone: Option<String>,
    pub platform: Platform,
    pub making_delay: Duration,
    pub deleting_delay: Duration,
    pub vm_delay: Duration,
    pub vm_ids: Vec<String>,
    pub base_images: bool,
    pub rate_limit: Option<u32>,
    pub latency: Duration,
    pub older_platform: bool,
    pub download_expiry: Duration,
    pub image_file_size: u64,
    pub s3_region: String,
    pub s3_credential_ttl: Duration,
    pub s3_session_token: bool,
    pub other_uploads: usize,
    pub s3_lists_uploads_only_by_key: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_key: "fake-public-key".into(),
            private_key: "fake-private-key".into(),
            region: "cn".into(),
            require_zone: None,
            platform: Platform::default(),
            making_delay: Duration::from_secs(2),
            deleting_delay: Duration::from_secs(1),
            vm_delay: Duration::from_secs(2),
            vm_ids: vec!["vm-fake-1".into(), "vm-fake-2".into(), "vm-fake-3".into()],
            base_images: true,
            rate_limit: None,
            latency: Duration::ZERO,
            older_platform: false,
            download_expiry: Duration::from_secs(3600),
            image_file_size: 1 << 20,
            s3_region: "us-east-1".into(),
            s3_credential_ttl: Duration::from_secs(3600),
            s3_session_token: true,
            other_uploads: 0,
            s3_lists_uploads_only_by_key: false,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeBuilder")
            .field("public_key", &self.public_key)
            .field("private_key", &"***")
            .field("region", &self.region)
            .field("require_zone", &self.require_zone)
            .field("platform", &self.platform)
            .field("making_delay", &self.making_delay)
            .field("deleting_delay", &self.deleting_delay)
            .field("vm_delay", &self.vm_delay)
            .field("vm_ids", &self.vm_ids)
            .field("base_images", &self.base_images)
            .field("rate_limit", &self.rate_limit)
            .field("latency", &self.latency)
            .field("older_platform", &self.older_platform)
            .field("download_expiry", &self.download_expiry)
            .field("image_file_size", &self.image_file_size)
            .field("s3_region", &self.s3_region)
            .field("s3_credential_ttl", &self.s3_credential_ttl)
            .field("s3_session_token", &self.s3_session_token)
            .field("other_uploads", &self.other_uploads)
            .field("s3_lists_uploads_only_by_key", &self.s3_lists_uploads_only_by_key)
            .finish()
    }
}

#[derive(Debug)]
pub(super) struct Shared {
    pub settings: Settings,
    /// Shared with the threads fetching Remote imports, which hold it weakly.
    pub state: Arc<Mutex<State>>,
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

    /// Brings the state up to now: images along their life, requests carried out late, the
    /// fetches of new Remote imports started.
    pub fn advance(&self, state: &mut State) {
        for form in state.due() {
            let _ = self.act(state, &form);
        }
        state.advance(self.settings.making_delay, self.settings.deleting_delay, self.settings.vm_delay);
        self.start_fetches(state);
    }

    fn start_fetches(&self, state: &mut State) {
        for (image_id, url) in state.fetches.drain(..) {
            fetch::spawn(Arc::downgrade(&self.state), image_id, url);
        }
    }

    pub fn handle(&self, body: &[u8], headers: Vec<(String, String)>) -> Reply {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let action = param(&form, "Action").map(str::to_owned);
        let mut state = self.lock();
        state.requests_served += 1;
        let request_id = format!("{:08x}-fa6e-4000-8000-{:012x}", state.requests_served, state.requests_served);
        state.record(ReceivedRequest { action: action.clone(), form: form.clone(), headers });
        self.advance(&mut state);

        let fault = action.as_ref().and_then(|a| state.next_fault(a));
        let action_name = action.unwrap_or_default();
        let envelope = |outcome: Outcome| -> Vec<u8> {
            let mut value = match outcome {
                Ok(payload) => payload,
                Err((why, message)) => json!({ "RetCode": why.code(self.settings.platform), "Message": message }),
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
        let throttled = || envelope(Err((Why::TooFrequent, "请求过于频繁，请稍后再试 (too frequent)".into())));

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
                let body = envelope(Ok(json!({ "RetCode": code, "Message": format!("injected RetCode {code}") })));
                return reply(200, "application/json", body, Duration::ZERO);
            }
            Some(Fault::Throttled) => return reply(200, "application/json", throttled(), Duration::ZERO),
            Some(Fault::LostAnswer { acts_after }) => {
                state.defer(acts_after, form);
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
        self.start_fetches(&mut state);
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
        let action = param(form, "Action").unwrap_or_default();
        let every: [&[(&str, Handler)]; 5] =
            [image::ACTIONS, vm::ACTIONS, other::ACTIONS, transfer::ACTIONS, catalog::ACTIONS];
        // An older platform has none of the newer actions.
        let known = if self.settings.older_platform { &every[..3] } else { &every[..] };
        match known.iter().copied().flatten().find(|(name, _)| *name == action) {
            Some((_, handler)) => handler(state, form),
            None => Err((Why::UnknownAction, format!("Action [{action}] not found"))),
        }
    }

    /// The checks every action shares: action, key, signature, region, zone.
    fn check(&self, form: &Form) -> Result<(), Refusal> {
        if param(form, "Action").is_none() {
            return Err((Why::MissingAction, "Missing Action".into()));
        }
        let settings = &self.settings;
        match param(form, "PublicKey") {
            None => return Err((Why::MissingPublicKey, "Missing PublicKey".into())),
            Some(key) if key != settings.public_key => {
                return Err((Why::BadSignature, "签名错误: unknown PublicKey".into()));
            }
            _ => {}
        }
        let signed: Vec<(&str, &str)> =
            form.iter().filter(|(k, _)| k != SIGNATURE).map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let keys: HashSet<&str> = signed.iter().map(|(k, _)| *k).collect();
        match param(form, SIGNATURE) {
            None => return Err((Why::MissingSignature, "Missing Signature".into())),
            Some(sent) if keys.len() != signed.len() || sent != signature(&signed, &settings.private_key) => {
                return Err((Why::BadSignature, "签名错误: signature error".into()));
            }
            _ => {}
        }
        match param(form, "Region") {
            // The one action that takes no Region.
            _ if param(form, "Action") == Some("DescribeRegion") => {}
            None => return Err((Why::MissingRegion, "Params [Region] not available".into())),
            Some(region) if region != settings.region => {
                return Err((Why::UnknownRegion, format!("Region [{region}] not available")));
            }
            _ => {}
        }
        if let Some(zone) = &settings.require_zone {
            match param(form, "Zone") {
                None => return Err((Why::MissingParam, "Params [Zone] not available".into())),
                Some(sent) if sent != zone => return Err((Why::UnknownZone, format!("Zone [{sent}] not available"))),
                _ => {}
            }
        }
        Ok(())
    }
}
