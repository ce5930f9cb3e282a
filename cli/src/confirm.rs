//! Confirming a destructive step: asked on a terminal, `--yes` otherwise.

use crate::error::Failure;
use std::io::{BufRead, IsTerminal, Write};

/// Whether the tool can ask: the question goes to stderr and the answer comes from stdin, so
/// both must be a terminal (a question written to a file would be answered blind).
pub fn can_ask() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// Asks `question` on a terminal unless `yes`; without one, `--yes` is required. A "no" (or no
/// answer) is a usage failure: nothing was done. The answer is read on a blocking thread, so
/// that Ctrl-C at the question ends the tool at once (see `main`).
pub async fn confirm(question: &str, yes: bool) -> Result<(), Failure> {
    if yes {
        return Ok(());
    }
    if !can_ask() {
        return Err(Failure::usage(format!(
            "{question}: pass --yes to confirm (stdin or stderr is not a terminal, so the tool cannot ask); \
             nothing was done"
        )));
    }
    eprint!("{question}? [y/N] ");
    let _ = std::io::stderr().flush();
    let answer = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        answer
    })
    .await
    .unwrap_or_default();
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(Failure::usage("not confirmed: nothing was done"))
    }
}
