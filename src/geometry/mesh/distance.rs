//! Spectral premetrics on a mesh (Lipman et al. 2010; Coifman & Lafon 2006): each point gets
//! spectral coordinates, and the distance is the Euclidean one between them.
//!
//! - biharmonic: d_b(x, y)² = Σ_{i≥1} (φ_i(x) − φ_i(y))²/λ_i², coordinates φ_i/λ_i;
//! - diffusion: d_τ(x, y)² = Σ_{i≥1} e^{−2λ_i τ}(φ_i(x) − φ_i(y))², coordinates e^{−λ_i τ}φ_i.
//!
//! The zero eigenvalues (one per connected piece) carry no distance and are left out. Inside a
//! face the coordinates are the barycentric blend of its vertices', so the distance is defined
//! everywhere on the mesh and its gradient along the face is exact.

use glam::DVec3;

use super::{Spectrum, TriMesh};
use crate::{Error, Result};

/// Which spectral premetric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpectralKind {
    Biharmonic,
    /// Diffusion for time τ: larger τ blurs more.
    Diffusion {
        tau: f64,
    },
}

/// Spectral coordinates of every vertex of one mesh.
#[derive(Debug, Clone)]
pub struct SpectralDistance {
    pub kind: SpectralKind,
    /// Coordinates per vertex.
    dim: usize,
    coordinates: Vec<f64>,
    /// Per face, the products e(v_i)·e(v_j) of its corners' coordinates (upper triangle, row by
    /// row), found on first use: with them a distance inside a face needs three products with
    /// the target instead of the point's whole coordinates.
    grams: std::sync::OnceLock<Vec<[f64; 6]>>,
}

/// A point y prepared as the target of many distance queries: its coordinates, |y|², and the
/// products e(v)·y of the vertices asked about so far, in a small direct-mapped cache (a
/// descent stays among a few faces at a time).
#[derive(Debug, Clone)]
pub struct SpectralTarget {
    coordinates: Vec<f64>,
    squared_norm: f64,
    products: std::cell::RefCell<[(u32, f64); PRODUCT_SLOTS]>,
}

/// Vertices whose products with a target are kept.
const PRODUCT_SLOTS: usize = 64;

impl SpectralTarget {
    /// The target's spectral coordinates.
    pub fn coordinates(&self) -> &[f64] {
        &self.coordinates
    }
}

/// Eigenvalues below this fraction of the largest count as zero.
const ZERO_EIGENVALUE: f64 = 1e-8;

