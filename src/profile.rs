//! Settings from outside the program, as the official tooling keeps them: the `UCLOUDSTACK_*`
//! variables, the official SDK's `UCLOUD_*` ones, and the `ucloud` CLI's profiles in
//! `~/.ucloud/config.json` and `credential.json`.

use crate::Error;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads an environment variable (swapped out in tests).
pub(crate) type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The official SDK's variables and the shared files' paths.
pub(crate) mod ucloud {
    pub const API_BASE_URL: &str = "UCLOUD_API_BASE_URL";
    pub const PUBLIC_KEY: &str = "UCLOUD_PUBLIC_KEY";
    pub const PRIVATE_KEY: &str = "UCLOUD_PRIVATE_KEY";
    pub const REGION: &str = "UCLOUD_REGION";
    pub const ZONE: &str = "UCLOUD_ZONE";
    pub const TIMEOUT_SECOND: &str = "UCLOUD_TIMEOUT_SECOND";
    pub const PROFILE: &str = "UCLOUD_PROFILE";
    pub const SHARED_CONFIG_FILE: &str = "UCLOUD_SHARED_CONFIG_FILE";
    pub const SHARED_CREDENTIAL_FILE: &str = "UCLOUD_SHARED_CREDENTIAL_FILE";
}

/// Where settings may come from besides the builder's own setters.
#[derive(Clone, Default)]
pub(crate) struct Sources {
    /// The environment, when the builder came from `from_env`.
    pub env: Option<Lookup>,
    pub profile: Option<String>,
    pub config_file: Option<PathBuf>,
    pub credential_file: Option<PathBuf>,
}

/// One profile of `config.json` (unknown keys, which the CLI writes many of, are ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ConfigProfile {
    profile: String,
    active: bool,
    region: Option<String>,
    zone: Option<String>,
    base_url: Option<String>,
    #[serde(deserialize_with = "crate::de::opt_float")]
    timeout_sec: Option<f64>,
    /// Not the official tooling's: the tenant uploads and imports are made for.
    company_id: Option<serde_json::Value>,
}

/// One profile of `credential.json`.
#[derive(Default, Deserialize)]
#[serde(default)]
struct CredentialProfile {
    profile: String,
    public_key: Option<String>,
    private_key: Option<String>,
}

/// Which required settings the builder has itself.
#[derive(Clone, Copy)]
pub(crate) struct Given {
    pub endpoint: bool,
    pub credentials: bool,
    pub region: bool,
}

impl Given {
    fn all(self) -> bool {
        self.endpoint && self.credentials && self.region
    }
}

/// A value, and where it was found (for error messages).
pub(crate) type Found = Option<(String, String)>;

/// What the environment and the shared files hold, resolved by precedence:
/// `UCLOUDSTACK_*`, then `UCLOUD_*`, then the profile.
#[derive(Default)]
pub(crate) struct Outside {
    pub endpoint: Found,
    pub public_key: Found,
    pub private_key: Found,
    pub region: Found,
    pub zone: Found,
    pub company_id: Found,
    pub timeout: Found,
    /// Whether the environment was read (the builder came from `from_env`).
    pub env_read: bool,
    /// The shared files and their profiles, when they were read: for "is required" errors.
    pub files: Option<SharedFiles>,
    /// Whether any outside source was consulted (then a region is required at build).
    pub consulted: bool,
    /// A key pair set by half in the environment, in words: an error at build.
    pub half_pair: Option<String>,
}

impl Sources {
    fn uses_files(&self) -> bool {
        self.env.is_some() || self.profile.is_some() || self.config_file.is_some() || self.credential_file.is_some()
    }

    fn var(&self, name: &str) -> Option<String> {
        let value = self.env.as_ref().and_then(|lookup| lookup(name))?;
        (!value.trim().is_empty()).then(|| value.trim().to_owned())
    }

