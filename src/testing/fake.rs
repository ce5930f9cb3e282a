//! An in-memory UCloudStack that speaks the real wire protocol, for tests and the quickstart.

use crate::image::{ImageInfo, ImageStatus, ImageType, OsType};
use crate::sign::{SIGNATURE, signature};
use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::{Client, ClientBuilder, Credentials, REQUEST_ID_HEADER};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// The `RetCode`s the fake answers with, besides those of [`crate::ret_code`].
pub mod fake_ret_code {
    /// The image, VM or other resource named does not exist.
    pub const NOT_FOUND: i64 = 240;
    /// The operation is not allowed on this resource (e.g. deleting a Base image).
    pub const NOT_ALLOWED: i64 = 241;
}

use crate::ret_code::{ACTION_NOT_FOUND, INVALID_PARAMS, MISSING_ACTION, SIGNATURE_ERROR};
use fake_ret_code::{NOT_ALLOWED, NOT_FOUND};

/// A fault the fake injects instead of (or on top of) its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this HTTP status and an HTML body, without acting on the request.
    Http(u16),
    /// Answer with this HTTP status and `Retry-After: <seconds>`, without acting.
    HttpRetryAfter(u16, u64),
    /// Answer with this `RetCode` and a message, without acting on the request.
    RetCode(i64),
    /// Act on the request, then hold the answer back this long.
    Delay(Duration),
    /// Act on the request, then answer 200 with an HTML page instead of JSON.
    MalformedBody,
    /// Act on the request, then answer 200 with only the first half of the JSON.
    TruncatedBody,
}

/// A request the fake received, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReceivedRequest {
    /// The `Action` pair, if any.
    pub action: Option<String>,
    /// Every form pair, in the order sent, `Signature` included.
    pub form: Vec<(String, String)>,
    /// Every header, names lowercase.
    pub headers: Vec<(String, String)>,
}

impl ReceivedRequest {
    /// The value of a form pair.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }
}

/// Configures a [`FakeUCloudStack`] before it starts.
#[derive(Clone)]
#[must_use]
pub struct FakeBuilder {
    public_key: String,
    private_key: String,
    region: String,
    require_zone: Option<String>,
    making_delay: Duration,
    deleting_delay: Duration,
    vm_ids: Vec<String>,
    base_images: bool,
}

impl Default for FakeBuilder {
    fn default() -> Self {
        FakeBuilder {
            public_key: "fake-public-key".into(),
            private_key: "fake-private-key".into(),
            region: "cn".into(),
            require_zone: None,
            making_delay: Duration::from_secs(2),
            deleting_delay: Duration::from_secs(1),
            vm_ids: vec!["vm-fake-1".into(), "vm-fake-2".into(), "vm-fake-3".into()],
            base_images: true,
        }
    }
}

impl std::fmt::Debug for FakeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeBuilder")
            .field("public_key", &self.public_key)
            .field("private_key", &"***")
            .field("region", &self.region)
            .field("require_zone", &self.require_zone)
            .field("making_delay", &self.making_delay)
            .field("deleting_delay", &self.deleting_delay)
            .field("vm_ids", &self.vm_ids)
            .field("base_images", &self.base_images)
            .finish()
    }
}

impl FakeBuilder {
    /// The key pair the fake accepts (default `fake-public-key` / `fake-private-key`).
    pub fn credentials(mut self, public_key: impl Into<String>, private_key: impl Into<String>) -> Self {
        self.public_key = public_key.into();
        self.private_key = private_key.into();
        self
    }

    /// The only region the fake serves (default `cn`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Requires `Zone` with this value on every call, as older UCloudStack releases do.
    pub fn require_zone(mut self, zone: impl Into<String>) -> Self {
        self.require_zone = Some(zone.into());
        self
    }

    /// How long a new custom image stays `Making` before it is `Used` (default 2 s).
    pub fn making_delay(mut self, delay: Duration) -> Self {
        self.making_delay = delay;
        self
    }

