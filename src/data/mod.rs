//! Distributions to flow between, all seeded and deterministic, and point sets read from CSV.
//!
//! Every sampler draws points one at a time from its own random stream, so `n` draws in one
//! call equal `n` calls of one draw: couplings of any size see the same sequence.

mod catalog;
mod clouds;
mod csv;
mod dataset;
mod density;
mod euclidean;
mod hyperbolic;
mod image_density;
mod mcmc;
mod meshes;
mod planar;
mod point_file;
mod points;
mod pool;
mod spherical;
mod symmetrised;
mod toroidal;

pub use catalog::{DistConfig, build_sampler, find, log_density};
pub(crate) use clouds::DATASETS as CLOUD_DATASETS;
pub use clouds::{DW4, LJ13, ParticleSystem, SYSTEMS, sampled, system};
pub use dataset::{Dataset, LogDensity, ParamInfo, Params, param};
pub(crate) use euclidean::{DATASETS as EUCLIDEAN_DATASETS, requested_dim};
pub(crate) use hyperbolic::DATASETS as HYPERBOLIC_DATASETS;
pub use mcmc::{McmcConfig, McmcRun, integrated_autocorrelation, metropolis};
pub(crate) use meshes::DATASETS as MESH_DATASETS;
pub use meshes::TOP_LEFT_CORNER;
pub(crate) use planar::DATASETS as PLANE_DATASETS;
pub use point_file::header_of;
pub use points::{Points, write_atomically};
pub use pool::LabelledPool;
pub(crate) use spherical::DATASETS as SPHERE_DATASETS;
pub use symmetrised::Symmetrised;
pub(crate) use toroidal::DATASETS as TORUS_DATASETS;

use crate::rng::Rng;

/// A distribution that draws points (and, for labelled sets, a class label).
pub trait Sampler: Send + Sync {
    /// Coordinates per point.
    fn dim(&self) -> usize;
    /// Number of class labels; 0 for unlabelled distributions.
    fn num_labels(&self) -> usize {
        0
    }
    /// The Metropolis chains behind a distribution sampled by MCMC, and how well they mixed.
    fn chains(&self) -> Option<&McmcRun> {
        None
    }
    /// Draws one point into `out` and returns its label (0 for unlabelled distributions).
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32;

    /// Draws `n` points.
    fn sample(&self, n: usize, rng: &mut Rng) -> Points {
        let dim = self.dim();
        let mut data = vec![0.0; n * dim];
        let mut labels = Vec::with_capacity(n);
        for chunk in data.chunks_exact_mut(dim) {
            labels.push(self.sample_one(rng, chunk));
        }
        Points::new(dim, data, (self.num_labels() > 0).then_some(labels))
    }
}

/// A sampler defined by a closure that draws one point: every shipped dataset is one.
pub struct FnSampler<F> {
    dim: usize,
    num_labels: usize,
    draw: F,
}

impl<F> FnSampler<F>
where
    F: Fn(&mut Rng, &mut [f64]) -> u32 + Send + Sync + 'static,
{
    pub fn boxed(dim: usize, num_labels: usize, draw: F) -> Box<dyn Sampler> {
        Box::new(Self {
            dim,
            num_labels,
            draw,
        })
    }
}

impl<F> Sampler for FnSampler<F>
where
    F: Fn(&mut Rng, &mut [f64]) -> u32 + Send + Sync,
{
    fn dim(&self) -> usize {
        self.dim
    }
    fn num_labels(&self) -> usize {
        self.num_labels
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        (self.draw)(rng, out)
    }
}
