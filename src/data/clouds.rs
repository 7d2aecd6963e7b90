//! Distributions of point clouds: the mean-free isotropic Gaussian (the source), and the
//! Boltzmann densities of two particle systems, DW4 (four particles in the plane in a double
//! well) and LJ13 (thirteen Lennard-Jones particles in space held by a harmonic trap), sampled
//! by our own Metropolis chains (Köhler et al. 2020).
//!
//! A system's draw is a configuration of its Metropolis pool, moved by a uniformly drawn
//! element of O(d) × S(n): the distribution is exactly invariant, as the symmetry says.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::Sampler;
use super::dataset::{Dataset, LogDensity, Params, param};
use super::mcmc::{McmcConfig, McmcRun, metropolis};
use crate::geometry::{Cloud, Space};
use crate::rng::Rng;
use crate::{Error, Result};

/// A particle system: its shape and energy, and how its chains start.
pub struct ParticleSystem {
    pub name: &'static str,
    pub cloud: Cloud,
    /// E(x) in units of kT.
    pub energy: fn(&Cloud, &[f64]) -> f64,
    start: fn(&Cloud, &mut Rng, &mut [f64]),
    /// The proposal width chains start from, before adapting.
    step: f64,
}

/// DW4: E = Σ_{i<j} 0.9(d_ij − 4)⁴ − 4(d_ij − 4)².
pub const DW4: ParticleSystem = ParticleSystem {
    name: "dw4",
    cloud: Cloud { n: 4, d: 2 },
    energy: dw4_energy,
    start: scattered_start,
    step: 0.5,
};

/// LJ13: E = Σ_{i<j} [(1/d_ij)¹² − 2(1/d_ij)⁶] + ½ Σ_i |x_i − x_com|² (ε = r_m = 1).
pub const LJ13: ParticleSystem = ParticleSystem {
    name: "lj13",
    cloud: Cloud { n: 13, d: 3 },
    energy: lj13_energy,
    start: lattice_start,
    step: 0.1,
};

/// Every particle system, for the space family to look shapes up in.
pub const SYSTEMS: [&ParticleSystem; 2] = [&DW4, &LJ13];

/// The system a dataset name samples.
pub fn system(name: &str) -> Option<&'static ParticleSystem> {
    SYSTEMS.into_iter().find(|s| s.name == name)
}

fn dw4_energy(cloud: &Cloud, x: &[f64]) -> f64 {
    cloud
        .distances(x)
        .map(|r| {
            let s = (r - 4.0) * (r - 4.0);
            0.9 * s * s - 4.0 * s
        })
        .sum()
}

fn lj13_energy(cloud: &Cloud, x: &[f64]) -> f64 {
    let pairs: f64 = cloud
        .distances(x)
        .map(|r| {
            let inv6 = (1.0 / (r * r)).powi(3);
            inv6 * inv6 - 2.0 * inv6
        })
        .sum();
    let mut centred = x.to_vec();
    cloud.remove_centre(&mut centred);
    pairs + 0.5 * centred.iter().map(|v| v * v).sum::<f64>()
}

/// Particles uniform in a box as wide as the double well's distances.
fn scattered_start(_cloud: &Cloud, rng: &mut Rng, out: &mut [f64]) {
    for v in out.iter_mut() {
        *v = rng.uniform_in(-3.0, 3.0);
    }
}

/// The particles at the sites of a cubic lattice of spacing r_m nearest the origin, jittered:
/// a start without overlaps, whose energy the chain can relax.
fn lattice_start(cloud: &Cloud, rng: &mut Rng, out: &mut [f64]) {
    let mut sites: Vec<[f64; 3]> = Vec::new();
    for i in -2..=2 {
        for j in -2..=2 {
            for k in -2..=2 {
                sites.push([f64::from(i), f64::from(j), f64::from(k)]);
            }
        }
    }
    sites.sort_by(|a, b| {
        let r = |p: &[f64; 3]| p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
        r(a).total_cmp(&r(b))
    });
    for (i, site) in sites.iter().take(cloud.n).enumerate() {
        for k in 0..cloud.d {
            out[i * cloud.d + k] = 1.1 * site[k] + 0.05 * rng.normal();
        }
    }
}

/// The Metropolis settings a scene can tune, with their defaults: `burn_in` sweeps bring the
/// chains to equilibrium (DW4's double wells share their weight slowly; LJ13's droplet
/// relaxes fast).
const fn mcmc_params(burn_in: f64) -> [super::ParamInfo; 5] {
    [
        param("chains", 256.0, "independent Metropolis chains"),
        param(
            "burn_in",
            burn_in,
            "sweeps discarded at the start of each chain",
        ),
        param("thin", 10.0, "sweeps between kept configurations"),
        param(
            "pool",
            20000.0,
            "configurations kept; draws are their moved copies",
        ),
        param("seed", 0.0, "the chains' seed"),
    ]
}

const DW4_PARAMS: [super::ParamInfo; 5] = mcmc_params(3000.0);
const LJ13_PARAMS: [super::ParamInfo; 5] = mcmc_params(1000.0);

