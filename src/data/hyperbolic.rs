//! Distributions on the hyperbolic plane (Poincaré disk). Radii and spreads are hyperbolic
//! lengths; a wrapped normal is the exp map of a Gaussian tangent vector whose Riemannian
//! norm has the given standard deviation per direction.

use std::f64::consts::TAU;

use super::dataset::{Dataset, LogDensity, Params, param};
use super::{FnSampler, Sampler};
use crate::Result;
use crate::geometry::{Hyperbolic, Space};
use crate::rng::Rng;

/// The hyperbolic plane's datasets.
pub(crate) const DATASETS: &[Dataset] = &[
    Dataset {
        name: "wrapped_normal",
        summary: "wrapped normal at the origin",
        labels: None,
        params: &[param(
            "std",
            0.5,
            "spread per direction (hyperbolic length)",
        )],
        reads_file: false,
        build: wrapped_normal,
        density: Some(wrapped_normal_density),
    },
    Dataset {
        name: "wrapped_mixture",
        summary: "wrapped normals spaced around a circle towards the rim",
        labels: Some("one per component"),
        params: &[
            param("components", 5.0, "number of components"),
            param(
                "radius",
                2.5,
                "hyperbolic distance of each centre from the origin",
            ),
            param("std", 0.3, "spread per direction (hyperbolic length)"),
        ],
        reads_file: false,
        build: wrapped_mixture,
        density: None,
    },
    Dataset {
        name: "tree",
        summary: "points along the branches of a regular tree rooted at the origin",
        labels: Some("one per branch from the root"),
        params: &[
            param("branching", 3.0, "children of every node"),
            param("depth", 3.0, "levels below the root"),
            param("edge", 1.0, "hyperbolic length of every edge"),
            param(
                "noise",
                0.05,
                "spread around the branches (hyperbolic length)",
            ),
        ],
        reads_file: false,
        build: tree,
        density: None,
    },
    Dataset {
        name: "uniform_disk",
        summary: "uniform (in hyperbolic area) on a disk around the origin",
        labels: None,
        params: &[param("radius", 2.0, "hyperbolic radius of the disk")],
        reads_file: false,
        build: uniform_disk,
        density: None,
    },
    super::point_file::DATASET,
];

/// exp_μ of a Gaussian tangent vector of Riemannian spread `std`, carried from the origin to
/// μ by parallel transport (which in the disk scales a vector by λ_0/λ_μ).
fn wrapped_at(centre: [f64; 2], std: f64, rng: &mut Rng, out: &mut [f64]) {
    let chart_scale = std / Hyperbolic::conformal_factor(&centre);
    let v = [chart_scale * rng.normal(), chart_scale * rng.normal()];
    Hyperbolic.exp(&centre, &v, out);
}

/// The point at hyperbolic distance `rho` from the origin in direction `angle`.
fn polar(rho: f64, angle: f64) -> [f64; 2] {
    let r = (rho / 2.0).tanh();
    [r * angle.cos(), r * angle.sin()]
}

fn wrapped_normal(p: &Params) -> Result<Box<dyn Sampler>> {
    let std = p.positive("std")?;
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        wrapped_at([0.0, 0.0], std, rng, out);
        0
    }))
}

fn wrapped_mixture(p: &Params) -> Result<Box<dyn Sampler>> {
    let components = p.count("components", 1, 64)?;
    let (radius, std) = (p.non_negative("radius")?, p.positive("std")?);
    if radius > 8.0 {
        return Err(crate::Error::invalid(format!(
            "wrapped_mixture.radius must be at most 8 (hyperbolic length), got {}",
            crate::error::quoted(radius)
        )));
    }
    Ok(FnSampler::boxed(2, components, move |rng, out| {
        let k = rng.below(components);
        wrapped_at(
            polar(radius, TAU * k as f64 / components as f64),
            std,
            rng,
            out,
        );
        k as u32
    }))
}

fn tree(p: &Params) -> Result<Box<dyn Sampler>> {
    let branching = p.count("branching", 2, 8)?;
    let depth = p.count("depth", 1, 6)?;
    let (edge, noise) = (p.positive("edge")?, p.non_negative("noise")?);
    if edge * depth as f64 > 8.0 {
        return Err(crate::Error::invalid(format!(
            "tree: depth × edge must be at most 8 (hyperbolic length), got {}",
            edge * depth as f64
        )));
    }
    // Each node owns an arc of angles that its children split evenly; a node at level ℓ sits
    // at hyperbolic radius ℓ·edge in the middle of its arc. Edges: (parent, child, branch).
    let mut edges: Vec<([f64; 2], [f64; 2], u32)> = Vec::new();
    let mut level: Vec<([f64; 2], f64, f64, u32)> = vec![([0.0, 0.0], 0.0, TAU, 0)];
    for depth_now in 1..=depth {
        let mut next = Vec::new();
        for &(position, start, end, branch) in &level {
            let width = (end - start) / branching as f64;
            for k in 0..branching {
                let (a, b) = (start + k as f64 * width, start + (k + 1) as f64 * width);
                let child = polar(depth_now as f64 * edge, (a + b) / 2.0);
                let label = if depth_now == 1 { k as u32 } else { branch };
                edges.push((position, child, label));
                next.push((child, a, b, label));
            }
        }
        level = next;
    }
    Ok(FnSampler::boxed(2, branching, move |rng, out| {
        let (parent, child, branch) = edges[rng.below(edges.len())];
        let mut direction = [0.0; 2];
        Hyperbolic.log(&parent, &child, &mut direction);
        let s = rng.uniform();
        let mut on_edge = [0.0; 2];
        Hyperbolic.exp(&parent, &[s * direction[0], s * direction[1]], &mut on_edge);
        wrapped_at(on_edge, noise, rng, out);
        branch
    }))
}

fn uniform_disk(p: &Params) -> Result<Box<dyn Sampler>> {
    let radius = p.positive("radius")?;
    if radius > 8.0 {
        return Err(crate::Error::invalid(format!(
            "uniform_disk.radius must be at most 8 (hyperbolic length), got {}",
            crate::error::quoted(radius)
        )));
    }
    // Area within ρ grows as cosh ρ − 1: invert that CDF.
    let top = radius.cosh() - 1.0;
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        let rho = (1.0 + rng.uniform() * top).acosh();
        out.copy_from_slice(&polar(rho, rng.uniform_in(0.0, TAU)));
        0
    }))
}

/// A normal tangent vector u at the origin, |u| = r, carried out by exp: the area element grows
/// from r dr dθ to sinh r dr dθ, so the density per hyperbolic area is N(u)·r/sinh r.
fn wrapped_normal_density(p: &Params) -> Result<Option<LogDensity>> {
    let variance = p.positive("std")?.powi(2);
    let normaliser = (TAU * variance).ln();
    Ok(Some(Box::new(move |x: &[f64]| {
        let r = 2.0 * x[0].hypot(x[1]).min(1.0 - 1e-16).atanh();
        let spread = if r < 1e-8 { 0.0 } else { (r / r.sinh()).ln() };
        -r * r / (2.0 * variance) - normaliser + spread
    })))
}