    /// How long a deleted image stays `Deleting` before it is gone (default 1 s).
    pub fn deleting_delay(mut self, delay: Duration) -> Self {
        self.deleting_delay = delay;
        self
    }

    /// The virtual machines CreateCustomImage accepts (default `vm-fake-1` to `vm-fake-3`).
    pub fn vm_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.vm_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Starts with no images at all instead of the six platform (Base) images.
    pub fn without_base_images(mut self) -> Self {
        self.base_images = false;
        self
    }

    fn into_shared(self) -> Arc<Shared> {
        let images = if self.base_images { base_images(&self.region) } else { Vec::new() };
        Arc::new(Shared {
            vm_ids: self.vm_ids.iter().cloned().collect(),
            settings: self,
            state: Mutex::new(State { images, ..State::default() }),
        })
    }

    /// Starts the fake on 127.0.0.1, on a port of its own.
    pub async fn start(self) -> FakeUCloudStack {
        let shared = self.into_shared();
        let server = wiremock::MockServer::builder().start().await;
        wiremock::Mock::given(wiremock::matchers::any()).respond_with(Responder(shared.clone())).mount(&server).await;
        let endpoint = format!("{}/api", server.uri());
        FakeUCloudStack { shared, server: Some(server), endpoint }
    }

    /// The fake without a server: reach it through [`FakeUCloudStack::transport`] only. Its
    /// clock is tokio's, so it runs under paused time.
    pub fn in_process(self) -> FakeUCloudStack {
        FakeUCloudStack { shared: self.into_shared(), server: None, endpoint: "http://fake.invalid/api".into() }
    }
}

/// A UCloudStack on 127.0.0.1 for tests: DescribeImage, CreateCustomImage and
/// DeleteCustomImage from in-memory state, signatures checked, faults on request.
///
/// Behaviour, as a real server's:
/// - every call needs `Action` (else RetCode 160), a known action (161), `PublicKey` and a
///   matching `Signature` (171), `Region` equal to the fake's (230), and `Zone` when
///   [`require_zone`](FakeBuilder::require_zone) was set (230);
/// - DescribeImage filters on `ImageType`, `ImageIDs.N`, `Keyword`, `ProjectIDs.N` and
///   `CompanyID`, counts `TotalCount` before paging, and pages with `Offset`/`Limit` (default
///   20; outside 1..=100 is RetCode 230);
/// - CreateCustomImage needs `VMID` (one of [`vm_ids`](Self::vm_ids), else 240) and
///   `ImageName` (else 230); the image is `Making`, then `Used` after the making delay;
/// - DeleteCustomImage needs `ImageID` (unknown: 240; a Base image: 241); the image is
///   `Deleting`, then gone after the deleting delay.
#[derive(Debug)]
pub struct FakeUCloudStack {
    shared: Arc<Shared>,
    server: Option<wiremock::MockServer>,
    endpoint: String,
}

impl FakeUCloudStack {
    /// Starts a fake with the defaults of [`FakeBuilder`].
    pub async fn start() -> FakeUCloudStack {
        FakeBuilder::default().start().await
    }

    /// Configures a fake before starting it.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// The API URL, e.g. `http://127.0.0.1:40123/api`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The key pair the fake accepts.
    pub fn credentials(&self) -> Credentials {
        Credentials::new(&self.shared.settings.public_key, &self.shared.settings.private_key)
    }

    /// The region the fake serves.
    pub fn region(&self) -> &str {
        &self.shared.settings.region
    }

    /// The virtual machines CreateCustomImage accepts.
    pub fn vm_ids(&self) -> Vec<String> {
        self.shared.settings.vm_ids.clone()
    }

    /// A client builder aimed at this fake: endpoint, credentials, region (and zone) set.
    /// A fake without a server gets its in-process transport.
    pub fn client_builder(&self) -> ClientBuilder {
        let mut builder =
            Client::builder().endpoint(&self.endpoint).credentials(self.credentials()).region(self.region());
        if let Some(zone) = &self.shared.settings.require_zone {
            builder = builder.zone(zone);
        }
        if self.server.is_none() {
            builder = builder.transport(self.transport());
        }
        builder
    }

