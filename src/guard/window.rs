//! Deploy windows: the days and hours (in a time zone) an environment may be
//! changed in, and freezes that close it outright.

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Deserialize;

/// `{ days = ["mon", "tue"], hours = "09:00-17:00", timezone = "Europe/Berlin" }`
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// Three-letter English day names, e.g. ["mon", "tue", "wed", "thu"].
    pub days: Vec<String>,
    /// "HH:MM-HH:MM", start included, end excluded ("24:00" for midnight).
    pub hours: String,
    /// An IANA zone such as "Europe/Berlin" (default "UTC").
    #[serde(default = "utc")]
    pub timezone: String,
}

fn utc() -> String {
    "UTC".into()
}

fn weekday(name: &str) -> Result<Weekday, String> {
    Ok(match name.to_ascii_lowercase().as_str() {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        other => {
            return Err(format!(
                "\"{other}\" is not a day; write mon, tue, wed, thu, fri, sat or sun"
            ))
        }
    })
}

/// Minutes since midnight of "HH:MM" (up to "24:00").
fn minutes(text: &str) -> Result<i32, String> {
    let bad = || format!("\"{text}\" is not a time of day; write HH:MM, e.g. 09:00");
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || (h == 24 && m != 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

impl Window {
    /// What is wrong with it, if anything (checked when orion.toml is read).
    pub fn check(&self) -> Result<(), String> {
        if self.days.is_empty() {
            return Err("a window needs days, e.g. days = [\"mon\", \"tue\"]".into());
        }
        for d in &self.days {
            weekday(d)?;
        }
        let (start, end) = self.span()?;
        if start >= end {
            return Err(format!(
                "hours \"{}\" end before they start; write e.g. \"09:00-17:00\"",
                self.hours
            ));
        }
        self.zone().map(|_| ())
    }

    fn span(&self) -> Result<(i32, i32), String> {
        let (a, b) = self.hours.split_once('-').ok_or_else(|| {
            format!(
                "hours \"{}\" should be a range like \"09:00-17:00\"",
                self.hours
            )
        })?;
        Ok((minutes(a)?, minutes(b)?))
    }

    fn zone(&self) -> Result<TimeZone, String> {
        TimeZone::get(&self.timezone).map_err(|e| {
            format!(
                "unknown time zone \"{}\": {e}; write an IANA name such as Europe/Berlin",
                self.timezone
            )
        })
    }

    fn days(&self) -> Vec<Weekday> {
        self.days.iter().filter_map(|d| weekday(d).ok()).collect()
    }

    /// Whether `now` falls in the window.
    pub fn contains(&self, now: Timestamp) -> bool {
        let (Ok(zone), Ok((start, end))) = (self.zone(), self.span()) else {
            return false;
        };
        let local = now.to_zoned(zone);
        let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
        self.days().contains(&local.weekday()) && minute >= start && minute < end
    }

    /// When the window next opens after `now`.
    pub fn next_opening(&self, now: Timestamp) -> Option<Zoned> {
        let zone = self.zone().ok()?;
        let (start, _) = self.span().ok()?;
        let local = now.to_zoned(zone.clone());
        let at = Time::new((start / 60).min(23) as i8, (start % 60) as i8, 0, 0).ok()?;
        (0..=7).find_map(|ahead: i32| {
            let day = local.date().checked_add(ahead.days()).ok()?;
            let opening = day.to_datetime(at).to_zoned(zone.clone()).ok()?;
            (self.days().contains(&day.weekday()) && opening.timestamp() > now).then_some(opening)
        })
    }
}

/// Ok when changes are allowed at `now`, else why not and when they will be.
pub fn allowed(windows: &[Window], now: Timestamp) -> Result<(), String> {
    if windows.is_empty() || windows.iter().any(|w| w.contains(now)) {
        return Ok(());
    }
    let next = windows
        .iter()
        .filter_map(|w| w.next_opening(now))
        .min_by_key(|z| z.timestamp());
    Err(match next {
        Some(z) => format!(
            "outside the deploy windows; the next opens {}",
            z.strftime("%a %Y-%m-%d %H:%M %Z")
        ),
        None => "outside the deploy windows".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(days: &[&str], hours: &str, tz: &str) -> Window {
        Window {
            days: days.iter().map(|d| d.to_string()).collect(),
            hours: hours.into(),
            timezone: tz.into(),
        }
    }

    #[test]
    fn inside_and_outside_with_the_next_opening() {
        let w = window(
            &["mon", "tue", "wed", "thu"],
            "09:00-17:00",
            "Europe/Berlin",
        );
        w.check().unwrap();
        // Monday 2026-11-23 10:00 in Berlin is 09:00 UTC.
        let monday_ten: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        assert!(allowed(std::slice::from_ref(&w), monday_ten).is_ok());
        // Thursday 17:30 Berlin: closed until Monday 09:00.
        let thursday_evening: Timestamp = "2026-11-26T16:30:00Z".parse().unwrap();
        let e = allowed(std::slice::from_ref(&w), thursday_evening).unwrap_err();
        assert!(e.contains("Mon 2026-11-30 09:00 CET"), "{e}");
        // Monday 08:00 Berlin: opens the same day.
        let early: Timestamp = "2026-11-23T07:00:00Z".parse().unwrap();
        assert!(allowed(&[w], early)
            .unwrap_err()
            .contains("Mon 2026-11-23 09:00"));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(window(&["monday"], "09:00-17:00", "UTC")
            .check()
            .unwrap_err()
            .contains("not a day"));
        assert!(window(&["mon"], "17:00-09:00", "UTC")
            .check()
            .unwrap_err()
            .contains("end before"));
        assert!(window(&["mon"], "9-5", "UTC")
            .check()
            .unwrap_err()
            .contains("not a time of day"));
        assert!(window(&["mon"], "09:00-17:00", "Mars/Olympus")
            .check()
            .unwrap_err()
            .contains("unknown time zone"));
        assert!(window(&[], "09:00-17:00", "UTC").check().is_err());
        window(&["sun"], "00:00-24:00", "UTC").check().unwrap();
    }
}
