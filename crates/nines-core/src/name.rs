//! Names of services, SLOs, SLIs and the rest: DNS labels, as Kubernetes and OpenSLO use.
//!
//! A name ends up in Prometheus label values, URLs (`/api/v1/slos/{service}/{slo}`) and
//! file names, so the rule is strict: lowercase letters, digits and `-`, starting and
//! ending with a letter or digit, at most 63 characters (RFC 1123).

/// The longest name allowed (RFC 1123 label).
pub const MAX_NAME_LENGTH: usize = 63;

/// Why a name was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty string.
    #[error("the name is empty")]
    Empty,
    /// Longer than 63 characters.
    #[error("`{name}` is {length} characters long; names have at most 63")]
    TooLong {
        /// The name.
        name: String,
        /// Its length in characters.
        length: usize,
    },
    /// A character outside `[a-z0-9-]`, or a `-` at either end.
    #[error(
        "`{name}` is not a DNS label: use lowercase letters, digits and `-`, starting and ending with a letter or digit"
    )]
    Invalid {
        /// The name.
        name: String,
    },
}

/// Checks that `name` is a DNS label.
pub fn check_name(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    let length = name.chars().count();
    if length > MAX_NAME_LENGTH {
        return Err(NameError::TooLong {
            name: name.to_string(),
            length,
        });
    }
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    if !bytes.iter().all(allowed) || bytes[0] == b'-' || bytes[bytes.len() - 1] == b'-' {
        return Err(NameError::Invalid {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// Turns free text into the closest valid name: `Checkout Availability` → `checkout-availability`.
/// Used for fix hints and to derive names from display names.
pub fn suggest_name(text: &str) -> String {
    let mut out = String::new();
    for character in text.chars() {
        let lower = character.to_ascii_lowercase();
        if lower.is_ascii_lowercase() || lower.is_ascii_digit() {
            out.push(lower);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed: String = out
        .trim_matches('-')
        .chars()
        .take(MAX_NAME_LENGTH)
        .collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() {
        "unnamed".to_string()
    } else {
        trimmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels() {
        assert!(check_name("checkout").is_ok());
        assert!(check_name("p99-latency-2").is_ok());
        assert!(check_name(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        assert_eq!(check_name(""), Err(NameError::Empty));
        assert!(matches!(
            check_name(&"a".repeat(64)),
            Err(NameError::TooLong { length: 64, .. })
        ));
        for bad in ["Checkout", "-a", "a-", "a_b", "a.b", "é"] {
            assert!(
                matches!(check_name(bad), Err(NameError::Invalid { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn suggests_valid_names() {
        assert_eq!(
            suggest_name("Checkout Availability"),
            "checkout-availability"
        );
        assert_eq!(suggest_name("__x__"), "x");
        assert_eq!(suggest_name("!!!"), "unnamed");
        assert!(check_name(&suggest_name(&"Ab ".repeat(40))).is_ok());
    }
}
