//! Paired data for inverse problems: draw X1 from the target and observe Y = corrupt(X1). The
//! paired-data approach starts the flow at X0 = exp_Y(σ·ε) (Y + σ·ε in the plane) instead of
//! at pure noise; the conditional-model approach starts at noise and feeds Y to the network.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::data::{Points, Sampler};
use crate::rng::Rng;
use crate::space::SpaceKind;
use crate::{Error, Result};

/// How an observation is made from a clean point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Corruption {
    /// Keep part of the point, as the space defines it: the plane drops y (projection onto the
    /// x axis), the sphere keeps only the latitude (longitude set to 0), the torus keeps only θ.
    Project,
    /// Snap to the centre of a grid cell `level` wide (angles in radians on the sphere and torus).
    Quantize,
    /// Add Gaussian noise of standard deviation `level` (along the space on the sphere and torus).
    Noise,
}

impl Corruption {
    pub fn name(self) -> &'static str {
        match self {
            Corruption::Project => "project",
            Corruption::Quantize => "quantize",
            Corruption::Noise => "noise",
        }
    }

    /// What the corruption does on `space`, in a few words.
    pub fn describe(self, space: SpaceKind) -> &'static str {
        match self {
            Corruption::Project => space.coupling().projection_summary(),
            Corruption::Quantize => "snap to a coarse grid",
            Corruption::Noise => "add noise",
        }
    }
}

/// How a flow uses the observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PairedApproach {
    /// Paired data: start at the noisy observation, X0 = Y + σ·ε; the field is unconditional.
    #[default]
    Start,
    /// Conditional model: start at the source (noise) and give Y to the network, v(x, t | Y).
    Condition,
}

impl PairedApproach {
    pub fn name(self) -> &'static str {
        match self {
            PairedApproach::Start => "start at Y",
            PairedApproach::Condition => "condition on Y",
        }
    }
}

/// Settings of the paired coupling (`[coupling.paired]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PairedConfig {
    pub corruption: Corruption,
    /// Grid cell width (quantize) or noise standard deviation (noise); unused by project.
    pub level: f64,
    /// Noise added to the observation to make the flow's starting point.
    pub sigma: f64,
    pub approach: PairedApproach,
}

impl Default for PairedConfig {
    fn default() -> Self {
        Self {
            corruption: Corruption::Project,
            level: 0.5,
            sigma: 0.1,
            approach: PairedApproach::Start,
        }
    }
}

impl PairedConfig {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    pub fn validate(&self) -> Result<()> {
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(Error::invalid(format!(
                "the paired coupling's sigma must be 0 or positive, got {}",
                crate::error::quoted(self.sigma)
            )));
        }
        if self.corruption != Corruption::Project && !(self.level.is_finite() && self.level > 0.0) {
            return Err(Error::invalid(format!(
                "the {} corruption needs a positive level, got {}",
                self.corruption.name(),
                crate::error::quoted(self.level)
            )));
        }
        Ok(())
    }
}

/// The observation model: clean target points, their corrupted observations and the starting
/// points of the flows restoring them. As a [`Sampler`] it draws starting points X0.
pub struct Observation {
    space: SpaceKind,
    config: PairedConfig,
    source: Arc<dyn Sampler>,
    target: Arc<dyn Sampler>,
}

/// Draws of the observation model, row-aligned.
pub struct ObservedPairs {
    /// Starting points: X0 = exp_Y(σ·ε), or source draws for the conditional-model approach.
    pub x0: Points,
    /// Observations Y = corrupt(X1).
    pub y: Points,
    /// Clean points X1, with their labels when the target is labelled.
    pub x1: Points,
}

impl Observation {
    pub fn new(
        space: SpaceKind,
        config: PairedConfig,
        source: Arc<dyn Sampler>,
        target: Arc<dyn Sampler>,
    ) -> Self {
        Self {
            space,
            config,
            source,
            target,
        }
    }

    pub fn approach(&self) -> PairedApproach {
        self.config.approach
    }

    /// Labels of the clean points (0: unlabelled target).
    pub fn num_target_labels(&self) -> usize {
        self.target.num_labels()
    }

    /// `n` clean points with their observations and starting points (point by point, so `n`
    /// draws equal `n` single draws).
    pub fn draw(&self, n: usize, rng: &mut Rng) -> ObservedPairs {
        let dim = self.space.dim();
        let labelled = self.target.num_labels() > 0;
        let mut x1 = vec![0.0; n * dim];
        let mut y = vec![0.0; n * dim];
        let mut x0 = vec![0.0; n * dim];
        let mut labels = Vec::with_capacity(if labelled { n } else { 0 });
        for ((clean, y), x0) in x1
            .chunks_exact_mut(dim)
            .zip(y.chunks_exact_mut(dim))
            .zip(x0.chunks_exact_mut(dim))
        {
            let label = self.draw_one(rng, clean, y, x0);
            if labelled {
                labels.push(label);
            }
        }
        ObservedPairs {
            x0: Points::new(dim, x0, None),
            y: Points::new(dim, y, None),
            x1: Points::new(dim, x1, labelled.then_some(labels)),
        }
    }

    /// One clean point, its observation and its starting point; returns the clean point's label.
    fn draw_one(&self, rng: &mut Rng, x1: &mut [f64], y: &mut [f64], x0: &mut [f64]) -> u32 {
        let label = self.target.sample_one(rng, x1);
        self.corrupt(x1, rng, y);
        match self.config.approach {
            PairedApproach::Start => self.perturb(y, self.config.sigma, rng, x0),
            PairedApproach::Condition => {
                self.source.sample_one(rng, x0);
            }
        }
        label
    }

    /// Y = corrupt(x).
    fn corrupt(&self, x: &[f64], rng: &mut Rng, y: &mut [f64]) {
        let level = self.config.level;
        let coupling = self.space.coupling();
        match self.config.corruption {
            Corruption::Project => coupling.project_observation(x, y),
            Corruption::Quantize => coupling.quantize_observation(x, level, y),
            Corruption::Noise => self.perturb(x, level, rng, y),
        }
    }

    /// exp_x(scale·ε) for ε a standard Gaussian tangent vector at x.
    fn perturb(&self, x: &[f64], scale: f64, rng: &mut Rng, out: &mut [f64]) {
        let geometry = self.space.geometry();
        let mut v: Vec<f64> = (0..x.len()).map(|_| scale * rng.normal()).collect();
        geometry.project_tangent(x, &mut v);
        geometry.exp(x, &v, out);
    }
}

impl Sampler for Observation {
    fn dim(&self) -> usize {
        self.space.dim()
    }

    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let (mut x1, mut y) = (vec![0.0; out.len()], vec![0.0; out.len()]);
        self.draw_one(rng, &mut x1, &mut y, out);
        0
    }

    /// The same draws as `n` calls of `sample_one`, with the buffers allocated once.
    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        self.draw(n, rng).x0
    }
}
