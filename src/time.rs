//! Time arithmetic that never panics: a duration too long to add means "no limit", and a
//! scaled duration saturates. Every `Instant + Duration` of the crate goes through here.

use std::time::Duration;
use tokio::time::Instant;

/// A span far enough away to mean "no limit" (100 years): adding more could overflow the
/// platform's clock type.
pub(crate) const FOREVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `start + limit`, or a century after `start` when that would overflow (`Duration::MAX`).
pub(crate) fn deadline(start: Instant, limit: Duration) -> Instant {
    start.checked_add(limit).or_else(|| start.checked_add(FOREVER)).unwrap_or(start)
}

/// `Instant::now() + limit`, saturating as [`deadline`] does.
pub(crate) fn from_now(limit: Duration) -> Instant {
    deadline(Instant::now(), limit)
}

/// `duration * factor` (a factor of 0 or more), saturating at `Duration::MAX` instead of
/// panicking when float rounding pushes the product past it.
pub(crate) fn scale(duration: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(duration.as_secs_f64() * factor.max(0.0)).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_overflows() {
        let now = Instant::now();
        assert!(deadline(now, Duration::MAX) >= now + Duration::from_secs(365 * 24 * 3600));
        assert_eq!(deadline(now, Duration::ZERO), now);
        assert!(scale(Duration::MAX, 0.999_999_999) > Duration::from_secs(u64::MAX / 2));
        assert!(scale(Duration::MAX, 1.0 - f64::EPSILON) > Duration::from_secs(u64::MAX / 2));
        assert_eq!(scale(Duration::MAX, 1.2), Duration::MAX);
        assert_eq!(scale(Duration::from_secs(10), 0.5), Duration::from_secs(5));
        assert_eq!(scale(Duration::from_secs(10), -1.0), Duration::ZERO);
    }
}
