//! The point clouds' pair cost (squared Euclidean on the mean-free coordinates, as they are
//! stored) and their orbit cost under O(d) × S(n): min over relabellings P and orthogonal R of
//! |R·x0 − P·x1|². For a fixed relabelling the best R is Kabsch's: with M = Σ_i a_i b_iᵀ and its
//! singular values σ, the minimum over O(d) is |a|² + |b|² − 2Σσ, at R = V·Uᵀ.
//!
//! Clouds of up to [`EXHAUSTIVE_PARTICLES`] particles try every relabelling (exact); larger
//! ones alternate an exact particle assignment with Kabsch until the cost stops falling, from
//! each alignment of the two clouds' principal axes (the best few after one round).

use std::sync::OnceLock;

use super::planar_orbits::PlanarOrbitColumns;
use super::{SpaceCoupling, snap_to_grid};
use crate::coupling::{Alignment, CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::Cloud;

/// Clouds of at most this many particles are aligned over all n! relabellings.
pub const EXHAUSTIVE_PARTICLES: usize = 6;

/// How point clouds of one shape are paired.
pub struct CloudCoupling {
    pub cloud: Cloud,
}

impl SpaceCoupling for CloudCoupling {
    fn pair_cost(&self, a: &[f64], b: &[f64]) -> f64 {
        a.iter().zip(b).map(|(p, q)| (p - q) * (p - q)).sum()
    }
    fn cost_matrix(&self, a: &Points, b: &Points) -> CostMatrix {
        CostMatrix::from_pair_cost(a, b, |p, q| self.pair_cost(p, q))
    }
    fn optimal_assignment(&self, a: &Points, b: &Points) -> Vec<usize> {
        solve_assignment(&self.cost_matrix(a, b))
    }
    /// Each particle's first coordinate, the others zero.
    fn project_observation(&self, x: &[f64], y: &mut [f64]) {
        for (i, out) in y.iter_mut().enumerate() {
            *out = if i % self.cloud.d == 0 { x[i] } else { 0.0 };
        }
    }
    fn projection_summary(&self) -> &'static str {
        "keep each particle's first coordinate"
    }
    fn quantize_observation(&self, x: &[f64], level: f64, y: &mut [f64]) {
        snap_to_grid(x, level, y);
    }
    fn alignment(&self) -> Option<&dyn Alignment> {
        Some(self)
    }
}

impl Alignment for CloudCoupling {
    fn orbit_cost(&self, x0: &[f64], x1: &[f64]) -> f64 {
        if self.cloud.n <= EXHAUSTIVE_PARTICLES {
            self.exhaustive_cost(x0, x1)
        } else {
            self.best_motion(x0, x1).cost
        }
    }
    /// Small planar clouds (DW4) are costed a batch at a time, several columns per vector.
    fn orbit_costs(&self, x0: &Points, x1: &Points) -> CostMatrix {
        if self.cloud.d != 2 || self.cloud.n > EXHAUSTIVE_PARTICLES {
            return CostMatrix::from_pair_cost(x0, x1, |a, b| self.orbit_cost(a, b));
        }
        assert_eq!(x0.len(), x1.len(), "cost matrices are square");
        let columns = PlanarOrbitColumns::new(self.cloud.n, x1);
        CostMatrix::from_rows(x0.len(), |i, row| columns.fill_row(x0.point(i), row))
    }
    fn align(&self, x0: &[f64], x1: &[f64], out: &mut [f64]) -> f64 {
        let best = self.best_motion(x0, x1);
        // R·x0 with its particles in x1's order: particle `perm[i]` of x0 matches particle i.
        let d = self.cloud.d;
        let mut inverse = vec![0; self.cloud.n];
        for (i, &j) in best.matching.iter().enumerate() {
            inverse[j] = i;
        }
        for (j, &i) in inverse.iter().enumerate() {
            let p = &x0[i * d..][..d];
            for r in 0..d {
                out[j * d + r] = (0..d).map(|c| best.rotation[r * d + c] * p[c]).sum();
            }
        }
        best.cost
    }
}

/// The best motion found for one pair.
#[derive(Debug, Clone)]
pub struct OrbitMatch {
    pub cost: f64,
    /// Row-major d×d orthogonal R.
    pub rotation: Vec<f64>,
    /// Particle i of x0 is matched with particle `matching[i]` of x1.
    pub matching: Vec<usize>,
}

