use std::f64::consts::{PI, TAU};

use burn::tensor::Tensor;

use super::Space;
use crate::rng::Rng;

/// The flat torus [0, 2π)² with angles (θ, φ); geodesics are straight lines that wrap.
pub struct Torus;

/// The angle difference y − x mapped into [−π, π).
fn wrapped_difference(x: f64, y: f64) -> f64 {
    (y - x + PI).rem_euclid(TAU) - PI
}

impl Space for Torus {
    fn dim(&self) -> usize {
        2
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for i in 0..2 {
            out[i] = (x[i] + v[i]).rem_euclid(TAU);
        }
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        for i in 0..2 {
            out[i] = wrapped_difference(x[i], y[i]);
        }
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        let a = wrapped_difference(x[0], y[0]);
        let b = wrapped_difference(x[1], y[1]);
        a * a + b * b
    }
    fn project_tangent(&self, _x: &[f64], _v: &mut [f64]) {}
    fn project(&self, x: &mut [f64]) {
        for c in x.iter_mut() {
            *c = c.rem_euclid(TAU);
            if *c >= TAU {
                *c = 0.0;
            }
        }
    }
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        out[0] = rng.uniform_in(0.0, TAU);
        out[1] = rng.uniform_in(0.0, TAU);
    }
    fn accept_point(&self, point: &mut [f64]) -> std::result::Result<(), String> {
        self.project(point);
        Ok(())
    }
    /// A 20×20 grid of cell centres.
    fn probe_points(&self, _data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        let n = 20;
        let step = TAU / n as f64;
        let mut points = Vec::with_capacity(n * n * 2);
        for j in 0..n {
            for i in 0..n {
                points.push((i as f64 + 0.5) * step);
                points.push((j as f64 + 0.5) * step);
            }
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
        let mut v = [0.0; 2];
        self.log(x0, x1, &mut v);
        for i in 0..2 {
            xt[i] = (x0[i] + kappa * v[i]).rem_euclid(TAU);
            ut[i] = dkappa * v[i];
        }
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        wrap(x + v)
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let d = y - x;
        d.clone().sin().atan2(d.cos())
    }
    fn project_tangent_tensor(&self, _x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        v
    }
    fn interpolate_tensor(
        &self,
        x0: Tensor<2>,
        x1: Tensor<2>,
        kappa: Tensor<2>,
        dkappa: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let v = self.log_tensor(x0.clone(), x1);
        (wrap(x0 + v.clone() * kappa), v * dkappa)
    }
}

/// Wrap angles into [0, 2π).
fn wrap(x: Tensor<2>) -> Tensor<2> {
    let turns = (x.clone() / TAU).floor();
    x - turns * TAU
}
