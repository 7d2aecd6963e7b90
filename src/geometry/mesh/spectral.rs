//! The Laplace–Beltrami spectrum of a mesh: the cotangent Laplacian L with the lumped mass
//! matrix M (Neumann boundary: nothing is imposed on boundary vertices), and the K smallest
//! eigenpairs of L φ = λ M φ.
//!
//! Large meshes use block Lanczos on the shift-inverted, symmetrised operator
//! B = M^½ (L + σM)⁻¹ M^½, whose largest eigenvalues μ are the smallest λ = 1/μ − σ: σ > 0
//! makes L + σM positive definite, so one sparse Cholesky factorisation (faer's, with a
//! fill-reducing ordering) serves every step. A block of starting vectors, not one, because a
//! Krylov space grown from one vector holds a single direction of each repeated eigenvalue,
//! and symmetric meshes repeat many (l(l + 1) comes 2l + 1 times on a sphere). The Krylov
//! basis is kept orthogonal in full, and the Ritz pairs are accepted when their residuals are
//! small. Small meshes are solved densely.

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::reborrow::{Reborrow, ReborrowMut};
use faer::sparse::linalg::solvers::Llt;
use faer::sparse::{SparseColMat, Triplet};
use faer::{Accum, Mat, MatMut, MatRef, Par, Side};

use super::TriMesh;
use crate::rng::Rng;
use crate::{Error, Result};

/// The cotangent Laplacian as (row, column, value) entries, duplicates to be summed
/// (L_ij = −½(cot α_ij + cot β_ij), L_ii = −Σ_j L_ij), and the lumped mass of each vertex
/// (a third of the area of its faces).
pub fn cotangent_laplacian(mesh: &TriMesh) -> (Vec<(usize, usize, f64)>, Vec<f64>) {
    let mut entries = Vec::with_capacity(mesh.faces().len() * 12);
    let mut mass = vec![0.0; mesh.vertex_count()];
    for (f, face) in mesh.faces().iter().enumerate() {
        let corners = mesh.corners(f);
        let area = mesh.face_area(f);
        for k in 0..3 {
            // The angle at corner k faces the edge (i, j).
            let (i, j) = ((k + 1) % 3, (k + 2) % 3);
            let a = corners[i] - corners[k];
            let b = corners[j] - corners[k];
            let half_cot = 0.5 * a.dot(b) / a.cross(b).length();
            let (vi, vj) = (face[i] as usize, face[j] as usize);
            entries.push((vi, vj, -half_cot));
            entries.push((vj, vi, -half_cot));
            entries.push((vi, vi, half_cot));
            entries.push((vj, vj, half_cot));
            mass[face[k] as usize] += area / 3.0;
        }
    }
    (entries, mass)
}

/// The K smallest eigenpairs of a mesh's Laplace–Beltrami operator, eigenvectors
/// M-orthonormal (Σ_v M_v φ_i(v) φ_j(v) = δ_ij).
#[derive(Debug, Clone)]
pub struct Spectrum {
    /// Ascending; the first is zero (constants) on a connected mesh.
    pub eigenvalues: Vec<f64>,
    /// Vertex-major: `eigenvectors[v * K + i]` is φ_i at vertex v.
    pub eigenvectors: Vec<f64>,
    vertices: usize,
}

impl Spectrum {
    /// The `k` smallest eigenpairs of `mesh`.
    pub fn of(mesh: &TriMesh, k: usize) -> Result<Spectrum> {
        let n = mesh.vertex_count();
        if k == 0 || k > n {
            return Err(Error::invalid(format!(
                "{k} eigenpairs asked of a mesh with {n} vertices (choose 1 to {n})"
            )));
        }
        let (entries, mass) = cotangent_laplacian(mesh);
        let sqrt_mass: Vec<f64> = mass.iter().map(|m| m.sqrt()).collect();
        // (λ ascending, the symmetrised eigenvectors ψ = M^½ φ as columns)
        let (eigenvalues, vectors) = if n <= DENSE_LIMIT.max(4 * k + 64) {
            dense_eigenpairs(&entries, &sqrt_mass, k)?
        } else {
            lanczos_eigenpairs(mesh, &entries, &mass, sqrt_mass.clone(), k)?
        };
        let mut eigenvectors = vec![0.0; n * k];
        for slot in 0..k {
            let column = vectors.col(slot);
            // Eigenvectors have no sign; fix one so that runs agree.
            let sign = if column.iter().sum::<f64>() < 0.0 {
                -1.0
            } else {
                1.0
            };
            for v in 0..n {
                eigenvectors[v * k + slot] = sign * column[v] / sqrt_mass[v];
            }
        }
        Ok(Spectrum {
            eigenvalues,
            eigenvectors,
            vertices: n,
        })
    }

    /// How many eigenpairs.
    pub fn len(&self) -> usize {
        self.eigenvalues.len()
    }

