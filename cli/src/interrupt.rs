//! What Ctrl-C leaves behind. One listener, in `main`, ends any command; a command that knows
//! what an interruption leaves (an upload's handle file, a download's `.part`, a change that
//! may have been made) says it here first, and `main` prints it. (One listener: two could
//! race, and the wrong one win.)

use std::sync::Mutex;

/// What an interruption leaves: words for people, and whether the command may have acted
/// although nothing said so (`--json`'s `outcome_unknown`).
pub struct Left {
    pub text: String,
    pub outcome_unknown: bool,
}

impl Left {
    /// The command may have acted: look before running it again.
    pub fn unknown(text: impl Into<String>) -> Self {
        Left { text: text.into(), outcome_unknown: true }
    }

    /// What is there is known (the text says how to go on).
    pub fn known(text: impl Into<String>) -> Self {
        Left { text: text.into(), outcome_unknown: false }
    }
}

/// The words of every command that changes something and has nothing more precise to say.
pub const MAY_HAVE_ACTED: &str = "it may have acted: look before running it again";

type Hint = Box<dyn Fn() -> Left + Send>;

static HINT: Mutex<Option<Hint>> = Mutex::new(None);

/// Says what an interruption now leaves; replaces what was said before. The hint is called
/// when Ctrl-C comes, so it can look at the files then.
pub fn say(hint: impl Fn() -> Left + Send + 'static) {
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
pub fn saying(hint: impl Fn() -> Left + Send + 'static) -> Saying {
    say(hint);
    Saying
}

/// The message for Ctrl-C: `interrupted`, and what the command said it leaves.
pub fn left() -> Left {
    match HINT.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(hint) => {
            let left = hint();
            Left { text: format!("interrupted; {}", left.text), ..left }
        }
        None => Left::known("interrupted"),
    }
}
