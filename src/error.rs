//! Fatal errors: the ones that stop a run before a report exists. All exit with 2.

use crate::location::Location;
use std::fmt;
use std::path::PathBuf;

/// An error that ends the run. `main` is the one place that prints it.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Fatal {
    /// Bad input in a file: always carries the file and, where known, the position.
    #[error("{}: {message}", position(path, *location))]
    Input {
        path: PathBuf,
        location: Option<Location>,
        message: String,
    },
    /// A file that could not be read or written.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// Arguments that do not make sense together, or a missing input.
    #[error("{0}")]
    Usage(String),
}

fn position(path: &std::path::Path, location: Option<Location>) -> String {
    match location {
        Some(loc) => format!("{}:{loc}", path.display()),
        None => path.display().to_string(),
    }
}

impl Fatal {
    pub(crate) fn input(
        path: impl Into<PathBuf>,
        location: Option<Location>,
        message: impl fmt::Display,
    ) -> Fatal {
        Fatal::Input {
            path: path.into(),
            location,
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Fatal {
        Fatal::Io {
            path: path.into(),
            source,
        }
    }
}