    /// Reads every source, by precedence. Errors name the file, variable or profile at fault.
    /// A broken default file cannot fail a client that needs nothing from it: when the builder
    /// has every required setting, files no one named are not read; when the builder and the
    /// environment have them, a broken one is a warning.
    pub(crate) fn read(&self, given: Given) -> Result<Outside, Error> {
        let mut out = Outside { consulted: self.uses_files(), env_read: self.env.is_some(), ..Outside::default() };
        let pick =
            |names: &[&str]| -> Found { names.iter().find_map(|name| self.var(name).map(|v| (v, (*name).to_owned()))) };
        if self.env.is_some() {
            use crate::env as own;
            out.endpoint = pick(&[own::ENDPOINT, ucloud::API_BASE_URL]);
            // A key pair comes whole from one family of variables.
            let own_pair = pick(&[own::PUBLIC_KEY]);
            let own_secret = pick(&[own::PRIVATE_KEY]);
            let ucloud_pair = pick(&[ucloud::PUBLIC_KEY]);
            let ucloud_secret = pick(&[ucloud::PRIVATE_KEY]);
            let half = |set: &str, unset: &str| {
                format!(
                    "{set} is set but {unset} is not: a key pair comes whole from one place, so UCLOUD_* and the profiles were not used"
                )
            };
            (out.public_key, out.private_key) = match (own_pair, own_secret) {
                (None, None) => match (ucloud_pair, ucloud_secret) {
                    (Some(_), None) => {
                        out.half_pair =
                            Some(half(ucloud::PUBLIC_KEY, ucloud::PRIVATE_KEY).replace(", so UCLOUD_* and", ", so"));
                        (None, None)
                    }
                    (None, Some(_)) => {
                        out.half_pair =
                            Some(half(ucloud::PRIVATE_KEY, ucloud::PUBLIC_KEY).replace(", so UCLOUD_* and", ", so"));
                        (None, None)
                    }
                    pair => pair,
                },
                (Some(_), None) => {
                    out.half_pair = Some(half(own::PUBLIC_KEY, own::PRIVATE_KEY));
                    (None, None)
                }
                (None, Some(_)) => {
                    out.half_pair = Some(half(own::PRIVATE_KEY, own::PUBLIC_KEY));
                    (None, None)
                }
                pair => pair,
            };
            out.region = pick(&[own::REGION, ucloud::REGION]);
            out.zone = pick(&[own::ZONE, ucloud::ZONE]);
            out.company_id = pick(&[own::COMPANY_ID]);
            out.timeout = pick(&[ucloud::TIMEOUT_SECOND]);
        }
        let named = self.profile.is_some() || self.config_file.is_some() || self.credential_file.is_some();
        if !self.uses_files() || (given.all() && !named && out.half_pair.is_none()) {
            return Ok(out);
        }
        let needed = !(given.endpoint || out.endpoint.is_some())
            || !(given.credentials || (out.public_key.is_some() && out.private_key.is_some()))
            || !(given.region || out.region.is_some());
        let (seen, files) = self.files(needed)?;
        out.files = Some(seen);
        let Some(files) = files else { return Ok(out) };
        let from = |what: &str, file: &Path| format!("{what} of profile {:?} in {}", files.name, file.display());
        let config = files.config.as_ref();
        for (key, slot) in [("base_url", &mut out.endpoint), ("region", &mut out.region), ("zone", &mut out.zone)] {
            let value = config.and_then(|c| match key {
                "base_url" => c.base_url.clone(),
                "region" => c.region.clone(),
                _ => c.zone.clone(),
            });
            if slot.is_none() {
                *slot = value.filter(|v| !v.trim().is_empty()).map(|v| (v, from(key, &files.config_path)));
            }
        }
        if out.company_id.is_none() {
            let text = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            out.company_id = config
                .and_then(|c| c.company_id.as_ref())
                .filter(|v| !v.is_null())
                .map(|v| (text(v), from("company_id", &files.config_path)));
        }
        if out.timeout.is_none() {
            out.timeout =
                config.and_then(|c| c.timeout_sec).map(|t| (t.to_string(), from("timeout_sec", &files.config_path)));
        }
        let credential = files.credential.as_ref();
        if out.public_key.is_none() && out.private_key.is_none() && out.half_pair.is_none() {
            let place = |key| from(key, &files.credential_path);
            out.public_key = credential.and_then(|c| c.public_key.clone()).map(|v| (v, place("public_key")));
            out.private_key = credential.and_then(|c| c.private_key.clone()).map(|v| (v, place("private_key")));
        }
        Ok(out)
    }

