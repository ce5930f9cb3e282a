//! The official tooling's shared files: profiles, precedence, and every way they can be wrong.

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{CallOptionsBuilder, Client, ClientBuilder, Credentials, Error};

/// Tells a test started by [`run_alone`] that it is the one asked for.
const ALONE: &str = "UCLOUDSTACK_TEST_ALONE";

/// Runs the test `name` of this binary in a process of its own (process-wide state, such as
/// the environment or rustls's provider, starts fresh there), with `vars` and none of this
/// process's `UCLOUD*` variables. `None` if it was still running after `limit` (then killed).
pub fn run_alone(name: &str, vars: &[(&str, &OsStr)], limit: Duration) -> Option<Output> {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--exact", name, "--nocapture", "--test-threads=1"]);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("UCLOUD") {
            command.env_remove(key);
        }
    }
    command.envs(vars.iter().copied()).env(ALONE, name).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(child.wait_with_output().unwrap())
}

/// Whether this process was started by [`run_alone`] to run the test `name`.
pub fn is_alone(name: &str) -> bool {
    std::env::var(ALONE).is_ok_and(|v| v == name)
}

/// A folder of its own under the system's temporary folder, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("ucloudstack-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The files the `ucloud` CLI writes, with a "default" profile aimed at `fake` and an active
/// "prod" one aimed at nowhere.
fn files(dir: &Dir, fake: &FakeUCloudStack) -> (PathBuf, PathBuf) {
    let config = serde_json::json!([
        {"profile": "default", "active": false, "region": "cn", "zone": "", "base_url": fake.endpoint(),
         "timeout_sec": 15, "max_retry_times": 3, "agree_upload_log": true},
        {"profile": "prod", "active": true, "region": "prod-region", "base_url": "http://192.0.2.99/api", "timeout_sec": 7}
    ]);
    let credential = serde_json::json!([
        {"profile": "default", "public_key": "fake-public-key", "private_key": "fake-private-key"},
        {"profile": "prod", "public_key": "prod-pub", "private_key": "prod-priv"}
    ]);
    (dir.file("config.json", &config.to_string(), 0o600), dir.file("credential.json", &credential.to_string(), 0o600))
}

fn config_error(result: Result<Client, Error>) -> (String, String) {
    match result.unwrap_err() {
        Error::Config { field, message, .. } => (field, message),
        other => panic!("not a config error: {other:?}"),
    }
}

#[tokio::test]
async fn a_named_profile_drives_a_real_call() {
    let fake = FakeUCloudStack::start().await;
    let dir = Dir::new("named");
    let (config, credential) = files(&dir, &fake);
    let client = Client::builder()
        .shared_config_file(&config)
        .shared_credential_file(&credential)
        .profile("default")
        .build()
        .unwrap();
    assert_eq!(client.region(), Some("cn"));
    assert!(format!("{client:?}").contains("attempt_timeout: 15s"));
    client.describe_image().send().await.unwrap();
    assert_eq!(fake.requests()[0].param("PublicKey"), Some("fake-public-key"));
}

#[test]
fn the_active_profile_is_the_default_and_the_builder_wins() {
    let dir = Dir::new("active");
    let config = dir.file(
        "config.json",
        r#"[{"profile":"a","active":false,"region":"x","base_url":"http://192.0.2.1/api"},
        {"profile":"b","active":true,"region":"y","zone":"zone-09","base_url":"http://192.0.2.2/api"}]"#,
        0o600,
    );
    let credential = dir.file("credential.json", r#"[{"profile":"b","public_key":"bp","private_key":"bs"}]"#, 0o600);
    let client = Client::builder().shared_config_file(&config).shared_credential_file(&credential).build().unwrap();
    let debug = format!("{client:?}");
    assert!(debug.contains("192.0.2.2") && debug.contains("zone-09") && debug.contains("\"bp\""), "{debug}");
    assert_eq!(client.region(), Some("y"));
    let client = Client::builder()
        .shared_config_file(&config)
        .shared_credential_file(&credential)
        .region("mine")
        .endpoint("http://192.0.2.3/api")
        .build()
        .unwrap();
    assert_eq!(client.region(), Some("mine"));
    assert!(format!("{client:?}").contains("192.0.2.3"));
}

