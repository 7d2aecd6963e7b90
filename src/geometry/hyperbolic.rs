//! The hyperbolic plane (curvature −1) in the Poincaré disk model: points of the open unit
//! disk, tangent vectors in the chart's coordinates, the metric λ_x²·|v|² with the conformal
//! factor λ_x = 2/(1 − |x|²).
//!
//! Möbius addition x ⊕ y = ((1 + 2⟨x,y⟩ + |y|²)·x + (1 − |x|²)·y)/(1 + 2⟨x,y⟩ + |x|²|y|²);
//! exp_x(v) = x ⊕ tanh(λ_x|v|/2)·v/|v|; log_x(y) = (2/λ_x)·artanh(|−x ⊕ y|)·(−x ⊕ y)/|−x ⊕ y|;
//! d(x, y) = arcosh(1 + 2|x − y|²/((1 − |x|²)(1 − |y|²))).
//!
//! Near the rim the chart degenerates (a point at hyperbolic distance r from the origin has
//! 1 − |x| ≈ 2e^{−r}): points are kept within [`MAX_RADIUS`] of the origin, a hyperbolic
//! distance of about 12.2 from it, far beyond any dataset here.

use burn::tensor::Tensor;

use super::Space;
use crate::rng::Rng;

/// The largest |x| a point keeps: 1 − 1e-5.
pub const MAX_RADIUS: f64 = 1.0 - 1e-5;

/// The Poincaré disk.
pub struct Hyperbolic;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

impl Hyperbolic {
    /// λ_x = 2/(1 − |x|²).
    pub fn conformal_factor(x: &[f64]) -> f64 {
        2.0 / (1.0 - dot(x, x)).max(f64::MIN_POSITIVE)
    }

    /// x ⊕ y.
    pub fn mobius_add(x: &[f64], y: &[f64]) -> [f64; 2] {
        let (xy, xx, yy) = (dot(x, y), dot(x, x), dot(y, y));
        let a = 1.0 + 2.0 * xy + yy;
        let b = 1.0 - xx;
        let denominator = (1.0 + 2.0 * xy + xx * yy).max(f64::MIN_POSITIVE);
        [
            (a * x[0] + b * y[0]) / denominator,
            (a * x[1] + b * y[1]) / denominator,
        ]
    }

    /// Brings a point inside the disk of radius [`MAX_RADIUS`].
    fn clamp(x: &mut [f64]) {
        let r = dot(x, x).sqrt();
        if r > MAX_RADIUS {
            x[0] *= MAX_RADIUS / r;
            x[1] *= MAX_RADIUS / r;
        }
    }

    /// λ_x, batched. # Shapes: `[N, 2]` → `[N, 1]`.
    pub fn conformal_factor_tensor(x: Tensor<2>) -> Tensor<2> {
        let squared = x.square().sum_dim(1);
        (squared.neg() + 1.0).clamp_min(1e-12).recip() * 2.0
    }

    /// x ⊕ y, batched. # Shapes: `[N, 2]`, `[N, 2]` → `[N, 2]`.
    pub fn mobius_add_tensor(x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let xy = (x.clone() * y.clone()).sum_dim(1);
        let xx = x.clone().square().sum_dim(1);
        let yy = y.clone().square().sum_dim(1);
        let a = xy.clone() * 2.0 + yy.clone() + 1.0;
        let b = xx.clone().neg() + 1.0;
        let denominator = (xy * 2.0 + xx * yy + 1.0).clamp_min(1e-12);
        (x * a + y * b) / denominator
    }

    /// Points brought within [`MAX_RADIUS`], batched. # Shapes: `[N, 2]` → `[N, 2]`.
    fn clamp_tensor(x: Tensor<2>) -> Tensor<2> {
        let r = x.clone().square().sum_dim(1).sqrt();
        let scale = (r.clamp_min(MAX_RADIUS).recip() * MAX_RADIUS).clamp_max(1.0);
        x * scale
    }
}

