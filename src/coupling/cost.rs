use crate::data::Points;
use crate::geometry::SpaceKind;
use std::f64::consts::TAU;

/// A dense square matrix of squared geodesic costs c(a_i, b_j), row-major, in f32 to halve the
/// memory traffic of the solvers (a 4096² matrix is 64 MiB).
pub struct CostMatrix {
    n: usize,
    data: Vec<f32>,
    /// The largest entry, kept because the solvers' tolerances scale with it.
    max: f32,
}

impl CostMatrix {
    /// Costs between equal-size point sets `a` (rows) and `b` (columns).
    ///
    /// Each space has its own inlined loop: this runs k² times per OT solve.
    pub fn squared_geodesic(space: SpaceKind, a: &Points, b: &Points) -> Self {
        assert_eq!(a.len(), b.len(), "cost matrices are square");
        let n = a.len();
        let mut data = vec![0f32; n * n];
        match space {
            SpaceKind::Plane => fill_planar(&mut data, a, b, |d| d),
            SpaceKind::Torus => fill_planar(&mut data, a, b, |d| {
                // Angles lie in [0, 2π), so |Δ| < 2π except for points given unwrapped.
                let d = d.abs();
                let d = if d < TAU { d } else { d % TAU };
                d.min(TAU - d)
            }),
            SpaceKind::Sphere => fill(&mut data, a, b, |x, y| {
                let c = x[0] * y[0] + x[1] * y[1] + x[2] * y[2];
                let cross = [
                    x[1] * y[2] - x[2] * y[1],
                    x[2] * y[0] - x[0] * y[2],
                    x[0] * y[1] - x[1] * y[0],
                ];
                let s = (cross[0] * cross[0] + cross[1] * cross[1] + cross[2] * cross[2]).sqrt();
                let theta = s.atan2(c);
                theta * theta
            }),
        }
        Self::from_values(n, data)
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

/// Costs Δx² + Δy² of two-coordinate points, with `difference` applied to each Δ; the columns'
/// coordinates are split out first so the inner loop vectorises.
fn fill_planar(data: &mut [f32], a: &Points, b: &Points, difference: impl Fn(f64) -> f64) {
    let n = a.len();
    let (xs, ys): (Vec<f64>, Vec<f64>) = (0..n).map(|j| (b.point(j)[0], b.point(j)[1])).unzip();
    for (i, row) in data.chunks_exact_mut(n).enumerate() {
        let (x, y) = (a.point(i)[0], a.point(i)[1]);
        for ((c, &bx), &by) in row.iter_mut().zip(&xs).zip(&ys) {
            let (dx, dy) = (difference(x - bx), difference(y - by));
            *c = (dx * dx + dy * dy) as f32;
        }
    }
}

fn fill(data: &mut [f32], a: &Points, b: &Points, cost: impl Fn(&[f64], &[f64]) -> f64) {
    let n = a.len();
    for (i, row) in data.chunks_exact_mut(n).enumerate() {
        let x = a.point(i);
        for (j, c) in row.iter_mut().enumerate() {
            *c = cost(x, b.point(j)) as f32;
        }
    }
}
