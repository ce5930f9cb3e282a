//! Every failure of the tool, and the one place that turns the library's errors into the
//! tool's words, JSON and exit codes.

use serde_json::{Value, json};
use ucloudstack::Error;

/// Success.
pub const EXIT_OK: u8 = 0;
/// A call failed, or something asked for does not exist.
pub const EXIT_FAILURE: u8 = 1;
/// Bad usage: flags, input refused before anything was sent, missing configuration, a
/// confirmation refused or `--yes` missing.
pub const EXIT_USAGE: u8 = 2;
/// The request may have been carried out although no answer said so: look before retrying.
pub const EXIT_OUTCOME_UNKNOWN: u8 = 3;
/// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The tool refused the command line or the input (exit 2).
    Usage(String),
    /// Something asked for is not there (exit 1).
    NotFound(String),
    /// The tool itself failed (exit 1).
    Other(String),
    /// Ctrl-C stopped the command; the message says what was left and how to go on, and
    /// whether the command may have acted (exit 130).
    Interrupted { message: String, outcome_unknown: bool },
    /// A library call failed; `hint` says what to do next in the tool's terms; `image_id` is
    /// an image the command made before it failed (in the JSON, for scripts).
    Call { error: Box<Error>, hint: Option<String>, image_id: Option<String> },
    /// Some items of a bulk action failed: each id with its error.
    Bulk { summary: String, failures: Vec<(String, Error)> },
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::Call { error: Box::new(error), hint: None, image_id: None }
    }
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::Usage(message.into())
    }

    /// The error and what to do next; no hint when `hint` is `None`.
    pub fn with_hint(error: Error, hint: Option<String>) -> Self {
        Failure::Call { error: Box::new(error), hint, image_id: None }
    }

    /// The error of a command that made image `image_id` before it failed: said in the text,
    /// and as the JSON's `image_id`.
    pub fn after_making(error: Error, image_id: &str) -> Self {
        let hint = format!("image {image_id} was made: see it with `ucloudstack images show {image_id}`");
        Failure::Call { error: Box::new(error), hint: Some(hint), image_id: Some(image_id.to_owned()) }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::NotFound(_) | Failure::Other(_) => EXIT_FAILURE,
            Failure::Interrupted { .. } => EXIT_INTERRUPTED,
            Failure::Call { error, .. } => exit_code(error),
            Failure::Bulk { failures, .. } => {
                let unknown = failures.iter().any(|(_, e)| e.outcome_unknown());
                if unknown { EXIT_OUTCOME_UNKNOWN } else { EXIT_FAILURE }
            }
        }
    }

    /// The message for people, in the tool's terms.
    pub fn message(&self) -> String {
        match self {
            Failure::Usage(message)
            | Failure::NotFound(message)
            | Failure::Other(message)
            | Failure::Interrupted { message, .. } => message.clone(),
            Failure::Call { error, hint, .. } => match hint.as_deref().filter(|h| !h.trim().is_empty()) {
                Some(hint) => format!("{}\n{hint}", message(error)),
                None => message(error),
            },
            Failure::Bulk { summary, failures } => {
                let lines = failures.iter().map(|(id, e)| format!("\n  {id}: {}", message(e)));
                format!("{summary}{}", lines.collect::<String>())
            }
        }
    }

    /// The one JSON object printed on stderr with `--json`.
    pub fn json(&self) -> Value {
        let mut object = match self {
            Failure::Usage(message) => plain("usage", message),
            Failure::NotFound(message) => plain("not_found", message),
            Failure::Other(message) => plain("failure", message),
            Failure::Interrupted { message, outcome_unknown } => {
                let mut object = plain("interrupted", message);
                object["outcome_unknown"] = json!(outcome_unknown);
                object
            }
            Failure::Call { error, image_id, .. } => {
                let mut object = error_json(error);
                if let Some(image_id) = image_id {
                    object["image_id"] = json!(image_id);
                }
                object
            }
            Failure::Bulk { summary, failures } => {
                let items: Vec<Value> = failures
                    .iter()
                    .map(|(id, e)| {
                        let mut item = error_json(e);
                        item["id"] = json!(id);
                        item
                    })
                    .collect();
                let mut object = plain("bulk", summary);
                object["outcome_unknown"] = json!(failures.iter().any(|(_, e)| e.outcome_unknown()));
                object["failures"] = Value::Array(items);
                object
            }
        };
        object["message"] = json!(self.message());
        object["exit_code"] = json!(self.exit_code());
        object
    }

    /// Prints the failure on stderr: one JSON object with `--json`, else `error: ...`.
    pub fn report(&self, json: bool) {
        if json {
            eprintln!("{}", self.json());
        } else {
            eprintln!("error: {}", self.message());
        }
    }
}

