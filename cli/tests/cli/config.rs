//! The library's precedence: flags, then `UCLOUDSTACK_*`, then `UCLOUD_*`, then the
//! `~/.ucloud` profile; nothing configured is an error saying what to set.

use crate::support::{Dir, PRIVATE_KEY, PUBLIC_KEY, run, start_fake, ucloudstack};
use ucloudstack::testing::FakeUCloudStack;

const NOWHERE: &str = "http://127.0.0.1:9/api";

/// HOME/.ucloud as the `ucloud` CLI writes it: the active profile `default` aimed at
/// `endpoint` in `region`, and an inactive `other` aimed at nowhere.
fn profiles(home: &Dir, endpoint: &str, region: &str) {
    let config = serde_json::json!([
        {"profile": "other", "active": false, "region": "cn", "base_url": NOWHERE, "timeout_sec": 5},
        {"profile": "default", "active": true, "project_id": "org-1", "region": region, "zone": "",
         "base_url": endpoint, "timeout_sec": 15, "max_retry_times": 3, "agree_upload_log": true},
    ]);
    let credential = serde_json::json!([
        {"profile": "default", "public_key": PUBLIC_KEY, "private_key": PRIVATE_KEY},
        {"profile": "other", "public_key": PUBLIC_KEY, "private_key": PRIVATE_KEY},
    ]);
    home.file(".ucloud/config.json", config.to_string().as_bytes());
    home.file(".ucloud/credential.json", credential.to_string().as_bytes());
}

/// A fake whose one custom image is named `name`, to tell fakes apart in a listing.
async fn named(name: &str) -> FakeUCloudStack {
    let fake = start_fake().await;
    fake.client().modify_name_and_remark().resource_id("cn-image-custom-000001").name(name).send().await.unwrap();
    fake
}

#[tokio::test]
async fn the_active_profile_of_home_is_used() {
    let fake = named("from-profile").await;
    let home = Dir::new("profile");
    profiles(&home, fake.endpoint(), "cn");
    let run = run(ucloudstack(home.path()).args(["images", "list", "--type", "custom"])).ok();
    assert!(run.stdout.contains("from-profile"), "{run:?}");
    // --profile picks another, which is aimed at nowhere.
    let other = crate::support::run(ucloudstack(home.path()).args(["--profile", "other", "regions"]));
    assert_eq!(other.code, 1, "{other:?}");
}

#[tokio::test]
async fn environment_beats_the_profile_and_ucloudstack_beats_ucloud() {
    let (profile, ucloud, ucloudstack_env) =
        (named("from-profile").await, named("from-ucloud").await, named("from-env").await);
    let home = Dir::new("env");
    profiles(&home, profile.endpoint(), "cn");
    let mut command = ucloudstack(home.path());
    command.env("UCLOUD_API_BASE_URL", ucloud.endpoint());
    let run1 = run(command.args(["images", "list", "--type", "custom"])).ok();
    assert!(run1.stdout.contains("from-ucloud"), "{run1:?}");
    command.env("UCLOUDSTACK_ENDPOINT", ucloudstack_env.endpoint());
    let run2 = run(&mut command).ok();
    assert!(run2.stdout.contains("from-env"), "{run2:?}");
}

#[tokio::test]
async fn flags_beat_the_environment_and_the_profile() {
    let fake = named("from-flags").await;
    let home = Dir::new("flags");
    profiles(&home, NOWHERE, "nowhere");
    let mut command = ucloudstack(home.path());
    command.env("UCLOUDSTACK_ENDPOINT", NOWHERE).env("UCLOUDSTACK_REGION", "elsewhere");
    command.args(["--endpoint", fake.endpoint(), "--region", "cn", "images", "list", "--type", "custom"]);
    let run = run(&mut command).ok();
    assert!(run.stdout.contains("from-flags"), "{run:?}");
    assert!(fake.requests().iter().all(|r| r.param("Region") == Some("cn")));
}

#[test]
fn nothing_configured_says_what_to_set() {
    let home = Dir::new("nothing");
    let run = run(ucloudstack(home.path()).args(["images", "list"]));
    assert_eq!(run.code, 2, "{run:?}");
    // Every missing setting at once, each on its own line with where it could come from.
    for text in [
        "4 required settings are missing",
        "\n  endpoint:    --endpoint URL, UCLOUDSTACK_ENDPOINT",
        "\n  public key:  UCLOUDSTACK_PUBLIC_KEY",
        "\n  private key: UCLOUDSTACK_PRIVATE_KEY",
        "\n  region:      --region REGION, UCLOUDSTACK_REGION",
        "config.json does not exist",
        "--fake",
    ] {
        assert!(run.stderr.contains(text), "{text}: {run:?}");
    }
    assert!(run.stdout.is_empty(), "never a silent fake: {run:?}");
    let json = crate::support::run(ucloudstack(home.path()).args(["--json", "images", "list"]));
    assert_eq!(json.code, 2);
    assert_eq!(json.error_json()["kind"], "config");
}

#[test]
fn profiles_none_of_them_active_are_named_with_the_flag_that_picks_one() {
    let home = Dir::new("inactive");
    let dir = home.path().join(".ucloud");
    std::fs::create_dir_all(&dir).unwrap();
    let config = r#"[{"profile":"dev","base_url":"http://192.0.2.1/api","region":"cn","active":false},
                    {"profile":"prod","base_url":"http://192.0.2.2/api","region":"cn","active":false}]"#;
    std::fs::write(dir.join("config.json"), config).unwrap();
    let run = run(ucloudstack(home.path()).args(["images", "list"]));
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("has dev, prod, none active (pass --profile NAME)"), "{run:?}");
}

