//! What Ctrl-C leaves behind. One listener, in `main`, ends any command; a command that knows
//! what an interruption leaves (an upload's handle file, a download's `.part`) says it here
//! first, and `main` prints it. (One listener: two could race, and the wrong one win.)

use std::sync::Mutex;

type Hint = Box<dyn Fn() -> String + Send>;

static HINT: Mutex<Option<Hint>> = Mutex::new(None);

/// Says what an interruption now leaves; replaces what was said before. The hint is called
/// when Ctrl-C comes, so it can look at the files then.
pub fn say(hint: impl Fn() -> String + Send + 'static) {
    *HINT.lock().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(hint));
}

/// Clears what [`say`] said when dropped: the command is over.
pub struct Saying;

impl Drop for Saying {
    fn drop(&mut self) {
        *HINT.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

/// Says `hint` until the returned guard is dropped.
pub fn saying(hint: impl Fn() -> String + Send + 'static) -> Saying {
    say(hint);
    Saying
}

/// The message for Ctrl-C: `interrupted`, and what the command said it leaves.
pub fn message() -> String {
    match HINT.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(hint) => format!("interrupted; {}", hint()),
        None => "interrupted".into(),
    }
}