#[test]
fn malformed_json_names_the_file() {
    let dir = Dir::new("malformed");
    let config = dir.file("config.json", r#"{"profile": "default""#, 0o600);
    let credential = dir.file("credential.json", "[]", 0o600);
    let (field, message) =
        config_error(Client::builder().shared_config_file(&config).shared_credential_file(&credential).build());
    assert_eq!(field, config.display().to_string());
    assert!(message.contains("JSON array of profiles"), "{message}");
}

#[test]
fn a_profile_that_does_not_exist_names_both_files() {
    let dir = Dir::new("noprofile");
    let config = dir.file("config.json", r#"[{"profile":"default","active":true}]"#, 0o600);
    let credential = dir.file("credential.json", "[]", 0o600);
    let (field, message) = config_error(
        Client::builder().shared_config_file(&config).shared_credential_file(&credential).profile("staging").build(),
    );
    assert_eq!(field, "profile");
    assert!(message.contains("\"staging\""), "{message}");
    assert!(message.contains(&config.display().to_string()) && message.contains(&credential.display().to_string()));
}

#[test]
fn a_named_file_must_exist_and_what_is_missing_is_named() {
    let dir = Dir::new("missing");
    let absent = dir.0.join("nope.json");
    let (field, message) = config_error(Client::builder().shared_config_file(&absent).profile("default").build());
    assert_eq!(field, absent.display().to_string());
    assert!(message.contains("cannot be read"), "{message}");

    // A profile without a key pair: the error names the profile and the file it looked in.
    let config =
        dir.file("config.json", r#"[{"profile":"p","active":true,"region":"cn","base_url":"http://h/api"}]"#, 0o600);
    let credential = dir.file("credential.json", r#"[{"profile":"other","public_key":"x","private_key":"y"}]"#, 0o600);
    let (field, message) =
        config_error(Client::builder().shared_config_file(&config).shared_credential_file(&credential).build());
    assert_eq!(field, "credentials");
    assert!(message.contains("public_key of profile \"p\""), "{message}");
}

#[cfg(unix)]
#[test]
fn a_credential_file_others_can_read_draws_a_warning() {
    let (capture, _guard) = crate::support::capture_logs(tracing::Level::INFO);
    let dir = Dir::new("mode");
    let config =
        dir.file("config.json", r#"[{"profile":"p","active":true,"region":"cn","base_url":"http://h/api"}]"#, 0o644);
    let private = dir.file("credential.json", r#"[{"profile":"p","public_key":"x","private_key":"y"}]"#, 0o600);
    Client::builder().shared_config_file(&config).shared_credential_file(&private).build().unwrap();
    assert!(capture.text().is_empty(), "0600 is quiet");
    let open = dir.file("open.json", r#"[{"profile":"p","public_key":"x","private_key":"y"}]"#, 0o644);
    Client::builder().shared_config_file(&config).shared_credential_file(&open).build().unwrap();
    let logs = capture.text();
    assert!(logs.contains("WARN") && logs.contains("chmod 600") && logs.contains("644"), "{logs}");
    assert!(!logs.contains("\"y\""), "the key itself is never logged");
}

/// A password in the endpoint is never shown, whatever the shape of the text around it.
#[test]
fn a_password_in_the_endpoint_is_never_shown() {
    for endpoint in [
        "http://admin:hunter2@192.0.2.10/api",
        "ftp://admin:hunter2@192.0.2.10/api",
        "admin:hunter2@192.0.2.10/api",
        "//admin:hunter2@192.0.2.10",
        "http:/admin:hunter2@192.0.2.10",
        "http:admin:hunter2@192.0.2.10",
        "not a url admin:hunter2 @ x@y",
        " https://admin:hunter2@[::1/api ",
    ] {
        let builder = Client::builder().endpoint(endpoint).credentials(Credentials::new("p", "s")).region("cn");
        let debug = format!("{builder:?}");
        assert!(!debug.contains("hunter2") && !debug.contains("admin"), "{debug}");
        assert!(debug.contains("***@"), "the rest is still shown: {debug}");
        let shown = builder.build().unwrap_err();
        assert!(matches!(&shown, Error::Config { field, .. } if field == "endpoint"), "{shown:?}");
        let shown = shown.to_string();
        assert!(!shown.contains("hunter2") && !shown.contains("admin"), "{shown}");
    }
    let debug = format!("{:?}", Client::builder().endpoint("http://192.0.2.10/api"));
    assert!(debug.contains("\"http://192.0.2.10/api\""), "nothing to hide is shown as is: {debug}");
}

/// Run alone by the tests below, with the HOME and variables they set: prints what
/// `Client::from_env()` made of them and what it logged.
#[test]
fn from_env_alone() {
    if !is_alone("config::from_env_alone") {
        return;
    }
    let (capture, _guard) = crate::support::capture_logs(tracing::Level::WARN);
    match Client::from_env() {
        Ok(_) => println!("OUTCOME ok"),
        Err(e) => {
            println!("OUTCOME {e}");
            if let Error::Config { missing, shared_files, .. } = &e {
                let missing: Vec<String> = missing
                    .iter()
                    .map(|m| format!("{}={:?}/{:?}/{:?}", m.name, m.env_vars, m.profile_field, m.file))
                    .collect();
                println!("MISSING {}", missing.join(" | "));
                println!("SHARED {shared_files:?}");
            }
        }
    }
    println!("LOGS {}", capture.text().replace('\n', " "));
}

/// `Client::from_env()` in a process of its own, with HOME at `home` and these variables:
/// the OUTCOME and LOGS lines it printed, and how long it took.
fn from_env_with_home(home: &Dir, vars: &[(&str, &str)]) -> (String, String, Duration) {
    let mut all: Vec<(&str, &OsStr)> = vars.iter().map(|(k, v)| (*k, OsStr::new(*v))).collect();
    all.push(("HOME", home.0.as_os_str()));
    let started = Instant::now();
    let output = run_alone("config::from_env_alone", &all, Duration::from_secs(20)).expect("from_env returned");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let line = |tag: &str| {
        stdout
            .lines()
            .find_map(|l| l.split_once(tag).map(|(_, rest)| rest))
            .unwrap_or_else(|| panic!("no {tag}in {stdout}"))
            .to_owned()
    };
    (line("OUTCOME "), line("LOGS "), took)
}

/// Like [`from_env_with_home`], the MISSING and SHARED lines of a configuration error.
fn from_env_missing(home: &Dir) -> (String, String, String) {
    let mut all: Vec<(&str, &OsStr)> = vec![("HOME", home.0.as_os_str())];
    all.push(("USERPROFILE", home.0.as_os_str()));
    let output = run_alone("config::from_env_alone", &all, Duration::from_secs(20)).expect("from_env returned");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let line =
        |tag: &str| stdout.lines().find_map(|l| l.split_once(tag)).map(|(_, rest)| rest).unwrap_or_default().to_owned();
    (line("OUTCOME "), line("MISSING "), line("SHARED "))
}

/// `~/.ucloud` as the CLI lays it out, under a HOME of its own.
fn home(name: &str) -> (Dir, PathBuf) {
    let home = Dir::new(name);
    let ucloud = home.0.join(".ucloud");
    std::fs::create_dir_all(&ucloud).unwrap();
    (home, ucloud)
}

#[cfg(unix)]
#[test]
fn shared_files_that_are_not_regular_files_are_refused_at_once() {
    let (home_dir, ucloud) = home("devzero");
    std::os::unix::fs::symlink("/dev/zero", ucloud.join("config.json")).unwrap();
    let (outcome, _, took) = from_env_with_home(&home_dir, &[]);
    let path = ucloud.join("config.json").display().to_string();
    assert!(outcome.contains(&path) && outcome.contains("not a regular file"), "{outcome}");
    assert!(took < Duration::from_secs(10), "{took:?}");

    let (home_dir, ucloud) = home("fifo");
    let fifo = ucloud.join("credential.json");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (outcome, _, took) = from_env_with_home(&home_dir, &[]);
    assert!(outcome.contains(&fifo.display().to_string()) && outcome.contains("not a regular file"), "{outcome}");
    assert!(took < Duration::from_secs(10), "a FIFO with no writer is never opened: {took:?}");
}

#[test]
fn a_shared_file_over_the_limit_is_refused() {
    let limit = ClientBuilder::MAX_SHARED_FILE_SIZE;
    assert_eq!(limit, 1024 * 1024);
    let dir = Dir::new("big");
    // Valid JSON, 2 MiB of it: the size alone is at fault.
    let big = format!("[{}]", " ".repeat(2 * 1024 * 1024));
    let config = dir.file("config.json", &big, 0o600);
    let (field, message) = config_error(Client::builder().shared_config_file(&config).profile("p").build());
    assert_eq!(field, config.display().to_string());
    assert!(message.contains("larger than") && message.contains(&limit.to_string()), "{message}");

    let (home_dir, ucloud) = home("bighome");
    std::fs::write(ucloud.join("credential.json"), &big).unwrap();
    let (outcome, _, _) = from_env_with_home(&home_dir, &[]);
    assert!(outcome.contains("credential.json") && outcome.contains("larger than"), "{outcome}");
}

/// With the endpoint, the key pair and the region all in the environment, the default files
/// are not needed: a broken one is a warning, not a failure.
#[test]
fn a_broken_default_file_is_a_warning_when_the_environment_has_everything() {
    let (home_dir, ucloud) = home("brokenhome");
    std::fs::write(ucloud.join("config.json"), "{ not json").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", ucloud.join("credential.json")).unwrap();
    let everything = [
        ("UCLOUDSTACK_ENDPOINT", "http://192.0.2.10/api"),
        ("UCLOUDSTACK_PUBLIC_KEY", "p"),
        ("UCLOUDSTACK_PRIVATE_KEY", "s"),
        ("UCLOUDSTACK_REGION", "cn"),
    ];
    let (outcome, logs, _) = from_env_with_home(&home_dir, &everything);
    assert_eq!(outcome, "ok", "{logs}");
    assert!(logs.contains("WARN") && logs.contains(&ucloud.join("config.json").display().to_string()), "{logs}");
    #[cfg(unix)]
    assert!(logs.contains("credential.json") && logs.contains("not a regular file"), "{logs}");

    // Without the region, the files might have held it: the broken file is an error.
    let (outcome, _, _) = from_env_with_home(&home_dir, &everything[..3]);
    assert!(outcome.contains("config.json") && outcome.contains("JSON"), "{outcome}");
}

/// With nothing configured, one error lists every required setting, each with the variables
/// and the profile field that would provide it, and why no profile was read.
#[test]
fn nothing_configured_lists_every_missing_setting_at_once() {
    let (home_dir, ucloud) = home("nothing");
    let (outcome, missing, shared) = from_env_missing(&home_dir);
    assert!(
        outcome.starts_with("invalid configuration: endpoint, credentials, region: 4 settings are required"),
        "{outcome}"
    );
    let config = ucloud.join("config.json").display().to_string();
    let credential = ucloud.join("credential.json").display().to_string();
    for (name, vars, field, file) in [
        ("endpoint", ["UCLOUDSTACK_ENDPOINT", "UCLOUD_API_BASE_URL"], "base_url", &config),
        ("public key", ["UCLOUDSTACK_PUBLIC_KEY", "UCLOUD_PUBLIC_KEY"], "public_key", &credential),
        ("private key", ["UCLOUDSTACK_PRIVATE_KEY", "UCLOUD_PRIVATE_KEY"], "private_key", &credential),
        ("region", ["UCLOUDSTACK_REGION", "UCLOUD_REGION"], "region", &config),
    ] {
        let expected = format!("{name}={vars:?}/Some({field:?})/Some({file:?})");
        assert!(missing.contains(&expected), "{expected} in {missing}");
        let said = format!("{name}: set .");
        assert!(outcome.contains(&said) && outcome.contains(vars[0]) && outcome.contains(vars[1]), "{outcome}");
        assert!(outcome.contains(&format!("{field} of a profile in {file}")), "{outcome}");
    }
    assert_eq!(missing.matches(" | ").count(), 3, "{missing}");
    assert!(outcome.ends_with(&format!("no profile was read: {config} does not exist")), "{outcome}");
    assert!(shared.contains("profile: None") && shared.contains("profiles: []"), "{shared}");

    // The endpoint and the key pair in a profile no one made active: the error names the
    // file and the profiles in it.
    std::fs::write(
        ucloud.join("config.json"),
        r#"[{"profile":"default","active":false,"base_url":"http://192.0.2.1/api"},{"profile":"prod"}]"#,
    )
    .unwrap();
    std::fs::write(ucloud.join("credential.json"), r#"[{"profile":"ops","public_key":"p","private_key":"s"}]"#)
        .unwrap();
    let (outcome, _, shared) = from_env_missing(&home_dir);
    let expected = format!(
        "no profile was read: no profile is active in {config} (the profiles found: \"default\", \"prod\", \"ops\"): \
         name one with .profile(..) or UCLOUD_PROFILE"
    );
    assert!(outcome.ends_with(&expected), "{outcome}");
    assert!(shared.contains(r#"profiles: ["default", "prod", "ops"]"#), "{shared}");
}

#[test]
fn a_missing_or_inactive_profile_names_the_file_and_the_profiles_found() {
    let dir = Dir::new("inactive");
    let config = dir.file("config.json", r#"[{"profile":"a","region":"x"},{"profile":"b","region":"y"}]"#, 0o600);
    let credential = dir.file("credential.json", r#"[{"profile":"c","public_key":"p","private_key":"s"}]"#, 0o600);
    let builder = || Client::builder().shared_config_file(&config).shared_credential_file(&credential);

    // None active: every setting is missing, and the error says why no profile was read.
    let err = builder().build().unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&format!("no profile is active in {}", config.display())), "{text}");
    assert!(text.contains(r#"the profiles found: "a", "b", "c""#), "{text}");
    let Error::Config { field, missing, shared_files, .. } = err else { panic!("{err:?}") };
    assert_eq!(field, "endpoint, credentials, region");
    let names: Vec<&str> = missing.iter().map(|m| m.name).collect();
    assert_eq!(names, ["endpoint", "public key", "private key", "region"]);
    assert!(missing.iter().all(|m| m.env_vars.is_empty()), "a plain builder reads no variables");
    assert_eq!(missing[0].setter, "endpoint");
    assert_eq!((missing[1].profile_field, missing[1].file.as_ref()), (Some("public_key"), Some(&credential)));
    let shared = shared_files.expect("the files read");
    assert_eq!((shared.config_file.as_ref(), shared.credential_file.as_ref()), (Some(&config), Some(&credential)));
    assert_eq!((shared.profile.as_deref(), &shared.profiles[..]), (None, &["a", "b", "c"].map(String::from)[..]));

    // A named profile in neither file: both files, and the profiles found.
    let err = builder().profile("staging").build().unwrap_err();
    let text = err.to_string();
    assert!(text.contains(r#"profile "staging" is in neither"#), "{text}");
    assert!(text.contains(r#"the profiles found: "a", "b", "c""#), "{text}");
    let Error::Config { field, shared_files, .. } = err else { panic!("{err:?}") };
    assert_eq!(field, "profile");
    assert_eq!(shared_files.map(|s| s.profiles.len()), Some(3));

    // A profile found, but not all of it: only what is missing, in that profile's files.
    let err = builder().profile("a").build().unwrap_err();
    let Error::Config { field, message, missing, .. } = err else { panic!("{err:?}") };
    assert_eq!(field, "endpoint, credentials");
    assert_eq!(missing.iter().map(|m| m.name).collect::<Vec<_>>(), ["endpoint", "public key", "private key"]);
    assert!(message.contains(&format!("base_url of profile \"a\" in {}", config.display())), "{message}");
    assert!(!message.contains("no profile was read"), "{message}");

    // Half a key pair in the profile: where the other half is, and where the missing one goes.
    let half = dir.file("half.json", r#"[{"profile":"a","public_key":"p"}]"#, 0o600);
    let err = Client::builder().shared_config_file(&config).shared_credential_file(&half).profile("a");
    let Error::Config { field, message, missing, .. } = err.endpoint("http://h/api").build().unwrap_err() else {
        panic!("not a config error")
    };
    assert_eq!((field.as_str(), missing.len(), missing[0].name), ("credentials", 1, "private key"));
    assert!(message.starts_with("the private key is missing (the other half is in public_key of profile"), "{message}");
    assert!(message.contains(&format!("private_key of profile \"a\" in {}", half.display())), "{message}");
}

/// The `json` blocks of a text (rustdoc's `/// ` cut off), in order.
fn json_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_start().strip_prefix("///").map_or(line, |l| l.strip_prefix(' ').unwrap_or(l));
        match (&mut current, line.trim_end()) {
            (None, "```json") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), line) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// The layout the README and `ClientBuilder::from_env` show is the one the crate reads.
#[test]
fn the_documented_shared_files_make_a_client() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = json_blocks(&std::fs::read_to_string(root.join("README.md")).unwrap());
    let rustdoc = json_blocks(&std::fs::read_to_string(root.join("src/config.rs")).unwrap());
    assert_eq!(readme.len(), 2, "config.json and credential.json");
    assert_eq!(readme, rustdoc, "the README and the rustdoc show the same files");
    let dir = Dir::new("documented");
    let config = dir.file("config.json", &readme[0], 0o600);
    let credential = dir.file("credential.json", &readme[1], 0o600);
    let builder = || Client::builder().shared_config_file(&config).shared_credential_file(&credential);

    let client = builder().build().unwrap();
    let debug = format!("{client:?}");
    assert_eq!(client.region(), Some("cn"));
    assert!(debug.contains("192.0.2.10") && debug.contains("zone-01") && debug.contains("your-public-key"), "{debug}");
    assert!(debug.contains("attempt_timeout: 15s"), "{debug}");
    let staging = format!("{:?}", builder().profile("staging").build().unwrap());
    assert!(staging.contains("192.0.2.20") && staging.contains("staging-public-key"), "{staging}");
    assert!(staging.contains("attempt_timeout: 30s"), "{staging}");
}

// ---------------------------------------------------------------- errors that say where to look

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn describe_error(client: Client) -> String {
    let err = client.describe_image().retry_policy(ucloudstack::RetryPolicy::disabled()).send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    err.to_string()
}

#[tokio::test]
async fn a_refused_connection_names_the_endpoint_where_it_was_set_and_what_to_check() {
    let port = closed_port();
    let endpoint = format!("http://127.0.0.1:{port}/api");
    let client = Client::builder().endpoint(&endpoint).credentials(Credentials::new("p", "k")).region("cn");
    let text = describe_error(client.build().unwrap()).await;
    assert!(
        text.contains(&format!(
            "The endpoint is {endpoint} (set by ClientBuilder::endpoint): nothing accepts connections at 127.0.0.1 \
             port {port}: check the host and port"
        )),
        "{text}"
    );

    // From a profile: the file and the profile are named.
    let dir = Dir::new("refused");
    let config = serde_json::json!([{"profile": "lab", "active": true, "region": "cn", "base_url": endpoint}]);
    let credential = serde_json::json!([{"profile": "lab", "public_key": "p", "private_key": "k"}]);
    let config = dir.file("config.json", &config.to_string(), 0o600);
    let credential = dir.file("credential.json", &credential.to_string(), 0o600);
    let client = Client::builder().shared_config_file(&config).shared_credential_file(&credential).build().unwrap();
    let text = describe_error(client).await;
    let set_by = format!("(set by base_url of profile \"lab\" in {})", config.display());
    assert!(text.contains(&set_by), "{text}");
}

#[tokio::test]
async fn https_to_a_plain_http_port_says_to_use_http() {
    let fake = FakeUCloudStack::start().await;
    let endpoint = fake.endpoint().replacen("http://", "https://", 1);
    let client = Client::builder().endpoint(&endpoint).credentials(Credentials::new("p", "k")).region("cn");
    let text = describe_error(client.build().unwrap()).await;
    assert!(text.contains("answered in plain HTTP, not TLS: use http:// for this port"), "{text}");
}

#[test]
fn an_endpoint_without_a_scheme_suggests_one() {
    for (given, bare) in [("127.0.0.1:8080/api", "127.0.0.1:8080/api"), ("localhost:8080/api", "localhost:8080/api")] {
        let built = Client::builder().endpoint(given).credentials(Credentials::new("p", "k")).build();
        let (field, message) = config_error(built);
        assert_eq!(field, "endpoint");
        assert!(message.contains(&format!("\"http://{bare}\" or \"https://{bare}\"")), "{message}");
    }
}

#[test]
fn a_default_company_id_comes_from_the_builder_or_the_profile_and_a_bad_one_is_named() {
    let dir = Dir::new("company");
    let credential = dir.file("credential.json", r#"[{"profile":"p","public_key":"x","private_key":"y"}]"#, 0o600);
    let config = |company: &str| {
        let text = format!(
            r#"[{{"profile":"p","active":true,"region":"cn","base_url":"http://h/api","company_id":{company}}}]"#
        );
        dir.file("config.json", &text, 0o600)
    };
    let build = |config: &PathBuf| Client::builder().shared_config_file(config).shared_credential_file(&credential);
    for given in ["200001", "\"200001\""] {
        assert_eq!(build(&config(given)).build().unwrap().company_id(), Some(200001), "{given}");
    }
    assert_eq!(build(&config("200001")).company_id(7).build().unwrap().company_id(), Some(7), "the builder wins");
    assert_eq!(build(&config("null")).build().unwrap().company_id(), None);
    let bad = config("\"acme\"");
    let (field, message) = config_error(build(&bad).build());
    assert_eq!(field, format!("company_id of profile \"p\" in {}", bad.display()));
    assert!(message.contains("is not a company id"), "{message}");
}
