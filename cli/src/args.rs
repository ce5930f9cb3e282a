//! The command line: global flags, commands and their flags (clap derive).

use crate::error::Failure;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Configuration, the first found wins: --endpoint/--region, then UCLOUDSTACK_ENDPOINT,
UCLOUDSTACK_PUBLIC_KEY, UCLOUDSTACK_PRIVATE_KEY, UCLOUDSTACK_REGION, then UCLOUD_API_BASE_URL,
UCLOUD_PUBLIC_KEY, UCLOUD_PRIVATE_KEY, UCLOUD_REGION, then the ~/.ucloud profile (UCLOUD_PROFILE,
else the active one). A named --profile NAME takes every setting from that profile: the
environment's are not used with it; --endpoint/--region still win. --fake runs against an
embedded fake platform instead.

Exit status: 0 success; 1 failure; 2 usage (bad flags, refused input, missing configuration,
a confirmation refused or --yes missing); 3 outcome unknown (the request may have been carried
out: look before trying again); 130 interrupted by Ctrl-C (the message says what the command
may have done, or how to go on with an upload or download; with --json, outcome_unknown is
true when it may have acted). With --json, a failure prints one JSON object on stderr.

Paths in messages are quoted so that they can be pasted back into a shell: as they are when
plain, else in single quotes, else (bytes that are not UTF-8, control characters) as bash/zsh
$'..\\xNN..'. In JSON, a path that is not UTF-8 comes twice: in \"path\" with U+FFFD for the
bytes that are not UTF-8, and exactly, as the hex of its bytes, in \"path_hex\".";

/// Manage UCloudStack images, and list VMs and regions.
#[derive(Parser, Debug)]
#[command(name = "ucloudstack", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command takes (listed apart from a command's own in its --help).
#[derive(Args, Debug)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Print JSON on stdout (and a failure as one JSON object on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// Log more on stderr: -v what the library does (calls, retries), -vv its details, -vvv
    /// everything. Warnings show without it (with --json, only with -v); RUST_LOG, when set,
    /// wins (e.g. RUST_LOG=ucloudstack=debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Take every setting from this ~/.ucloud profile, none from the environment (default:
    /// UCLOUD_PROFILE, else the active one, under the environment's settings).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The region, over UCLOUDSTACK_REGION, UCLOUD_REGION and the profile's.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// The API URL, e.g. http://192.0.2.10/api, over UCLOUDSTACK_ENDPOINT and the profile's.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Run against an embedded fake UCloudStack (nothing configured, nothing real touched).
    #[arg(long, global = true, conflicts_with_all = ["profile", "endpoint"])]
    pub fake: bool,
    /// Longest time to wait for an image or a VM to be ready, in seconds [default: 1800]. When
    /// given, it also bounds a download as a whole (tries and pauses included).
    #[arg(long, global = true, value_name = "SECS", allow_negative_numbers = true)]
    pub max_wait: Option<f64>,
    /// First delay between polls while waiting, in seconds (it grows to 30 s).
    #[arg(long, global = true, default_value_t = 2.0, value_name = "SECS", allow_negative_numbers = true)]
    pub poll_delay: f64,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant, reason = "parsed once")]