    pub fn is_empty(&self) -> bool {
        self.eigenvalues.is_empty()
    }

    /// The eigenvector values at vertex `v`, one per eigenpair.
    pub fn at_vertex(&self, v: usize) -> &[f64] {
        let k = self.len();
        &self.eigenvectors[v * k..(v + 1) * k]
    }

    pub fn vertices(&self) -> usize {
        self.vertices
    }
}

/// Meshes up to this many vertices (or four times the eigenpairs asked) are solved densely.
const DENSE_LIMIT: usize = 256;

/// Vectors per Lanczos block: the largest multiplicity found exactly (a sphere's l = 3 comes
/// seven times; higher ones are split by any mesh's discretisation).
const BLOCK: usize = 8;

/// A Ritz pair is accepted when |Bx − μx| ≤ this × μ.
const RESIDUAL: f64 = 1e-9;

/// All eigenpairs of M^-½ L M^-½ by a dense symmetric solve; the `k` smallest are kept.
fn dense_eigenpairs(
    entries: &[(usize, usize, f64)],
    sqrt_mass: &[f64],
    k: usize,
) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = sqrt_mass.len();
    let mut matrix = Mat::<f64>::zeros(n, n);
    for &(i, j, v) in entries {
        matrix[(i, j)] += v / (sqrt_mass[i] * sqrt_mass[j]);
    }
    let eigen = matrix
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| Error::invalid(format!("the mesh's eigenproblem did not converge ({e:?})")))?;
    let values = (0..k).map(|i| eigen.S()[i].max(0.0)).collect();
    let vectors = Mat::from_fn(n, k, |r, c| eigen.U()[(r, c)]);
    Ok((values, vectors))
}

/// The `k` smallest eigenpairs by block Lanczos on the shift-inverted operator.
fn lanczos_eigenpairs(
    mesh: &TriMesh,
    entries: &[(usize, usize, f64)],
    mass: &[f64],
    sqrt_mass: Vec<f64>,
    k: usize,
) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = mass.len();
    // λ₁·area is about 10–25 on the shapes shipped here (π² on the unit square, 8π on the
    // unit sphere), so this shift sits about four decades below the first nonzero λ.
    let shift = 1e-3 / mesh.area();
    let shifted: Vec<Triplet<usize, usize, f64>> = entries
        .iter()
        .map(|&(i, j, v)| Triplet::new(i, j, v))
        .chain(
            mass.iter()
                .enumerate()
                .map(|(i, m)| Triplet::new(i, i, shift * m)),
        )
        .collect();
    let matrix = SparseColMat::<usize, f64>::try_new_from_triplets(n, n, &shifted)
        .map_err(|e| Error::Internal(format!("could not assemble the Laplacian: {e:?}")))?;
    let factor = matrix.sp_cholesky(Side::Lower).map_err(|e| {
        Error::invalid(format!(
            "the mesh's Laplacian could not be factorised ({e:?}); is the mesh degenerate?"
        ))
    })?;
    let operator = ShiftInverted { factor, sqrt_mass };
    let (mu, vectors) = block_lanczos(&operator, n, k)?;
    let values = mu.iter().map(|m| (1.0 / m - shift).max(0.0)).collect();
    Ok((values, vectors))
}