impl Space for Hyperbolic {
    fn dim(&self) -> usize {
        2
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let norm = dot(v, v).sqrt();
        if norm < 1e-15 {
            out.copy_from_slice(&x[..2]);
            return;
        }
        let scale = (Self::conformal_factor(x) * norm / 2.0).tanh() / norm;
        let step = [v[0] * scale, v[1] * scale];
        out.copy_from_slice(&Self::mobius_add(x, &step));
        Self::clamp(out);
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        let w = Self::mobius_add(&[-x[0], -x[1]], y);
        let norm = dot(&w, &w).sqrt();
        if norm < 1e-15 {
            out.copy_from_slice(&[0.0, 0.0]);
            return;
        }
        let scale = 2.0 / Self::conformal_factor(x) * norm.min(MAX_RADIUS).atanh() / norm;
        out.copy_from_slice(&[w[0] * scale, w[1] * scale]);
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        let gap = (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2);
        let denominator = ((1.0 - dot(x, x)) * (1.0 - dot(y, y))).max(f64::MIN_POSITIVE);
        (1.0 + 2.0 * gap / denominator).acosh().powi(2)
    }
    fn project_tangent(&self, _x: &[f64], _v: &mut [f64]) {}
    fn project(&self, x: &mut [f64]) {
        Self::clamp(x);
    }
    /// Uniform in the chart's disk of radius 0.9 (not the hyperbolic uniform measure).
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        let r = 0.9 * rng.uniform().sqrt();
        let a = rng.uniform_in(0.0, std::f64::consts::TAU);
        out.copy_from_slice(&[r * a.cos(), r * a.sin()]);
    }
    fn accept_point(&self, point: &mut [f64]) -> std::result::Result<(), String> {
        let r = dot(point, point).sqrt();
        if r >= 1.0 {
            return Err(format!(
                "({}, {}) lies outside the open unit disk (|x| = {r})",
                point[0], point[1]
            ));
        }
        Self::clamp(point);
        Ok(())
    }
    /// A polar grid of rings at hyperbolic radii 0.5, 1, …, 3 (within the data's reach).
    fn probe_points(&self, data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        let reach = data.map(|p| dot(p, p).sqrt()).fold(0.0, f64::max).min(0.95);
        let mut points = vec![0.0, 0.0];
        for ring in 1..=6 {
            let r = (0.25 * ring as f64).tanh();
            if r > reach + 0.05 {
                break;
            }
            let count = 6 * ring;
            for k in 0..count {
                let a = std::f64::consts::TAU * k as f64 / count as f64;
                points.extend([r * a.cos(), r * a.sin()]);
            }
        }
        points
    }
    /// x_t = exp_{x0}(κ·log_{x0} x1); its velocity is κ'/(1 − κ)·log_{x_t} x1 (the remaining way,
    /// at constant speed), or −κ'/κ·log_{x_t} x0 past halfway, whichever is not near 0/0.
    fn interpolate(
        &self,
        x0: &[f64],
        x1: &[f64],
        kappa: f64,
        dkappa: f64,
        xt: &mut [f64],
        ut: &mut [f64],
    ) {
        let mut direction = [0.0; 2];
        self.log(x0, x1, &mut direction);
        let step = [kappa * direction[0], kappa * direction[1]];
        self.exp(x0, &step, xt);
        let mut towards = [0.0; 2];
        let scale = if kappa <= 0.5 {
            self.log(xt, x1, &mut towards);
            dkappa / (1.0 - kappa)
        } else {
            self.log(xt, x0, &mut towards);
            -dkappa / kappa
        };
        ut.copy_from_slice(&[towards[0] * scale, towards[1] * scale]);
    }
    fn squared_norm_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        Self::conformal_factor_tensor(x).square() * v.square().sum_dim(1)
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        let norm = v.clone().square().sum_dim(1).sqrt().clamp_min(1e-15);
        let scale = (Self::conformal_factor_tensor(x.clone()) * norm.clone() * 0.5).tanh() / norm;
        Self::clamp_tensor(Self::mobius_add_tensor(x, v * scale))
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        let w = Self::mobius_add_tensor(x.clone().neg(), y);
        let norm = w
            .clone()
            .square()
            .sum_dim(1)
            .sqrt()
            .clamp(1e-15, MAX_RADIUS);
        // artanh(r) = ½·ln((1 + r)/(1 − r)).
        let artanh = ((norm.clone() + 1.0) / (norm.clone().neg() + 1.0)).log() * 0.5;
        w * (artanh / norm) * Self::conformal_factor_tensor(x).recip() * 2.0
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
        let direction = self.log_tensor(x0.clone(), x1.clone());
        let xt = self.exp_tensor(x0.clone(), direction * kappa.clone());
        // Both forms of the velocity, each where it is well conditioned.
        let forward = self.log_tensor(xt.clone(), x1)
            * (dkappa.clone() / (kappa.clone().neg() + 1.0).clamp_min(1e-6));
        let backward =
            self.log_tensor(xt.clone(), x0) * (dkappa.neg() / kappa.clone().clamp_min(1e-6));
        let early = kappa.lower_equal_elem(0.5);
        let ut = backward.mask_where(early.repeat_dim(1, 2), forward);
        (xt, ut)
    }
}
