//! Planar toy distributions, following the conventions of the flow-matching literature
//! (TorchCFM, FFJORD): 8gaussians on a circle of radius 5 with variance 0.1, moons with noise 0.2
//! then x·3 − 1, and so on.

use std::f64::consts::{FRAC_1_SQRT_2, PI, TAU};

use super::dataset::{Dataset, LogDensity, Params, param};
use super::density::{gaussian_mixture, uniform_on};
use super::image_density;
use super::{FnSampler, Sampler};
use crate::Result;

/// The plane's datasets.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "gaussian",
        summary: "isotropic Gaussian",
        labels: None,
        params: &[
            param("std", 1.0, "standard deviation per coordinate"),
            param("mean_x", 0.0, "centre x"),
            param("mean_y", 0.0, "centre y"),
        ],
        reads_file: false,
        build: gaussian,
        density: Some(gaussian_density),
    },
    Dataset {
        name: "8gaussians",
        summary: "8 Gaussians on a circle",
        labels: Some("one per Gaussian (8)"),
        params: &[
            param("radius", 5.0, "radius of the circle of centres"),
            param("variance", 0.1, "variance per coordinate"),
        ],
        reads_file: false,
        build: eight_gaussians,
        density: Some(eight_gaussians_density),
    },
    Dataset {
        name: "25gaussians",
        summary: "5×5 grid of Gaussians",
        labels: Some("one per Gaussian (25)"),
        params: &[
            param("spacing", 2.0, "distance between neighbouring centres"),
            param("std", 0.1, "standard deviation per coordinate"),
        ],
        reads_file: false,
        build: grid_of_gaussians,
        density: Some(grid_of_gaussians_density),
    },
    Dataset {
        name: "moons",
        summary: "two interleaved half circles, then x·scale + shift",
        labels: Some("one per moon (2)"),
        params: &[
            param("noise", 0.2, "Gaussian noise std before scaling"),
            param("scale", 3.0, "scale factor"),
            param("shift", -1.0, "added after scaling"),
        ],
        reads_file: false,
        build: moons,
        density: None,
    },
    Dataset {
        name: "circles",
        summary: "two concentric circles",
        labels: Some("one per circle (2)"),
        params: &[
            param("factor", 0.5, "inner radius / outer radius"),
            param("noise", 0.05, "Gaussian noise std before scaling"),
            param("scale", 3.0, "outer radius"),
        ],
        reads_file: false,
        build: circles,
        density: None,
    },
    Dataset {
        name: "checkerboard",
        summary: "alternating squares of a checkerboard",
        labels: None,
        params: &[
            param("cells", 4.0, "cells per side"),
            param("size", 2.0, "side of one cell"),
        ],
        reads_file: false,
        build: checkerboard,
        density: Some(checkerboard_density),
    },
    Dataset {
        name: "spirals",
        summary: "two interleaved spirals",
        labels: Some("one per arm (2)"),
        params: &[
            param("noise", 0.5, "uniform jitter before scaling"),
            param("scale", 0.3333333333333333, "scale factor"),
        ],
        reads_file: false,
        build: spirals,
        density: None,
    },
    Dataset {
        name: "swissroll",
        summary: "a 2-D swiss roll",
        labels: None,
        params: &[
            param("noise", 1.0, "Gaussian noise std before scaling"),
            param("scale", 0.2, "scale factor"),
        ],
        reads_file: false,
        build: swissroll,
        density: None,
    },
    Dataset {
        name: "pinwheel",
        summary: "curved arms of a pinwheel",
        labels: Some("one per arm"),
        params: &[
            param("arms", 5.0, "number of arms"),
            param("radial_std", 0.3, "radial spread"),
            param("tangential_std", 0.1, "tangential spread"),
            param("rate", 0.25, "how fast arms curl"),
            param("scale", 2.0, "scale factor"),
        ],
        reads_file: false,
        build: pinwheel,
        density: None,
    },
    Dataset {
        name: "image",
        summary: "density from the darkness of a PNG/JPEG file (set path)",
        labels: None,
        params: &[param(
            "extent",
            4.0,
            "half-width of the square the image is fitted into",
        )],
        reads_file: true,
        build: image_density::build,
        density: None,
    },
    super::point_file::DATASET,
];