impl CloudCoupling {
    /// The orbit cost of x0 to x1 and the motion reaching it.
    pub fn best_motion(&self, x0: &[f64], x1: &[f64]) -> OrbitMatch {
        if self.cloud.n <= EXHAUSTIVE_PARTICLES {
            self.exhaustive(x0, x1)
        } else {
            self.alternating(
                x0,
                x1,
                &principal_starts(self.cloud, x0, x1),
                ALTERNATED_STARTS,
            )
        }
    }

    /// Every relabelling, each with its best orthogonal R.
    pub fn exhaustive(&self, x0: &[f64], x1: &[f64]) -> OrbitMatch {
        let (n, d) = (self.cloud.n, self.cloud.d);
        let (_, best) = self.best_relabelling(x0, x1);
        let matching = best[..n].to_vec();
        let mut m = vec![0.0; d * d];
        correlation(self.cloud, x0, x1, &matching, &mut m);
        let rotation = kabsch(d, &m);
        let cost = rotated_cost(self.cloud, x0, x1, &rotation, &matching);
        OrbitMatch {
            cost,
            rotation,
            matching,
        }
    }

    /// The orbit cost over every relabelling, without the rotation that reaches it.
    fn exhaustive_cost(&self, x0: &[f64], x1: &[f64]) -> f64 {
        let (sigma, _) = self.best_relabelling(x0, x1);
        let norms: f64 = x0.iter().chain(x1).map(|v| v * v).sum();
        (norms - 2.0 * sigma).max(0.0)
    }

    /// The largest Σσ(M) over relabellings, M = Σ_i a_i b_p(i)ᵀ, and the relabelling p.
    /// Allocation-free: it runs for every pair of a batch.
    fn best_relabelling(&self, x0: &[f64], x1: &[f64]) -> (f64, [usize; EXHAUSTIVE_PARTICLES]) {
        let n = self.cloud.n;
        if self.cloud.d == 2 {
            return best_planar_relabelling(n, x0, x1);
        }
        // In space: each particle pair's share a_i b_jᵀ of M, so that a relabelling sums n
        // of them, then Σσ of the sum.
        let mut table = [[0.0f64; 9]; EXHAUSTIVE_PARTICLES * EXHAUSTIVE_PARTICLES];
        for i in 0..n {
            for j in 0..n {
                let (p, q) = (&x0[i * 3..][..3], &x1[j * 3..][..3]);
                for r in 0..3 {
                    for c in 0..3 {
                        table[i * n + j][r * 3 + c] = p[r] * q[c];
                    }
                }
            }
        }
        let mut best = (f64::NEG_INFINITY, [0; EXHAUSTIVE_PARTICLES]);
        for perm in permutations(n) {
            let mut sum = [0.0f64; 9];
            for (i, &j) in perm[..n].iter().enumerate() {
                for (total, t) in sum.iter_mut().zip(&table[i * n + j]) {
                    *total += t;
                }
            }
            let value = nuclear_norm(3, &sum);
            if value > best.0 {
                best = (value, *perm);
            }
        }
        best
    }

    /// One round of particle assignment and Kabsch from each of `starts` (row-major
    /// rotations), then the `kept` best alternated until the cost stops falling; the best.
    pub fn alternating(
        &self,
        x0: &[f64],
        x1: &[f64],
        starts: &[Vec<f64>],
        kept: usize,
    ) -> OrbitMatch {
        let mut rounds = Rounds::new(self.cloud, x0, x1);
        let mut screened: Vec<OrbitMatch> = starts
            .iter()
            .map(|start| rounds.round(x0, x1, start))
            .collect();
        screened.sort_by(|a, b| a.cost.total_cmp(&b.cost));
        screened.truncate(kept.max(1));
        screened
            .into_iter()
            .map(|mut state| {
                for _ in 0..MAX_ALTERNATIONS {
                    let next = rounds.round(x0, x1, &state.rotation);
                    if next.cost >= state.cost - 1e-12 * state.cost.abs().max(1.0) {
                        break;
                    }
                    state = next;
                }
                state
            })
            .min_by(|a, b| a.cost.total_cmp(&b.cost))
            .unwrap_or_else(|| {
                let n = self.cloud.n;
                let rotation = identity(self.cloud.d);
                OrbitMatch {
                    cost: rotated_cost(self.cloud, x0, x1, &rotation, &(0..n).collect::<Vec<_>>()),
                    rotation,
                    matching: (0..n).collect(),
                }
            })
    }
}

