//! Confirming a destructive step: asked on a terminal, `--yes` otherwise.

use crate::error::Failure;
use std::io::{BufRead, IsTerminal, Write};

/// Asks `question` on a terminal unless `yes`; without a terminal, `--yes` is required. A "no"
/// (or no answer) is a usage failure: nothing was done.
pub fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(format!(
            "{question}: pass --yes to confirm (stdin is not a terminal, so the tool cannot ask); nothing was done"
        )));
    }
    eprint!("{question}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::usage("not confirmed: nothing was done"))
    }
}
