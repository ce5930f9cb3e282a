//! Spinners and bars on stderr, drawn only when stderr is a terminal. A spinner ticks on its
//! own (a poll may take 30 s), so the elapsed time moves while nothing is heard.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use ucloudstack::image::TransferProgress;
use ucloudstack::wait::WaitProgress;

const TICK: Duration = Duration::from_millis(120);
const SPINNER: &str = "{spinner} {msg} ({elapsed})";
// The bar takes what the terminal's width leaves, so that a line never wraps at 80 columns.
const BYTES: &str = "{msg} [{wide_bar}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}";
const COUNT: &str = "{msg} [{bar:30}] {pos}/{len} ({elapsed})";

/// A line of progress, cleared when dropped.
pub struct Progress(ProgressBar);

impl Progress {
    /// A spinner showing `message` and the time since it began; [`show_transfer`] turns it into
    /// a bar of bytes once a transfer's size is known.
    pub fn spinner(message: impl Into<String>) -> Self {
        Progress::new(None, SPINNER, message.into())
    }

    /// A bar counting `total` items.
    pub fn count(message: impl Into<String>, total: usize) -> Self {
        Progress::new(Some(total as u64), COUNT, message.into())
    }

    fn new(len: Option<u64>, template: &str, message: String) -> Self {
        let target =
            if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let bar = ProgressBar::with_draw_target(len, target);
        bar.set_style(style(template));
        bar.set_message(message);
        bar.enable_steady_tick(TICK);
        Progress(bar)
    }

    /// A handle for progress hooks (`Send + Sync + 'static`).
    pub fn handle(&self) -> ProgressBar {
        self.0.clone()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A spinner line for each of several things done at once (copies to several platforms),
/// each ticking on its own; all cleared when dropped.
pub struct Lines {
    _all: MultiProgress,
    bars: Arc<Vec<ProgressBar>>,
}

impl Lines {
    pub fn new(messages: impl IntoIterator<Item = String>) -> Self {
        let target =
            if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
        let all = MultiProgress::with_draw_target(target);
        let bars = messages
            .into_iter()
            .map(|message| {
                let bar = all.add(ProgressBar::new_spinner());
                bar.set_style(style(SPINNER));
                bar.set_message(message);
                bar.enable_steady_tick(TICK);
                bar
            })
            .collect();
        Lines { _all: all, bars: Arc::new(bars) }
    }

    /// The lines, by index, for progress hooks (`Send + Sync + 'static`).
    pub fn bars(&self) -> Arc<Vec<ProgressBar>> {
        self.bars.clone()
    }

    /// Ends line `index` saying how it went, and hands `result` back.
    pub fn finish<T, E>(&self, index: usize, label: &str, result: Result<T, E>) -> Result<T, E> {
        let ending = if result.is_ok() { "done" } else { "failed" };
        if let Some(bar) = self.bars.get(index) {
            bar.finish_with_message(format!("{label}: {ending}"));
        }
        result
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        for bar in self.bars.iter() {
            bar.finish_and_clear();
        }
    }
}

/// Shows a transfer's progress on a bytes bar; once the bytes are in and the platform makes
/// the image (`percent`), a spinner with its percent.
pub fn show_transfer(bar: &ProgressBar, p: &TransferProgress) {
    match p.percent {
        None => {
            if p.bytes_total > 0 && bar.length() != Some(p.bytes_total) {
                bar.set_style(style(BYTES));
                bar.set_length(p.bytes_total);
            }
            let first = bar.position() == 0 && p.bytes_resumed > 0;
            bar.set_position(p.bytes_done);
            if first {
                // The bytes an earlier run left are no part of this run's rate.
                bar.reset_eta();
            }
        }
        Some(percent) => {
            if bar.length().is_some() {
                bar.set_style(
                    ProgressStyle::with_template(SPINNER).unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.unset_length();
            }
            bar.set_message(format!("making the image: {percent}%"));
        }
    }
}

/// A wait's poll as a spinner's message: `what`, the resource's id, its status and percent.
pub fn wait_status(what: &str, p: &WaitProgress<'_>) -> String {
    let percent = p.percent.map_or(String::new(), |n| format!(" {n}%"));
    format!("{what} {}: {}{percent}", p.id, p.status)
}

fn style(template: &str) -> ProgressStyle {
    let style = ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner());
    style.progress_chars("=> ")
}