    /// A client aimed at this fake.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("the fake's own settings are valid")
    }

    /// A transport that serves this fake in process, without a socket.
    pub fn transport(&self) -> FakeTransport {
        FakeTransport { shared: self.shared.clone() }
    }

    /// Every image the fake holds now, in listing order.
    pub fn images(&self) -> Vec<ImageInfo> {
        let mut state = self.shared.lock();
        state.advance(&self.shared.settings);
        state.images.iter().map(|i| i.info.clone()).collect()
    }

    /// One image, if the fake holds it.
    pub fn image(&self, image_id: &str) -> Option<ImageInfo> {
        self.images().into_iter().find(|i| i.image_id.as_deref() == Some(image_id))
    }

    /// Adds `count` custom images in state `Used` and returns their ids.
    pub fn seed_custom_images(&self, count: usize) -> Vec<String> {
        let mut state = self.shared.lock();
        (0..count)
            .map(|_| {
                let id = state.next_image_id();
                let info = custom_image(&self.shared.settings.region, &id, &format!("seeded {id}"), None, None);
                state.images.push(FakeImage {
                    info: ImageInfo { image_status: Some(ImageStatus::Used), ..info },
                    phase: Phase::Stable,
                });
                id
            })
            .collect()
    }

    /// Sets an image's status (e.g. to `Failed`), as the platform would.
    pub fn set_image_status(&self, image_id: &str, status: ImageStatus) -> bool {
        let mut state = self.shared.lock();
        match state.images.iter_mut().find(|i| i.info.image_id.as_deref() == Some(image_id)) {
            Some(image) => {
                image.info.image_status = Some(status);
                image.phase = Phase::Stable;
                true
            }
            None => false,
        }
    }

    /// Makes the next `times` calls of `action` fail with `fault`. Faults queue up in order.
    pub fn inject_fault(&self, action: &str, fault: Fault, times: usize) {
        let mut state = self.shared.lock();
        let queue = state.faults.entry(action.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared.lock().received.clone()
    }

    /// How many requests for `action` were received.
    pub fn request_count(&self, action: &str) -> usize {
        self.shared.lock().received.iter().filter(|r| r.action.as_deref() == Some(action)).count()
    }
}

impl Drop for FakeUCloudStack {
    fn drop(&mut self) {
        // wiremock's MockServer blocks on an async lock in its Drop. Inside a tokio task whose
        // coop budget is spent, that lock keeps answering Pending and the drop spins forever;
        // on a thread of its own there is no budget to run out.
        if let Some(server) = self.server.take() {
            let _ = std::thread::Builder::new().name("fake-ucloudstack-stop".into()).spawn(move || drop(server));
        }
    }
}

/// Serves a [`FakeUCloudStack`] in process: no socket, tokio's clock.
#[derive(Debug, Clone)]
pub struct FakeTransport {
    shared: Arc<Shared>,
}

#[async_trait]
impl Transport for FakeTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let headers = request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let reply = self.shared.handle(&request.body, headers);
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let mut headers = http::HeaderMap::new();
        for (name, value) in reply.headers {
            headers.insert(
                http::HeaderName::from_static(name),
                http::HeaderValue::from_str(&value).expect("the fake's headers are ASCII"),
            );
        }
        Ok(HttpResponse::new(reply.status, headers, reply.body))
    }
}

struct Responder(Arc<Shared>);

impl wiremock::Respond for Responder {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let headers = request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        if request.method != http::Method::POST {
            return wiremock::ResponseTemplate::new(405).set_body_string("UCloudStack takes POST only");
        }
        let reply = self.0.handle(&request.body, headers);
        let mut template = wiremock::ResponseTemplate::new(reply.status).set_body_raw(reply.body, reply.content_type);
        for (name, value) in reply.headers {
            template = template.insert_header(name, value.as_str());
        }
        if !reply.delay.is_zero() {
            template = template.set_delay(reply.delay);
        }
        template
    }
}

