//! The official tooling's shared files: profiles, precedence, and every way they can be wrong.

use std::path::PathBuf;
use ucloudstack::testing::FakeUCloudStack;
use ucloudstack::{Client, Error};

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