/// The environment aimed at `other` with keys no fake takes, as a shell set up for another
/// platform would be.
fn elsewhere<'a>(command: &'a mut std::process::Command, other: &FakeUCloudStack) -> &'a mut std::process::Command {
    command
        .env("UCLOUDSTACK_ENDPOINT", other.endpoint())
        .env("UCLOUDSTACK_PUBLIC_KEY", "env-public-key")
        .env("UCLOUDSTACK_PRIVATE_KEY", "env-private-key")
        .env("UCLOUDSTACK_REGION", "elsewhere")
        .env("UCLOUD_API_BASE_URL", other.endpoint())
}

#[tokio::test]
async fn a_named_profile_takes_every_setting_from_itself_not_the_environment() {
    let (profile, env) = (named("from-profile").await, named("from-env").await);
    let home = Dir::new("named-profile");
    profiles(&home, profile.endpoint(), "cn");
    let mut command = ucloudstack(home.path());
    elsewhere(&mut command, &env).args(["--profile", "default", "images", "list", "--type", "custom"]);
    let before = env.requests().len();
    let run = run(&mut command).ok();
    assert!(run.stdout.contains("from-profile"), "{run:?}");
    assert_eq!(env.requests().len(), before, "nothing to the environment's endpoint");
    assert!(profile.requests().iter().all(|r| r.param("Region") == Some("cn")), "the profile's region");
}

#[tokio::test]
async fn copy_to_a_profile_goes_to_the_profiles_platform() {
    let (profile, env) = (named("from-profile").await, named("from-env").await);
    let home = Dir::new("copy-profile");
    profiles(&home, profile.endpoint(), "cn");
    let mut command = ucloudstack(home.path());
    let args = ["--fake", "--poll-delay", "0.2", "images", "copy", "cn-image-custom-000001", "--to-profile", "default"];
    elsewhere(&mut command, &env).args(args).args(["--name", "web-copy", "--company-id", "200001"]);
    let before = env.requests().len();
    run(&mut command).ok();
    assert_eq!(env.requests().len(), before, "nothing to the environment's endpoint");
    assert!(profile.images().iter().any(|i| i.name.as_deref() == Some("web-copy")), "the copy is on the profile's");
}

#[test]
fn a_refused_connection_names_the_flag_that_set_the_endpoint_and_what_to_check() {
    let home = Dir::new("refused");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}/api");
    let run = run(ucloudstack(home.path())
        .args(["--endpoint", &endpoint, "--region", "cn"])
        .env("UCLOUDSTACK_PUBLIC_KEY", PUBLIC_KEY)
        .env("UCLOUDSTACK_PRIVATE_KEY", PRIVATE_KEY)
        .args(["images", "list"]));
    assert_ne!(run.code, 0, "{run:?}");
    let expected =
        format!("The endpoint is {endpoint} (set by --endpoint): nothing accepts connections at 127.0.0.1 port {port}");
    assert!(run.stderr.contains(&expected), "{run:?}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_librarys_warnings_show_on_stderr_and_v_shows_more() {
    use std::os::unix::fs::PermissionsExt;
    let fake = start_fake().await;
    let home = Dir::new("warnings");
    profiles(&home, fake.endpoint(), "cn");
    let credential = home.path().join(".ucloud/credential.json");
    std::fs::set_permissions(&credential, std::fs::Permissions::from_mode(0o644)).unwrap();
    let list = |extra: &[&str]| run(ucloudstack(home.path()).args(extra).args(["images", "list"]));

    let plain = list(&[]).ok();
    assert!(plain.stderr.contains("WARN") && plain.stderr.contains("chmod 600"), "{plain:?}");
    assert!(!plain.stderr.contains("DescribeImage"), "calls only with -v: {plain:?}");
    // --json keeps stderr for its one failure object, unless asked.
    assert!(!list(&["--json"]).ok().stderr.contains("WARN"));
    let verbose = list(&["--json", "-vv"]).ok();
    assert!(verbose.stderr.contains("chmod 600") && verbose.stderr.contains("DescribeImage"), "{verbose:?}");
    // RUST_LOG wins.
    let quiet = run(ucloudstack(home.path()).env("RUST_LOG", "off").args(["images", "list"])).ok();
    assert!(!quiet.stderr.contains("WARN"), "{quiet:?}");
}

#[tokio::test]
async fn the_company_id_comes_from_the_environment_or_the_profile_and_its_absence_says_where_to_find_it() {
    let fake = start_fake().await;
    let home = Dir::new("company");
    profiles(&home, fake.endpoint(), "cn");
    let update = |extra: &[(&str, &str)]| {
        let mut command = ucloudstack(home.path());
        command.args(["images", "update", "cn-image-custom-000001", "--os-type", "linux", "--distribution", "Ubuntu"]);
        command.args(["--os-version", "24.04", "--arch", "x86_64"]).envs(extra.iter().copied());
        run(&mut command)
    };
    let missing = update(&[]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("UCLOUDSTACK_COMPANY_ID") && missing.stderr.contains("CompanyID"), "{missing:?}");
    assert_eq!(fake.request_count("UpdateImage"), 0, "nothing sent");
    update(&[("UCLOUDSTACK_COMPANY_ID", "200001")]).ok();
    assert_eq!(fake.requests().last().unwrap().param("CompanyID"), Some("200001"));
}
