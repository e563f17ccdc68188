//! IAM wildcards: `*` (any run of characters, including none, crossing `:` and `/`)
//! and `?` (exactly one character). Nothing else is special: no regex, no globs,
//! no escapes.

/// Does `pattern` match all of `text`? Linear-time greedy matching with one
/// backtrack point. ASCII (nearly every ARN and action) is matched on bytes without
/// allocating; anything else on characters, so `?` matches one `é`.
pub(crate) fn matches(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        let eq = |a: u8, b: u8| {
            if case_insensitive {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        };
        return match_units(pattern.as_bytes(), text.as_bytes(), b'*', b'?', eq);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        // `${*}` and `${?}` substitute characters that stand for a literal `*` and `?`.
        let a = match a {
            super::condition::LITERAL_STAR => '*',
            super::condition::LITERAL_QUESTION => '?',
            c => c,
        };
        if case_insensitive {
            a == b || a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    match_units(&p, &t, '*', '?', eq)
}

fn match_units<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    star_unit: T,
    any_unit: T,
    eq: impl Fn(T, T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it is currently standing in for.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_unit || (p[pi] != star_unit && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_unit {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            // Let the last `*` swallow one more unit and retry.
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, written the obvious exponential way, as the reference.
    fn reference(p: &[char], t: &[char], ci: bool) -> bool {
        match (p.first(), t.first()) {
            (None, _) => t.is_empty(),
            (Some('*'), _) => reference(&p[1..], t, ci) || (!t.is_empty() && reference(p, &t[1..], ci)),
            (Some(_), None) => false,
            (Some('?'), Some(_)) => reference(&p[1..], &t[1..], ci),
            (Some(a), Some(b)) => {
                let same = if ci {
                    a.to_lowercase().eq(b.to_lowercase())
                } else {
                    a == b
                };
                same && reference(&p[1..], &t[1..], ci)
            }
        }
    }

    #[test]
    fn iam_examples() {
        assert!(matches("s3:Get*", "s3:GetObject", true));
        assert!(matches("S3:GETOBJECT", "s3:GetObject", true));
        assert!(!matches("S3:GETOBJECT", "s3:GetObject", false));
        assert!(matches(
            "arn:aws:s3:::acme-*",
            "arn:aws:s3:::acme-results/omni/x.csv",
            false
        ));
        assert!(matches("arn:aws:s3:::*/omni/*", "arn:aws:s3:::b/omni/x", false));
        assert!(matches("*", "", false));
        assert!(matches(
            "arn:aws:iam::?????????????:role/*",
            "arn:aws:iam::1111222233334:role/x",
            false
        ));
        assert!(!matches("arn:aws:s3:::acme", "arn:aws:s3:::acme/x", false));
        assert!(!matches("arn:aws:s3:::acme/*", "arn:aws:s3:::acme", false));
        assert!(matches("a?c", "aéc", false));
        assert!(!matches("[ab]", "a", false), "brackets are literal");
        assert!(matches("**a**", "bab", false));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_the_reference(p in "[ab*?:/A]{0,8}", t in "[abAB:/]{0,10}", ci in any::<bool>()) {
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            prop_assert_eq!(matches(&p, &t, ci), reference(&pc, &tc, ci), "{:?} vs {:?}", p, t);
        }

        #[test]
        fn a_text_matches_itself_with_stars_escaped_by_nothing(t in "[a-zA-Z0-9:/._-]{0,30}") {
            prop_assert!(matches(&t, &t, false));
            prop_assert!(matches("*", &t, false));
        }
    }
}