#[derive(Debug)]
struct Shared {
    settings: FakeBuilder,
    vm_ids: HashSet<String>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    images: Vec<FakeImage>,
    faults: HashMap<String, Vec<Fault>>,
    received: Vec<ReceivedRequest>,
    next_id: u64,
    requests_served: u64,
}

#[derive(Debug, Clone)]
struct FakeImage {
    info: ImageInfo,
    phase: Phase,
}

/// Where an image is in its life; statuses change lazily, when the fake is next asked.
#[derive(Debug, Clone, Copy)]
enum Phase {
    Stable,
    Making { since: Instant },
    Deleting { since: Instant },
}

struct Reply {
    status: u16,
    content_type: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delay: Duration,
}

/// What a handler returns: the JSON payload, or a RetCode and message.
type Outcome = Result<Value, (i64, String)>;

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not take the fake down with it.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn handle(&self, body: &[u8], headers: Vec<(String, String)>) -> Reply {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
        let action = form.iter().find(|(k, _)| k == "Action").map(|(_, v)| v.clone());
        let mut state = self.lock();
        state.requests_served += 1;
        let request_id = format!("{:08x}-fa6e-4000-8000-{:012x}", state.requests_served, state.requests_served);
        state.received.push(ReceivedRequest { action: action.clone(), form: form.clone(), headers });
        state.advance(&self.settings);

        let fault = action.as_ref().and_then(|a| {
            let queue = state.faults.get_mut(a)?;
            (!queue.is_empty()).then(|| queue.remove(0))
        });
        let action_name = action.clone().unwrap_or_default();
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
        let reply = |status, content_type, body, delay| Reply {
            status,
            content_type,
            headers: vec![(REQUEST_ID_HEADER, request_id.clone())],
            body,
            delay,
        };

        match fault {
            Some(Fault::Http(status)) => {
                return reply(
                    status,
                    "text/html",
                    format!("<html><body>{status}</body></html>").into_bytes(),
                    Duration::ZERO,
                );
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
            _ => {}
        }

        let outcome = self.check(&form).and_then(|()| match action.as_deref() {
            Some("DescribeImage") => describe(&state, &form),
            Some("CreateCustomImage") => self.create(&mut state, &form),
            Some("DeleteCustomImage") => delete(&mut state, &form),
            Some(other) => Err((ACTION_NOT_FOUND, format!("Action [{other}] not found"))),
            None => Err((MISSING_ACTION, "Missing Action".to_owned())),
        });
        let body = envelope(outcome);
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

    /// The checks every action shares: action, signature, region, zone.
    fn check(&self, form: &[(String, String)]) -> Result<(), (i64, String)> {
        let param = |key: &str| form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        if param("Action").is_none_or(str::is_empty) {
            return Err((MISSING_ACTION, "Missing Action".into()));
        }
        let settings = &self.settings;
        if param("PublicKey") != Some(settings.public_key.as_str()) {
            return Err((SIGNATURE_ERROR, "签名错误: unknown PublicKey".into()));
        }
        let signed: Vec<&(String, String)> = form.iter().filter(|(k, _)| k != SIGNATURE).collect();
        let keys: HashSet<&str> = signed.iter().map(|(k, _)| k.as_str()).collect();
        let pairs: Vec<(&str, &str)> = signed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if keys.len() != pairs.len() || param(SIGNATURE) != Some(signature(&pairs, &settings.private_key).as_str()) {
            return Err((SIGNATURE_ERROR, "签名错误: signature error".into()));
        }
        match param("Region") {
            None | Some("") => return Err((INVALID_PARAMS, "Params [Region] not available".into())),
            Some(region) if region != settings.region => {
                return Err((INVALID_PARAMS, format!("Region [{region}] not available")));
            }
            _ => {}
        }
        if let Some(zone) = &settings.require_zone {
            if param("Zone") != Some(zone.as_str()) {
                return Err((INVALID_PARAMS, "Params [Zone] not available".into()));
            }
        }
        Ok(())
    }

    fn create(&self, state: &mut State, form: &[(String, String)]) -> Outcome {
        let vm_id = required(form, "VMID")?;
        let name = required(form, "ImageName")?;
        if !self.vm_ids.contains(vm_id) {
            return Err((NOT_FOUND, format!("VM [{vm_id}] not found")));
        }
        let company_id = match param(form, "CompanyID") {
            Some(text) => Some(int(text, "CompanyID")?),
            None => None,
        };
        let id = state.next_image_id();
        let info = custom_image(&self.settings.region, &id, name, param(form, "ImageDescription"), company_id);
        state.images.push(FakeImage { info, phase: Phase::Making { since: Instant::now() } });
        Ok(json!({ "ImageID": id }))
    }
}

impl State {
    fn next_image_id(&mut self) -> String {
        self.next_id += 1;
        format!("cn-image-custom-{:06}", self.next_id)
    }

    /// Moves images along their life, as time has passed.
    fn advance(&mut self, settings: &FakeBuilder) {
        let now = Instant::now();
        self.images.retain_mut(|image| match image.phase {
            Phase::Making { since } if now.duration_since(since) >= settings.making_delay => {
                image.info.image_status = Some(ImageStatus::Used);
                image.phase = Phase::Stable;
                true
            }
            Phase::Deleting { since } => now.duration_since(since) < settings.deleting_delay,
            _ => true,
        });
    }
}

fn param<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

fn required<'a>(form: &'a [(String, String)], key: &str) -> Result<&'a str, (i64, String)> {
    param(form, key).ok_or_else(|| (INVALID_PARAMS, format!("Params [{key}] not available")))
}

