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
    /// Clouds too large for every relabelling (LJ13) find each cloud's principal axes once per
    /// batch; small planar clouds (DW4) are costed several columns per vector.
    fn orbit_costs(&self, x0: &Points, x1: &Points) -> CostMatrix {
        if self.cloud.n > EXHAUSTIVE_PARTICLES {
            // One set of round buffers per row.
            let axes0: Vec<[f64; 9]> = x0.iter().map(|x| principal_axes(self.cloud, x)).collect();
            let axes1: Vec<[f64; 9]> = x1.iter().map(|x| principal_axes(self.cloud, x)).collect();
            return CostMatrix::from_rows(x0.len(), |i, row| {
                let a = x0.point(i);
                let mut rounds = Rounds::new(self.cloud);
                for ((cost, b), axes) in row.iter_mut().zip(x1.iter()).zip(&axes1) {
                    let starts = axis_alignments(self.cloud, &axes0[i], axes);
                    let starts = &starts[..1 << self.cloud.d];
                    *cost = rounds.alternate(a, b, starts, ALTERNATED_STARTS) as f32;
                }
            });
        }
        if self.cloud.d != 2 {
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
            let starts = axis_alignments(
                self.cloud,
                &principal_axes(self.cloud, x0),
                &principal_axes(self.cloud, x1),
            );
            self.alternating(x0, x1, &starts[..1 << self.cloud.d], ALTERNATED_STARTS)
        }
    }

    /// Every relabelling, each with its best orthogonal R.
    pub fn exhaustive(&self, x0: &[f64], x1: &[f64]) -> OrbitMatch {
        let (n, d) = (self.cloud.n, self.cloud.d);
        let (_, best) = self.best_relabelling(x0, x1);
        let matching = best[..n].to_vec();
        let mut m = vec![0.0; d * d];
        correlation(self.cloud, x0, x1, &matching, &mut m);
        let rotation = kabsch(d, &m)[..d * d].to_vec();
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
        starts: &[impl AsRef<[f64]>],
        kept: usize,
    ) -> OrbitMatch {
        let mut rounds = Rounds::new(self.cloud);
        let cost = rounds.alternate(x0, x1, starts, kept);
        OrbitMatch {
            cost,
            rotation: rounds.best_rotation[..self.cloud.d * self.cloud.d].to_vec(),
            matching: rounds.best_matching.clone(),
        }
    }
}

/// Buffers for assignment–Kabsch rounds on one shape, reused from pair to pair: a batch
/// runs many thousands of rounds, each a few microseconds.
struct Rounds {
    cloud: Cloud,
    /// |x0|² + |x1|² of the pair.
    norms: f64,
    correlation: [f64; 9],
    costs: Vec<f64>,
    rotated: Vec<f64>,
    assignment: Hungarian,
    /// The latest round's matching and rotation.
    matching: Vec<usize>,
    rotation: [f64; 9],
    /// The screened starts' costs and rotations after their first round, and their matchings
    /// (n each, in start order).
    screened: Vec<(f64, [f64; 9], usize)>,
    screened_matchings: Vec<usize>,
    /// The matching of the start being alternated.
    state_matching: Vec<usize>,
    /// The best motion of the latest [`Rounds::alternate`].
    best_rotation: [f64; 9],
    best_matching: Vec<usize>,
}

impl Rounds {
    fn new(cloud: Cloud) -> Self {
        Self {
            cloud,
            norms: 0.0,
            correlation: [0.0; 9],
            costs: vec![0.0; cloud.n * cloud.n],
            rotated: vec![0.0; cloud.n * cloud.d],
            assignment: Hungarian::new(cloud.n),
            matching: vec![0; cloud.n],
            rotation: [0.0; 9],
            screened: Vec::new(),
            screened_matchings: Vec::new(),
            state_matching: vec![0; cloud.n],
            best_rotation: [0.0; 9],
            best_matching: vec![0; cloud.n],
        }
    }

