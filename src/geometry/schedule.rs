use serde::{Deserialize, Serialize};

/// The schedule κ(t) along the geodesic: κ(0) = 0 (source), κ(1) = 1 (target).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
#[derive(Default)]
pub enum Scheduler {
    /// κ(t) = t: constant speed, the conditional-OT path.
    #[default]
    Linear,
    /// κ(t) = (1 − cos πt)/2: slow at both ends.
    Cosine,
    /// κ(t) = t^exponent.
    Polynomial { exponent: f64 },
}

impl Scheduler {
    /// κ(t).
    pub fn kappa(&self, t: f64) -> f64 {
        match *self {
            Scheduler::Linear => t,
            Scheduler::Cosine => 0.5 * (1.0 - (std::f64::consts::PI * t).cos()),
            Scheduler::Polynomial { exponent } => t.powf(exponent),
        }
    }

    /// dκ/dt.
    pub fn dkappa(&self, t: f64) -> f64 {
        match *self {
            Scheduler::Linear => 1.0,
            Scheduler::Cosine => 0.5 * std::f64::consts::PI * (std::f64::consts::PI * t).sin(),
            Scheduler::Polynomial { exponent } => exponent * t.powf(exponent - 1.0),
        }
    }

    pub(crate) fn validate(&self) -> crate::Result<()> {
        if let Scheduler::Polynomial { exponent } = *self
            && !(exponent.is_finite() && exponent >= 1.0)
        {
            return Err(crate::Error::invalid(format!(
                "polynomial scheduler exponent must be at least 1, got {}",
                crate::error::quoted(exponent)
            )));
        }
        Ok(())
    }
}
