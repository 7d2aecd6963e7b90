//! Configurations of n identical particles in R^d, stored as n·d coordinates (particle after
//! particle) with the centre of mass removed: the mean-free subspace, flat and Euclidean, on
//! which O(d) × S(n) acts by rotating and relabelling the particles.

use burn::tensor::Tensor;

use super::Space;
use crate::rng::Rng;

/// Particles closer than this are one particle twice: a configuration that cannot be told apart
/// from one with a particle fewer.
pub const MIN_SEPARATION: f64 = 1e-6;

/// The mean-free configurations of `n` particles in R^`d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cloud {
    pub n: usize,
    pub d: usize,
}

impl Cloud {
    /// The largest clouds and dimensions accepted (a sample is n·d coordinates of one row).
    pub const MAX_PARTICLES: usize = 64;
    pub const DIMENSIONS: [usize; 2] = [2, 3];

    /// The shape of a space whose points are several particles; none for the others.
    pub fn of(geometry: &dyn Space) -> Option<Cloud> {
        let d = geometry.particle_dim();
        (d > 0 && d < geometry.dim()).then(|| Cloud {
            n: geometry.dim() / d,
            d,
        })
    }

    /// Moves `x` onto the mean-free subspace.
    pub fn remove_centre(&self, x: &mut [f64]) {
        for k in 0..self.d {
            let mean = (0..self.n).map(|i| x[i * self.d + k]).sum::<f64>() / self.n as f64;
            for i in 0..self.n {
                x[i * self.d + k] -= mean;
            }
        }
    }

    /// The distance between particles `i` and `j` of `x`.
    pub fn particle_distance(&self, x: &[f64], i: usize, j: usize) -> f64 {
        let (a, b) = (&x[i * self.d..][..self.d], &x[j * self.d..][..self.d]);
        a.iter()
            .zip(b)
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f64>()
            .sqrt()
    }

    /// Every interparticle distance d_ij, i < j.
    pub fn distances<'a>(&self, x: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        let cloud = *self;
        (0..cloud.n)
            .flat_map(move |i| (i + 1..cloud.n).map(move |j| cloud.particle_distance(x, i, j)))
    }

    /// The mean-free part of a batch. # Shapes: `[N, n·d]` → `[N, n·d]`.
    pub fn remove_centre_tensor(&self, x: Tensor<2>) -> Tensor<2> {
        let [rows, cols] = x.dims();
        let particles = x.reshape([rows, self.n, self.d]);
        let centre = particles.clone().mean_dim(1);
        (particles - centre).reshape([rows, cols])
    }
}

impl Space for Cloud {
    fn is_euclidean(&self) -> bool {
        true
    }
    fn dim(&self) -> usize {
        self.n * self.d
    }
    fn particle_dim(&self) -> usize {
        self.d
    }
    fn exp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for ((o, a), b) in out.iter_mut().zip(x).zip(v) {
            *o = a + b;
        }
    }
    fn log(&self, x: &[f64], y: &[f64], out: &mut [f64]) {
        for ((o, a), b) in out.iter_mut().zip(x).zip(y) {
            *o = b - a;
        }
    }
    fn squared_distance(&self, x: &[f64], y: &[f64]) -> f64 {
        x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum()
    }
    fn project_tangent(&self, _x: &[f64], v: &mut [f64]) {
        self.remove_centre(v);
    }
    fn project(&self, x: &mut [f64]) {
        self.remove_centre(x);
    }
    /// The particles uniform in [-2, 2]^d, centred.
    fn sample_uniform(&self, rng: &mut Rng, out: &mut [f64]) {
        for v in out.iter_mut() {
            *v = rng.uniform_in(-2.0, 2.0);
        }
        self.remove_centre(out);
    }
    fn accept_point(&self, point: &mut [f64]) -> std::result::Result<(), String> {
        for i in 0..self.n {
            for j in i + 1..self.n {
                if self.particle_distance(point, i, j) < MIN_SEPARATION {
                    return Err(format!(
                        "particles {i} and {j} coincide; a configuration needs {} distinct particles",
                        self.n
                    ));
                }
            }
        }
        self.remove_centre(point);
        Ok(())
    }
    /// No arrows: a velocity of a configuration is n·d numbers, not one arrow.
    fn probe_points(&self, _data: &mut dyn Iterator<Item = &[f64]>) -> Vec<f64> {
        Vec::new()
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
        for i in 0..x0.len() {
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
        self.remove_centre_tensor(v)
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

/// An element of O(d) × S(n): particle `i` of g·x is `rotation` applied to particle
/// `permutation[i]` of x.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudMotion {
    /// Row-major d×d orthogonal matrix.
    pub rotation: Vec<f64>,
    pub permutation: Vec<usize>,
}

impl Cloud {
    /// A motion drawn uniformly: a Haar-random orthogonal matrix (a reflection half the time)
    /// and a uniform relabelling.
    pub fn random_motion(&self, rng: &mut Rng) -> CloudMotion {
        let d = self.d;
        // Gram–Schmidt on Gaussian columns gives a Haar-distributed orthogonal matrix.
        let mut q = vec![0.0; d * d];
        for col in 0..d {
            let mut v: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
            for prev in 0..col {
                let dot: f64 = (0..d).map(|r| v[r] * q[r * d + prev]).sum();
                for r in 0..d {
                    v[r] -= dot * q[r * d + prev];
                }
            }
            let norm = v
                .iter()
                .map(|x| x * x)
                .sum::<f64>()
                .sqrt()
                .max(f64::MIN_POSITIVE);
            for r in 0..d {
                q[r * d + col] = v[r] / norm;
            }
        }
        let mut permutation: Vec<usize> = (0..self.n).collect();
        rng.shuffle(&mut permutation);
        CloudMotion {
            rotation: q,
            permutation,
        }
    }

    /// g·x into `out`.
    pub fn apply(&self, g: &CloudMotion, x: &[f64], out: &mut [f64]) {
        let d = self.d;
        for (i, &from) in g.permutation.iter().enumerate() {
            let p = &x[from * d..][..d];
            for r in 0..d {
                out[i * d + r] = (0..d).map(|c| g.rotation[r * d + c] * p[c]).sum();
            }
        }
    }

    /// Applies only the rotation part of `g` to every particle, in place order kept.
    pub fn rotate(&self, rotation: &[f64], x: &[f64], out: &mut [f64]) {
        let d = self.d;
        for (p, q) in x.chunks_exact(d).zip(out.chunks_exact_mut(d)) {
            for (r, row) in rotation.chunks_exact(d).enumerate() {
                let mut sum = 0.0;
                for c in 0..d {
                    sum += row[c] * p[c];
                }
                q[r] = sum;
            }
        }
    }
}
