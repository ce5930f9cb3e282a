//! What a step of an upload comes to: a value, or the stage that failed and why.

use crate::transfer::error::TransferStage;

/// Why a step failed.
pub(super) type Cause = Box<dyn std::error::Error + Send + Sync>;

/// A step's outcome: its value, or the stage that failed and the cause.
pub(super) type Step<T> = Result<T, (TransferStage, Cause)>;

/// Tags an error with the stage it stopped.
pub(super) fn at<E: Into<Cause>>(stage: TransferStage) -> impl FnOnce(E) -> (TransferStage, Cause) {
    move |e| (stage, e.into())
}