fn gaussian(p: &Params) -> Result<Box<dyn Sampler>> {
    let (std, mx, my) = (p.non_negative("std")?, p.get("mean_x"), p.get("mean_y"));
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        out[0] = mx + std * rng.normal();
        out[1] = my + std * rng.normal();
        0
    }))
}

fn gaussian_density(p: &Params) -> Result<Option<LogDensity>> {
    let (std, mx, my) = (p.non_negative("std")?, p.get("mean_x"), p.get("mean_y"));
    Ok((std > 0.0).then(|| gaussian_mixture(vec![vec![mx, my]], &[1.0], std)))
}

/// The eight unit directions of 8gaussians' centres, in the order of their labels.
const EIGHT_DIRECTIONS: [(f64, f64); 8] = {
    const D: f64 = FRAC_1_SQRT_2;
    [
        (1.0, 0.0),
        (-1.0, 0.0),
        (0.0, 1.0),
        (0.0, -1.0),
        (D, D),
        (D, -D),
        (-D, D),
        (-D, -D),
    ]
};

fn eight_gaussians(p: &Params) -> Result<Box<dyn Sampler>> {
    let (radius, std) = (p.get("radius"), p.non_negative("variance")?.sqrt());
    let centres = EIGHT_DIRECTIONS;
    Ok(FnSampler::boxed(2, 8, move |rng, out| {
        let k = rng.below(8);
        out[0] = radius * centres[k].0 + std * rng.normal();
        out[1] = radius * centres[k].1 + std * rng.normal();
        k as u32
    }))
}

fn eight_gaussians_density(p: &Params) -> Result<Option<LogDensity>> {
    let (radius, std) = (p.get("radius"), p.non_negative("variance")?.sqrt());
    let centres = EIGHT_DIRECTIONS
        .iter()
        .map(|&(x, y)| vec![radius * x, radius * y])
        .collect();
    Ok((std > 0.0).then(|| gaussian_mixture(centres, &[1.0; 8], std)))
}

fn grid_of_gaussians(p: &Params) -> Result<Box<dyn Sampler>> {
    let (spacing, std) = (p.get("spacing"), p.non_negative("std")?);
    Ok(FnSampler::boxed(2, 25, move |rng, out| {
        let k = rng.below(25);
        out[0] = spacing * ((k % 5) as f64 - 2.0) + std * rng.normal();
        out[1] = spacing * ((k / 5) as f64 - 2.0) + std * rng.normal();
        k as u32
    }))
}

fn grid_of_gaussians_density(p: &Params) -> Result<Option<LogDensity>> {
    let (spacing, std) = (p.get("spacing"), p.non_negative("std")?);
    let centres = (0..25)
        .map(|k| {
            vec![
                spacing * ((k % 5) as f64 - 2.0),
                spacing * ((k / 5) as f64 - 2.0),
            ]
        })
        .collect();
    Ok((std > 0.0).then(|| gaussian_mixture(centres, &[1.0; 25], std)))
}

fn moons(p: &Params) -> Result<Box<dyn Sampler>> {
    let (noise, scale, shift) = (p.non_negative("noise")?, p.get("scale"), p.get("shift"));
    Ok(FnSampler::boxed(2, 2, move |rng, out| {
        let moon = rng.below(2);
        let s = rng.uniform_in(0.0, PI);
        let (x, y) = if moon == 0 {
            (s.cos(), s.sin())
        } else {
            (1.0 - s.cos(), 0.5 - s.sin())
        };
        out[0] = (x + noise * rng.normal()) * scale + shift;
        out[1] = (y + noise * rng.normal()) * scale + shift;
        moon as u32
    }))
}