/// Buffers for assignment–Kabsch rounds on one shape.
struct Rounds {
    cloud: Cloud,
    /// |x0|² + |x1|² of the pair.
    norms: f64,
    correlation: Vec<f64>,
    costs: Vec<f64>,
    rotated: Vec<f64>,
    assignment: Hungarian,
}

impl Rounds {
    fn new(cloud: Cloud, x0: &[f64], x1: &[f64]) -> Self {
        Self {
            cloud,
            norms: x0.iter().chain(x1).map(|v| v * v).sum(),
            correlation: vec![0.0; cloud.d * cloud.d],
            costs: vec![0.0; cloud.n * cloud.n],
            rotated: vec![0.0; cloud.n * cloud.d],
            assignment: Hungarian::new(cloud.n),
        }
    }

    /// The particles matched exactly once x0 is turned by `rotation`, then the best rotation
    /// for that matching.
    fn round(&mut self, x0: &[f64], x1: &[f64], rotation: &[f64]) -> OrbitMatch {
        let (n, d) = (self.cloud.n, self.cloud.d);
        self.cloud.rotate(rotation, x0, &mut self.rotated);
        // |R·a_i − b_j|² = |a_i|² + |b_j|² − 2 (R·a_i)·b_j, and the first two terms are the same
        // for every matching: −(R·a_i)·b_j ranks matchings alike.
        for (i, a) in self.rotated.chunks_exact(d).enumerate() {
            for (j, b) in x1.chunks_exact(d).enumerate() {
                let mut dot = 0.0;
                for k in 0..d {
                    dot += a[k] * b[k];
                }
                self.costs[i * n + j] = -dot;
            }
        }
        let matching = self.assignment.solve(&self.costs);
        correlation(self.cloud, x0, x1, &matching, &mut self.correlation);
        let rotation = kabsch(d, &self.correlation);
        // Σ|R·a_i − b_p(i)|² = |a|² + |b|² − 2 tr(R·M).
        let mut trace = 0.0;
        for r in 0..d {
            for c in 0..d {
                trace += rotation[r * d + c] * self.correlation[c * d + r];
            }
        }
        OrbitMatch {
            cost: (self.norms - 2.0 * trace).max(0.0),
            rotation,
            matching,
        }
    }
}

/// Starts followed past their first round: the best of them after it.
pub const ALTERNATED_STARTS: usize = 2;

/// [`CloudCoupling::best_relabelling`] in the plane, where M enters Σσ only through four
/// sums (see `nuclear_norm`): each particle pair's four shares are tabled, each relabelling
/// adds n of them, and the larger of two squared norms decides (one square root in all).
fn best_planar_relabelling(
    n: usize,
    x0: &[f64],
    x1: &[f64],
) -> (f64, [usize; EXHAUSTIVE_PARTICLES]) {
    let mut table = [[0.0f64; 4]; EXHAUSTIVE_PARTICLES * EXHAUSTIVE_PARTICLES];
    for i in 0..n {
        let (ax, ay) = (x0[2 * i], x0[2 * i + 1]);
        for j in 0..n {
            let (bx, by) = (x1[2 * j], x1[2 * j + 1]);
            table[i * n + j] = [
                ax * bx + ay * by,
                ax * by - ay * bx,
                ax * bx - ay * by,
                ax * by + ay * bx,
            ];
        }
    }
    let mut best = (f64::NEG_INFINITY, [0; EXHAUSTIVE_PARTICLES]);
    for perm in permutations(n) {
        let mut sum = [0.0f64; 4];
        for (i, &j) in perm[..n].iter().enumerate() {
            let entry = &table[i * n + j];
            for k in 0..4 {
                sum[k] += entry[k];
            }
        }
        let value = (sum[0] * sum[0] + sum[1] * sum[1]).max(sum[2] * sum[2] + sum[3] * sum[3]);
        if value > best.0 {
            best = (value, *perm);
        }
    }
    (best.0.sqrt(), best.1)
}

