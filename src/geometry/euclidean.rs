//! R^d for the dimension study: flat, with straight paths, and a seeded plane of it (the
//! embedding) in which its shipped targets spread their modes, so a window can show them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use burn::tensor::Tensor;

use super::Space;
use crate::rng::Rng;

/// R^d.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Euclidean {
    pub d: usize,
}

impl Euclidean {
    /// The dimensions a scene may ask for.
    pub const DIMENSIONS: std::ops::RangeInclusive<usize> = 2..=512;

    /// The plane of R^d its shipped targets spread their modes in, made once per d; callers on
    /// a hot path (a sampler, a renderer) keep it rather than ask again.
    pub fn embedding(self) -> Embedding {
        static MADE: OnceLock<Mutex<HashMap<usize, Embedding>>> = OnceLock::new();
        let mut made = MADE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        made.entry(self.d)
            .or_insert_with(|| Embedding {
                directions: Arc::new(embedding_plane(self.d)),
            })
            .clone()
    }
}

/// Two orthonormal directions of R^d, the same for every run of this d: a random rotation of
/// the first two axes (the axes themselves for d = 2). The shipped targets embed their 2-D
/// shapes there, and the projection view shows it.
#[derive(Debug, Clone)]
pub struct Embedding {
    directions: Arc<[Vec<f64>; 2]>,
}

impl Embedding {
    pub fn directions(&self) -> &[Vec<f64>; 2] {
        &self.directions
    }

    /// `point`'s coordinates in the plane.
    pub fn project(&self, point: &[f64]) -> [f64; 2] {
        let dot = |u: &[f64]| u.iter().zip(point).map(|(a, b)| a * b).sum::<f64>();
        [dot(&self.directions[0]), dot(&self.directions[1])]
    }

    /// The point (a, b) of the plane, in R^d.
    pub fn embed(&self, a: f64, b: f64, out: &mut [f64]) {
        let [u, v] = &*self.directions;
        for ((x, p), q) in out.iter_mut().zip(u).zip(v) {
            *x = a * p + b * q;
        }
    }
}

/// Gram–Schmidt on two Gaussian vectors of a stream seeded by d.
fn embedding_plane(d: usize) -> [Vec<f64>; 2] {
    let mut first = vec![0.0; d];
    let mut second = vec![0.0; d];
    if d == 2 {
        first[0] = 1.0;
        second[1] = 1.0;
        return [first, second];
    }
    let mut rng = Rng::stream(d as u64, "euclidean-embedding");
    let normalise = |v: &mut Vec<f64>| {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
    };
    first.iter_mut().for_each(|x| *x = rng.normal());
    normalise(&mut first);
    second.iter_mut().for_each(|x| *x = rng.normal());
    let along: f64 = first.iter().zip(&second).map(|(a, b)| a * b).sum();
    second
        .iter_mut()
        .zip(&first)
        .for_each(|(x, f)| *x -= along * f);
    normalise(&mut second);
    [first, second]
}

impl Space for Euclidean {
    fn is_euclidean(&self) -> bool {
        true
    }
    fn dim(&self) -> usize {
        self.d
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for i in 0..self.d {
            out[i] = x[i] + v[i];
        }
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        for i in 0..self.d {
            out[i] = y[i] - x[i];
        }
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
    }
    fn project_tangent(&self, _x: &[f64], _v: &mut [f64]) {}
    fn project(&self, _x: &mut [f64]) {}
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        for v in out.iter_mut() {
            *v = rng.uniform_in(-4.0, 4.0);
        }
    }
    fn accept_point(&self, _point: &mut [f64]) -> std::result::Result<(), String> {
        Ok(())
    }
    /// A 21×21 grid over the data's extent in the embedding plane.
    fn probe_points(&self, data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        let embedding = self.embedding();
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for p in data {
            let q = embedding.project(p);
            for k in 0..2 {
                min[k] = min[k].min(q[k]);
                max[k] = max[k].max(q[k]);
            }
        }
        let n = 21;
        let mut points = vec![0.0; n * n * self.d];
        for j in 0..n {
            for i in 0..n {
                let a = min[0] + (max[0] - min[0]) * i as f64 / (n - 1) as f64;
                let b = min[1] + (max[1] - min[1]) * j as f64 / (n - 1) as f64;
                embedding.embed(a, b, &mut points[(j * n + i) * self.d..][..self.d]);
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
        for i in 0..self.d {
            xt[i] = (1.0 - kappa) * x0[i] + kappa * x1[i];
            ut[i] = dkappa * (x1[i] - x0[i]);
        }
    }
    fn exp_tensor(&self, x: Tensor<2>, v: Tensor<2>) -> Tensor<2> {
        x + v
    }
    fn log_tensor(&self, x: Tensor<2>, y: Tensor<2>) -> Tensor<2> {
        y - x
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
        super::straight_interpolation_tensor(x0, x1, kappa, dkappa)
    }
}
