//! A finite training set drawn once from a labelled distribution: `per_label` points of every
//! label. Training from it shows what a conditional model does with few examples per label.

use super::{Points, Sampler};
use crate::rng::Rng;
use crate::{Error, Result};

/// Draws uniformly, with replacement, from a fixed labelled sample.
pub struct LabelledPool {
    points: Points,
    num_labels: usize,
}

impl LabelledPool {
    /// `per_label` points of each label of `distribution`, drawn with `rng`.
    pub fn draw(distribution: &dyn Sampler, per_label: usize, rng: &mut Rng) -> Result<Self> {
        let num_labels = distribution.num_labels();
        if num_labels == 0 {
            return Err(Error::invalid(
                "samples per label needs a labelled target distribution",
            ));
        }
        let dim = distribution.dim();
        let mut counts = vec![0usize; num_labels];
        let mut data = Vec::with_capacity(per_label * num_labels * dim);
        let mut labels = Vec::with_capacity(per_label * num_labels);
        let mut point = vec![0.0; dim];
        // Rare labels may need many draws; give up well after a fair share.
        let budget = 1000 * per_label * num_labels;
        for _ in 0..budget {
            if labels.len() == per_label * num_labels {
                break;
            }
            let label = distribution.sample_one(rng, &mut point);
            if let Some(count) = counts.get_mut(label as usize)
                && *count < per_label
            {
                *count += 1;
                data.extend_from_slice(&point);
                labels.push(label);
            }
        }
        if let Some(label) = counts.iter().position(|&c| c < per_label) {
            return Err(Error::invalid(format!(
                "label {label} is too rare to draw {per_label} examples of it"
            )));
        }
        Ok(Self {
            points: Points::new(dim, data, Some(labels)),
            num_labels,
        })
    }

    pub fn points(&self) -> &Points {
        &self.points
    }
}

impl Sampler for LabelledPool {
    fn dim(&self) -> usize {
        self.points.dim()
    }

    fn num_labels(&self) -> usize {
        self.num_labels
    }

    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let i = rng.below(self.points.len());
        out.copy_from_slice(self.points.point(i));
        self.points.labels().map_or(0, |labels| labels[i])
    }
}
