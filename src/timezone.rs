//! Time zone names, checked against the IANA database bundled in `jiff`
//! (offline, the same answer on every machine: never the system's copy), with a
//! suggestion for what people type instead: abbreviations, Windows-style names, UTC
//! offsets, wrong case.

use std::sync::LazyLock;

/// Every zone name of the bundled database.
static ZONES: LazyLock<Vec<String>> = LazyLock::new(|| {
    jiff::tz::TimeZoneDatabase::bundled()
        .available()
        .map(|name| name.as_str().to_string())
        .collect()
});

/// The verdict on a time zone field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A region name from the IANA database.
    Valid,
    /// In the database, but a legacy fixed-offset or abbreviation zone that does not
    /// follow daylight saving the way the region people mean does.
    Legacy { suggestion: String, why: String },
    /// Not in the database.
    Invalid { suggestion: Option<String> },
}

/// Legacy zones the IANA database still carries for compatibility, and what the person
/// most likely meant.
const LEGACY: &[(&str, &str)] = &[
    ("EST", "America/New_York"),
    ("MST", "America/Denver"),
    ("HST", "Pacific/Honolulu"),
    ("EST5EDT", "America/New_York"),
    ("CST6CDT", "America/Chicago"),
    ("MST7MDT", "America/Denver"),
    ("PST8PDT", "America/Los_Angeles"),
    ("CET", "Europe/Paris"),
    ("MET", "Europe/Paris"),
    ("EET", "Europe/Athens"),
    ("WET", "Europe/Lisbon"),
];

/// Abbreviations and everyday names that are not zone names at all.
const ALIASES: &[(&str, &str)] = &[
    ("edt", "America/New_York"),
    ("eastern", "America/New_York"),
    ("eastern time", "America/New_York"),
    ("eastern standard time", "America/New_York"),
    ("et", "America/New_York"),
    ("cst", "America/Chicago"),
    ("cdt", "America/Chicago"),
    ("central", "America/Chicago"),
    ("central time", "America/Chicago"),
    ("central standard time", "America/Chicago"),
    ("ct", "America/Chicago"),
    ("mdt", "America/Denver"),
    ("mountain", "America/Denver"),
    ("mountain time", "America/Denver"),
    ("mountain standard time", "America/Denver"),
    ("pst", "America/Los_Angeles"),
    ("pdt", "America/Los_Angeles"),
    ("pacific", "America/Los_Angeles"),
    ("pacific time", "America/Los_Angeles"),
    ("pacific standard time", "America/Los_Angeles"),
    ("pt", "America/Los_Angeles"),
    ("akst", "America/Anchorage"),
    ("alaska", "America/Anchorage"),
    ("hawaii", "Pacific/Honolulu"),
    ("bst", "Europe/London"),
    ("gmt standard time", "Europe/London"),
    ("cest", "Europe/Berlin"),
    ("central european time", "Europe/Berlin"),
    ("ist", "Asia/Kolkata"),
    ("india standard time", "Asia/Kolkata"),
    ("jst", "Asia/Tokyo"),
    ("tokyo standard time", "Asia/Tokyo"),
    ("kst", "Asia/Seoul"),
    ("sgt", "Asia/Singapore"),
    ("aest", "Australia/Sydney"),
    ("aedt", "Australia/Sydney"),
    ("nzst", "Pacific/Auckland"),
    ("brt", "America/Sao_Paulo"),
    ("z", "UTC"),
    ("zulu", "UTC"),
    ("utc+0", "UTC"),
    ("utc-0", "UTC"),
    ("coordinated universal time", "UTC"),
];

pub(crate) fn check(input: &str) -> Verdict {
    let name = input.trim();
    if let Some((_, meant)) = LEGACY.iter().find(|(legacy, _)| *legacy == name) {
        return Verdict::Legacy {
            suggestion: (*meant).to_string(),
            why: format!("`{name}` is a legacy zone with a fixed rule, not a region's local time"),
        };
    }
    if ZONES.iter().any(|tz| tz == name) {
        return Verdict::Valid;
    }
    Verdict::Invalid {
        suggestion: suggest(name),
    }
}