/// Every permutation of 0..n (n ≤ [`EXHAUSTIVE_PARTICLES`]), listed once per process: the
/// exhaustive alignment runs over them for every pair of a batch.
pub(super) fn permutations(n: usize) -> &'static [[usize; EXHAUSTIVE_PARTICLES]] {
    static LISTS: OnceLock<Vec<Vec<[usize; EXHAUSTIVE_PARTICLES]>>> = OnceLock::new();
    let lists = LISTS.get_or_init(|| {
        (0..=EXHAUSTIVE_PARTICLES)
            .map(|n| {
                // Heap's algorithm visits every permutation with one swap each.
                let mut perm = [0; EXHAUSTIVE_PARTICLES];
                for (i, p) in perm.iter_mut().enumerate() {
                    *p = i;
                }
                let mut all = vec![perm];
                let mut counters = [0; EXHAUSTIVE_PARTICLES];
                let mut i = 0;
                while i < n {
                    if counters[i] < i {
                        if i % 2 == 0 {
                            perm.swap(0, i);
                        } else {
                            perm.swap(counters[i], i);
                        }
                        all.push(perm);
                        counters[i] += 1;
                        i = 0;
                    } else {
                        counters[i] = 0;
                        i += 1;
                    }
                }
                all
            })
            .collect()
    });
    &lists[n.min(EXHAUSTIVE_PARTICLES)]
}

/// Assignment–Kabsch rounds from one start; each lowers the cost, so few are needed.
const MAX_ALTERNATIONS: usize = 20;

fn identity(d: usize) -> Vec<f64> {
    (0..d * d)
        .map(|i| if i % (d + 1) == 0 { 1.0 } else { 0.0 })
        .collect()
}

/// M = Σ_i a_i b_{perm(i)}ᵀ, row-major d×d.
fn correlation(cloud: Cloud, a: &[f64], b: &[f64], perm: &[usize], m: &mut [f64]) {
    let d = cloud.d;
    m.iter_mut().for_each(|v| *v = 0.0);
    for (i, &j) in perm.iter().enumerate() {
        let (p, q) = (&a[i * d..][..d], &b[j * d..][..d]);
        for r in 0..d {
            for c in 0..d {
                m[r * d + c] += p[r] * q[c];
            }
        }
    }
}

/// Σ_i |R·a_i − b_{perm(i)}|².
fn rotated_cost(cloud: Cloud, a: &[f64], b: &[f64], rotation: &[f64], perm: &[usize]) -> f64 {
    let d = cloud.d;
    let mut total = 0.0;
    for (i, &j) in perm.iter().enumerate() {
        let (p, q) = (&a[i * d..][..d], &b[j * d..][..d]);
        for r in 0..d {
            let image: f64 = (0..d).map(|c| rotation[r * d + c] * p[c]).sum();
            total += (image - q[r]).powi(2);
        }
    }
    total
}

/// Σσ of the d×d matrix `m` (d = 2 or 3): the largest tr(R·M) over orthogonal R.
fn nuclear_norm(d: usize, m: &[f64]) -> f64 {
    if d == 2 {
        // tr(R·M) over rotations peaks at |(m00 + m11, m01 − m10)|, over reflections at
        // |(m00 − m11, m01 + m10)|; Σσ is the larger.
        let rotation = (m[0] + m[3]).hypot(m[1] - m[2]);
        let reflection = (m[0] - m[3]).hypot(m[1] + m[2]);
        return rotation.max(reflection);
    }
    let (values, _) = symmetric_eigen3(&gram(m));
    values.iter().map(|v| v.max(0.0).sqrt()).sum()
}

/// MᵀM of a 3×3 matrix.
fn gram(m: &[f64]) -> [f64; 9] {
    let mut g = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            g[r * 3 + c] = (0..3).map(|k| m[k * 3 + r] * m[k * 3 + c]).sum();
        }
    }
    g
}

/// The orthogonal R minimising Σ|R·a_i − b_i|² for M = Σ a_i b_iᵀ: R = V·Uᵀ for M = U·Σ·Vᵀ.
pub fn kabsch(d: usize, m: &[f64]) -> Vec<f64> {
    if d == 2 {
        let rotation = (m[0] + m[3]).hypot(m[1] - m[2]);
        let reflection = (m[0] - m[3]).hypot(m[1] + m[2]);
        return if rotation >= reflection {
            let theta = (m[1] - m[2]).atan2(m[0] + m[3]);
            let (s, c) = theta.sin_cos();
            vec![c, -s, s, c]
        } else {
            let theta = (m[1] + m[2]).atan2(m[0] - m[3]);
            let (s, c) = theta.sin_cos();
            vec![c, s, s, -c]
        };
    }
    // MᵀM = V·Σ²·Vᵀ; the columns of U are M·v/σ, completed by a cross product where σ vanishes.
    let (values, v) = symmetric_eigen3(&gram(m));
    let column = |k: usize| [v[k], v[3 + k], v[6 + k]];
    let mut u = [[0.0; 3]; 3];
    let scale = values[0].max(f64::MIN_POSITIVE).sqrt();
    for (k, uk) in u.iter_mut().enumerate() {
        let vk = column(k);
        let mv = [0, 1, 2].map(|r| (0..3).map(|c| m[r * 3 + c] * vk[c]).sum::<f64>());
        let norm = (mv[0] * mv[0] + mv[1] * mv[1] + mv[2] * mv[2]).sqrt();
        if norm > 1e-9 * scale {
            *uk = mv.map(|x| x / norm);
        }
    }
    complete_basis(&mut u);
    let mut r = vec![0.0; 9];
    for row in 0..3 {
        for col in 0..3 {
            r[row * 3 + col] = (0..3).map(|k| column(k)[row] * u[k][col]).sum();
        }
    }
    r
}