impl SpectralDistance {
    pub fn new(spectrum: &Spectrum, kind: SpectralKind) -> Result<Self> {
        if let SpectralKind::Diffusion { tau } = kind
            && !(tau > 0.0 && tau.is_finite())
        {
            return Err(Error::invalid(format!(
                "the diffusion time must be positive (got {})",
                crate::error::quoted(tau)
            )));
        }
        let largest = spectrum.eigenvalues.last().copied().unwrap_or(0.0);
        let kept: Vec<(usize, f64)> = spectrum
            .eigenvalues
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, l)| l > ZERO_EIGENVALUE * largest)
            .map(|(i, l)| {
                let weight = match kind {
                    SpectralKind::Biharmonic => 1.0 / l,
                    SpectralKind::Diffusion { tau } => (-l * tau).exp(),
                };
                (i, weight)
            })
            .collect();
        if kept.is_empty() {
            return Err(Error::invalid(
                "a spectral distance needs at least one nonzero eigenvalue (ask for more eigenpairs)",
            ));
        }
        let dim = kept.len();
        let mut coordinates = Vec::with_capacity(spectrum.vertices() * dim);
        for v in 0..spectrum.vertices() {
            let phi = spectrum.at_vertex(v);
            coordinates.extend(kept.iter().map(|&(i, w)| phi[i] * w));
        }
        Ok(Self {
            kind,
            dim,
            coordinates,
            grams: std::sync::OnceLock::new(),
        })
    }

    /// The point of face `f` at `bary` prepared as a target.
    pub fn target(&self, mesh: &TriMesh, f: usize, bary: [f64; 3]) -> SpectralTarget {
        let mut coordinates = vec![0.0; self.dim];
        self.embed(mesh, f, bary, &mut coordinates);
        SpectralTarget {
            squared_norm: coordinates.iter().map(|c| c * c).sum(),
            coordinates,
            products: std::cell::RefCell::new([(u32::MAX, 0.0); PRODUCT_SLOTS]),
        }
    }

    /// e(v)·y, from the target's cache when it holds it.
    fn product(&self, target: &SpectralTarget, v: u32) -> f64 {
        let mut products = target.products.borrow_mut();
        let slot = &mut products[v as usize % PRODUCT_SLOTS];
        if slot.0 != v {
            let value = self
                .vertex(v as usize)
                .iter()
                .zip(&target.coordinates)
                .map(|(a, b)| a * b)
                .sum();
            *slot = (v, value);
        }
        slot.1
    }

    fn gram(&self, mesh: &TriMesh, f: usize) -> &[f64; 6] {
        let grams = self.grams.get_or_init(|| {
            let dot = |a: u32, b: u32| -> f64 {
                self.vertex(a as usize)
                    .iter()
                    .zip(self.vertex(b as usize))
                    .map(|(x, y)| x * y)
                    .sum()
            };
            mesh.faces()
                .iter()
                .map(|&[a, b, c]| {
                    [
                        dot(a, a),
                        dot(a, b),
                        dot(a, c),
                        dot(b, b),
                        dot(b, c),
                        dot(c, c),
                    ]
                })
                .collect()
        });
        &grams[f]
    }

    /// For the point x of face `f` at `bary`: the products e(v_c)·(e(x) − y) of its corners c,
    /// and d(x, y)² = |e(x)|² − 2e(x)·y + |y|².
    fn corner_terms(
        &self,
        mesh: &TriMesh,
        f: usize,
        bary: [f64; 3],
        target: &SpectralTarget,
    ) -> ([f64; 3], f64) {
        let [g00, g01, g02, g11, g12, g22] = *self.gram(mesh, f);
        let gram = [[g00, g01, g02], [g01, g11, g12], [g02, g12, g22]];
        let face = mesh.faces()[f];
        let products = face.map(|v| self.product(target, v));
        // e(v_c)·e(x) = Σ_c' b_c'·G_cc'.
        let with_x: [f64; 3] = std::array::from_fn(|c| (0..3).map(|k| gram[c][k] * bary[k]).sum());
        let squared_x: f64 = (0..3).map(|c| bary[c] * with_x[c]).sum();
        let cross: f64 = (0..3).map(|c| bary[c] * products[c]).sum();
        let terms = std::array::from_fn(|c| with_x[c] - products[c]);
        (
            terms,
            (squared_x - 2.0 * cross + target.squared_norm).max(0.0),
        )
    }

    /// d(x, y) for x of face `f` at `bary` and a prepared target y.
    pub fn distance_to(
        &self,
        mesh: &TriMesh,
        f: usize,
        bary: [f64; 3],
        target: &SpectralTarget,
    ) -> f64 {
        self.corner_terms(mesh, f, bary, target).1.sqrt()
    }

    /// ∇_x d(x, y) along face `f` for a prepared target y; zero where x = y.
    pub fn gradient_to(
        &self,
        mesh: &TriMesh,
        f: usize,
        bary: [f64; 3],
        target: &SpectralTarget,
    ) -> DVec3 {
        let (terms, squared) = self.corner_terms(mesh, f, bary, target);
        let d = squared.sqrt();
        if d == 0.0 {
            return DVec3::ZERO;
        }
        barycentric_gradients(mesh, f)
            .iter()
            .zip(terms)
            .map(|(grad, term)| *grad * term)
            .sum::<DVec3>()
            / d
    }

    /// How many spectral coordinates a point has.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The coordinates of vertex `v`.
    pub fn vertex(&self, v: usize) -> &[f64] {
        &self.coordinates[v * self.dim..(v + 1) * self.dim]
    }

    /// The coordinates of the point of face `f` at barycentric `bary`, written to `out`.
    pub fn embed(&self, mesh: &TriMesh, f: usize, bary: [f64; 3], out: &mut [f64]) {
        let face = mesh.faces()[f];
        out.fill(0.0);
        for (corner, weight) in face.iter().zip(bary) {
            for (o, c) in out.iter_mut().zip(self.vertex(*corner as usize)) {
                *o += weight * c;
            }
        }
    }

    /// The distance between two points given by their coordinates.
    pub fn between(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt()
    }

    /// ∇_x d(x, y) along face `f` at x (barycentric `bary`), for y given by its coordinates
    /// `target`; zero where x = y.
    pub fn gradient(&self, mesh: &TriMesh, f: usize, bary: [f64; 3], target: &[f64]) -> DVec3 {
        let mut x = vec![0.0; self.dim];
        self.embed(mesh, f, bary, &mut x);
        let d = Self::between(&x, target);
        if d == 0.0 {
            return DVec3::ZERO;
        }
        let face = mesh.faces()[f];
        barycentric_gradients(mesh, f)
            .iter()
            .zip(face)
            .map(|(grad, corner)| {
                let along: f64 = self
                    .vertex(corner as usize)
                    .iter()
                    .zip(x.iter().zip(target))
                    .map(|(c, (xi, yi))| c * (xi - yi))
                    .sum();
                *grad * along
            })
            .sum::<DVec3>()
            / d
    }
}

/// The gradients of face `f`'s three barycentric coordinates, vectors in its plane.
pub(super) fn barycentric_gradients(mesh: &TriMesh, f: usize) -> [DVec3; 3] {
    mesh.frame(f).gradients
}
