//! Every AWS region code with its partition and console name, as data.

/// A region and the partition whose ARNs it uses.
#[derive(Debug)]
pub(crate) struct Region {
    pub code: &'static str,
    pub partition: &'static str,
    /// The name the console shows, which people paste instead of the code.
    pub name: &'static str,
}

const fn r(code: &'static str, partition: &'static str, name: &'static str) -> Region {
    Region {
        code,
        partition,
        name,
    }
}

pub(crate) const DEFAULT_REGION: &str = "us-east-1";

pub(crate) static REGIONS: &[Region] = &[
    // Commercial partition.
    r("us-east-1", "aws", "US East (N. Virginia)"),
    r("us-east-2", "aws", "US East (Ohio)"),
    r("us-west-1", "aws", "US West (N. California)"),
    r("us-west-2", "aws", "US West (Oregon)"),
    r("af-south-1", "aws", "Africa (Cape Town)"),
    r("ap-east-1", "aws", "Asia Pacific (Hong Kong)"),
    r("ap-east-2", "aws", "Asia Pacific (Taipei)"),
    r("ap-south-1", "aws", "Asia Pacific (Mumbai)"),
    r("ap-south-2", "aws", "Asia Pacific (Hyderabad)"),
    r("ap-southeast-1", "aws", "Asia Pacific (Singapore)"),
    r("ap-southeast-2", "aws", "Asia Pacific (Sydney)"),
    r("ap-southeast-3", "aws", "Asia Pacific (Jakarta)"),
    r("ap-southeast-4", "aws", "Asia Pacific (Melbourne)"),
    r("ap-southeast-5", "aws", "Asia Pacific (Malaysia)"),
    r("ap-southeast-6", "aws", "Asia Pacific (New Zealand)"),
    r("ap-southeast-7", "aws", "Asia Pacific (Thailand)"),
    r("ap-northeast-1", "aws", "Asia Pacific (Tokyo)"),
    r("ap-northeast-2", "aws", "Asia Pacific (Seoul)"),
    r("ap-northeast-3", "aws", "Asia Pacific (Osaka)"),
    r("ca-central-1", "aws", "Canada (Central)"),
    r("ca-west-1", "aws", "Canada West (Calgary)"),
    r("eu-central-1", "aws", "Europe (Frankfurt)"),
    r("eu-central-2", "aws", "Europe (Zurich)"),
    r("eu-west-1", "aws", "Europe (Ireland)"),
    r("eu-west-2", "aws", "Europe (London)"),
    r("eu-west-3", "aws", "Europe (Paris)"),
    r("eu-south-1", "aws", "Europe (Milan)"),
    r("eu-south-2", "aws", "Europe (Spain)"),
    r("eu-north-1", "aws", "Europe (Stockholm)"),
    r("il-central-1", "aws", "Israel (Tel Aviv)"),
    r("me-south-1", "aws", "Middle East (Bahrain)"),
    r("me-central-1", "aws", "Middle East (UAE)"),
    r("mx-central-1", "aws", "Mexico (Central)"),
    r("sa-east-1", "aws", "South America (São Paulo)"),
    // China.
    r("cn-north-1", "aws-cn", "China (Beijing)"),
    r("cn-northwest-1", "aws-cn", "China (Ningxia)"),
    // AWS GovCloud (US).
    r("us-gov-east-1", "aws-us-gov", "AWS GovCloud (US-East)"),
    r("us-gov-west-1", "aws-us-gov", "AWS GovCloud (US-West)"),
];

/// Regions launched after 20 March 2019: disabled until an account enables them.
const OPT_IN: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

pub(crate) fn is_opt_in(code: &str) -> bool {
    OPT_IN.contains(&code)
}

pub(crate) fn find(code: &str) -> Option<&'static Region> {
    REGIONS.iter().find(|r| r.code == code)
}

/// The region someone most likely meant by `input`, when it is not a code:
/// an availability zone (`us-east-1a`), a console name, other case or spacing,
/// or a near-miss spelling.
pub(crate) fn suggest(input: &str) -> Option<&'static Region> {
    let t = input.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(r) = find(&lower) {
        return Some(r);
    }
    // Availability zone: the region code plus one letter (or a local-zone suffix).
    if let Some(r) = REGIONS
        .iter()
        .filter(|r| lower.starts_with(r.code) && lower.len() > r.code.len())
        .max_by_key(|r| r.code.len())
    {
        return Some(r);
    }
    let squashed: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let name_key = |s: &str| -> String { s.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect() };
    if let Some(r) = REGIONS.iter().find(|r| {
        r.code.replace('-', "") == squashed
            || name_key(r.name) == name_key(t)
            || (name_key(t).len() >= 5 && name_key(r.name).contains(&name_key(t)))
    }) {
        return Some(r);
    }
    REGIONS
        .iter()
        .map(|r| (strsim::levenshtein(r.code, &lower), r))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_partitions_known() {
        let mut codes: Vec<_> = REGIONS.iter().map(|r| r.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), REGIONS.len());
        for r in REGIONS {
            assert!(crate::aws::arn::PARTITIONS.contains(&r.partition), "{r:?}");
        }
        assert_eq!(find("cn-north-1").unwrap().partition, "aws-cn");
        assert_eq!(find("us-gov-west-1").unwrap().partition, "aws-us-gov");
    }

    #[test]
    fn suggestions() {
        let s = |i: &str| suggest(i).map(|r| r.code);
        assert_eq!(s("us-east-1a"), Some("us-east-1"));
        assert_eq!(s("US East (N. Virginia)"), Some("us-east-1"));
        assert_eq!(s("Frankfurt"), Some("eu-central-1"));
        assert_eq!(s("EU-WEST-1"), Some("eu-west-1"));
        assert_eq!(s("useast1"), Some("us-east-1"));
        assert_eq!(s("us-east1"), Some("us-east-1"));
        assert_eq!(s("ap-southeast-10"), Some("ap-southeast-1"));
        assert_eq!(s("mars-north-1"), None);
    }
}