    /// [`CloudCoupling::alternating`]'s search; the cost it returns, its motion left in
    /// `best_rotation` and `best_matching`.
    fn alternate(
        &mut self,
        x0: &[f64],
        x1: &[f64],
        starts: &[impl AsRef<[f64]>],
        kept: usize,
    ) -> f64 {
        let (n, d) = (self.cloud.n, self.cloud.d);
        self.norms = squared_norm(x0) + squared_norm(x1);
        self.screened.clear();
        self.screened_matchings.clear();
        for (index, start) in starts.iter().enumerate() {
            let cost = self.round(x0, x1, start.as_ref());
            self.screened.push((cost, self.rotation, index));
            self.screened_matchings.extend_from_slice(&self.matching);
        }
        if self.screened.is_empty() {
            self.best_rotation = [0.0; 9];
            self.best_rotation[..d * d].copy_from_slice(&identity(d));
            for (i, m) in self.best_matching.iter_mut().enumerate() {
                *m = i;
            }
            return rotated_cost(self.cloud, x0, x1, &identity(d), &self.best_matching);
        }
        self.screened.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut best_cost = f64::INFINITY;
        for s in 0..kept.max(1).min(self.screened.len()) {
            let (mut cost, mut rotation, index) = self.screened[s];
            self.state_matching
                .copy_from_slice(&self.screened_matchings[index * n..][..n]);
            for _ in 0..MAX_ALTERNATIONS {
                let next = self.round(x0, x1, &rotation[..d * d]);
                if next >= cost - 1e-12 * cost.abs().max(1.0) {
                    break;
                }
                (cost, rotation) = (next, self.rotation);
                self.state_matching.copy_from_slice(&self.matching);
            }
            if cost < best_cost {
                best_cost = cost;
                self.best_rotation = rotation;
                self.best_matching.copy_from_slice(&self.state_matching);
            }
        }
        best_cost
    }

    /// The particles matched exactly once x0 is turned by `rotation`, then the best rotation
    /// for that matching (left in `matching` and `rotation`); returns the cost it reaches.
    fn round(&mut self, x0: &[f64], x1: &[f64], rotation: &[f64]) -> f64 {
        let (n, d) = (self.cloud.n, self.cloud.d);
        self.cloud.rotate(&rotation[..d * d], x0, &mut self.rotated);
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
        self.assignment.solve_into(&self.costs, &mut self.matching);
        correlation(
            self.cloud,
            x0,
            x1,
            &self.matching,
            &mut self.correlation[..d * d],
        );
        self.rotation = kabsch(d, &self.correlation[..d * d]);
        // Σ|R·a_i − b_p(i)|² = |a|² + |b|² − 2 tr(R·M).
        let mut trace = 0.0;
        for r in 0..d {
            for c in 0..d {
                trace += self.rotation[r * d + c] * self.correlation[c * d + r];
            }
        }
        (self.norms - 2.0 * trace).max(0.0)
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

fn squared_norm(x: &[f64]) -> f64 {
    let mut total = 0.0;
    for v in x {
        total += v * v;
    }
    total
}

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
            // Written out: these run for every round of every pair of a batch.
            g[r * 3 + c] = m[r] * m[c] + m[3 + r] * m[3 + c] + m[6 + r] * m[6 + c];
        }
    }
    g
}