/// Replaces zero or dependent vectors of `u` (largest singular value first) by unit vectors
/// orthogonal to those before them.
fn complete_basis(u: &mut [[f64; 3]; 3]) {
    let norm = |a: [f64; 3]| (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    let cross = |a: [f64; 3], b: [f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    if norm(u[0]) < 0.5 {
        u[0] = [1.0, 0.0, 0.0];
    }
    if norm(u[1]) < 0.5 || (u[0][0] * u[1][0] + u[0][1] * u[1][1] + u[0][2] * u[1][2]).abs() > 0.5 {
        let helper = if u[0][0].abs() < 0.9 {
            [1.0, 0.0, 0.0]
        } else {
            [0.0, 1.0, 0.0]
        };
        let w = cross(u[0], helper);
        let n = norm(w);
        u[1] = w.map(|x| x / n);
    }
    if norm(u[2]) < 0.5 {
        u[2] = cross(u[0], u[1]);
    }
}

/// Eigenvalues (descending) and eigenvectors (the columns of a row-major 3×3) of a symmetric
/// 3×3 matrix, by cyclic Jacobi rotations.
fn symmetric_eigen3(a: &[f64; 9]) -> ([f64; 3], [f64; 9]) {
    let mut a = *a;
    let mut v = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    for _ in 0..32 {
        let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
        let scale = a[0] * a[0] + a[4] * a[4] + a[8] * a[8];
        if off <= 1e-30 * scale.max(f64::MIN_POSITIVE) {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            let apq = a[p * 3 + q];
            if apq.abs() < 1e-300 {
                continue;
            }
            let (app, aqq) = (a[p * 3 + p], a[q * 3 + q]);
            let theta = (aqq - app) / (2.0 * apq);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // A ← Jᵀ·A·J with J the rotation in the (p, q) plane.
            for k in 0..3 {
                let (akp, akq) = (a[k * 3 + p], a[k * 3 + q]);
                a[k * 3 + p] = c * akp - s * akq;
                a[k * 3 + q] = s * akp + c * akq;
            }
            for k in 0..3 {
                let (apk, aqk) = (a[p * 3 + k], a[q * 3 + k]);
                a[p * 3 + k] = c * apk - s * aqk;
                a[q * 3 + k] = s * apk + c * aqk;
            }
            for k in 0..3 {
                let (vkp, vkq) = (v[k * 3 + p], v[k * 3 + q]);
                v[k * 3 + p] = c * vkp - s * vkq;
                v[k * 3 + q] = s * vkp + c * vkq;
            }
        }
    }
    let mut order = [0, 1, 2];
    order.sort_by(|&i, &j| a[j * 3 + j].total_cmp(&a[i * 3 + i]));
    let values = order.map(|i| a[i * 3 + i]);
    let mut vectors = [0.0; 9];
    for (col, &i) in order.iter().enumerate() {
        for row in 0..3 {
            vectors[row * 3 + col] = v[row * 3 + i];
        }
    }
    (values, vectors)
}

/// Every orthogonal map taking x0's principal axes onto x1's (each axis either way round):
/// the alternation's starts.
fn principal_starts(cloud: Cloud, x0: &[f64], x1: &[f64]) -> Vec<Vec<f64>> {
    let d = cloud.d;
    let axes = |x: &[f64]| -> Vec<f64> {
        // Row-major d×d, columns the axes by decreasing spread.
        let mut cov = [0.0; 9];
        for i in 0..cloud.n {
            let p = &x[i * d..][..d];
            for r in 0..d {
                for c in 0..d {
                    cov[r * 3 + c] += p[r] * p[c];
                }
            }
        }
        if d == 2 {
            cov[8] = -1.0;
        }
        let (_, vectors) = symmetric_eigen3(&cov);
        let mut out = vec![0.0; d * d];
        for r in 0..d {
            for c in 0..d {
                out[r * d + c] = vectors[r * 3 + c];
            }
        }
        out
    };
    let (e0, e1) = (axes(x0), axes(x1));
    let mut starts = Vec::with_capacity(1 << d);
    for signs in 0..(1 << d) {
        // R = E1·S·E0ᵀ.
        let sign = |k: usize| if signs >> k & 1 == 1 { -1.0 } else { 1.0 };
        let mut r = vec![0.0; d * d];
        for row in 0..d {
            for col in 0..d {
                r[row * d + col] = (0..d)
                    .map(|k| e1[row * d + k] * sign(k) * e0[col * d + k])
                    .sum();
            }
        }
        starts.push(r);
    }
    starts
}

/// The exact minimum-cost perfect matching of a small dense n×n problem (Kuhn–Munkres with
/// potentials, O(n³)): row i is matched with column `result[i]`.
pub fn hungarian(n: usize, costs: &[f64]) -> Vec<usize> {
    Hungarian::new(n).solve(costs)
}

/// The Kuhn–Munkres solver's buffers, kept between the many small problems of one pair.
pub struct Hungarian {
    n: usize,
    // 1-based, with a virtual column 0, as in the classic formulation.
    u: Vec<f64>,
    v: Vec<f64>,
    row_of: Vec<usize>,
    way: Vec<usize>,
    min_to: Vec<f64>,
    used: Vec<bool>,
}

impl Hungarian {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            u: vec![0.0; n + 1],
            v: vec![0.0; n + 1],
            row_of: vec![0; n + 1],
            way: vec![0; n + 1],
            min_to: vec![0.0; n + 1],
            used: vec![false; n + 1],
        }
    }

    /// Row i's column of the cheapest perfect matching of the row-major n×n `costs`.
    pub fn solve(&mut self, costs: &[f64]) -> Vec<usize> {
        let n = self.n;
        // Row reduction starts the potentials, and a row whose cheapest column is still free
        // takes it at once: its edge is tight, so only the other rows need augmenting paths.
        self.v.fill(0.0);
        self.row_of.fill(0);
        self.way.fill(0);
        self.u[0] = 0.0;
        let mut pending = Vec::with_capacity(n);
        for row in 1..=n {
            let row_costs = &costs[(row - 1) * n..][..n];
            let (mut best, mut column) = (f64::INFINITY, 0);
            for (j, &c) in row_costs.iter().enumerate() {
                if c < best {
                    (best, column) = (c, j + 1);
                }
            }
            self.u[row] = best;
            if self.row_of[column] == 0 {
                self.row_of[column] = row;
            } else {
                pending.push(row);
            }
        }
        for row in pending {
            self.row_of[0] = row;
            let mut column = 0;
            self.min_to.fill(f64::INFINITY);
            self.used.fill(false);
            loop {
                self.used[column] = true;
                let i = self.row_of[column];
                let row_costs = &costs[(i - 1) * n..][..n];
                let ui = self.u[i];
                let mut delta = f64::INFINITY;
                let mut next = 0;
                // Columns 1..=n, zipped so that no index is checked in the inner loop.
                let columns = row_costs
                    .iter()
                    .zip(&self.v[1..])
                    .zip(&mut self.min_to[1..])
                    .zip(&mut self.way[1..])
                    .zip(&self.used[1..])
                    .enumerate();
                for (j, ((((&c, &vj), min_to), way), &used)) in columns {
                    if used {
                        continue;
                    }
                    let reduced = c - ui - vj;
                    if reduced < *min_to {
                        *min_to = reduced;
                        *way = column;
                    }
                    if *min_to < delta {
                        delta = *min_to;
                        next = j + 1;
                    }
                }
                for j in 0..=n {
                    if self.used[j] {
                        self.u[self.row_of[j]] += delta;
                        self.v[j] -= delta;
                    } else {
                        self.min_to[j] -= delta;
                    }
                }
                column = next;
                if self.row_of[column] == 0 {
                    break;
                }
            }
            loop {
                let previous = self.way[column];
                self.row_of[column] = self.row_of[previous];
                column = previous;
                if column == 0 {
                    break;
                }
            }
        }
        let mut result = vec![0; n];
        for j in 1..=n {
            result[self.row_of[j] - 1] = j - 1;
        }
        result
    }
}
