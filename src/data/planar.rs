//! Planar toy distributions, following the conventions of the flow-matching literature
//! (TorchCFM, FFJORD): 8gaussians on a circle of radius 5 with variance 0.1, moons with noise 0.2
//! then x·3 − 1, and so on.

use std::f64::consts::{FRAC_1_SQRT_2, PI, TAU};

use super::catalog::Params;
use super::{FnSampler, Sampler};
use crate::Result;

pub(crate) fn build(name: &str, p: &Params) -> Result<Box<dyn Sampler>> {
    Ok(match name {
        "gaussian" => {
            let (std, mx, my) = (p.non_negative("std")?, p.get("mean_x"), p.get("mean_y"));
            FnSampler::boxed(2, 0, move |rng, out| {
                out[0] = mx + std * rng.normal();
                out[1] = my + std * rng.normal();
                0
            })
        }
        "8gaussians" => {
            let (radius, std) = (p.get("radius"), p.non_negative("variance")?.sqrt());
            const D: f64 = FRAC_1_SQRT_2;
            let centres = [
                (1.0, 0.0),
                (-1.0, 0.0),
                (0.0, 1.0),
                (0.0, -1.0),
                (D, D),
                (D, -D),
                (-D, D),
                (-D, -D),
            ];
            FnSampler::boxed(2, 8, move |rng, out| {
                let k = rng.below(8);
                out[0] = radius * centres[k].0 + std * rng.normal();
                out[1] = radius * centres[k].1 + std * rng.normal();
                k as u32
            })
        }
        "25gaussians" => {
            let (spacing, std) = (p.get("spacing"), p.non_negative("std")?);
            FnSampler::boxed(2, 25, move |rng, out| {
                let k = rng.below(25);
                out[0] = spacing * ((k % 5) as f64 - 2.0) + std * rng.normal();
                out[1] = spacing * ((k / 5) as f64 - 2.0) + std * rng.normal();
                k as u32
            })
        }
        "moons" => {
            let (noise, scale, shift) = (p.non_negative("noise")?, p.get("scale"), p.get("shift"));
            FnSampler::boxed(2, 2, move |rng, out| {
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
            })
        }
        "circles" => {
            let (factor, noise, scale) = (
                p.positive("factor")?,
                p.non_negative("noise")?,
                p.get("scale"),
            );
            FnSampler::boxed(2, 2, move |rng, out| {
                let circle = rng.below(2);
                let r = if circle == 0 { 1.0 } else { factor };
                let a = rng.uniform_in(0.0, TAU);
                out[0] = (r * a.cos() + noise * rng.normal()) * scale;
                out[1] = (r * a.sin() + noise * rng.normal()) * scale;
                circle as u32
            })
        }
        "checkerboard" => {
            let (cells, size) = (p.count("cells", 1, 64)?, p.positive("size")?);
            FnSampler::boxed(2, 0, move |rng, out| {
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
            })
        }
        "spirals" => {
            let (noise, scale) = (p.non_negative("noise")?, p.get("scale"));
            FnSampler::boxed(2, 2, move |rng, out| {
                let arm = rng.below(2);
                let n = rng.uniform().sqrt() * 540.0 * TAU / 360.0;
                let sign = if arm == 0 { 1.0 } else { -1.0 };
                out[0] = sign * (-n.cos() * n + noise * rng.uniform()) * scale;
                out[1] = sign * (n.sin() * n + noise * rng.uniform()) * scale;
                arm as u32
            })
        }
        "swissroll" => {
            let (noise, scale) = (p.non_negative("noise")?, p.get("scale"));
            FnSampler::boxed(2, 0, move |rng, out| {
                let t = 1.5 * PI * (1.0 + 2.0 * rng.uniform());
                out[0] = (t * t.cos() + noise * rng.normal()) * scale;
                out[1] = (t * t.sin() + noise * rng.normal()) * scale;
                0
            })
        }
        "pinwheel" => {
            let arms = p.count("arms", 1, 64)?;
            let (radial, tangential, rate, scale) = (
                p.non_negative("radial_std")?,
                p.non_negative("tangential_std")?,
                p.get("rate"),
                p.get("scale"),
            );
            FnSampler::boxed(2, arms, move |rng, out| {
                let arm = rng.below(arms);
                let r = 1.0 + radial * rng.normal();
                let s = tangential * rng.normal();
                let angle = TAU * arm as f64 / arms as f64 + rate * r.exp();
                let (sin, cos) = angle.sin_cos();
                out[0] = scale * (r * cos - s * sin);
                out[1] = scale * (r * sin + s * cos);
                arm as u32
            })
        }
        other => unreachable!("catalog entry '{other}' has no planar sampler"),
    })
}
