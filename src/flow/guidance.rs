//! Classifier-free guidance: v = (1−w)·v(x,t|∅) + w·v(x,t|y).
//!
//! w = 0 is the unconditional model, w = 1 the conditional one and w > 1 extrapolates away
//! from the unconditional field. Code that writes (1+s)·v(x,t|y) − s·v(x,t|∅) uses s = w − 1.

use std::fmt;
use std::str::FromStr;

use burn::tensor::{Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::VelocityField;
use crate::{Error, Result};

/// The range of guidance scales accepted (the window's slider spans it too).
pub const GUIDANCE_RANGE: std::ops::RangeInclusive<f64> = -1.0..=8.0;

/// Which label particles ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RequestedLabel {
    /// The null label: the unconditional model, whatever w is.
    None,
    /// Every label in turn: particle i asks for label i mod L.
    #[default]
    All,
    /// One label for every particle.
    One(u32),
}

impl RequestedLabel {
    /// The label each of `n` particles asks for, or `None` for the null label.
    pub fn per_particle(self, n: usize, num_labels: usize) -> Option<Vec<u32>> {
        match self {
            RequestedLabel::None => None,
            RequestedLabel::All => Some((0..n).map(|i| (i % num_labels.max(1)) as u32).collect()),
            RequestedLabel::One(label) => Some(vec![label; n]),
        }
    }
}

impl fmt::Display for RequestedLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestedLabel::None => write!(f, "none"),
            RequestedLabel::All => write!(f, "all"),
            RequestedLabel::One(label) => write!(f, "{label}"),
        }
    }
}

impl FromStr for RequestedLabel {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text.trim() {
            "none" => Ok(RequestedLabel::None),
            "all" => Ok(RequestedLabel::All),
            other => other.parse().map(RequestedLabel::One).map_err(|_| {
                format!("'{other}' is not a label: use a label number, 'all' or 'none'")
            }),
        }
    }
}

impl TryFrom<String> for RequestedLabel {
    type Error = String;
    fn try_from(text: String) -> std::result::Result<Self, String> {
        text.parse()
    }
}

impl From<RequestedLabel> for String {
    fn from(label: RequestedLabel) -> String {
        label.to_string()
    }
}

/// Guided sampling settings of a scene (`[sample.guidance]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GuidanceConfig {
    pub label: RequestedLabel,
    /// Guidance scale w in v = (1−w)·v(x,t|∅) + w·v(x,t|y).
    pub w: f64,
}

impl Default for GuidanceConfig {
    fn default() -> Self {
        Self {
            label: RequestedLabel::All,
            w: 1.0,
        }
    }
}

impl GuidanceConfig {
    /// Checks the scale and the label against a model with `num_labels` labels (0: the model
    /// was trained without labels).
    pub fn validate(&self, num_labels: usize) -> Result<()> {
        if num_labels == 0 {
            return Err(Error::invalid(
                "guidance needs a model trained with labels (train --conditional); this one has none",
            ));
        }
        if !(self.w.is_finite() && GUIDANCE_RANGE.contains(&self.w)) {
            return Err(Error::invalid(format!(
                "the guidance scale w must be between {} and {}, got {}",
                GUIDANCE_RANGE.start(),
                GUIDANCE_RANGE.end(),
                crate::error::quoted(self.w)
            )));
        }
        if let RequestedLabel::One(label) = self.label
            && label as usize >= num_labels
        {
            return Err(Error::invalid(format!(
                "label {label} does not exist: the target has labels 0 to {}",
                num_labels - 1
            )));
        }
        Ok(())
    }

    /// The guidance for `n` particles of a model with `num_labels` labels.
    pub fn for_particles(&self, n: usize, num_labels: usize) -> Guidance {
        Guidance {
            labels: self.label.per_particle(n, num_labels),
            w: self.w,
        }
    }
}

/// Guidance for one batch of particles.
#[derive(Debug, Clone, PartialEq)]
pub struct Guidance {
    /// The label each particle asks for; `None` asks for the null label (unconditional).
    pub labels: Option<Vec<u32>>,
    pub w: f64,
}

impl VelocityField {
    /// The raw (unprojected) velocity under `guidance`; the unconditional field when `None`.
    /// w = 0 and w = 1 take one network evaluation, other scales one of twice the batch.
    ///
    /// # Shapes
    /// features `[N, F]`, time `[N, T]`, observation `[N, F]` → `[N, out]`
    pub fn guided(
        &self,
        features: Tensor<2>,
        time: Tensor<2>,
        guidance: Option<&Guidance>,
        observation: Option<Tensor<2>>,
    ) -> Tensor<2> {
        let (labels, w) = match guidance {
            Some(Guidance {
                labels: Some(labels),
                w,
            }) if self.is_conditional() && *w != 0.0 => (labels, *w),
            _ => return self.forward(features, time, None, observation),
        };
        let n = features.dims()[0];
        let device = features.device();
        let requested: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
        if w == 1.0 {
            let labels = Tensor::<1, Int>::from_data(TensorData::new(requested, [n]), &device);
            return self.forward(features, time, Some(labels), observation);
        }
        let mut both = requested;
        both.extend(std::iter::repeat_n(self.null_label() as i64, n));
        let labels = Tensor::<1, Int>::from_data(TensorData::new(both, [2 * n]), &device);
        let out = self.forward(
            Tensor::cat(vec![features.clone(), features], 0),
            Tensor::cat(vec![time.clone(), time], 0),
            Some(labels),
            observation.map(|o| Tensor::cat(vec![o.clone(), o], 0)),
        );
        let conditional = out.clone().narrow(0, 0, n);
        let unconditional = out.narrow(0, n, n);
        unconditional * (1.0 - w) + conditional * w
    }
}