    /// The files read and the profiles in them, and the chosen profile of each file (`None`
    /// when no profile applies). Unless `needed`, a broken default file is a warning, and
    /// read as empty. A named profile in neither file is an error naming both and the
    /// profiles found.
    fn files(&self, needed: bool) -> Result<(SharedFiles, Option<Chosen>), Error> {
        // The home folder comes from the process even for a builder not made by from_env.
        let process = |name: &str| self.var(name).or_else(|| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
        let home = || process("HOME").or_else(|| process("USERPROFILE")).map(|h| Path::new(&h).join(".ucloud"));
        let path = |explicit: &Option<PathBuf>, var: &str, default: &str| -> Option<(PathBuf, bool)> {
            if let Some(path) = explicit {
                return Some((path.clone(), true));
            }
            if let Some(path) = self.var(var) {
                return Some((PathBuf::from(path), true));
            }
            home().map(|dir| (dir.join(default), false))
        };
        let config_path = path(&self.config_file, ucloud::SHARED_CONFIG_FILE, "config.json");
        let credential_path = path(&self.credential_file, ucloud::SHARED_CREDENTIAL_FILE, "credential.json");
        let configs: Vec<ConfigProfile> = match &config_path {
            Some((path, named)) => read_json(path, *named, needed)?,
            None => Vec::new(),
        };
        let credentials: Vec<CredentialProfile> = match &credential_path {
            Some((path, named)) => {
                warn_if_readable_by_others(path);
                read_json(path, *named, needed)?
            }
            None => Vec::new(),
        };
        let mut seen = SharedFiles {
            config_file: config_path.as_ref().map(|(p, _)| p.clone()),
            credential_file: credential_path.as_ref().map(|(p, _)| p.clone()),
            profile: None,
            profiles: Vec::new(),
        };
        for name in configs.iter().map(|p| &p.profile).chain(credentials.iter().map(|p| &p.profile)) {
            if !seen.profiles.contains(name) {
                seen.profiles.push(name.clone());
            }
        }
        let named = self.profile.clone().or_else(|| self.var(ucloud::PROFILE));
        let name = match named.clone().or_else(|| configs.iter().find(|p| p.active).map(|p| p.profile.clone())) {
            Some(name) => name,
            None => return Ok((seen, None)),
        };
        let config = configs.into_iter().find(|p| p.profile == name);
        let credential = credentials.into_iter().find(|p| p.profile == name);
        if named.is_some() && config.is_none() && credential.is_none() {
            let field = if self.profile.is_some() { "profile" } else { ucloud::PROFILE };
            let message = format!(
                "profile {name:?} is in neither {} nor {}; {}",
                shown(&seen.config_file),
                shown(&seen.credential_file),
                found(&seen.profiles),
            );
            return Err(Error::Config {
                field: field.into(),
                message,
                missing: Vec::new(),
                shared_files: Some(Box::new(seen)),
            });
        }
        seen.profile = Some(name.clone());
        let chosen = Chosen {
            name,
            config,
            credential,
            config_path: config_path.map(|(p, _)| p).unwrap_or_default(),
            credential_path: credential_path.map(|(p, _)| p).unwrap_or_default(),
        };
        Ok((seen, Some(chosen)))
    }
}

/// The profile chosen, as each file has it.
struct Chosen {
    name: String,
    config: Option<ConfigProfile>,
    credential: Option<CredentialProfile>,
    config_path: PathBuf,
    credential_path: PathBuf,
}

/// A shared file's profiles. A missing file is none, unless it was named; a broken default
/// file the client does not need is none too, with a warning.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, named: bool, needed: bool) -> Result<Vec<T>, Error> {
    let problem = match read_small(path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(profiles) => return Ok(profiles),
            Err(e) => format!("is not a JSON array of profiles as the ucloud CLI writes: {e}"),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(Vec::new()),
        Err(e) => format!("cannot be read: {e}"),
    };
    if named || needed {
        return Err(Error::config(path.display().to_string(), problem));
    }
    tracing::warn!(path = %path.display(), "the shared file {problem}; ignored, as nothing is needed from it");
    Ok(Vec::new())
}

/// A regular file's text, up to [`ClientBuilder::MAX_SHARED_FILE_SIZE`] bytes: a device, a
/// FIFO or a huge file is refused before it is read (or, swapped in meanwhile, cut short).
///
/// [`ClientBuilder::MAX_SHARED_FILE_SIZE`]: crate::ClientBuilder::MAX_SHARED_FILE_SIZE
fn read_small(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let limit = crate::ClientBuilder::MAX_SHARED_FILE_SIZE;
    let check = |meta: std::fs::Metadata| {
        if !meta.is_file() {
            return Err(Error::new(ErrorKind::InvalidInput, "it is not a regular file"));
        }
        if meta.len() > limit {
            return Err(Error::new(ErrorKind::InvalidData, format!("it is larger than {limit} bytes")));
        }
        Ok(())
    };
    // Checked before opening: opening a FIFO would wait for a writer.
    check(std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    check(file.metadata()?)?;
    let mut text = String::new();
    file.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(Error::new(ErrorKind::InvalidData, format!("it is larger than {limit} bytes")));
    }
    Ok(text)
}

/// Like ssh: a key file others can read is a key others may have. Warn, do not refuse.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format_args!("{:o}", mode & 0o777),
                    "the credential file can be read by other users; `chmod 600` it"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The shared files a builder read (`config.json` and `credential.json`) and the profiles in
/// them (see [`Error::Config`]'s `shared_files`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedFiles {
    /// The config file looked at (it may not exist); `None` without a home folder.
    pub config_file: Option<PathBuf>,
    /// The credential file looked at (it may not exist); `None` without a home folder.
    pub credential_file: Option<PathBuf>,
    /// The profile used: the one named, else the active one; `None` when there was none.
    pub profile: Option<String>,
    /// Every profile name found in the two files, config file first, each once.
    pub profiles: Vec<String>,
}

/// A path as messages show it.
pub(crate) fn shown(path: &Option<PathBuf>) -> String {
    path.as_ref().map_or_else(|| "~/.ucloud (no home folder)".into(), |p| p.display().to_string())
}

/// The profiles found, in words.
pub(crate) fn found(profiles: &[String]) -> String {
    if profiles.is_empty() {
        return "no profiles were found".into();
    }
    let names: Vec<String> = profiles.iter().map(|p| format!("{p:?}")).collect();
    format!("the profiles found: {}", names.join(", "))
}