/// The `k` largest eigenpairs of the symmetric positive operator, largest first.
fn block_lanczos(operator: &ShiftInverted, n: usize, k: usize) -> Result<(Vec<f64>, Mat<f64>)> {
    let capacity = n.min(4 * k + 8 * BLOCK);
    let mut basis = Mat::<f64>::zeros(n, capacity + BLOCK);
    // The projection T = Vᵀ B V, filled a block of columns at a time.
    let mut projected = Mat::<f64>::zeros(capacity + BLOCK, capacity + BLOCK);
    let mut rng = Rng::stream(0, "lanczos");
    let mut start = Mat::<f64>::from_fn(n, BLOCK, |_, _| rng.normal());
    let mut used = 0;
    orthonormalise(basis.as_ref(), used, start.as_mut(), &mut rng);
    basis.get_mut(.., 0..BLOCK).copy_from(&start);
    used += BLOCK;
    let mut done = 0; // columns of T that are complete
    let mut next_check = k + 2 * BLOCK;
    loop {
        let block = basis.get(.., done..done + BLOCK).to_owned();
        let mut product = Mat::<f64>::zeros(n, BLOCK);
        operator.apply(product.as_mut(), block.as_ref());
        // Twice-repeated block Gram–Schmidt against the whole basis.
        let mut coefficients = Mat::<f64>::zeros(used, BLOCK);
        for _ in 0..2 {
            let step = basis.get(.., 0..used).transpose() * &product;
            matmul(
                product.as_mut(),
                Accum::Add,
                basis.get(.., 0..used),
                step.as_ref(),
                -1.0,
                Par::Seq,
            );
            coefficients += &step;
        }
        projected
            .get_mut(0..used, done..done + BLOCK)
            .copy_from(&coefficients);
        done += BLOCK;
        let full = used + BLOCK > capacity + BLOCK || used >= n;
        let coupling = if full {
            Mat::<f64>::zeros(BLOCK, BLOCK)
        } else {
            let r = orthonormalise(basis.as_ref(), used, product.as_mut(), &mut rng);
            basis.get_mut(.., used..used + BLOCK).copy_from(&product);
            projected
                .get_mut(used..used + BLOCK, done - BLOCK..done)
                .copy_from(&r);
            used += BLOCK;
            r
        };
        if done < next_check && !full {
            continue;
        }
        next_check = done + k / 2 + BLOCK;
        // Rayleigh–Ritz on the complete part of T.
        let t = projected.get(0..done, 0..done);
        let symmetric = Mat::<f64>::from_fn(done, done, |i, j| 0.5 * (t[(i, j)] + t[(j, i)]));
        let eigen = symmetric.self_adjoint_eigen(Side::Lower).map_err(|e| {
            Error::invalid(format!("the mesh's eigenproblem did not converge ({e:?})"))
        })?;
        // Ascending μ: the k largest are the last k.
        let wanted: Vec<usize> = (done.saturating_sub(k)..done).rev().collect();
        let converged = wanted.len() == k
            && wanted.iter().all(|&c| {
                let mu = eigen.S()[c];
                // |Bx − μx| = |R · (the last block's entries of y)|.
                let tail = eigen.U().get(done - BLOCK..done, c);
                let residual = (&coupling * tail).norm_l2();
                residual <= RESIDUAL * mu.abs()
            });
        if converged || full {
            if !converged && used < n {
                return Err(Error::invalid(format!(
                    "the {k} smallest eigenpairs did not converge; ask for fewer"
                )));
            }
            let values: Vec<f64> = wanted.iter().map(|&c| eigen.S()[c]).collect();
            let ritz = Mat::<f64>::from_fn(done, wanted.len(), |r, c| eigen.U()[(r, wanted[c])]);
            let vectors = basis.get(.., 0..done) * &ritz;
            return Ok((values, vectors));
        }
    }
}

/// Makes `block`'s columns, already orthogonal to the first `used` columns of `basis`,
/// orthonormal to each other (Gram–Schmidt, twice), returning R with block = Q·R. A column that vanishes (the Krylov space has closed in that direction) is replaced
/// by a random one, its row of R left zero.
fn orthonormalise(
    basis: MatRef<'_, f64>,
    used: usize,
    mut block: MatMut<'_, f64>,
    rng: &mut Rng,
) -> Mat<f64> {
    let width = block.ncols();
    let mut r = Mat::<f64>::zeros(width, width);
    for c in 0..width {
        let original = block.rb().col(c).norm_l2().max(f64::MIN_POSITIVE);
        let mut replaced = false;
        loop {
            for _ in 0..2 {
                // The caller has already projected the block off the basis; a column restarted
                // from noise has not been.
                if used > 0 && replaced {
                    let overlap = basis.get(.., 0..used).transpose() * block.rb().col(c);
                    let correction = basis.get(.., 0..used) * &overlap;
                    let mut column = block.rb_mut().col_mut(c);
                    column -= &correction;
                }
                for previous in 0..c {
                    let overlap = block.rb().col(previous).transpose() * block.rb().col(c);
                    if !replaced {
                        r[(previous, c)] += overlap;
                    }
                    let earlier = block.rb().col(previous).to_owned();
                    let mut column = block.rb_mut().col_mut(c);
                    column -= faer::Scale(overlap) * &earlier;
                }
            }
            let length = block.rb().col(c).norm_l2();
            if length > 1e-10 * original {
                if !replaced {
                    r[(c, c)] = length;
                }
                let mut column = block.rb_mut().col_mut(c);
                column *= faer::Scale(1.0 / length);
                break;
            }
            // The column vanished: continue from noise, its R entries zero.
            for previous in 0..c {
                r[(previous, c)] = 0.0;
            }
            replaced = true;
            for i in 0..block.nrows() {
                block[(i, c)] = rng.normal();
            }
        }
    }
    r
}

/// x ↦ M^½ (L + σM)⁻¹ M^½ x.
struct ShiftInverted {
    factor: Llt<usize, f64>,
    sqrt_mass: Vec<f64>,
}

impl ShiftInverted {
    fn apply(&self, mut out: MatMut<'_, f64>, rhs: MatRef<'_, f64>) {
        for c in 0..rhs.ncols() {
            for r in 0..rhs.nrows() {
                out[(r, c)] = rhs[(r, c)] * self.sqrt_mass[r];
            }
        }
        self.factor.solve_in_place(out.as_mut());
        for c in 0..out.ncols() {
            for r in 0..out.nrows() {
                out[(r, c)] *= self.sqrt_mass[r];
            }
        }
    }
}
