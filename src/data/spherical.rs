//! Distributions on the unit sphere S².

use std::f64::consts::{PI, TAU};

use super::dataset::{Dataset, LogDensity, Params, param};
use super::density::{uniform_on, vmf_mixture};
use super::{FnSampler, Sampler};
use crate::Result;
use crate::geometry::{Space, Sphere};

/// `n` directions spread evenly over the sphere (Fibonacci lattice).
pub(crate) fn fibonacci_directions(n: usize) -> Vec<[f64; 3]> {
    let golden_angle = PI * (3.0 - 5f64.sqrt());
    (0..n)
        .map(|i| {
            let z = 1.0 - (2 * i + 1) as f64 / n as f64;
            let r = (1.0 - z * z).sqrt();
            let a = golden_angle * i as f64;
            [r * a.cos(), r * a.sin(), z]
        })
        .collect()
}

/// Two unit vectors completing `mu` to an orthonormal basis.
fn tangent_basis(mu: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let helper = if mu[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let d = helper[0] * mu[0] + helper[1] * mu[1] + helper[2] * mu[2];
    let mut b1 = [
        helper[0] - d * mu[0],
        helper[1] - d * mu[1],
        helper[2] - d * mu[2],
    ];
    let n = (b1[0] * b1[0] + b1[1] * b1[1] + b1[2] * b1[2]).sqrt();
    b1.iter_mut().for_each(|c| *c /= n);
    let b2 = [
        mu[1] * b1[2] - mu[2] * b1[1],
        mu[2] * b1[0] - mu[0] * b1[2],
        mu[0] * b1[1] - mu[1] * b1[0],
    ];
    (b1, b2)
}

fn from_lat_lon(lat: f64, lon: f64) -> [f64; 3] {
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// The sphere's datasets.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "uniform",
        summary: "uniform on the sphere",
        labels: None,
        params: &[],
        reads_file: false,
        build: uniform,
        density: Some(uniform_density),
    },
    Dataset {
        name: "vmf",
        summary: "mixture of von Mises–Fisher distributions",
        labels: Some("one per component"),
        params: &[
            param(
                "components",
                4.0,
                "number of components (centres spread evenly)",
            ),
            param("concentration", 20.0, "vMF concentration κ"),
        ],
        reads_file: false,
        build: vmf,
        density: Some(vmf_density),
    },
    Dataset {
        name: "checkerboard",
        summary: "alternating latitude/longitude cells",
        labels: None,
        params: &[
            param("lon_cells", 8.0, "cells around the equator"),
            param("lat_cells", 4.0, "cells from pole to pole"),
        ],
        reads_file: false,
        build: checkerboard,
        density: Some(checkerboard_density),
    },
    Dataset {
        name: "spiral",
        summary: "a band along a spiral from pole to pole",
        labels: None,
        params: &[
            param("turns", 3.0, "turns around the axis"),
            param("width", 0.08, "angular spread of the band (radians)"),
        ],
        reads_file: false,
        build: spiral,
        density: None,
    },
    super::point_file::DATASET,
];

fn uniform(_: &Params) -> Result<Box<dyn Sampler>> {
    Ok(FnSampler::boxed(3, 0, |rng, out| {
        Sphere.sample_uniform(rng, out);
        0
    }))
}

fn uniform_density(_: &Params) -> Result<Option<LogDensity>> {
    Ok(Some(uniform_on(2.0 * TAU, |_| true)))
}

fn vmf_density(p: &Params) -> Result<Option<LogDensity>> {
    let k = p.count("components", 1, 256)?;
    let kappa = p.positive("concentration")?;
    Ok(Some(vmf_mixture(fibonacci_directions(k), kappa)))
}

fn vmf(p: &Params) -> Result<Box<dyn Sampler>> {
    let k = p.count("components", 1, 256)?;
    let kappa = p.positive("concentration")?;
    let centres: Vec<_> = fibonacci_directions(k)
        .into_iter()
        .map(|mu| (mu, tangent_basis(mu)))
        .collect();
    Ok(FnSampler::boxed(3, k, move |rng, out| {
        let c = rng.below(k);
        let (mu, (b1, b2)) = centres[c];
        // Wood's method in 3-D: the cosine to the mean has a closed-form inverse CDF.
        let u = rng.uniform();
        let w = (1.0 + (u + (1.0 - u) * (-2.0 * kappa).exp()).ln() / kappa).clamp(-1.0, 1.0);
        let a = rng.uniform_in(0.0, TAU);
        let r = (1.0 - w * w).max(0.0).sqrt();
        for i in 0..3 {
            out[i] = w * mu[i] + r * (a.cos() * b1[i] + a.sin() * b2[i]);
        }
        Sphere.project(out);
        c as u32
    }))
}

fn checkerboard(p: &Params) -> Result<Box<dyn Sampler>> {
    let cells = SphereCells::of(p)?;
    Ok(FnSampler::boxed(3, 0, move |rng, out| {
        loop {
            Sphere.sample_uniform(rng, out);
            if cells.dark(out) {
                return 0;
            }
        }
    }))
}

/// Uniform on the dark cells; a cell between latitudes a and b spans (sin b − sin a)·2π/lon_cells.
fn checkerboard_density(p: &Params) -> Result<Option<LogDensity>> {
    let cells = SphereCells::of(p)?;
    let band = |j: usize| (-PI / 2.0 + PI * j as f64 / cells.lat as f64).sin();
    let area: f64 = (0..cells.lon)
        .flat_map(|i| (0..cells.lat).map(move |j| (i, j)))
        .filter(|(i, j)| (i + j).is_multiple_of(2))
        .map(|(_, j)| (band(j + 1) - band(j)) * TAU / cells.lon as f64)
        .sum();
    Ok(Some(uniform_on(area, move |x| cells.dark(x))))
}

/// The sphere's checkerboard: lon × lat cells, the dark ones those with an even index sum.
#[derive(Clone, Copy)]
struct SphereCells {
    lon: usize,
    lat: usize,
}

impl SphereCells {
    fn of(p: &Params) -> Result<Self> {
        Ok(Self {
            lon: p.count("lon_cells", 1, 256)?,
            lat: p.count("lat_cells", 1, 256)?,
        })
    }

    fn dark(&self, x: &[f64]) -> bool {
        let lat = x[2].clamp(-1.0, 1.0).asin();
        let lon = x[1].atan2(x[0]).rem_euclid(TAU);
        let i = ((lon / TAU) * self.lon as f64) as usize;
        let j = (((lat + PI / 2.0) / PI) * self.lat as f64) as usize;
        (i.min(self.lon - 1) + j.min(self.lat - 1)).is_multiple_of(2)
    }
}

fn spiral(p: &Params) -> Result<Box<dyn Sampler>> {
    let turns = p.get("turns");
    let width = p.non_negative("width")?;
    Ok(FnSampler::boxed(3, 0, move |rng, out| {
        let s = rng.uniform();
        let centre = from_lat_lon(PI * (0.45 - 0.9 * s), TAU * turns * s);
        let (b1, b2) = tangent_basis(centre);
        let (g1, g2) = (width * rng.normal(), width * rng.normal());
        let v: Vec<f64> = (0..3).map(|i| g1 * b1[i] + g2 * b2[i]).collect();
        Sphere.exp(&centre, &v, out);
        0
    }))
}