pub enum Command {
    /// Images: list, show, make, change, delete, move.
    #[command(subcommand)]
    Images(Images),
    /// List virtual machines, every page.
    Vms {
        /// Only VMs in these states (repeatable).
        #[arg(long = "state", value_parser = one_of(ucloudstack::vm::VmState::KNOWN), ignore_case = true)]
        states: Vec<String>,
    },
    /// List the platform's regions.
    Regions,
    /// Print a shell completion script, e.g. `ucloudstack completions bash > ~/.ucloudstack.bash`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand, Debug)]
pub enum Images {
    /// List images, every page.
    List(List),
    /// Show one image.
    Show {
        /// The image.
        image_id: String,
    },
    /// Make a custom image from a stopped VM.
    Create {
        /// The virtual machine.
        #[arg(long)]
        vm_id: String,
        #[command(flatten)]
        naming: Naming,
        /// Wait until the image is ready.
        #[arg(long)]
        wait: bool,
    },
    /// Make a custom image of a VM safely: stop it (--stop), make the image, wait until it is
    /// ready, start the VM again (--restart).
    Capture(Capture),
    /// Rename an image, or change its description.
    Rename {
        /// The image.
        image_id: String,
        #[command(flatten)]
        naming: Naming,
    },
    /// Delete custom images: shows them and asks to confirm (--yes to skip, required unless
    /// stdin and stderr are terminals).
    ///
    /// Once the question is answered, each image shown is looked up again: one deleted
    /// meanwhile is already gone (not a failure), and one found by --name-prefix whose name no
    /// longer starts with it is not deleted. Prints the ids deleted; with --json,
    /// {"deleted": [ID..], "already_gone": [ID..], "renamed_away": [ID..], "skipped": [{"id": ID,
    /// "why": "already Deleting"}..]}, and with --dry-run, {"dry_run": true, "would_delete":
    /// [IMAGE..], "skipped": [..]} (empty when nothing matches).
    Delete(Delete),
    /// Import an image the platform fetches from a URL, and wait until it is ready.
    ImportUrl(ImportUrl),
    /// Upload a local image file (qcow2, iso, vmdk or raw) and wait until it is ready.
    Upload(Upload),
    /// Download an image to a file (a `.part` left by a failed run is continued).
    ///
    /// Prints the file's path (its bytes as they are); with --json, {"path": PATH, "bytes": N,
    /// "bytes_resumed": N (kept from an earlier run's .part)},
    /// and "path_hex" besides when the path is not UTF-8.
    Download {
        /// The image.
        image_id: String,
        /// The file to write.
        file: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        overwrite: bool,
    },
    /// Copy an image to another platform or region, or to several at once: each pulls it from
    /// this one.
    ///
    /// To one target, prints the copy as `images list` does. To several, or with --publish, a
    /// line a target: TARGET ID [BASE_ID]; with --json, one object a target: {"target": NAME,
    /// "image_id": ID|null, "base_image_id": ID|null, "error": TEXT|null}. Any failure exits 1
    /// (3 when one may have acted), listing each target's error.
    Copy(Copy),
    /// List the OS versions images can be imported as.
    OsVersions,
    /// Publish a custom image as a base image, optionally for some tenants only.
    Publish {
        /// The custom image to publish.
        image_id: String,
        /// The base image's name.
        #[arg(long)]
        name: String,
        /// Only these tenants may use it (repeatable).
        #[arg(long = "allow", value_name = "COMPANY_ID", conflicts_with = "deny")]
        allow: Vec<i64>,
        /// Every tenant but these may use it (repeatable).
        #[arg(long = "deny", value_name = "COMPANY_ID")]
        deny: Vec<i64>,
    },
    /// Set an image's OS attributes (the platform wants them all: --os-type, --distribution,
    /// --os-version, --arch).
    #[command(mut_arg("os_version", |a| a.required(true)), mut_arg("arch", |a| a.required(true)))]
    Update {
        /// The image.
        image_id: String,
        /// The tenant the image belongs to (default: UCLOUDSTACK_COMPANY_ID, else the
        /// profile's company_id).
        #[arg(long)]
        company_id: Option<i64>,
        #[command(flatten)]
        os: Os,
    },
}

#[derive(Args, Debug)]
pub struct List {
    /// Only Base (platform) or Custom images (any case).
    #[arg(long = "type", value_enum, ignore_case = true)]
    pub image_type: Option<Kind>,
    /// Search keyword.
    #[arg(long)]
    pub keyword: Option<String>,
    /// Only these image ids (repeatable).
    #[arg(long = "id", value_name = "IMAGE_ID")]
    pub ids: Vec<String>,
    /// Only images of these project groups (repeatable).
    #[arg(long = "project", value_name = "PROJECT_ID")]
    pub projects: Vec<String>,
    /// Pages fetched at once (at least 1).
    #[arg(long, default_value_t = 8, value_parser = at_least_one)]
    pub concurrency: usize,
}

#[derive(Args, Debug)]
pub struct ImportUrl {
    /// The URL the platform downloads the image from.
    pub url: String,
    #[command(flatten)]
    pub naming: Naming,
    /// The file's format.
    #[arg(long, value_parser = one_of(ucloudstack::image::ImageFormat::KNOWN), ignore_case = true)]
    pub format: String,
    #[command(flatten)]
    pub os: Os,
    /// The tenant the image belongs to (default: UCLOUDSTACK_COMPANY_ID, else the profile's
    /// company_id).
    #[arg(long)]
    pub company_id: Option<i64>,
}

#[derive(Args, Debug)]
pub struct Copy {
    /// The image to copy.
    pub image_id: String,
    /// Copy to the platform of this ~/.ucloud profile (every setting from it, none from the
    /// environment); several, comma-separated or repeated, copy to each at once, each with its
    /// own line and result (one failing does not stop the others).
    #[arg(long, value_name = "NAME", value_delimiter = ',', conflicts_with_all = ["to_endpoint", "to_fake"])]
    pub to_profile: Vec<String>,
    /// Copy to the platform at this API URL (the keys from the environment).
    #[arg(long, value_name = "URL", conflicts_with = "to_fake")]
    pub to_endpoint: Option<String>,
    /// Copy to a second embedded fake UCloudStack (a demonstration).
    #[arg(long)]
    pub to_fake: bool,
    /// The region to copy to (default: the target's own).
    #[arg(long)]
    pub to_region: Option<String>,
    /// The copy's name (default: the source's).
    #[arg(long)]
    pub name: Option<String>,
    /// The tenant the copy belongs to (default: the source's).
    #[arg(long)]
    pub company_id: Option<i64>,
    /// Then publish each copy as a base image on its platform (named as the copy), and wait
    /// until it is made.
    #[arg(long)]
    pub publish: bool,
}

/// A new name and description.
#[derive(Args, Debug)]
pub struct Naming {
    /// The name.
    #[arg(long)]
    pub name: String,
    /// The description.
    #[arg(long)]
    pub description: Option<String>,
}

/// An image's OS attributes.
#[derive(Args, Debug)]
pub struct Os {
    /// The OS family.
    #[arg(long, value_parser = one_of(ucloudstack::image::OsType::KNOWN), ignore_case = true)]
    pub os_type: String,
    /// The distribution, e.g. Ubuntu (see `images os-versions`).
    #[arg(long)]
    pub distribution: String,
    /// The OS version, e.g. 24.04.
    #[arg(long)]
    pub os_version: Option<String>,
    /// The architecture, e.g. x86_64 or aarch64.
    #[arg(long)]
    pub arch: Option<String>,
    /// The boot loader.
    #[arg(long, value_parser = one_of(ucloudstack::image::BootloaderType::KNOWN), ignore_case = true)]
    pub bootloader: Option<String>,
}

#[derive(Args, Debug)]
pub struct Capture {
    /// The virtual machine.
    pub vm_id: String,
    #[command(flatten)]
    pub naming: Naming,
    /// Stop the VM first if it runs (else a running VM is an error); asks to confirm.
    #[arg(long)]
    pub stop: bool,
    /// Start the VM again afterwards, if it was running.
    #[arg(long, requires = "stop")]
    pub restart: bool,
    #[command(flatten)]
    pub confirm: Confirm,
}

/// Confirmation of a destructive step.
#[derive(Args, Debug)]
pub struct Confirm {
    /// Do not ask to confirm (required unless stdin and stderr are terminals).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct Delete {
    /// The image ids.
    pub image_ids: Vec<String>,
    /// Also every custom image whose name starts with this (listed first, then deleted; an
    /// empty or blank prefix is refused: it would match every image).
    #[arg(long, value_parser = non_blank)]
    pub name_prefix: Option<String>,
    /// List what would be deleted, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Deletes at once, at least 1 (fewer while the platform says "too frequent").
    #[arg(long, default_value_t = 8, value_parser = at_least_one)]
    pub concurrency: usize,
    /// Wait until the images are gone.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Args, Debug)]
pub struct Upload {
    /// The image file.
    pub file: PathBuf,
    /// The new image's name.
    #[arg(long, required_unless_present = "resume")]
    pub name: Option<String>,
    /// The new image's description.
    #[arg(long)]
    pub description: Option<String>,
    /// The file's format (default: from its header; a raw disk must say raw).
    #[arg(long, value_parser = one_of(ucloudstack::image::ImageFormat::KNOWN), ignore_case = true)]
    pub format: Option<String>,
    /// The OS family.
    #[arg(long, required_unless_present = "resume", value_parser = one_of(ucloudstack::image::OsType::KNOWN), ignore_case = true)]
    pub os_type: Option<String>,
    /// The distribution, e.g. Ubuntu (see `images os-versions`).
    #[arg(long, required_unless_present = "resume")]
    pub distribution: Option<String>,
    /// The OS version, e.g. 24.04.
    #[arg(long)]
    pub os_version: Option<String>,
    /// The architecture, e.g. x86_64 or aarch64.
    #[arg(long)]
    pub arch: Option<String>,
    /// The boot loader.
    #[arg(long, value_parser = one_of(ucloudstack::image::BootloaderType::KNOWN), ignore_case = true)]
    pub bootloader: Option<String>,
    /// The image's size in GiB (default: from the file).
    #[arg(long, value_name = "GIB")]
    pub size: Option<u32>,
    /// The tenant the image belongs to (default: with --resume the handle file's, else
    /// UCLOUDSTACK_COMPANY_ID, else the profile's company_id).
    #[arg(long)]
    pub company_id: Option<i64>,
    /// The size of each part in MiB (default: the smallest that makes at most 10,000 parts).
    #[arg(long, value_name = "MIB")]
    pub part_size: Option<u64>,
    /// Parts sent at once (at least 1).
    #[arg(long, default_value_t = 4, value_parser = at_least_one)]
    pub concurrency: usize,
    /// Go on with the failed upload this handle file describes.
    #[arg(long, value_name = "HANDLE_FILE")]
    pub resume: Option<PathBuf>,
    /// Where to write the handle file if the upload fails (default: FILE.upload.json). A file
    /// there that is a link, not a regular file, or not a handle is refused; so is the handle
    /// of an earlier upload, unless --overwrite-handle.
    #[arg(long, value_name = "PATH")]
    pub handle_file: Option<PathBuf>,
    /// Start afresh even though the handle file holds an earlier upload's handle: that upload
    /// can no longer be resumed then (its image stays until deleted). A file that is not a
    /// handle is never replaced.
    #[arg(long)]
    pub overwrite_handle: bool,
    /// The upload's S3 object key, for a service whose listing does not show uploads (MinIO
    /// lists them only by key); by default it is found by listing the bucket.
    #[arg(long, value_name = "KEY", value_parser = object_key)]
    pub object_key: Option<String>,
}

#[derive(Clone, Copy, ValueEnum, Debug)]
pub enum Kind {
    Base,
    Custom,
}

/// A prefix that matches some names, not all.
fn non_blank(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("must not be empty or blank: it would match every custom image".into());
    }
    Ok(value.to_owned())
}

/// An S3 object key: not blank, at most 1,024 bytes (S3's limit).
fn object_key(value: &str) -> Result<String, String> {
    if value.trim().is_empty() {
        return Err("must not be empty or blank".into());
    }
    if value.len() > 1024 {
        return Err(format!("is {} bytes long: S3 keys are at most 1024 bytes", value.len()));
    }
    Ok(value.to_owned())
}

/// A flag whose values are an open enum's known ones, shown in lower case; clap refuses the
/// rest (a usage error), and `known` gives the platform's spelling back.
fn one_of(known: &'static [&'static str]) -> PossibleValuesParser {
    let lower = known.iter().map(|k| -> &'static str { Box::leak(k.to_ascii_lowercase().into_boxed_str()) });
    PossibleValuesParser::new(lower.map(PossibleValue::new))
}

/// A count of at least 1 (`--concurrency 0` would do nothing, or wait forever).
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("must be a whole number of at least 1 ({e})")),
    }
}

/// The platform's spelling of a value `one_of` accepted (a usage failure for any other value,
/// which clap has refused already).
pub fn known<T: From<&'static str>>(value: &str, known: &'static [&'static str]) -> Result<T, Failure> {
    match known.iter().find(|k| k.eq_ignore_ascii_case(value)) {
        Some(k) => Ok(T::from(*k)),
        None => Err(Failure::usage(format!("{value:?} is not one of {}", known.join(", ")))),
    }
}

/// OS attributes as a builder takes them: what is `None` is not set.
#[derive(Default)]
pub struct OsFlags {
    pub os_type: Option<String>,
    pub distribution: Option<String>,
    pub os_version: Option<String>,
    pub arch: Option<String>,
    pub bootloader: Option<String>,
}

impl From<Os> for OsFlags {
    fn from(os: Os) -> Self {
        OsFlags {
            os_type: Some(os.os_type),
            distribution: Some(os.distribution),
            os_version: os.os_version,
            arch: os.arch,
            bootloader: os.bootloader,
        }
    }
}
