//! Distributions in R^d for the dimension study: the isotropic Gaussian (the source), a mixture
//! of well-separated Gaussians, and the plane's toys embedded in R^d by a seeded rotation plus
//! a little noise in every coordinate. Each may fix d (`dim = 16`); one that leaves it at 0
//! takes the scene's.

use super::dataset::{Dataset, LogDensity, Params, param};
use super::density::gaussian_mixture;
use super::{DistConfig, Sampler, build_sampler};
use crate::geometry::{Embedding, Euclidean};
use crate::rng::Rng;
use crate::space::SpaceKind;
use crate::{Error, Result};

const DIM_HELP: &str = "the dimension d (0: the scene's, which the target fixes)";

/// R^d's dataset table.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "gaussian",
        summary: "isotropic Gaussian in R^d",
        labels: None,
        params: &[
            param("dim", 0.0, DIM_HELP),
            param("std", 1.0, "standard deviation of each coordinate"),
        ],
        reads_file: false,
        build: gaussian,
        density: Some(gaussian_density),
    },
    Dataset {
        name: "mixture",
        summary: "Gaussians at the corners of a regular polygon in the embedding plane, isotropic in R^d",
        labels: Some("the mode"),
        params: &[
            param("dim", 0.0, DIM_HELP),
            param("modes", 8.0, "number of Gaussians"),
            param("radius", 5.0, "distance of each mode from the origin"),
            param(
                "std",
                0.5,
                "standard deviation of each coordinate about its mode",
            ),
        ],
        reads_file: false,
        build: mixture,
        density: Some(mixture_density),
    },
    Dataset {
        name: "moons",
        summary: "the plane's two moons, embedded in R^d",
        labels: Some("the moon"),
        params: &EMBEDDED_PARAMS,
        reads_file: false,
        build: |params| embedded("moons", params),
        density: None,
    },
    Dataset {
        name: "8gaussians",
        summary: "the plane's eight Gaussians, embedded in R^d",
        labels: Some("the mode"),
        params: &EMBEDDED_PARAMS,
        reads_file: false,
        build: |params| embedded("8gaussians", params),
        density: None,
    },
    Dataset {
        name: "checkerboard",
        summary: "the plane's checkerboard, embedded in R^d",
        labels: None,
        params: &EMBEDDED_PARAMS,
        reads_file: false,
        build: |params| embedded("checkerboard", params),
        density: None,
    },
    super::point_file::DATASET,
];

const EMBEDDED_PARAMS: [super::ParamInfo; 2] = [
    param("dim", 0.0, DIM_HELP),
    param(
        "noise",
        0.05,
        "standard deviation of the noise added to every coordinate",
    ),
];

/// The d a distribution asks for, if any (the space family reads it before any sampler exists).
pub(crate) fn requested_dim(dist: &DistConfig) -> Option<f64> {
    dist.params.get("dim").copied().filter(|&d| d != 0.0)
}

/// The space's R^d, checked against the distribution's own `dim`.
fn space_of(params: &Params) -> Result<Euclidean> {
    let space = params.space();
    let d = space.geometry().dim();
    let asked = params.get("dim");
    if asked != 0.0 && asked != d as f64 {
        return Err(Error::invalid(format!(
            "{} asks for dim = {}, but the scene's space is R^{d} (the target fixes d; give the source dim = 0 or the same d)",
            params.dataset_name(),
            crate::error::quoted(asked)
        )));
    }
    Ok(Euclidean { d })
}

struct Gaussian {
    space: Euclidean,
    std: f64,
}

impl Sampler for Gaussian {
    fn dim(&self) -> usize {
        self.space.d
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        for v in out.iter_mut() {
            *v = self.std * rng.normal();
        }
        0
    }
}

fn gaussian(params: &Params) -> Result<Box<dyn Sampler>> {
    Ok(Box::new(Gaussian {
        space: space_of(params)?,
        std: params.positive("std")?,
    }))
}

fn gaussian_density(params: &Params) -> Result<Option<LogDensity>> {
    let d = space_of(params)?.d;
    let std = params.positive("std")?;
    Ok(Some(gaussian_mixture(vec![vec![0.0; d]], &[1.0], std)))
}

struct Mixture {
    space: Euclidean,
    embedding: Embedding,
    modes: usize,
    radius: f64,
    std: f64,
}

impl Sampler for Mixture {
    fn dim(&self) -> usize {
        self.space.d
    }
    fn num_labels(&self) -> usize {
        self.modes
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let mode = rng.below(self.modes);
        let angle = std::f64::consts::TAU * mode as f64 / self.modes as f64;
        self.embedding
            .embed(self.radius * angle.cos(), self.radius * angle.sin(), out);
        for v in out.iter_mut() {
            *v += self.std * rng.normal();
        }
        mode as u32
    }
}

fn mixture(params: &Params) -> Result<Box<dyn Sampler>> {
    let space = space_of(params)?;
    Ok(Box::new(Mixture {
        space,
        embedding: space.embedding(),
        modes: params.count("modes", 1, 64)?,
        radius: params.non_negative("radius")?,
        std: params.positive("std")?,
    }))
}

/// The modes' centres in R^d, isotropic Gaussians about each.
fn mixture_density(params: &Params) -> Result<Option<LogDensity>> {
    let space = space_of(params)?;
    let embedding = space.embedding();
    let modes = params.count("modes", 1, 64)?;
    let radius = params.non_negative("radius")?;
    let centres = (0..modes)
        .map(|mode| {
            let angle = std::f64::consts::TAU * mode as f64 / modes as f64;
            let mut centre = vec![0.0; space.d];
            embedding.embed(radius * angle.cos(), radius * angle.sin(), &mut centre);
            centre
        })
        .collect();
    let std = params.positive("std")?;
    Ok(Some(gaussian_mixture(centres, &vec![1.0; modes], std)))
}

struct Embedded {
    space: Euclidean,
    embedding: Embedding,
    toy: Box<dyn Sampler>,
    noise: f64,
}

impl Sampler for Embedded {
    fn dim(&self) -> usize {
        self.space.d
    }
    fn num_labels(&self) -> usize {
        self.toy.num_labels()
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let mut planar = [0.0; 2];
        let label = self.toy.sample_one(rng, &mut planar);
        self.embedding.embed(planar[0], planar[1], out);
        for v in out.iter_mut() {
            *v += self.noise * rng.normal();
        }
        label
    }
}

fn embedded(toy: &str, params: &Params) -> Result<Box<dyn Sampler>> {
    let space = space_of(params)?;
    Ok(Box::new(Embedded {
        space,
        embedding: space.embedding(),
        toy: build_sampler(SpaceKind::PLANE, &DistConfig::named(toy))?,
        noise: params.non_negative("noise")?,
    }))
}
