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

/// A duration as people say it, to the second: `10 min`, `1 h 30 min`, `45 s`, `250 ms`.
pub(crate) struct Spoken(pub(crate) Duration);

impl std::fmt::Display for Spoken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.as_secs();
        if secs == 0 {
            return write!(f, "{} ms", self.0.as_millis());
        }
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        let parts = [(h, "h"), (m, "min"), (s, "s")];
        let mut shown = parts.iter().filter(|(n, _)| *n > 0).map(|(n, unit)| format!("{n} {unit}"));
        let first = shown.next().unwrap_or_default();
        f.write_str(&first)?;
        shown.try_for_each(|part| write!(f, " {part}"))
    }
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

    #[test]
    fn durations_are_spoken() {
        let spoken = |secs: u64| Spoken(Duration::from_secs(secs)).to_string();
        assert_eq!(spoken(600), "10 min");
        assert_eq!(spoken(5400), "1 h 30 min");
        assert_eq!(spoken(3601), "1 h 1 s");
        assert_eq!(spoken(45), "45 s");
        assert_eq!(Spoken(Duration::from_millis(250)).to_string(), "250 ms");
        assert!(Spoken(Duration::MAX).to_string().ends_with(" s"), "no panic");
    }
}
