//! Squared geodesic costs of two-coordinate points (the plane, the flat torus) computed on
//! demand: a row costs a few vector operations on the columns' coordinates, which stay in cache,
//! where a dense k×k matrix would be built first and then read from memory at every rescan.

use super::assignment::AssignmentCosts;
use crate::data::Points;
use std::f64::consts::{PI, TAU};

/// Relative rounding of f32.
const UNIT_ROUNDOFF: f32 = f32::EPSILON / 2.0;

/// The k×k squared geodesic costs between two samples of the plane or the torus, as the exact
/// OT solver reads them.
pub struct PlanarCosts {
    /// Row points' coordinates, centred (plane) or reduced to [0, 2π) (torus).
    rows: Coordinates,
    columns: Coordinates,
    /// Angles: differences wrap around 2π.
    wrap: bool,
    max: f32,
    /// How far a row's f32 values may be from `get`.
    row_error: f32,
}

/// Coordinates in f64 for exact entries, and in f32 for vectorised rows.
struct Coordinates {
    x: Vec<f64>,
    y: Vec<f64>,
    x32: Vec<f32>,
    y32: Vec<f32>,
}

impl Coordinates {
    fn new(points: &Points, map: impl Fn(f64) -> f64) -> Self {
        let (x, y): (Vec<f64>, Vec<f64>) = points.iter().map(|p| (map(p[0]), map(p[1]))).unzip();
        let x32 = x.iter().map(|&v| v as f32).collect();
        let y32 = y.iter().map(|&v| v as f32).collect();
        Self { x, y, x32, y32 }
    }

    fn restricted(&self, indices: &[usize]) -> Self {
        let pick = |v: &[f64]| indices.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let pick32 = |v: &[f32]| indices.iter().map(|&i| v[i]).collect::<Vec<_>>();
        Self {
            x: pick(&self.x),
            y: pick(&self.y),
            x32: pick32(&self.x32),
            y32: pick32(&self.y32),
        }
    }

    /// Moves the points by −`centre`.
    fn shift(&mut self, centre: [f64; 2]) {
        for (v, v32) in self.x.iter_mut().zip(&mut self.x32) {
            *v -= centre[0];
            *v32 = *v as f32;
        }
        for (v, v32) in self.y.iter_mut().zip(&mut self.y32) {
            *v -= centre[1];
            *v32 = *v as f32;
        }
    }

    /// Smallest and largest value of each coordinate.
    fn extent(&self) -> [(f64, f64); 2] {
        let range = |v: &[f64]| {
            v.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                    (lo.min(x), hi.max(x))
                })
        };
        [range(&self.x), range(&self.y)]
    }
}

impl PlanarCosts {
    /// Squared Euclidean costs between equal-size point sets in the plane.
    pub fn plane(a: &Points, b: &Points) -> Self {
        assert_eq!(a.len(), b.len(), "cost matrices are square");
        // Centring keeps f32 coordinates as small as the spread allows: costs only see
        // differences.
        let (mut rows, mut columns) = (Coordinates::new(a, |v| v), Coordinates::new(b, |v| v));
        let (ra, rb) = (rows.extent(), columns.extent());
        let span = [0, 1].map(|d| (ra[d].0.min(rb[d].0), ra[d].1.max(rb[d].1)));
        let centre = span.map(|(lo, hi)| 0.5 * (lo + hi));
        rows.shift(centre);
        columns.shift(centre);
        let reach = span.map(|(lo, hi)| hi - lo);
        let radius = 0.5 * reach[0].max(reach[1]);
        Self::with_bounds(rows, columns, false, reach, radius)
    }

    /// Squared wrapped-angle costs between equal-size point sets on the flat torus.
    pub fn torus(a: &Points, b: &Points) -> Self {
        assert_eq!(a.len(), b.len(), "cost matrices are square");
        let rows = Coordinates::new(a, |v| v.rem_euclid(TAU));
        let columns = Coordinates::new(b, |v| v.rem_euclid(TAU));
        let (ra, rb) = (rows.extent(), columns.extent());
        // A wrapped difference is at most π, and at most the spread of the angles.
        let reach = [0, 1].map(|d| (ra[d].1.max(rb[d].1) - ra[d].0.min(rb[d].0)).min(PI));
        Self::with_bounds(rows, columns, true, reach, TAU)
    }

    /// Every entry, row-major, as a dense matrix holds them.
    pub fn entries(&self) -> Vec<f32> {
        let n = self.n();
        (0..n)
            .flat_map(|i| (0..n).map(move |j| self.get(i, j)))
            .collect()
    }

    /// `reach`: the largest difference along each coordinate; `radius`: the largest magnitude
    /// of a coordinate, which sets the f32 error.
    fn with_bounds(
        rows: Coordinates,
        columns: Coordinates,
        wrap: bool,
        reach: [f64; 2],
        radius: f64,
    ) -> Self {
        let max = ((reach[0] * reach[0] + reach[1] * reach[1]) * (1.0 + 1e-6)) as f32;
        // Rounding each coordinate, their difference (and its wrap), the squares and their sum:
        // well under 64 r² units of roundoff. The exact entry is itself rounded to f32.
        let row_error = (64.0 * radius * radius) as f32 * UNIT_ROUNDOFF + max * UNIT_ROUNDOFF;
        Self {
            rows,
            columns,
            wrap,
            max,
            row_error,
        }
    }
}

impl AssignmentCosts for PlanarCosts {
    fn n(&self) -> usize {
        self.rows.x.len()
    }

    fn max(&self) -> f32 {
        self.max
    }

    fn get(&self, i: usize, j: usize) -> f32 {
        let difference = |a: f64, b: f64| {
            let d = (a - b).abs();
            if self.wrap { d.min(TAU - d) } else { d }
        };
        let dx = difference(self.rows.x[i], self.columns.x[j]);
        let dy = difference(self.rows.y[i], self.columns.y[j]);
        (dx * dx + dy * dy) as f32
    }

    #[inline(always)]
    fn priced_row(&self, i: usize, prices: &[f32], buffer: &mut Vec<f32>) -> f32 {
        let (x, y) = (self.rows.x32[i], self.rows.y32[i]);
        let columns = self.columns.x32.iter().zip(&self.columns.y32).zip(prices);
        buffer.clear();
        if self.wrap {
            let tau = TAU as f32;
            buffer.extend(columns.map(|((&bx, &by), &p)| {
                let (dx, dy) = ((x - bx).abs(), (y - by).abs());
                let (dx, dy) = (dx.min(tau - dx), dy.min(tau - dy));
                (dx * dx + dy * dy) + p
            }));
        } else {
            buffer.extend(columns.map(|((&bx, &by), &p)| {
                let (dx, dy) = (x - bx, y - by);
                (dx * dx + dy * dy) + p
            }));
        }
        self.row_error
    }

    fn restricted(&self, indices: &[usize]) -> Self {
        // The parent's bounds hold for any part of it.
        Self {
            rows: self.rows.restricted(indices),
            columns: self.columns.restricted(indices),
            wrap: self.wrap,
            max: self.max,
            row_error: self.row_error,
        }
    }
}