fn circles(p: &Params) -> Result<Box<dyn Sampler>> {
    let (factor, noise, scale) = (
        p.positive("factor")?,
        p.non_negative("noise")?,
        p.get("scale"),
    );
    Ok(FnSampler::boxed(2, 2, move |rng, out| {
        let circle = rng.below(2);
        let r = if circle == 0 { 1.0 } else { factor };
        let a = rng.uniform_in(0.0, TAU);
        out[0] = (r * a.cos() + noise * rng.normal()) * scale;
        out[1] = (r * a.sin() + noise * rng.normal()) * scale;
        circle as u32
    }))
}

fn checkerboard(p: &Params) -> Result<Box<dyn Sampler>> {
    let (cells, size) = (p.count("cells", 1, 64)?, p.positive("size")?);
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        // A uniformly chosen dark cell (col + row even), then a uniform point in it.
        let (col, row) = loop {
            let (col, row) = (rng.below(cells), rng.below(cells));
            if (col + row) % 2 == 0 {
                break (col, row);
            }
        };
        let half = cells as f64 * size / 2.0;
        out[0] = -half + size * (col as f64 + rng.uniform());
        out[1] = -half + size * (row as f64 + rng.uniform());
        0
    }))
}

/// Uniform on the dark cells, (col + row) even, of the cells × cells board.
fn checkerboard_density(p: &Params) -> Result<Option<LogDensity>> {
    let (cells, size) = (p.count("cells", 1, 64)?, p.positive("size")?);
    let half = cells as f64 * size / 2.0;
    let dark_cells = (cells * cells).div_ceil(2);
    Ok(Some(uniform_on(
        dark_cells as f64 * size * size,
        move |x| {
            let col = ((x[0] + half) / size).floor();
            let row = ((x[1] + half) / size).floor();
            let on_board = (0.0..cells as f64).contains(&col) && (0.0..cells as f64).contains(&row);
            on_board && (col as usize + row as usize).is_multiple_of(2)
        },
    )))
}

fn spirals(p: &Params) -> Result<Box<dyn Sampler>> {
    let (noise, scale) = (p.non_negative("noise")?, p.get("scale"));
    Ok(FnSampler::boxed(2, 2, move |rng, out| {
        let arm = rng.below(2);
        let n = rng.uniform().sqrt() * 540.0 * TAU / 360.0;
        let sign = if arm == 0 { 1.0 } else { -1.0 };
        out[0] = sign * (-n.cos() * n + noise * rng.uniform()) * scale;
        out[1] = sign * (n.sin() * n + noise * rng.uniform()) * scale;
        arm as u32
    }))
}

fn swissroll(p: &Params) -> Result<Box<dyn Sampler>> {
    let (noise, scale) = (p.non_negative("noise")?, p.get("scale"));
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        let t = 1.5 * PI * (1.0 + 2.0 * rng.uniform());
        out[0] = (t * t.cos() + noise * rng.normal()) * scale;
        out[1] = (t * t.sin() + noise * rng.normal()) * scale;
        0
    }))
}

fn pinwheel(p: &Params) -> Result<Box<dyn Sampler>> {
    let arms = p.count("arms", 1, 64)?;
    let (radial, tangential, rate, scale) = (
        p.non_negative("radial_std")?,
        p.non_negative("tangential_std")?,
        p.get("rate"),
        p.get("scale"),
    );
    Ok(FnSampler::boxed(2, arms, move |rng, out| {
        let arm = rng.below(arms);
        let r = 1.0 + radial * rng.normal();
        let s = tangential * rng.normal();
        let angle = TAU * arm as f64 / arms as f64 + rate * r.exp();
        let (sin, cos) = angle.sin_cos();
        out[0] = scale * (r * cos - s * sin);
        out[1] = scale * (r * sin + s * cos);
        arm as u32
    }))
}
