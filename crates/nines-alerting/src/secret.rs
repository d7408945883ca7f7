//! Secrets and header values read where the spec says, when a notification is sent (so a
//! rotated secret is picked up without a reload). Errors name the variable or the file,
//! never the value.

use std::path::Path;

use nines_core::model::SecretSource;
use serde::{Deserialize, Serialize};

/// The longest secret or header value read: keys and tokens are short; a bound keeps a
/// wrong path (a log file) from being read into memory and sent.
pub const MAX_SECRET_BYTES: u64 = 16 * 1024;

/// Where a value comes from, as stored in an outbox record: a reference, or a literal
/// for values that are not secret (header values, user names).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// Written in the spec.
    Literal(String),
    /// An environment variable.
    Env(String),
    /// A file (trailing newline removed).
    File(String),
}

impl std::fmt::Debug for ValueSource {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueSource::Literal(_) => formatter.write_str("Literal(<redacted>)"),
            ValueSource::Env(name) => write!(formatter, "Env({name})"),
            ValueSource::File(path) => write!(formatter, "File({path})"),
        }
    }
}

impl From<&SecretSource> for ValueSource {
    fn from(source: &SecretSource) -> Self {
        match source {
            SecretSource::Literal(text) => ValueSource::Literal(text.clone()),
            SecretSource::Env(name) => ValueSource::Env(name.clone()),
            SecretSource::File(path) => ValueSource::File(path.clone()),
        }
    }
}

/// Why a value could not be read; never holds the value.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The variable is not set (or not UTF-8).
    #[error("environment variable `{0}` is not set")]
    MissingEnv(String),
    /// The file cannot be read.
    #[error("cannot read `{path}`: {reason}")]
    File {
        /// The path.
        path: String,
        /// The I/O error, in words.
        reason: String,
    },
    /// The file or variable is larger than [`MAX_SECRET_BYTES`].
    #[error("`{0}` holds more than {MAX_SECRET_BYTES} bytes")]
    TooLarge(String),
    /// The value holds a line break or control character (would split an HTTP header).
    #[error("the value from `{0}` holds a control character")]
    ControlCharacter(String),
}

impl ValueSource {
    /// Reads the value now.
    pub fn read(&self) -> Result<String, SecretError> {
        let (value, from) = match self {
            ValueSource::Literal(text) => (text.clone(), "the spec".to_string()),
            ValueSource::Env(name) => {
                let value =
                    std::env::var(name).map_err(|_| SecretError::MissingEnv(name.clone()))?;
                (value, name.clone())
            }
            ValueSource::File(path) => (read_file(Path::new(path))?, path.clone()),
        };
        if value.len() as u64 > MAX_SECRET_BYTES {
            return Err(SecretError::TooLarge(from));
        }
        if value.chars().any(char::is_control) {
            return Err(SecretError::ControlCharacter(from));
        }
        Ok(value)
    }
}

fn read_file(path: &Path) -> Result<String, SecretError> {
    let error = |reason: String| SecretError::File {
        path: path.display().to_string(),
        reason,
    };
    let metadata = std::fs::metadata(path).map_err(|problem| error(problem.kind().to_string()))?;
    if metadata.len() > MAX_SECRET_BYTES {
        return Err(SecretError::TooLarge(path.display().to_string()));
    }
    let text =
        std::fs::read_to_string(path).map_err(|problem| error(problem.kind().to_string()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_debug_never_show_the_value() {
        let literal = ValueSource::Literal("hunter2".into());
        assert!(!format!("{literal:?}").contains("hunter2"));
        let missing = ValueSource::Env("NINES_TEST_SURELY_UNSET_VARIABLE".into());
        let message = missing.read().unwrap_err().to_string();
        assert!(
            message.contains("NINES_TEST_SURELY_UNSET_VARIABLE"),
            "{message}"
        );
        let directory = std::env::temp_dir().join(format!("nines-secret-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let file = directory.join("token");
        std::fs::write(&file, "s3cret\n").unwrap();
        let read = ValueSource::File(file.display().to_string())
            .read()
            .unwrap();
        assert_eq!(read, "s3cret");
        std::fs::write(&file, "line\nbreak\n").unwrap();
        let message = ValueSource::File(file.display().to_string())
            .read()
            .unwrap_err()
            .to_string();
        assert!(
            !message.contains("line") || !message.contains("break"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(directory);
    }
}
