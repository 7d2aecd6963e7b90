use std::f64::consts::{PI, TAU};

use burn::tensor::Tensor;
use glam::DVec3;

use super::{Space, squared_norm};
use crate::rng::Rng;

/// The unit sphere S² embedded in R³.
pub struct Sphere;

/// A direction's place in the unit square: u the longitude from −π, v the polar angle from +z,
/// both scaled to [0, 1] (the layout of the sphere's density image, and of a curved mesh's seen from its centre).
pub fn direction_uv(direction: DVec3) -> (f64, f64) {
    let d = direction.normalize_or_zero();
    (
        (d.y.atan2(d.x) + PI) / TAU,
        d.z.clamp(-1.0, 1.0).acos() / PI,
    )
}

/// The unit direction at `(u, v)`, the inverse of [`direction_uv`].
pub fn uv_direction(u: f64, v: f64) -> DVec3 {
    let (longitude, polar) = (u * TAU - PI, v * PI);
    DVec3::new(
        polar.sin() * longitude.cos(),
        polar.sin() * longitude.sin(),
        polar.cos(),
    )
}

/// Points read from files further than this from unit length are rejected.
const UNIT_TOLERANCE: f64 = 1e-3;

/// Below this angle exp/log use their small-angle limits.
const SMALL_ANGLE: f64 = 1e-9;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

impl Space for Sphere {
    fn dim(&self) -> usize {
        3
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let n = dot(v, v).sqrt();
        let (c, s_over_n) = if n < SMALL_ANGLE {
            (1.0, 1.0)
        } else {
            (n.cos(), n.sin() / n)
        };
        for i in 0..3 {
            out[i] = c * x[i] + s_over_n * v[i];
        }
        self.project(out);
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        let c = dot(x, y).clamp(-1.0, 1.0);
        let mut w = [y[0] - c * x[0], y[1] - c * x[1], y[2] - c * x[2]];
        let wn = dot(&w, &w).sqrt();
        let theta = wn.atan2(c);
        let scale = if wn < SMALL_ANGLE { 1.0 } else { theta / wn };
        for (o, wi) in out.iter_mut().zip(w.iter_mut()) {
            *o = scale * *wi;
        }
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        let c = dot(x, y);
        let cross = [
            x[1] * y[2] - x[2] * y[1],
            x[2] * y[0] - x[0] * y[2],
            x[0] * y[1] - x[1] * y[0],
        ];
        let theta = dot(&cross, &cross).sqrt().atan2(c);
        theta * theta
    }
    fn project_tangent(&self, x: &[f64], v: &mut [f64]) {
        let d = dot(x, v);
        for i in 0..3 {
            v[i] -= d * x[i];
        }
    }
    fn project(&self, x: &mut [f64]) {
        let n = dot(x, x).sqrt();
        if n > 0.0 {
            x.iter_mut().for_each(|c| *c /= n);
        } else {
            x.copy_from_slice(&[0.0, 0.0, 1.0]);
        }
    }
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        loop {
            for c in out.iter_mut() {
                *c = rng.normal();
            }
            if dot(out, out) > 1e-12 {
                break;
            }
        }
        self.project(out);
    }
    fn accept_point(&self, point: &mut [f64]) -> std::result::Result<(), String> {
        let norm = dot(point, point).sqrt();
        if (norm - 1.0).abs() > UNIT_TOLERANCE {
            return Err(format!(
                "sphere points must have unit length (within {UNIT_TOLERANCE}), this one has length {norm:.6}"
            ));
        }
        Ok(())
    }
    /// 400 directions spread evenly (a Fibonacci lattice).
    fn probe_points(&self, _data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        let n = 400;
        let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
        let mut points = Vec::with_capacity(n * 3);
        for i in 0..n {
            let z = 1.0 - 2.0 * (i as f64 + 0.5) / n as f64;
            let r = (1.0 - z * z).sqrt();
            let angle = golden * i as f64;
            points.extend_from_slice(&[r * angle.cos(), r * angle.sin(), z]);
        }
        points
    }
    fn interpolate(
        &self,
        x0: &[f64],
        x1: &[f64],
        kappa: f64,
        dkappa: f64,
        xt: &mut [f64],
        ut: &mut [f64],
    ) {
        // x_t = cos(κθ)·x0 + sin(κθ)·e, with e the unit direction of log_{x0} x1.
        let mut v = [0.0; 3];
        self.log(x0, x1, &mut v);
        let theta = dot(&v, &v).sqrt();
        if theta < SMALL_ANGLE {
            xt.copy_from_slice(x0);
            for i in 0..3 {
                ut[i] = dkappa * v[i];
            }
            return;
        }
        let (s, c) = (kappa * theta).sin_cos();
        for i in 0..3 {
            let e = v[i] / theta;
            xt[i] = c * x0[i] + s * e;
            ut[i] = dkappa * theta * (-s * x0[i] + c * e);
        }
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        let n = squared_norm(v.clone()).sqrt().clamp_min(1e-7);
        let out = x * n.clone().cos() + v * (n.clone().sin() / n);
        normalize(out)
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let c = (x.clone() * y.clone()).sum_dim(1).clamp(-1.0, 1.0);
        let w = y - x * c.clone();
        let wn = squared_norm(w.clone()).sqrt();
        let theta = wn.clone().atan2(c);
        w * (theta / wn.clamp_min(1e-7))
    }
    fn project_tangent_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        let d = (x.clone() * v.clone()).sum_dim(1);
        v - x * d
    }
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let v = self.log_tensor(x0.clone(), x1);
        let theta = squared_norm(v.clone()).sqrt();
        let e = v / theta.clone().clamp_min(1e-7);
        let angle = kappa * theta.clone();
        let (s, c) = (angle.clone().sin(), angle.cos());
        let xt = x0.clone() * c.clone() + e.clone() * s.clone();
        let ut = (e * c - x0 * s) * (dkappa * theta);
        (xt, ut)
    }
}

fn normalize(x: Tensor<2>) -> Tensor<2> {
    let n = squared_norm(x.clone()).sqrt().clamp_min(1e-12);
    x / n
}