fn plain(kind: &str, message: &str) -> Value {
    json!({ "kind": kind, "message": message, "retcode": null, "request_id": null, "outcome_unknown": false })
}

fn exit_code(error: &Error) -> u8 {
    if error.outcome_unknown() {
        EXIT_OUTCOME_UNKNOWN
    } else if matches!(error, Error::Config { .. } | Error::InvalidRequest { .. }) {
        EXIT_USAGE
    } else {
        EXIT_FAILURE
    }
}

fn error_json(error: &Error) -> Value {
    let cause = api_cause(error);
    json!({
        "kind": kind(error),
        "message": message(error),
        "retcode": cause.and_then(Error::ret_code),
        "api_kind": cause.and_then(Error::api_kind).map(|k| format!("{k:?}")),
        "action": cause.and_then(Error::metadata).map(|m| m.action.clone()),
        "request_id": cause.and_then(Error::request_id),
        "outcome_unknown": error.outcome_unknown(),
    })
}

/// The kind of a library error, as the JSON's `kind`.
fn kind(error: &Error) -> &'static str {
    match error {
        Error::Api { .. } => "api",
        Error::Http { .. } => "http",
        Error::Transport { .. } => "transport",
        Error::Timeout { .. } => "timeout",
        Error::Decode { .. } => "decode",
        Error::InvalidRequest { .. } => "invalid_request",
        Error::Config { .. } => "config",
        Error::Pagination { .. } => "pagination",
        Error::Throttled { .. } => "throttled",
        Error::Transfer(_) => "transfer",
        Error::Waiter { .. } => "waiter",
        Error::Capture(_) => "capture",
        Error::AmbiguousRecovery { .. } => "ambiguous_recovery",
        _ => "other",
    }
}

/// The call behind a workflow's error (a capture's, a transfer's, a waiter's), whose RetCode
/// and request id the JSON shows.
fn api_cause(error: &Error) -> Option<&Error> {
    match error {
        Error::Transfer(transfer) => transfer.api_error().and_then(api_cause),
        Error::Capture(capture) => capture.source.as_deref().and_then(api_cause),
        Error::Waiter { source, .. } | Error::Throttled { source, .. } => source.as_deref().and_then(api_cause),
        Error::AmbiguousRecovery { source, .. } => api_cause(source),
        other => other.metadata().is_some().then_some(other),
    }
}

/// Set once `--fake` is in use: a configuration error then does not suggest it.
pub static FAKE_IN_USE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

const TRY_FAKE: &str = "\n(or pass --fake to try the tool on an embedded fake platform)";

fn try_fake() -> &'static str {
    if FAKE_IN_USE.load(std::sync::atomic::Ordering::Relaxed) { "" } else { TRY_FAKE }
}

/// The paths of the command, as `Path::display` shows them (what the library's messages say)
/// and as quoted for a shell, for those that differ: display loses bytes that are not UTF-8.
static PATHS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

/// Messages from now on name `paths` quoted for a shell (see [`crate::output::quoted`]).
pub fn quote_in_messages(paths: &[&std::path::Path]) {
    let mut known = PATHS.lock().unwrap_or_else(|e| e.into_inner());
    for path in paths {
        let (shown, quoted) = (path.display().to_string(), crate::output::quoted(path));
        if !shown.is_empty() && shown != quoted && !known.iter().any(|(s, _)| *s == shown) {
            known.push((shown, quoted));
        }
    }
    // Longest first: a path that starts with another (FILE and FILE.upload.json) wins.
    known.sort_by_key(|(shown, _)| std::cmp::Reverse(shown.len()));
}