fn int(text: &str, key: &str) -> Result<i64, (i64, String)> {
    text.parse().map_err(|_| (INVALID_PARAMS, format!("Params [{key}] must be an integer, got {text:?}")))
}

/// The values of `Name.0`, `Name.1`, ... in index order.
fn list<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}.");
    let mut items: Vec<(usize, &str)> =
        form.iter().filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.parse().ok()?, v.as_str()))).collect();
    items.sort_by_key(|(i, _)| *i);
    items.into_iter().map(|(_, v)| v).collect()
}

fn describe(state: &State, form: &[(String, String)]) -> Outcome {
    let offset = param(form, "Offset").map(|v| int(v, "Offset")).transpose()?.unwrap_or(0);
    let limit = param(form, "Limit").map(|v| int(v, "Limit")).transpose()?.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err((INVALID_PARAMS, format!("Params [Limit] must be between 1 and 100, got {limit}")));
    }
    if offset < 0 {
        return Err((INVALID_PARAMS, format!("Params [Offset] must not be negative, got {offset}")));
    }
    let image_type = param(form, "ImageType").map(ImageType::from);
    let ids = list(form, "ImageIDs");
    let projects = list(form, "ProjectIDs");
    let company = param(form, "CompanyID").map(|v| int(v, "CompanyID")).transpose()?;
    let keyword = param(form, "Keyword").map(str::to_lowercase);
    let matches = |info: &ImageInfo| {
        let has = |field: &Option<String>, k: &str| field.as_deref().is_some_and(|v| v.to_lowercase().contains(k));
        image_type.as_ref().is_none_or(|t| info.image_type.as_ref() == Some(t))
            && (ids.is_empty() || info.image_id.as_deref().is_some_and(|id| ids.contains(&id)))
            && (projects.is_empty() || info.project_id.as_deref().is_some_and(|p| projects.contains(&p)))
            && company.is_none_or(|c| info.company_id == Some(c))
            && keyword.as_deref().is_none_or(|k| {
                has(&info.name, k) || has(&info.image_id, k) || has(&info.image_description, k) || has(&info.os_name, k)
            })
    };
    let found: Vec<&ImageInfo> = state.images.iter().map(|i| &i.info).filter(|i| matches(i)).collect();
    let page: Vec<&ImageInfo> = found.iter().skip(offset as usize).take(limit as usize).copied().collect();
    Ok(json!({ "TotalCount": found.len(), "Infos": page }))
}

