//! Offline collection: the connection file and the secret, from files and the
//! environment only.

use crate::connection::{self, Loaded};
use crate::error::Fatal;
use crate::facts::{FACTS_VERSION, Facts};
use crate::secret::{Secret, SecretSource};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Environment variable that may hold the secret access key.
pub(crate) const SECRET_ENV: &str = "ATHENA_DOCTOR_SECRET_ACCESS_KEY";

/// Where the user asked us to read the secret from (never from argv).
#[derive(Debug, Default)]
pub(crate) struct SecretInput {
    pub file: Option<PathBuf>,
    pub stdin: bool,
}

/// What collection produced: the facts, the secret (kept out of the facts), and
/// warnings for the user that are not findings about the connection.
#[derive(Debug)]
pub(crate) struct Collected {
    pub facts: Facts,
    #[allow(dead_code)] // signs live probes once they exist
    pub secret: Option<Secret>,
    pub warnings: Vec<String>,
}

pub(crate) fn collect_offline(config: &Path, secret_input: &SecretInput) -> Result<Collected, Fatal> {
    let Loaded {
        connection,
        file_secret,
    } = connection::load(config)?;
    let mut warnings = Vec::new();
    let supplied = read_supplied_secret(secret_input)?;
    if let Some(at) = connection.auth.secret_in_file {
        let what = match &supplied {
            Some(s) => format!("it is overridden by {}", s.source()),
            None => "it is used for this run".to_string(),
        };
        warnings.push(format!(
            "{}:{at}: the connection file holds a secret access key ({what}); keep secrets out of files \
             that are shared or committed, and pass it with {SECRET_ENV}, --secret-file or --secret-stdin",
            config.display()
        ));
    }
    let secret = supplied.or(file_secret);
    Ok(Collected {
        facts: Facts {
            version: FACTS_VERSION,
            secret: secret.as_ref().map(Secret::shape),
            connection,
        },
        secret,
        warnings,
    })
}

/// The secret from stdin, a file, or the environment, in that order of precedence.
fn read_supplied_secret(input: &SecretInput) -> Result<Option<Secret>, Fatal> {
    if input.stdin {
        let mut value = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut value)
            .map_err(|e| Fatal::io("<stdin>", e))?;
        return Ok(Some(Secret::new(strip_newline(value), SecretSource::Stdin)));
    }
    if let Some(path) = &input.file {
        let value = connection::read_text(path)?;
        return Ok(Some(Secret::new(strip_newline(value), SecretSource::File)));
    }
    Ok(std::env::var(SECRET_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| Secret::new(v, SecretSource::Environment)))
}

/// Files and pipes end with a newline that is not part of the secret; anything
/// else (spaces, a second line) is kept so CONN004 can point it out.
fn strip_newline(mut value: String) -> String {
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    value
}
