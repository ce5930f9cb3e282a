//! `ucloudstack`: a command-line tool for UCloudStack images, built on the `ucloudstack` crate.
//!
//! Exit status: 0 success, 1 failure, 2 usage (bad flags, refused input, missing
//! configuration, no confirmation), 3 outcome unknown, 130 interrupted (see `ucloudstack --help`).

mod args;
mod commands;
mod config;
mod confirm;
mod error;
mod interrupt;
mod output;
mod progress;

use clap::Parser;
use error::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return parse_failure(e),
    };
    let json = cli.global.json;
    logs(cli.global.verbose, json);
    let outcome = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => {
            let outcome = runtime.block_on(async {
                #[cfg(unix)]
                let _file_size_limit = ignore_file_size_limit_signal();
                // The message is made while the command still runs: what it left is said then.
                let interrupted = async {
                    let _ = tokio::signal::ctrl_c().await;
                    interrupt::left()
                };
                tokio::select! {
                    outcome = commands::run(cli) => outcome,
                    left = interrupted => {
                        Err(Failure::Interrupted { message: left.text, outcome_unknown: left.outcome_unknown })
                    }
                }
            });
            // Not waiting for blocking threads: one may still read an answer from stdin.
            runtime.shutdown_background();
            outcome
        }
        Err(e) => Err(Failure::Other(format!("cannot start the async runtime: {e}"))),
    };
    match outcome {
        Ok(()) => ExitCode::from(error::EXIT_OK),
        Err(failure) => {
            failure.report(json);
            ExitCode::from(failure.exit_code())
        }
    }
}

/// The library's log on stderr: its warnings (a credential file others can read, a setting
/// found twice) by default, more with each -v; RUST_LOG, when set, says instead. With --json,
/// stderr is kept for the one failure object unless -v or RUST_LOG asks for more.
fn logs(verbose: u8, json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::new(directives),
        _ => EnvFilter::new(match (verbose, json) {
            (0, true) => return,
            (0, false) => "ucloudstack=warn",
            (1, _) => "ucloudstack=info",
            (2, _) => "ucloudstack=debug",
            _ => "trace",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// A write past `ulimit -f` sends SIGXFSZ, whose default action ends the tool with no word:
/// with a listener registered instead (the default action is then replaced for good), the
/// write fails with EFBIG and is reported like any other failure.
#[cfg(unix)]
fn ignore_file_size_limit_signal() -> Option<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::from_raw(libc::SIGXFSZ)).ok()
}

/// `--help` and `--version` print and succeed; any other parse error is a usage failure, as
/// one JSON object when `--json` was among the arguments.
fn parse_failure(e: clap::Error) -> ExitCode {
    if e.exit_code() == 0 || !std::env::args_os().any(|arg| arg == "--json") {
        let _ = e.print();
        return ExitCode::from(if e.exit_code() == 0 { error::EXIT_OK } else { error::EXIT_USAGE });
    }
    let message = if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        missing_command()
    } else {
        // The whole error (the possible values, a tip), without the usage and the pointer to --help.
        let text = e.render().to_string();
        let lines = text.lines().map(str::trim).filter(|line| {
            !line.is_empty() && !line.starts_with("Usage:") && !line.starts_with("For more information")
        });
        lines.collect::<Vec<_>>().join(" ").trim_start_matches("error: ").to_owned()
    };
    let failure = Failure::usage(message);
    failure.report(true);
    ExitCode::from(failure.exit_code())
}

/// A command given without its subcommand (`ucloudstack images`): which ones there are.
fn missing_command() -> String {
    use clap::CommandFactory;
    let mut command = args::Cli::command();
    let mut path = vec![command.get_name().to_owned()];
    for arg in std::env::args().skip(1) {
        if let Some(sub) = command.find_subcommand(&arg).cloned() {
            path.push(arg);
            command = sub;
        }
    }
    let names: Vec<&str> = command.get_subcommands().map(|c| c.get_name()).filter(|n| *n != "help").collect();
    format!("`{}` needs a command, one of: {}", path.join(" "), names.join(", "))
}
