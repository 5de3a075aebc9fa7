//! Interviews and scorecards (F8): when, how long, and what a score is.

use time::{macros::format_description, OffsetDateTime, PrimitiveDateTime};

/// A start time as a browser's `datetime-local` field sends it, read as UTC.
pub fn parse_start(raw: &str) -> Result<OffsetDateTime, String> {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    PrimitiveDateTime::parse(raw.trim(), format)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| "Give the date and time as YYYY-MM-DD HH:MM (UTC).".to_owned())
}

pub fn parse_duration(raw: &str) -> Result<i32, String> {
    match raw.trim().parse::<i32>() {
        Ok(m) if (15..=480).contains(&m) => Ok(m),
        _ => Err("Choose a duration from 15 to 480 minutes.".into()),
    }
}

pub fn parse_score(raw: &str) -> Result<i32, String> {
    match raw.trim().parse::<i32>() {
        Ok(s) if (1..=5).contains(&s) => Ok(s),
        _ => Err("Score from 1 to 5.".into()),
    }
}

/// The weighted mean of per-criterion averages: Σ(weight × average) / Σ weight.
pub fn weighted_mean(entries: &[(i32, f64)]) -> Option<f64> {
    let total_weight: i32 = entries.iter().map(|(w, _)| *w).sum();
    (total_weight > 0).then(|| {
        entries.iter().map(|(w, a)| f64::from(*w) * a).sum::<f64>() / f64::from(total_weight)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn start_times_are_read_as_utc_and_garbage_is_refused() {
        assert_eq!(
            parse_start("2026-12-01T09:30"),
            Ok(datetime!(2026-12-01 09:30 UTC))
        );
        for bad in ["", "tomorrow", "2026-13-01T09:30", "2026-12-01"] {
            assert!(parse_start(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scores_and_durations_are_bounded() {
        assert_eq!(parse_score("5"), Ok(5));
        assert!(parse_score("0").is_err() && parse_score("6").is_err());
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("10").is_err() && parse_duration("600").is_err());
    }

    #[test]
    fn weights_count_in_the_mean() {
        assert_eq!(weighted_mean(&[(5, 4.0), (1, 1.0)]), Some(21.0 / 6.0));
        assert_eq!(weighted_mean(&[]), None);
    }
}
