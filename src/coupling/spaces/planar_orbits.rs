//! The orbit costs of small planar clouds (d = 2, every relabelling tried) for a whole batch at
//! once. One pair at a time, the relabellings' sums are a few scalar additions each, and the
//! exhaustive search took most of a DW4 training step's time. Here a row is costed against
//! [`LANES`] columns together: the columns' coordinates are laid out particle by particle, so
//! each of a relabelling's sums is one vector addition across the columns.

use super::EXHAUSTIVE_PARTICLES;
use super::cloud::permutations;
use crate::data::Points;

/// Columns costed together.
const LANES: usize = 8;

/// One pair of particles' four shares of M (as in `best_planar_relabelling`), for each lane.
type Shares = [[f64; LANES]; 4];

/// [`LANES`] columns' particles, coordinate by coordinate.
#[derive(Clone, Copy)]
struct ColumnGroup {
    x: [[f64; LANES]; EXHAUSTIVE_PARTICLES],
    y: [[f64; LANES]; EXHAUSTIVE_PARTICLES],
    /// Each column's squared norm.
    norms: [f64; LANES],
}

/// The columns of an orbit-cost matrix, ready to cost rows against.
pub(super) struct PlanarOrbitColumns {
    particles: usize,
    groups: Vec<ColumnGroup>,
}

impl PlanarOrbitColumns {
    /// `columns`' points are clouds of `particles` (≤ [`EXHAUSTIVE_PARTICLES`]) in the plane.
    pub fn new(particles: usize, columns: &Points) -> Self {
        assert!(particles <= EXHAUSTIVE_PARTICLES && columns.dim() == 2 * particles);
        let empty = ColumnGroup {
            x: [[0.0; LANES]; EXHAUSTIVE_PARTICLES],
            y: [[0.0; LANES]; EXHAUSTIVE_PARTICLES],
            norms: [0.0; LANES],
        };
        let mut groups = vec![empty; columns.len().div_ceil(LANES)];
        for (j, point) in columns.iter().enumerate() {
            let (group, lane) = (&mut groups[j / LANES], j % LANES);
            for (p, xy) in point.chunks_exact(2).enumerate() {
                group.x[p][lane] = xy[0];
                group.y[p][lane] = xy[1];
            }
            group.norms[lane] = point.iter().map(|v| v * v).sum();
        }
        Self { particles, groups }
    }

    /// The orbit costs of the cloud `row` to every column, into `out`.
    pub fn fill_row(&self, row: &[f64], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { self.fill_row_avx2(row, out) };
        }
        self.fill_row_portable(row, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn fill_row_avx2(&self, row: &[f64], out: &mut [f32]) {
        self.fill_row_portable(row, out)
    }

    #[inline(always)]
    fn fill_row_portable(&self, row: &[f64], out: &mut [f32]) {
        let n = self.particles;
        let relabellings = permutations(n);
        let row_norm: f64 = row.iter().map(|v| v * v).sum();
        let mut table = [[[0.0f64; LANES]; 4]; EXHAUSTIVE_PARTICLES * EXHAUSTIVE_PARTICLES];
        for (group, out) in self.groups.iter().zip(out.chunks_mut(LANES)) {
            for i in 0..n {
                let (ax, ay) = (row[2 * i], row[2 * i + 1]);
                for j in 0..n {
                    let (bx, by) = (&group.x[j], &group.y[j]);
                    let shares: &mut Shares = &mut table[i * n + j];
                    for l in 0..LANES {
                        shares[0][l] = ax * bx[l] + ay * by[l];
                        shares[1][l] = ax * by[l] - ay * bx[l];
                        shares[2][l] = ax * bx[l] - ay * by[l];
                        shares[3][l] = ax * by[l] + ay * bx[l];
                    }
                }
            }
            // The largest squared Σσ over relabellings, per lane (Σσ ≥ 0).
            let mut best = [0.0f64; LANES];
            for relabelling in relabellings {
                let mut sum: Shares = [[0.0; LANES]; 4];
                for (i, &j) in relabelling[..n].iter().enumerate() {
                    let shares = &table[i * n + j];
                    for q in 0..4 {
                        for l in 0..LANES {
                            sum[q][l] += shares[q][l];
                        }
                    }
                }
                for l in 0..LANES {
                    let rotation = sum[0][l] * sum[0][l] + sum[1][l] * sum[1][l];
                    let reflection = sum[2][l] * sum[2][l] + sum[3][l] * sum[3][l];
                    let value = if rotation > reflection {
                        rotation
                    } else {
                        reflection
                    };
                    best[l] = if value > best[l] { value } else { best[l] };
                }
            }
            for (l, cost) in out.iter_mut().enumerate() {
                *cost = (row_norm + group.norms[l] - 2.0 * best[l].sqrt()).max(0.0) as f32;
            }
        }
    }
}