/// The point clouds' datasets.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "gaussian",
        summary: "mean-free isotropic Gaussian (any number of particles)",
        labels: None,
        params: &[param("std", 1.0, "standard deviation of each coordinate")],
        reads_file: false,
        build: gaussian,
        density: Some(gaussian_density),
    },
    Dataset {
        name: "dw4",
        summary: "DW4: 4 particles in the plane in a double-well pair potential",
        labels: None,
        params: &DW4_PARAMS,
        reads_file: false,
        build: |params| system_sampler(&DW4, params),
        density: None,
    },
    Dataset {
        name: "lj13",
        summary: "LJ13: 13 Lennard-Jones particles in space in a harmonic trap",
        labels: None,
        params: &LJ13_PARAMS,
        reads_file: false,
        build: |params| system_sampler(&LJ13, params),
        density: None,
    },
    super::point_file::DATASET,
];

/// The cloud of the space a dataset is built on.
fn space_cloud(params: &Params) -> Result<Cloud> {
    let space = params.space();
    Cloud::of(space.geometry())
        .ok_or_else(|| Error::invalid(format!("the {} space holds no point clouds", space.name())))
}

struct MeanFreeGaussian {
    cloud: Cloud,
    std: f64,
}

impl Sampler for MeanFreeGaussian {
    fn dim(&self) -> usize {
        self.cloud.dim()
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        for v in out.iter_mut() {
            *v = self.std * rng.normal();
        }
        self.cloud.remove_centre(out);
        0
    }
}

fn gaussian(params: &Params) -> Result<Box<dyn Sampler>> {
    Ok(Box::new(MeanFreeGaussian {
        cloud: space_cloud(params)?,
        std: params.positive("std")?,
    }))
}

/// The Metropolis settings a scene resolved to.
fn mcmc_config(system: &ParticleSystem, params: &Params) -> Result<McmcConfig> {
    Ok(McmcConfig {
        chains: params.count("chains", 1, 100_000)?,
        burn_in: params.count("burn_in", 0, 1_000_000)?,
        thin: params.count("thin", 1, 10_000)?,
        samples: params.count("pool", 1, 1_000_000)?,
        step: system.step,
        seed: params.count("seed", 0, u32::MAX as usize)? as u64,
    })
}

/// Every system's pools already sampled in this process, by settings: scenes build their
/// samplers more than once (to check them, then to train), and a chain run is seconds.
type PoolCache = Mutex<HashMap<(&'static str, [u64; 6]), Arc<McmcRun>>>;

/// The Metropolis run of `system` with `config`, sampled once per process.
pub fn sampled(system: &'static ParticleSystem, config: &McmcConfig) -> Arc<McmcRun> {
    static POOLS: OnceLock<PoolCache> = OnceLock::new();
    let key = (
        system.name,
        [
            config.chains as u64,
            config.burn_in as u64,
            config.thin as u64,
            config.samples as u64,
            config.step.to_bits(),
            config.seed,
        ],
    );
    let pools = POOLS.get_or_init(Default::default);
    // Held while sampling, so that two threads asking at once run the chains once.
    let mut pools = pools
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    pools
        .entry(key)
        .or_insert_with(|| {
            Arc::new(metropolis(
                system.cloud,
                system.energy,
                system.start,
                config,
            ))
        })
        .clone()
}

/// Draws of a system: pool configurations moved by random elements of O(d) × S(n).
struct SystemSampler {
    cloud: Cloud,
    run: Arc<McmcRun>,
}

impl Sampler for SystemSampler {
    fn dim(&self) -> usize {
        self.cloud.dim()
    }
    fn chains(&self) -> Option<&McmcRun> {
        Some(&self.run)
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let dim = self.cloud.dim();
        let count = self.run.samples.len() / dim;
        let configuration = &self.run.samples[rng.below(count) * dim..][..dim];
        let motion = self.cloud.random_motion(rng);
        self.cloud.apply(&motion, configuration, out);
        0
    }
}

fn system_sampler(system: &'static ParticleSystem, params: &Params) -> Result<Box<dyn Sampler>> {
    let cloud = space_cloud(params)?;
    if cloud != system.cloud {
        return Err(Error::invalid(format!(
            "{} is a cloud of {} particles in {}-D; this scene's clouds have {} particles in {}-D",
            system.name, system.cloud.n, system.cloud.d, cloud.n, cloud.d
        )));
    }
    let run = sampled(system, &mcmc_config(system, params)?);
    Ok(Box::new(SystemSampler { cloud, run }))
}

/// N(0, σ²) on the (n − 1)·d-dimensional mean-free subspace, per unit of its volume.
fn gaussian_density(p: &Params) -> Result<Option<LogDensity>> {
    let Some(cloud) = crate::geometry::Cloud::of(p.space().geometry()) else {
        return Ok(None);
    };
    let variance = p.positive("std")?.powi(2);
    let free = ((cloud.n - 1) * cloud.d) as f64;
    let normaliser = 0.5 * free * (std::f64::consts::TAU * variance).ln();
    Ok(Some(Box::new(move |x: &[f64]| {
        -x.iter().map(|c| c * c).sum::<f64>() / (2.0 * variance) - normaliser
    })))
}
