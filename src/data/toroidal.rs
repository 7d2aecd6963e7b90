//! Distributions on the flat torus [0, 2π)².

use std::f64::consts::TAU;

use super::dataset::{Dataset, LogDensity, Params, param};
use super::density::{WrappedMode as Mode, uniform_on, wrapped_mixture};
use super::{FnSampler, Sampler};
use crate::Result;
use crate::geometry::{Space, Torus};

fn mixture(modes: Vec<Mode>, weights: Vec<f64>) -> Box<dyn Sampler> {
    let total: f64 = weights.iter().sum();
    let cumulative: Vec<f64> = weights
        .iter()
        .scan(0.0, |acc, w| {
            *acc += w / total;
            Some(*acc)
        })
        .collect();
    let k = modes.len();
    FnSampler::boxed(2, k, move |rng, out| {
        let u = rng.uniform();
        let c = cumulative.iter().position(|&c| u < c).unwrap_or(k - 1);
        let m = modes[c];
        out[0] = m.centre[0] + m.std[0] * rng.normal();
        out[1] = m.centre[1] + m.std[1] * rng.normal();
        Torus.project(out);
        c as u32
    })
}

/// The torus's datasets.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "uniform",
        summary: "uniform on the torus",
        labels: None,
        params: &[],
        reads_file: false,
        build: uniform,
        density: Some(uniform_density),
    },
    Dataset {
        name: "wrapped_gaussians",
        summary: "mixture of wrapped Gaussians",
        labels: Some("one per component"),
        params: &[
            param(
                "components",
                4.0,
                "number of components (centres on a diagonal lattice)",
            ),
            param("std", 0.35, "standard deviation per angle"),
        ],
        reads_file: false,
        build: wrapped_gaussians,
        density: Some(wrapped_gaussians_density),
    },
    Dataset {
        name: "checkerboard",
        summary: "alternating cells of the unrolled torus",
        labels: None,
        params: &[param("cells", 4.0, "cells per angle")],
        reads_file: false,
        build: checkerboard,
        density: Some(checkerboard_density),
    },
    Dataset {
        name: "ramachandran",
        summary: "protein backbone (φ, ψ) modes: α-helix, β-sheet, left-handed helix",
        labels: Some("one per secondary structure (3)"),
        params: &[param("spread", 1.0, "scales the spread of every mode")],
        reads_file: false,
        build: ramachandran,
        density: Some(ramachandran_density),
    },
    super::point_file::DATASET,
];

fn uniform(_: &Params) -> Result<Box<dyn Sampler>> {
    Ok(FnSampler::boxed(2, 0, |rng, out| {
        Torus.sample_uniform(rng, out);
        0
    }))
}

fn uniform_density(_: &Params) -> Result<Option<LogDensity>> {
    Ok(Some(uniform_on(TAU * TAU, |_| true)))
}

/// Equal modes on a diagonal lattice.
fn wrapped_gaussian_modes(p: &Params) -> Result<(Vec<Mode>, Vec<f64>)> {
    let k = p.count("components", 1, 64)?;
    let std = p.positive("std")?;
    let modes = (0..k)
        .map(|i| Mode {
            centre: [
                TAU * (i as f64 + 0.5) / k as f64,
                TAU * (((2 * i) % k) as f64 + 0.5) / k as f64,
            ],
            std: [std, std],
        })
        .collect();
    Ok((modes, vec![1.0; k]))
}

fn wrapped_gaussians(p: &Params) -> Result<Box<dyn Sampler>> {
    let (modes, weights) = wrapped_gaussian_modes(p)?;
    Ok(mixture(modes, weights))
}

fn wrapped_gaussians_density(p: &Params) -> Result<Option<LogDensity>> {
    let (modes, weights) = wrapped_gaussian_modes(p)?;
    Ok(Some(wrapped_mixture(modes, &weights)))
}

/// Uniform on the dark cells, (col + row) even, of the unrolled torus.
fn checkerboard_density(p: &Params) -> Result<Option<LogDensity>> {
    let cells = p.count("cells", 1, 64)?;
    let size = TAU / cells as f64;
    let dark_cells = (cells * cells).div_ceil(2);
    Ok(Some(uniform_on(
        dark_cells as f64 * size * size,
        move |x| {
            let cell = |angle: f64| ((angle.rem_euclid(TAU) / size) as usize).min(cells - 1);
            (cell(x[0]) + cell(x[1])).is_multiple_of(2)
        },
    )))
}

fn checkerboard(p: &Params) -> Result<Box<dyn Sampler>> {
    let cells = p.count("cells", 1, 64)?;
    let size = TAU / cells as f64;
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        let (col, row) = loop {
            let (col, row) = (rng.below(cells), rng.below(cells));
            if (col + row) % 2 == 0 {
                break (col, row);
            }
        };
        out[0] = size * (col as f64 + rng.uniform());
        out[1] = size * (row as f64 + rng.uniform());
        Torus.project(out);
        0
    }))
}

fn ramachandran(p: &Params) -> Result<Box<dyn Sampler>> {
    let (modes, weights) = ramachandran_modes(p)?;
    Ok(mixture(modes, weights))
}

fn ramachandran_density(p: &Params) -> Result<Option<LogDensity>> {
    let (modes, weights) = ramachandran_modes(p)?;
    Ok(Some(wrapped_mixture(modes, &weights)))
}

fn ramachandran_modes(p: &Params) -> Result<(Vec<Mode>, Vec<f64>)> {
    let spread = p.positive("spread")?;
    let deg = |d: f64| d.to_radians();
    // (φ, ψ) modes of protein backbones: right-handed α-helix, β-sheet, left-handed helix.
    let modes = [
        ([-63.0, -43.0], [15.0, 15.0]),
        ([-120.0, 130.0], [25.0, 20.0]),
        ([57.0, 47.0], [12.0, 12.0]),
    ]
    .iter()
    .map(|&(c, s)| Mode {
        centre: [deg(c[0]), deg(c[1])],
        std: [spread * deg(s[0]), spread * deg(s[1])],
    })
    .collect();
    Ok((modes, vec![0.5, 0.35, 0.15]))
}