fn delete(state: &mut State, form: &[(String, String)]) -> Outcome {
    let id = required(form, "ImageID")?;
    let image = state
        .images
        .iter_mut()
        .find(|i| i.info.image_id.as_deref() == Some(id))
        .ok_or_else(|| (NOT_FOUND, format!("Image [{id}] not found")))?;
    if image.info.image_type == Some(ImageType::Base) {
        return Err((NOT_ALLOWED, format!("Image [{id}] is a Base image and cannot be deleted")));
    }
    if !matches!(image.phase, Phase::Deleting { .. }) {
        image.info.image_status = Some(ImageStatus::Deleting);
        image.phase = Phase::Deleting { since: Instant::now() };
    }
    Ok(json!({}))
}

const FAKE_TIME: i64 = 1_700_000_000;

fn custom_image(region: &str, id: &str, name: &str, description: Option<&str>, company_id: Option<i64>) -> ImageInfo {
    ImageInfo {
        region: Some(region.to_owned()),
        company_id: Some(company_id.unwrap_or(200001)),
        email: Some("tester@example.com".into()),
        project_id: Some("proj-default".into()),
        project_name: Some("默认项目".into()),
        image_id: Some(id.to_owned()),
        name: Some(name.to_owned()),
        image_description: description.map(str::to_owned),
        image_size: Some(40),
        image_type: Some(ImageType::Custom),
        os_type: Some(OsType::Linux),
        os_name: Some("CentOS 7.6 64位".into()),
        set_arch: Some("x86_64".into()),
        os_distribution: Some("Centos".into()),
        image_status: Some(ImageStatus::Making),
        create_time: Some(FAKE_TIME + 3600),
        update_time: Some(FAKE_TIME + 3600),
    }
}

/// The platform images a fresh UCloudStack lists.
fn base_images(region: &str) -> Vec<FakeImage> {
    let rows: [(&str, &str, OsType, &str, &str, i64); 6] = [
        ("cn-image-centos-74", "CentOS 7.4 64位", OsType::Linux, "Centos", "x86_64", 20),
        ("cn-image-centos-79", "CentOS 7.9 64位", OsType::Linux, "Centos", "x86_64", 20),
        ("cn-image-ubuntu-1604", "Ubuntu 16.04 64位", OsType::Linux, "Ubuntu", "x86_64", 20),
        ("cn-image-ubuntu-2204", "Ubuntu 22.04 64位", OsType::Linux, "Ubuntu", "x86_64", 20),
        ("cn-image-windows-2019", "Windows Server 2019 数据中心版", OsType::Windows, "Windows", "x86_64", 40),
        ("cn-image-kylin-v10", "Kylin V10 SP2 aarch64", OsType::Kylin, "Kylin", "aarch64", 30),
    ];
    rows.into_iter()
        .map(|(id, os_name, os_type, distro, arch, size)| FakeImage {
            info: ImageInfo {
                region: Some(region.to_owned()),
                image_id: Some(id.to_owned()),
                name: Some(os_name.to_owned()),
                image_description: Some("平台默认镜像".into()),
                image_size: Some(size),
                image_type: Some(ImageType::Base),
                os_type: Some(os_type),
                os_name: Some(os_name.to_owned()),
                set_arch: Some(arch.to_owned()),
                os_distribution: Some(distro.to_owned()),
                image_status: Some(ImageStatus::Used),
                create_time: Some(FAKE_TIME),
                update_time: Some(FAKE_TIME),
                ..ImageInfo::default()
            },
            phase: Phase::Stable,
        })
        .collect()
}
