use crate::data::Points;

/// A dense square matrix of squared geodesic costs c(a_i, b_j), row-major, in f32 to halve the
/// memory traffic of the solvers (a 4096² matrix is 64 MiB).
pub struct CostMatrix {
    n: usize,
    data: Vec<f32>,
    /// The largest entry, kept because the solvers' tolerances scale with it.
    max: f32,
}

impl CostMatrix {
    /// Costs `cost(a_i, b_j)` of any pair cost, the rows shared among the cores.
    pub fn from_pair_cost(
        a: &Points,
        b: &Points,
        cost: impl Fn(&[f64], &[f64]) -> f64 + Sync,
    ) -> Self {
        assert_eq!(a.len(), b.len(), "cost matrices are square");
        Self::from_rows(a.len(), |i, row| {
            let x = a.point(i);
            for (c, y) in row.iter_mut().zip(b.iter()) {
                *c = cost(x, y) as f32;
            }
        })
    }

    /// An n×n matrix whose row i `fill(i, row)` writes, the rows shared among the cores.
    pub fn from_rows(n: usize, fill: impl Fn(usize, &mut [f32]) + Sync) -> Self {
        let mut data = vec![0f32; n * n];
        let rows_per_thread = n.div_ceil(available_cores()).max(1);
        std::thread::scope(|scope| {
            for (part, rows) in data.chunks_mut(rows_per_thread * n).enumerate() {
                let fill = &fill;
                scope.spawn(move || {
                    for (offset, row) in rows.chunks_exact_mut(n).enumerate() {
                        fill(part * rows_per_thread + offset, row);
                    }
                });
            }
        });
        Self::from_values(n, data)
    }

    /// Squared arc lengths between unit vectors of the sphere.
    pub fn squared_arc_lengths(a: &Points, b: &Points) -> Self {
        assert_eq!(a.len(), b.len(), "cost matrices are square");
        let mut data = vec![0f32; a.len() * a.len()];
        fill_spherical(&mut data, a, b);
        Self::from_values(a.len(), data)
    }

    /// A matrix from explicit values (row-major, n×n).
    pub fn from_values(n: usize, data: Vec<f32>) -> Self {
        assert_eq!(data.len(), n * n, "cost matrices are square");
        let max = data.iter().copied().fold(0.0, f32::max);
        Self { n, data, max }
    }

    /// The matrix restricted to `rows` × `columns`, in that order.
    pub fn submatrix(&self, rows: &[usize], columns: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * columns.len());
        for &i in rows {
            let row = self.row(i);
            data.extend(columns.iter().map(|&j| row[j]));
        }
        Self::from_values(rows.len(), data)
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.n..(i + 1) * self.n]
    }

    pub fn get(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.n + j]
    }

    /// Sum of all entries.
    pub fn sum(&self) -> f64 {
        self.data.iter().map(|&c| c as f64).sum()
    }

    pub fn max(&self) -> f32 {
        self.max
    }
}

/// atan2(s, c) for s ≥ 0, to about 1e-10, without a library call so the loop vectorises:
/// the ratio of the smaller to the larger of s and |c| is brought below tan(π/8), where
/// twelve terms of the arctangent series suffice.
#[inline(always)]
fn angle(s: f64, c: f64) -> f64 {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    const TAN_PI_8: f64 = 0.414_213_562_373_095_1;
    // 1, −1/3, 1/5, … , −1/23: r − r³/3 + r⁵/5 − … by Horner's rule in r².
    const SERIES: [f64; 12] = {
        let mut terms = [0.0; 12];
        let mut k = 0;
        while k < 12 {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            terms[k] = sign / (2 * k + 1) as f64;
            k += 1;
        }
        terms
    };
    let c_abs = c.abs();
    let (small, large) = (s.min(c_abs), s.max(c_abs));
    let ratio = small / large.max(f64::MIN_POSITIVE);
    let shifted = ratio > TAN_PI_8;
    let r = if shifted {
        (ratio - 1.0) / (ratio + 1.0)
    } else {
        ratio
    };
    let r2 = r * r;
    let series = SERIES.iter().rev().fold(0.0, |acc, &term| term + r2 * acc);
    let theta = r * series + if shifted { FRAC_PI_4 } else { 0.0 };
    let theta = if s > c_abs { FRAC_PI_2 - theta } else { theta };
    if c < 0.0 { PI - theta } else { theta }
}

/// Squared arc lengths between unit vectors, the rows shared among the cores. The columns'
/// coordinates are split out and the angle is computed without branches so the loop vectorises.
fn fill_spherical(data: &mut [f32], a: &Points, b: &Points) {
    let n = a.len();
    let column = |d: usize| (0..n).map(|j| b.point(j)[d]).collect::<Vec<f64>>();
    let (bx, by, bz) = (column(0), column(1), column(2));
    let rows_per_thread = n.div_ceil(available_cores()).max(1);
    std::thread::scope(|scope| {
        for (part, rows) in data.chunks_mut(rows_per_thread * n).enumerate() {
            let (bx, by, bz) = (&bx, &by, &bz);
            scope.spawn(move || {
                for (offset, row) in rows.chunks_exact_mut(n).enumerate() {
                    let x = a.point(part * rows_per_thread + offset);
                    let columns = bx.iter().zip(by).zip(bz);
                    for (c, ((&y0, &y1), &y2)) in row.iter_mut().zip(columns) {
                        let cosine = x[0] * y0 + x[1] * y1 + x[2] * y2;
                        let (c0, c1, c2) = (
                            x[1] * y2 - x[2] * y1,
                            x[2] * y0 - x[0] * y2,
                            x[0] * y1 - x[1] * y0,
                        );
                        let sine = (c0 * c0 + c1 * c1 + c2 * c2).sqrt();
                        let theta = angle(sine, cosine);
                        *c = (theta * theta) as f32;
                    }
                }
            });
        }
    });
}

fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |t| t.get())
}
