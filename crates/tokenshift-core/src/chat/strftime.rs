//! `strftime_now(format)` for chat templates: the current UTC time, with the directives templates use
//! (Llama 3's "%d %b %Y"). Civil dates from days since the epoch, no time-zone database.

use std::fmt::Write as _;

use minijinja::{Error as JinjaError, Value};

/// `strftime_now(format)` with the current UTC time; supports the directives chat templates use.
pub(super) fn strftime_now(format: String) -> std::result::Result<Value, JinjaError> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok(Value::from(format_utc(seconds, &format)))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Formats a Unix time as UTC with a subset of `strftime` (%Y %m %d %B %b %A %a %H %M %S %%).
pub fn format_utc(seconds: i64, format: &str) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant), valid for the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = (days + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday
    let month_name = MONTHS[(month - 1) as usize];
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => {
                let _ = write!(out, "{year}");
            }
            Some('m') => {
                let _ = write!(out, "{month:02}");
            }
            Some('d') => {
                let _ = write!(out, "{day:02}");
            }
            Some('B') => out.push_str(month_name),
            Some('b') => out.push_str(&month_name[..3]),
            Some('A') => out.push_str(DAYS[weekday]),
            Some('a') => out.push_str(&DAYS[weekday][..3]),
            Some('H') => {
                let _ = write!(out, "{:02}", secs / 3600);
            }
            Some('M') => {
                let _ = write!(out, "{:02}", secs / 60 % 60);
            }
            Some('S') => {
                let _ = write!(out, "{:02}", secs % 60);
            }
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strftime_subset() {
        assert_eq!(format_utc(0, "%d %b %Y %H:%M"), "01 Jan 1970 00:00");
        assert_eq!(
            format_utc(1_732_752_000, "%Y-%m-%d %A %B"),
            "2024-11-28 Thursday November"
        );
    }
}