/// `text` with each path of [`quote_in_messages`] quoted, in one pass (a path quoted is not
/// looked at again).
fn quote_paths(text: &str) -> String {
    let known = PATHS.lock().unwrap_or_else(|e| e.into_inner());
    if known.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match known.iter().find(|(shown, _)| rest.starts_with(shown.as_str())) {
            Some((shown, quoted)) => {
                out.push_str(quoted);
                rest = &rest[shown.len()..];
            }
            None => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The library's message, with its advice to Rust programmers said as the tool's flags, and
/// the command's paths quoted for a shell.
pub fn message(error: &Error) -> String {
    quote_paths(&unquoted_message(error))
}

fn unquoted_message(error: &Error) -> String {
    let text = match error {
        Error::InvalidRequest { field, rule, .. } => format!("invalid {}: {rule}", flag_of(field)),
        Error::Config { missing, shared_files, .. } if !missing.is_empty() => {
            return missing_settings(missing, shared_files.as_deref());
        }
        Error::Config { field, message, .. } => format!("configuration: {field}: {message}"),
        other => other.to_string(),
    };
    let mut text = part_sizes_in_mib(REWRITES.iter().fold(text, |text, (from, to)| text.replace(from, to)));
    if let Error::Config { field, .. } = error
        && ["endpoint", "credentials", "region"].contains(&field.as_str())
    {
        text.push_str(try_fake());
    }
    if let Error::Waiter { reason: ucloudstack::WaitFailure::TimedOut(_), .. } = error {
        text.push_str(" (--max-wait sets how long to wait)");
    }
    text
}

/// Every required setting nothing held, one line each with the places that would give it,
/// then the profiles found: all of it at once, so that one edit fixes the configuration.
fn missing_settings(missing: &[ucloudstack::MissingSetting], files: Option<&ucloudstack::SharedFiles>) -> String {
    let mut text = match missing.len() {
        1 => "configuration: a required setting is missing:".to_owned(),
        n => format!("configuration: {n} required settings are missing:"),
    };
    let width = missing.iter().map(|m| m.name.len()).max().unwrap_or(0) + 1;
    for setting in missing {
        let mut places: Vec<String> = match setting.setter {
            "endpoint" => vec!["--endpoint URL".into()],
            "region" => vec!["--region REGION".into()],
            _ => Vec::new(),
        };
        places.extend(setting.env_vars.iter().map(|var| (*var).to_owned()));
        if let Some(field) = setting.profile_field {
            match &setting.file {
                Some(file) => places.push(format!("{field} in a profile of {}", crate::output::quoted(file))),
                None => places.push(format!("{field} in a profile")),
            }
        }
        let name = format!("{}:", setting.name);
        text.push_str(&format!("\n  {name:width$} {}", places.join(", ")));
    }
    if let Some(files) = files {
        let exists = files.config_file.as_ref().is_some_and(|f| f.is_file());
        let file = files.config_file.as_ref().map(|f| crate::output::quoted(f)).unwrap_or_else(|| "~/.ucloud".into());
        let profiles = &files.profiles;
        text.push('\n');
        text.push_str(&match (&files.profile, profiles.is_empty()) {
            (Some(profile), _) => format!("profile {profile:?} of {file} was read"),
            (None, true) if !exists => format!("no profile was read: {file} does not exist"),
            (None, true) => format!("no profile was read: {file} has none"),
            (None, false) => {
                format!("no profile was read: {file} has {}, none active (pass --profile NAME)", profiles.join(", "))
            }
        });
    }
    text.push_str(try_fake());
    text
}

/// Library phrases that speak to Rust programmers, and the tool's words for them.
const REWRITES: &[(&str, &str)] = &[
    ("set stop_vm(true)", "pass --stop"),
    ("(set by ClientBuilder::endpoint)", "(set by --endpoint)"),
    ("set overwrite(true)", "pass --overwrite"),
    ("the download took its whole max_wait", "the download took its whole --max-wait"),
    // The config errors go on ", or <the other places looked>".
    ("set .endpoint(\"http://192.0.2.10/api\"), or ", "pass --endpoint http://192.0.2.10/api, or set "),
    ("set .endpoint(\"http://192.0.2.10/api\")", "pass --endpoint http://192.0.2.10/api"),
    (
        "set .credentials(Credentials::new(public, private)), or ",
        "set the key pair, e.g. UCLOUDSTACK_PUBLIC_KEY and UCLOUDSTACK_PRIVATE_KEY; looked in ",
    ),
    ("set .credentials(Credentials::new(public, private))", "set UCLOUDSTACK_PUBLIC_KEY and UCLOUDSTACK_PRIVATE_KEY"),
    ("set .region(\"cn\"), or ", "pass --region cn, or set "),
    ("set .region(\"cn\")", "pass --region cn"),
    ("set it on the request or with ClientBuilder::region", "pass --region"),
    ("set image_format (raw for a raw disk)", "pass --format (raw for a raw disk)"),
    ("(set part_size to it)", "(pass that --part-size)"),
    ("set image_size(..) to the image's size in GiB", "pass --size with the image's size in GiB"),
    ("give the upload's key with object_key(..)", "pass the upload's key with --object-key KEY"),
    ("give it with object_key(..)", "pass it with --object-key KEY"),
    ("object_key(..)", "--object-key KEY"),
    ("invalid request: ", "invalid "),
];

/// The library's "set part_size to N" / "part_size set to N" (bytes) as the tool's
/// `--part-size` (MiB): a whole number of MiB, else the bytes said as such.
fn part_sizes_in_mib(text: String) -> String {
    const FORMS: [(&str, &str); 2] =
        [("set part_size to ", "pass --part-size "), ("with part_size set to ", "with --part-size ")];
    let mut text = text;
    for (from, to) in FORMS {
        while let Some(at) = text.find(from) {
            let rest = &text[at + from.len()..];
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let said = match rest[..digits].parse::<u64>() {
                Ok(bytes) if bytes % (1 << 20) == 0 => format!("{to}{}", bytes >> 20),
                Ok(bytes) => format!("{to}(in MiB) for {bytes} bytes"),
                Err(_) => to.trim_end().to_owned(),
            };
            text.replace_range(at..at + from.len() + digits, &said);
        }
    }
    text
}

/// The flag or argument a request field comes from.
fn flag_of(field: &str) -> &str {
    match field {
        "ImageName" | "Name" | "DestImageName" => "--name",
        "ImageDescription" | "Remark" => "--description",
        "ImageID" | "ResourceID" | "SourceImageID" => "IMAGE_ID",
        "VMID" => "VM_ID",
        "ImageFormat" => "--format",
        "OSType" => "--os-type",
        "OSDistribution" => "--distribution",
        "OSVersion" => "--os-version",
        "SetArch" => "--arch",
        "BootloaderType" => "--bootloader",
        "CompanyID" => "--company-id",
        "ImageSize" => "--size",
        "LoadURL" => "URL",
        "Region" => "--region",
        "Keyword" => "--keyword",
        "part_size" => "--part-size",
        "concurrency" => "--concurrency",
        "path" => "FILE",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every library phrase that speaks Rust, as the library words it now.
    #[test]
    fn rust_advice_is_said_as_flags() {
        let config = ucloudstack::Client::builder().build().unwrap_err();
        let text = message(&config);
        assert!(text.contains("--endpoint") && !text.contains(".endpoint("), "{text}");
        assert_eq!(exit_code(&config), EXIT_USAGE);
        for text in REWRITES.iter().map(|(_, to)| to) {
            assert!(!text.contains('(') || text.contains("--"), "{text}");
        }
    }

    #[test]
    fn part_sizes_are_said_as_the_flag_in_mib() {
        let text =
            part_sizes_in_mib("set part_size to 8388608 if it began so; resume with part_size set to 1000".into());
        assert_eq!(text, "pass --part-size 8 if it began so; resume with --part-size (in MiB) for 1000 bytes");
    }

    #[test]
    fn paths_in_messages_are_quoted_once_the_longest_first() {
        let file = std::path::Path::new("my disk.raw");
        let handle = std::path::Path::new("my disk.raw.upload.json");
        quote_in_messages(&[file, handle, std::path::Path::new("plain.raw")]);
        let text = quote_paths("my disk.raw and my disk.raw.upload.json, not plain.raw");
        assert_eq!(text, "'my disk.raw' and 'my disk.raw.upload.json', not plain.raw");
    }

    #[tokio::test]
    async fn request_fields_are_named_by_their_flags() {
        let client = ucloudstack::Client::builder().endpoint("http://127.0.0.1:9/api");
        let client = client.credentials(ucloudstack::Credentials::new("a", "b")).region("cn").build().unwrap();
        let refused = Failure::from(client.capture_image("vm-1").send().await.unwrap_err());
        assert_eq!(refused.message(), "invalid --name: is required");
        assert_eq!(refused.exit_code(), EXIT_USAGE);
        let json = refused.json();
        assert_eq!((json["kind"].as_str(), json["retcode"].is_null()), (Some("invalid_request"), true));
    }
}
