use crate::data::Points;
use crate::geometry::SpaceKind;

/// A dense square matrix of squared geodesic costs c(a_i, b_j), row-major, in f32 to halve the
/// memory traffic of the solvers (a 4096² matrix is 64 MiB).
pub struct CostMatrix {
    n: usize,
    data: Vec<f32>,
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
            SpaceKind::Plane => fill(&mut data, a, b, |x, y| {
                let (dx, dy) = (x[0] - y[0], x[1] - y[1]);
                dx * dx + dy * dy
            }),
            SpaceKind::Torus => fill(&mut data, a, b, |x, y| {
                let wrap = |d: f64| {
                    let d = d.abs() % std::f64::consts::TAU;
                    d.min(std::f64::consts::TAU - d)
                };
                let (dx, dy) = (wrap(x[0] - y[0]), wrap(x[1] - y[1]));
                dx * dx + dy * dy
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
        Self { n, data }
    }

    /// A matrix from explicit values (row-major, n×n).
    pub fn from_values(n: usize, data: Vec<f32>) -> Self {
        assert_eq!(data.len(), n * n, "cost matrices are square");
        Self { n, data }
    }

    /// The matrix restricted to `rows` × `columns`, in that order.
    pub fn submatrix(&self, rows: &[usize], columns: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * columns.len());
        for &i in rows {
            let row = self.row(i);
            data.extend(columns.iter().map(|&j| row[j]));
        }
        Self {
            n: rows.len(),
            data,
        }
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
        self.data.iter().copied().fold(0.0, f32::max)
    }

    /// Mean cost of the pairs (i, assignment[i]).
    pub fn mean_cost(&self, assignment: &[usize]) -> f64 {
        let total: f64 = assignment
            .iter()
            .enumerate()
            .map(|(i, &j)| self.get(i, j) as f64)
            .sum();
        total / assignment.len().max(1) as f64
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
