//! Access key IDs: `AKIA` (long-term) or `ASIA` (temporary) and 16 base32 characters.

/// The kinds of key an access key ID names, from its prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    LongTerm,
    Temporary,
}

pub(crate) fn kind(id: &str) -> Option<KeyKind> {
    if !is_well_formed(id) {
        return None;
    }
    if id.starts_with("ASIA") {
        Some(KeyKind::Temporary)
    } else {
        Some(KeyKind::LongTerm)
    }
}

/// `AKIA`/`ASIA` followed by exactly 16 characters of `[A-Z2-7]` (base32).
pub(crate) fn is_well_formed(id: &str) -> bool {
    (id.starts_with("AKIA") || id.starts_with("ASIA"))
        && id.len() == 20
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_keys() {
        assert_eq!(kind("AKIAIOSFODNN7EXAMPLE"), Some(KeyKind::LongTerm));
        assert_eq!(kind("ASIAIOSFODNN7EXAMPLE"), Some(KeyKind::Temporary));
        assert_eq!(kind("AKIAIOSFODNN7EXAMPL"), None); // 15 after the prefix
        assert_eq!(kind("AKIAIOSFODNN1EXAMPLE"), None); // '1' is not base32
        assert_eq!(kind("akiaiosfodnn7example"), None);
        assert_eq!(kind("AIDAIOSFODNN7EXAMPLE"), None); // a user ID, not a key
        assert_eq!(kind("AKIAIOSFODNN7EXAMPLÉ"), None);
    }
}