/// The orthogonal R minimising Σ|R·a_i − b_i|² for M = Σ a_i b_iᵀ: R = V·Uᵀ for M = U·Σ·Vᵀ,
/// row-major d×d in the first d² entries.
pub fn kabsch(d: usize, m: &[f64]) -> [f64; 9] {
    if d == 2 {
        let rotation = (m[0] + m[3]).hypot(m[1] - m[2]);
        let reflection = (m[0] - m[3]).hypot(m[1] + m[2]);
        return if rotation >= reflection {
            let theta = (m[1] - m[2]).atan2(m[0] + m[3]);
            let (s, c) = theta.sin_cos();
            [c, -s, s, c, 0.0, 0.0, 0.0, 0.0, 0.0]
        } else {
            let theta = (m[1] + m[2]).atan2(m[0] - m[3]);
            let (s, c) = theta.sin_cos();
            [c, s, s, -c, 0.0, 0.0, 0.0, 0.0, 0.0]
        };
    }
    // MᵀM = V·Σ²·Vᵀ; the columns of U are M·v/σ, completed by a cross product where σ vanishes.
    let (values, v) = symmetric_eigen3(&gram(m));
    let column = |k: usize| [v[k], v[3 + k], v[6 + k]];
    let mut u = [[0.0; 3]; 3];
    let scale = values[0].max(f64::MIN_POSITIVE).sqrt();
    for (k, uk) in u.iter_mut().enumerate() {
        let vk = column(k);
        let mv = [0, 1, 2].map(|r| m[r * 3] * vk[0] + m[r * 3 + 1] * vk[1] + m[r * 3 + 2] * vk[2]);
        let norm = (mv[0] * mv[0] + mv[1] * mv[1] + mv[2] * mv[2]).sqrt();
        if norm > 1e-9 * scale {
            *uk = mv.map(|x| x / norm);
        }
    }
    complete_basis(&mut u);
    let mut r = [0.0; 9];
    for row in 0..3 {
        for col in 0..3 {
            r[row * 3 + col] =
                v[row * 3] * u[0][col] + v[row * 3 + 1] * u[1][col] + v[row * 3 + 2] * u[2][col];
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

/// A cloud's principal axes: row-major d×d in the first d² entries, the columns the axes by
/// decreasing spread.
fn principal_axes(cloud: Cloud, x: &[f64]) -> [f64; 9] {
    let d = cloud.d;
    let mut cov = [0.0; 9];
    for p in x.chunks_exact(d) {
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
    let mut out = [0.0; 9];
    for r in 0..d {
        for c in 0..d {
            out[r * d + c] = vectors[r * 3 + c];
        }
    }
    out
}

/// Every orthogonal map taking the principal axes `e0` of x0 onto those `e1` of x1 (each axis
/// either way round): the alternation's starts, the first 2^d of the eight.
fn axis_alignments(cloud: Cloud, e0: &[f64; 9], e1: &[f64; 9]) -> [[f64; 9]; 8] {
    let d = cloud.d;
    let mut starts = [[0.0; 9]; 8];
    for (signs, r) in starts.iter_mut().enumerate().take(1 << d) {
        // R = E1·S·E0ᵀ.
        let sign = |k: usize| if signs >> k & 1 == 1 { -1.0 } else { 1.0 };
        for row in 0..d {
            for col in 0..d {
                let mut sum = 0.0;
                for k in 0..d {
                    sum += e1[row * d + k] * sign(k) * e0[col * d + k];
                }
                r[row * d + col] = sum;
            }
        }
    }
    starts
}

/// The exact minimum-cost perfect matching of a small dense n×n problem: row i is matched with
/// column `result[i]`.
pub fn hungarian(n: usize, costs: &[f64]) -> Vec<usize> {
    let mut matching = vec![0; n];
    Hungarian::new(n).solve_into(costs, &mut matching);
    matching
}

/// A small dense assignment solver (shortest augmenting paths with column prices, as in
/// Jonker and Volgenant's), its buffers kept between the many small problems of a batch.
pub struct Hungarian {
    n: usize,
    /// Column prices: row i's reduced cost for column j is c_ij − price_j.
    price: Vec<f64>,
    row_of: Vec<usize>,
    col_of: Vec<usize>,
    /// Shortest-path distances, predecessors and the columns ordered as scanned.
    distance: Vec<f64>,
    predecessor: Vec<usize>,
    columns: Vec<usize>,
    free_rows: Vec<usize>,
}

const UNMATCHED: usize = usize::MAX;

impl Hungarian {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            price: vec![0.0; n],
            row_of: vec![UNMATCHED; n],
            col_of: vec![UNMATCHED; n],
            distance: vec![0.0; n],
            predecessor: vec![0; n],
            columns: vec![0; n],
            free_rows: Vec::with_capacity(n),
        }
    }

    /// Row i's column, into `matching[i]`, of the cheapest perfect matching of the row-major
    /// n×n `costs`.
    pub fn solve_into(&mut self, costs: &[f64], matching: &mut [usize]) {
        let n = self.n;
        assert_eq!(costs.len(), n * n, "an n×n cost matrix");
        // With zero prices every row is free; the row reduction below settles most of them.
        self.price.fill(0.0);
        self.row_of.fill(UNMATCHED);
        self.free_rows.clear();
        self.free_rows.extend(0..n);
        self.reduce_free_rows(costs);
        for f in 0..self.free_rows.len() {
            let free_row = self.free_rows[f];
            self.augment(costs, free_row);
        }
        matching.copy_from_slice(&self.col_of);
    }

    /// Augmenting row reduction (Jonker and Volgenant): each free row takes its cheapest column
    /// and raises that column's price until the row's second choice is as cheap, evicting the
    /// column's row, which is served next while prices strictly rise. Every matched row keeps a
    /// column of least reduced cost, so the shortest paths that follow stay exact; nearly every
    /// collision is settled here with one scan of a row instead of a search.
    fn reduce_free_rows(&mut self, costs: &[f64]) {
        let n = self.n;
        for _pass in 0..2 {
            let pending = self.free_rows.len();
            let (mut k, mut next) = (0, 0);
            // Strict price rises can come in ever smaller steps: the cap hands what is left
            // to the searches, which need no such luck.
            let mut budget = 4 * n;
            while k < pending && budget > 0 {
                budget -= 1;
                let row = self.free_rows[k];
                k += 1;
                let row_costs = &costs[row * n..][..n];
                // The two least reduced costs and the first's column, without a branch to
                // mispredict: this scan is most of an assignment's time.
                let (mut first, mut second, mut j1) = (f64::INFINITY, f64::INFINITY, 0);
                for (j, (&c, &price)) in row_costs.iter().zip(&self.price).enumerate() {
                    let reduced = c - price;
                    let better = reduced < first;
                    second = if better { first } else { second.min(reduced) };
                    j1 = if better { j } else { j1 };
                    first = if better { reduced } else { first };
                }
                let rises = first < second;
                let mut evicted = self.row_of[j1];
                if rises {
                    self.price[j1] -= second - first;
                } else if evicted != UNMATCHED {
                    // A tie: the row takes the other cheapest column, whose price cannot rise
                    // either, and any row it evicts waits for the next pass.
                    let tied = (0..n).find(|&j| j != j1 && row_costs[j] - self.price[j] == first);
                    if let Some(j2) = tied {
                        j1 = j2;
                        evicted = self.row_of[j2];
                    }
                }
                self.row_of[j1] = row;
                self.col_of[row] = j1;
                if evicted != UNMATCHED {
                    if rises {
                        // Served at once, in the slot its evictor just left.
                        k -= 1;
                        self.free_rows[k] = evicted;
                    } else {
                        self.free_rows[next] = evicted;
                        next += 1;
                    }
                }
            }
            // Rows the budget did not reach stay free.
            self.free_rows.copy_within(k..pending, next);
            self.free_rows.truncate(next + pending - k);
        }
    }

    /// Dijkstra from `start` over reduced costs to the nearest unmatched column, then the
    /// prices of the columns settled before it updated and the path flipped.
    fn augment(&mut self, costs: &[f64], start: usize) {
        let n = self.n;
        let start_costs = &costs[start * n..][..n];
        for (j, (&c, &price)) in start_costs.iter().zip(&self.price).enumerate() {
            self.distance[j] = c - price;
            self.predecessor[j] = start;
            self.columns[j] = j;
        }
        // columns[..settled] are done, columns[settled..frontier] sit at distance `min`, the
        // rest are further.
        let (mut settled, mut frontier) = (0, 0);
        let mut min = 0.0;
        let end = 'search: loop {
            if frontier == settled {
                // The next distance level: every remaining column at the smallest distance.
                min = self.distance[self.columns[frontier]];
                frontier += 1;
                // Every column past the first candidate is looked at once; those at the level
                // are swapped to the front as `frontier` grows.
                let unscanned = frontier;
                for k in unscanned..n {
                    let j = self.columns[k];
                    let h = self.distance[j];
                    if h <= min {
                        if h < min {
                            frontier = settled;
                            min = h;
                        }
                        self.columns.swap(k, frontier);
                        frontier += 1;
                    }
                }
                for k in settled..frontier {
                    let j = self.columns[k];
                    if self.row_of[j] == UNMATCHED {
                        break 'search j;
                    }
                }
            }
            // Settle one column at distance `min` and relax the unsettled ones through its row.
            let j1 = self.columns[settled];
            settled += 1;
            let row = self.row_of[j1];
            let row_costs = &costs[row * n..][..n];
            let offset = row_costs[j1] - self.price[j1] - min;
            let unreached = frontier;
            for k in unreached..n {
                let j = self.columns[k];
                let through = row_costs[j] - self.price[j] - offset;
                if through < self.distance[j] {
                    self.distance[j] = through;
                    self.predecessor[j] = row;
                    if through <= min {
                        if self.row_of[j] == UNMATCHED {
                            break 'search j;
                        }
                        self.columns.swap(k, frontier);
                        frontier += 1;
                    }
                }
            }
        };
        // Settled columns move their prices so that the tree's edges stay tight.
        for k in 0..settled {
            let j = self.columns[k];
            self.price[j] += self.distance[j] - min;
        }
        let mut column = end;
        loop {
            let row = self.predecessor[column];
            self.row_of[column] = row;
            let previous = std::mem::replace(&mut self.col_of[row], column);
            if row == start {
                break;
            }
            column = previous;
        }
    }
}
