//! Running the binary with a clean environment, and reading what it printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use ucloudstack::testing::FakeUCloudStack;

pub const PUBLIC_KEY: &str = "cli-public-key";
pub const PRIVATE_KEY: &str = "cli-private-key";

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The one JSON object a `--json` failure prints on stderr.
    pub fn error_json(&self) -> serde_json::Value {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line of JSON on stderr: {self:?}");
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    pub fn stdout_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "{self:?}");
        self
    }
}

/// The binary with no `UCLOUD*` variable, `home` as HOME, no terminal on stdin, in `dir`.
pub fn ucloudstack(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ucloudstack"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("UCLOUD") {
            command.env_remove(key);
        }
    }
    command.env("HOME", home).current_dir(home).stdin(Stdio::null());
    command
}

pub fn run(command: &mut Command) -> Run {
    let output = command.output().expect("the ucloudstack binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `args` with `--fake` in a fresh temporary folder.
pub fn fake(args: &[&str]) -> Run {
    let dir = Dir::new("fake");
    run(ucloudstack(dir.path()).arg("--fake").args(args))
}

/// A fake of this process, with the key pair the environment gives the binary, and the three
/// custom images of the tool's own fake.
pub async fn start_fake() -> FakeUCloudStack {
    let fake = FakeUCloudStack::builder().credentials(PUBLIC_KEY, PRIVATE_KEY).start().await;
    let client = fake.client();
    for (id, name) in fake.seed_custom_images(3).iter().zip(["web-golden", "tmp-build-1", "tmp-build-2"]) {
        client.modify_name_and_remark().resource_id(id).name(name).send().await.unwrap();
    }
    fake
}

/// The binary aimed at `fake` through `UCLOUDSTACK_*`.
pub fn against(fake: &FakeUCloudStack, home: &Path) -> Command {
    let mut command = ucloudstack(home);
    command
        .env("UCLOUDSTACK_ENDPOINT", fake.endpoint())
        .env("UCLOUDSTACK_PUBLIC_KEY", PUBLIC_KEY)
        .env("UCLOUDSTACK_PRIVATE_KEY", PRIVATE_KEY)
        .env("UCLOUDSTACK_REGION", fake.region());
    command
}

/// The custom images `fake` holds, by name.
pub fn custom_names(fake: &FakeUCloudStack) -> Vec<String> {
    let custom = fake.images().into_iter().filter(|i| i.image_type.as_ref().is_some_and(|t| t.as_str() == "Custom"));
    custom.filter_map(|i| i.name).collect()
}

/// A folder of its own under the system's temporary folder, removed on drop.
pub struct Dir(PathBuf);

impl Dir {
    pub fn new(name: &str) -> Dir {
        let unique = format!("ucloudstack-cli-{name}-{}-{}", std::process::id(), fastrand_suffix());
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fastrand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A small qcow2 file: the header's magic and a virtual size of 1 GiB (what the upload reads).
pub fn qcow2(dir: &Dir, name: &str) -> PathBuf {
    let mut bytes = vec![0u8; 256 * 1024];
    bytes[..4].copy_from_slice(b"QFI\xfb");
    bytes[4..8].copy_from_slice(&3u32.to_be_bytes());
    bytes[24..32].copy_from_slice(&(1u64 << 30).to_be_bytes());
    dir.file(name, &bytes)
}

/// `len` bytes that are no known image format (a raw disk).
pub fn raw(dir: &Dir, name: &str, len: usize) -> PathBuf {
    let bytes: Vec<u8> = (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    dir.file(name, &bytes)
}

/// Runs `command` until `ready`, then sends it SIGINT (as Ctrl-C does) and waits for it.
#[cfg(unix)]
pub async fn interrupt_when(command: &mut Command, ready: impl Fn() -> bool) -> Run {
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the binary runs");
    let waited = std::time::Instant::now();
    while !ready() {
        assert!(waited.elapsed() < std::time::Duration::from_secs(30), "never ready to interrupt");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Drives a program on a pseudo-terminal (`pty.fork`): types `keys` once `prompt` shows, and
/// reports the exit code (null if it had not ended 20 s on), what the terminal showed, and
/// the seconds from the keys to the end.
const PTY: &str = r#"
import json, os, pty, select, sys, time
prompt, keys, stderr_file, sync, argv = sys.argv[1].encode(), sys.argv[2].encode(), sys.argv[3], sys.argv[4], sys.argv[5:]
pid, fd = pty.fork()
if pid == 0:
    if stderr_file:
        os.dup2(os.open(stderr_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 2)
    os.execv(argv[0], argv)
def read(timeout):
    if not select.select([fd], [], [], timeout)[0]:
        return None
    try:
        return os.read(fd, 4096)
    except OSError:
        return b""
out, sent, code, deadline = b"", None, None, time.time() + 20
while time.time() < deadline:
    out += read(0.05) or b""
    if sent is None and keys and prompt in out:
        # With a sync folder: say the prompt showed, and type only once told to.
        if sync:
            open(os.path.join(sync, "prompted"), "w").close()
            while not os.path.exists(os.path.join(sync, "go")) and time.time() < deadline:
                out += read(0.05) or b""
        time.sleep(0.3)
        os.write(fd, keys)
        sent = time.time()
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        code = os.waitstatus_to_exitcode(status)
        while (data := read(0.2)):
            out += data
        break
if code is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
after = time.time() - sent if sent else None
print(json.dumps({"code": code, "output": out.decode("utf-8", "replace"), "after_keys": after}))
"#;

/// What a run on a terminal showed.
#[derive(Debug)]
pub struct TerminalRun {
    pub code: Option<i32>,
    pub output: String,
    /// Seconds from the keys typed to the end.
    pub after_keys: Option<f64>,
}

/// Runs `command` (its program, arguments, environment and folder) on a pseudo-terminal, with
/// stderr to `stderr_file` if given; types `keys` once `prompt` shows. `None` without python3.
pub fn on_terminal(command: &Command, prompt: &str, keys: &str, stderr_file: Option<&Path>) -> Option<TerminalRun> {
    let output = match driver(command, prompt, keys, stderr_file, None).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("python3: {e}"),
    };
    Some(terminal_run(output))
}

/// As [`on_terminal`], and runs `at_prompt` once `prompt` shows, before the keys are typed
/// (what someone else does while the question waits).
pub async fn on_terminal_at_prompt(
    command: &Command,
    prompt: &str,
    keys: &str,
    at_prompt: impl std::future::Future<Output = ()>,
) -> Option<TerminalRun> {
    let sync = Dir::new("pty-sync");
    let mut python = driver(command, prompt, keys, None, Some(sync.path()));
    let mut child = match python.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("python3: {e}"),
    };
    let waited = std::time::Instant::now();
    while !sync.path().join("prompted").exists() {
        let ended = child.try_wait().unwrap().is_some();
        if ended || waited.elapsed() > std::time::Duration::from_secs(25) {
            let output = child.wait_with_output().unwrap();
            panic!("the prompt never showed: {:?}", terminal_run(output));
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    at_prompt.await;
    std::fs::write(sync.path().join("go"), b"").unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    Some(terminal_run(output))
}

/// The python driver of `command` on a pseudo-terminal.
fn driver(command: &Command, prompt: &str, keys: &str, stderr_file: Option<&Path>, sync: Option<&Path>) -> Command {
    let mut python = Command::new("python3");
    python.arg("-c").arg(PTY).args([prompt, keys]);
    python.arg(stderr_file.map_or(std::ffi::OsStr::new(""), |p| p.as_os_str()));
    python.arg(sync.map_or(std::ffi::OsStr::new(""), |p| p.as_os_str()));
    python.arg(command.get_program()).args(command.get_args());
    copy_setting(command, &mut python);
    python.stdin(Stdio::null());
    python
}

/// `to` gets the environment and folder `from` has.
fn copy_setting(from: &Command, to: &mut Command) {
    for (key, value) in from.get_envs() {
        match value {
            Some(value) => to.env(key, value),
            None => to.env_remove(key),
        };
    }
    if let Some(dir) = from.get_current_dir() {
        to.current_dir(dir);
    }
}

/// Runs `command`'s program under `sh -c "<prelude>; exec program args"` (e.g. a `ulimit`).
#[cfg(unix)]
pub fn under_sh(command: &Command, prelude: &str) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg(format!("{prelude}; exec \"$0\" \"$@\""));
    sh.arg(command.get_program()).args(command.get_args());
    copy_setting(command, &mut sh);
    sh.stdin(Stdio::null());
    sh
}

/// Runs `line`, as pasted into bash, with `ucloudstack` there meaning `command`'s program (in
/// its environment and folder).
#[cfg(unix)]
pub fn pasted_into_bash(command: &Command, line: &str) -> Run {
    let mut bash = Command::new("bash");
    bash.arg("-c").arg(format!("ucloudstack() {{ \"$0\" \"$@\"; }}\n{line}")).arg(command.get_program());
    copy_setting(command, &mut bash);
    run(bash.stdin(Stdio::null()))
}

fn terminal_run(output: std::process::Output) -> TerminalRun {
    assert!(output.status.success(), "the driver failed: {}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the driver's report");
    TerminalRun {
        code: report["code"].as_i64().map(|c| c as i32),
        output: report["output"].as_str().unwrap_or_default().to_owned(),
        after_keys: report["after_keys"].as_f64(),
    }
}
