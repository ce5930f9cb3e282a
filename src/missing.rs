//! What a configuration lacks: the required settings no place held, every place that would
//! have provided each, and the shared files and profiles read; all of it in one
//! [`Error::Config`], so a user fixes everything in one go.

use crate::Error;
use crate::profile::{Outside, SharedFiles, found, shown, ucloud};
use std::path::{Path, PathBuf};

/// A required setting that no place held (see [`Error::Config`]'s `missing`): the places that
/// would have provided it, for a program to word its own advice (`--endpoint`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MissingSetting {
    /// The setting: `"endpoint"`, `"public key"`, `"private key"` or `"region"`.
    pub name: &'static str,
    /// The [`ClientBuilder`](crate::ClientBuilder) setter that sets it: `"endpoint"`,
    /// `"credentials"` or `"region"`.
    pub setter: &'static str,
    /// The environment variables that set it, nearest first (`UCLOUDSTACK_*`, then
    /// `UCLOUD_*`); empty when the builder does not read the environment (not made by
    /// [`from_env`](crate::ClientBuilder::from_env)).
    pub env_vars: &'static [&'static str],
    /// The field of a profile that sets it: `"base_url"` or `"region"` in the config file,
    /// `"public_key"` or `"private_key"` in the credential file; `None` when the builder reads
    /// no shared files.
    pub profile_field: Option<&'static str>,
    /// The shared file that field is read from (`None` when no file was read: no home folder,
    /// or no shared files at all).
    pub file: Option<PathBuf>,
}

/// A required setting: its names, and where it may come from.
pub(crate) struct Wanted {
    name: &'static str,
    setter: &'static str,
    /// The setter as the message shows it.
    example: &'static str,
    env_vars: &'static [&'static str],
    profile_field: &'static str,
    in_credential_file: bool,
}

pub(crate) const ENDPOINT: Wanted = Wanted {
    name: "endpoint",
    setter: "endpoint",
    example: ".endpoint(\"http://192.0.2.10/api\")",
    env_vars: &[crate::env::ENDPOINT, ucloud::API_BASE_URL],
    profile_field: "base_url",
    in_credential_file: false,
};
pub(crate) const PUBLIC_KEY: Wanted = Wanted {
    name: "public key",
    setter: "credentials",
    example: ".credentials(Credentials::new(public, private))",
    env_vars: &[crate::env::PUBLIC_KEY, ucloud::PUBLIC_KEY],
    profile_field: "public_key",
    in_credential_file: true,
};
pub(crate) const PRIVATE_KEY: Wanted = Wanted {
    name: "private key",
    setter: "credentials",
    example: ".credentials(Credentials::new(public, private))",
    env_vars: &[crate::env::PRIVATE_KEY, ucloud::PRIVATE_KEY],
    profile_field: "private_key",
    in_credential_file: true,
};
pub(crate) const REGION: Wanted = Wanted {
    name: "region",
    setter: "region",
    example: ".region(\"cn\")",
    env_vars: &[crate::env::REGION, ucloud::REGION],
    profile_field: "region",
    in_credential_file: false,
};

/// The one error for every required setting missing: `field` names the setters, the message
/// each setting with every place that would provide it, and why no profile was read.
pub(crate) fn error(outside: &Outside, wanted: &[&Wanted]) -> Error {
    let missing: Vec<MissingSetting> = wanted
        .iter()
        .map(|w| {
            let files = outside.files.as_ref();
            MissingSetting {
                name: w.name,
                setter: w.setter,
                env_vars: if outside.env_read { w.env_vars } else { &[] },
                profile_field: files.map(|_| w.profile_field),
                file: files
                    .and_then(|f| if w.in_credential_file { &f.credential_file } else { &f.config_file }.clone()),
            }
        })
        .collect();
    let mut setters: Vec<&str> = Vec::new();
    for setting in &missing {
        if !setters.contains(&setting.setter) {
            setters.push(setting.setter);
        }
    }
    let items: Vec<String> = wanted.iter().zip(&missing).map(|(w, m)| places(outside, w, m)).collect();
    let mut message = match &items[..] {
        [one] => format!("is required: {one}"),
        _ => {
            let each: Vec<String> = wanted.iter().zip(&items).map(|(w, item)| format!("{}: {item}", w.name)).collect();
            format!("{} settings are required: {}", items.len(), each.join("; "))
        }
    };
    if let [w] = wanted {
        // One half of the key pair found: say where, so the other half goes to the same place.
        let other = if w.name == "public key" { &outside.private_key } else { &outside.public_key };
        if let (true, Some((_, place))) = (w.in_credential_file, other) {
            message = format!("the {} is missing (the other half is in {place}): {}", w.name, items[0]);
        }
    }
    if let Some(files) = outside.files.as_ref().filter(|f| f.profile.is_none()) {
        message.push_str(&format!("; no profile was read: {}", no_profile(files)));
    }
    Error::Config { field: setters.join(", "), message, missing, shared_files: outside.files.clone().map(Box::new) }
}

/// Every place that would provide one setting, in words.
fn places(outside: &Outside, w: &Wanted, missing: &MissingSetting) -> String {
    let mut places: Vec<String> = missing.env_vars.iter().map(|v| (*v).to_owned()).collect();
    if let Some(files) = &outside.files {
        let file = shown(&missing.file);
        places.push(match &files.profile {
            Some(profile) => format!("{} of profile {profile:?} in {file}", w.profile_field),
            None => format!("{} of a profile in {file}", w.profile_field),
        });
    }
    match places.is_empty() {
        true => format!("set {}", w.example),
        false => format!("set {}, or {}", w.example, places.join(", ")),
    }
}

/// Why no profile was read, naming the config file and the profiles found.
fn no_profile(files: &SharedFiles) -> String {
    let Some(path) = &files.config_file else { return "no home folder to find ~/.ucloud in".into() };
    if !Path::new(path).exists() {
        return format!("{} does not exist", path.display());
    }
    if files.profiles.is_empty() {
        return format!("{} holds no profiles", path.display());
    }
    format!(
        "no profile is active in {} ({}): name one with .profile(..) or {}",
        path.display(),
        found(&files.profiles),
        ucloud::PROFILE
    )
}