fn suggest(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    if let Some(tz) = ZONES.iter().find(|tz| tz.eq_ignore_ascii_case(name)) {
        return Some(tz.as_str().to_string());
    }
    if let Some((_, meant)) = ALIASES.iter().find(|(alias, _)| *alias == lower) {
        return Some((*meant).to_string());
    }
    if let Some(etc) = offset_zone(&lower) {
        return Some(etc);
    }
    // `America/New York`, `america-new_york`: compare with separators folded.
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let folded = fold(name);
    if let Some(tz) = ZONES.iter().find(|tz| fold(tz.as_str()) == folded) {
        return Some(tz.as_str().to_string());
    }
    // A bare city (`Berlin`, `New York`).
    if let Some(tz) = ZONES.iter().find(|tz| {
        tz.as_str().contains('/')
            && tz
                .as_str()
                .rsplit('/')
                .next()
                .is_some_and(|city| fold(city) == folded)
    }) {
        return Some(tz.as_str().to_string());
    }
    ZONES
        .iter()
        .map(|tz| (strsim::levenshtein(&fold(tz.as_str()), &folded), tz.as_str()))
        .filter(|(d, _)| *d <= 2 && folded.len() > 4)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.to_string())
}

/// `UTC+2`, `GMT-05:00`, `+02:00` → the `Etc/GMT` zone with that whole-hour offset.
/// (The `Etc/GMT` names are POSIX-style: their sign is inverted, so UTC+2 is `Etc/GMT-2`.)
fn offset_zone(lower: &str) -> Option<String> {
    let rest = lower
        .strip_prefix("utc")
        .or_else(|| lower.strip_prefix("gmt"))
        .unwrap_or(lower)
        .trim();
    let (sign, digits) = match rest.chars().next()? {
        '+' => (1, &rest[1..]),
        '-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h.trim().parse::<i32>().ok()?, m.trim().parse::<i32>().ok()?),
        None if digits.len() == 4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        None => (digits.trim().parse().ok()?, 0),
    };
    if minutes != 0 || !(0..=14).contains(&hours) {
        return None;
    }
    if hours == 0 {
        return Some("UTC".into());
    }
    Some(format!("Etc/GMT{}{}", if sign > 0 { '-' } else { '+' }, hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion(input: &str) -> Option<String> {
        match check(input) {
            Verdict::Valid => None,
            Verdict::Legacy { suggestion, .. } => Some(suggestion),
            Verdict::Invalid { suggestion } => suggestion,
        }
    }

    #[test]
    fn iana_names_are_valid() {
        for ok in [
            "UTC",
            "America/New_York",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Etc/GMT-2",
            "US/Eastern",
            "GMT+0",
        ] {
            assert_eq!(check(ok), Verdict::Valid, "{ok}");
        }
    }

    #[test]
    fn common_mistakes_get_a_suggestion() {
        let cases = [
            ("EST", "America/New_York"),
            ("PST", "America/Los_Angeles"),
            ("Pacific Time", "America/Los_Angeles"),
            ("UTC+2", "Etc/GMT-2"),
            ("UTC-05:00", "Etc/GMT+5"),
            ("america/new_york", "America/New_York"),
            ("America/New York", "America/New_York"),
            ("Berlin", "Europe/Berlin"),
            ("Europe/Berln", "Europe/Berlin"),
            ("utc", "UTC"),
        ];
        for (input, want) in cases {
            assert_eq!(suggestion(input).as_deref(), Some(want), "{input}");
        }
        assert!(matches!(check("EST"), Verdict::Legacy { .. }));
        assert!(matches!(check("Pacific Time"), Verdict::Invalid { .. }));
        assert_eq!(check("Mars/Olympus_Mons"), Verdict::Invalid { suggestion: None });
        // The connection UI trims what is typed, so surrounding spaces are harmless.
        assert_eq!(check(" UTC "), Verdict::Valid);
    }
}
