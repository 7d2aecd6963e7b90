//! The library's error type: every variant reads as one clear sentence for the user.

use std::path::PathBuf;

/// Everything that can go wrong in flowscope's library code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown {kind} '{name}' (choose one of: {choices})")]
    UnknownName {
        kind: String,
        name: String,
        choices: String,
    },
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    // The I/O error is part of the message, not a `source`, so it is printed once.
    #[error("cannot read {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot write {path}: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "training diverged at step {step} (loss is {loss}); the last good weights were kept — try a smaller learning rate"
    )]
    Diverged { step: usize, loss: f32 },
    #[error("device: {0}")]
    Device(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("cancelled; nothing was written")]
    Cancelled,
    #[error("checkpoint {path}: {message}")]
    Checkpoint { path: PathBuf, message: String },
}

/// Library result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidSetting(message.into())
    }
}

/// A number as an error message quotes it: as written for everyday values, in scientific
/// notation when very large or very small (1e308, not 309 digits).
pub fn quoted(value: f64) -> String {
    if value != 0.0 && value.is_finite() && !(1e-4..1e6).contains(&value.abs()) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}
