//! The alignment coupling for data with a symmetry group G: a pair's cost is the orbit cost
//! min_g |g·x0 − x1|², the k×k assignment minimises it, and each x0 is replaced by its image
//! g*·x0 nearest its partner before the path is drawn (Klein et al. 2023; Song et al. 2023).
//! With k = 1 it aligns independent pairs.

use super::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::{Element, Symmetry};

/// A group acting on a space's points, as the alignment coupling uses it.
pub trait Alignment: Send + Sync {
    /// min_g |g·x0 − x1|².
    fn orbit_cost(&self, x0: &[f64], x1: &[f64]) -> f64;
    /// g*·x0, the image of `x0` nearest `x1`, into `out`; returns its squared distance to `x1`.
    fn align(&self, x0: &[f64], x1: &[f64], out: &mut [f64]) -> f64;
    /// The orbit costs of every row of `x0` to every row of `x1`; groups with a faster way
    /// than one pair at a time override it.
    fn orbit_costs(&self, x0: &Points, x1: &Points) -> CostMatrix {
        CostMatrix::from_pair_cost(x0, x1, |a, b| self.orbit_cost(a, b))
    }
}

/// A finite group of the plane given by its elements.
pub struct PlaneGroup {
    elements: Vec<Element>,
}

impl PlaneGroup {
    pub fn new(group: Symmetry) -> Self {
        Self {
            elements: group.elements(),
        }
    }
}

impl Alignment for PlaneGroup {
    fn orbit_cost(&self, x0: &[f64], x1: &[f64]) -> f64 {
        Symmetry::nearest_image(&self.elements, x0, x1).1
    }
    fn align(&self, x0: &[f64], x1: &[f64], out: &mut [f64]) -> f64 {
        let (image, cost) = Symmetry::nearest_image(&self.elements, x0, x1);
        out.copy_from_slice(&image);
        cost
    }
}

/// The problem's pairs matched on the orbit cost, each source row aligned to its partner:
/// (aligned x0, x1 reordered to match).
pub fn orbit_matching(group: &dyn Alignment, x0: &Points, x1: &Points) -> (Points, Points) {
    let x1 = x1.reordered(&orbit_assignment(group, x0, x1));
    (aligned_sources(group, x0, &x1), x1)
}

/// The permutation minimising the summed orbit cost: the `x1` row for each `x0` row.
pub fn orbit_assignment(group: &dyn Alignment, x0: &Points, x1: &Points) -> Vec<usize> {
    if x0.len() < 2 {
        return (0..x0.len()).collect();
    }
    solve_assignment(&group.orbit_costs(x0, x1))
}

/// Each row of `x0` turned onto the same row of `x1` along the group.
pub fn aligned_sources(group: &dyn Alignment, x0: &Points, x1: &Points) -> Points {
    let dim = x0.dim();
    let mut aligned = vec![0.0; x0.len() * dim];
    for ((out, a), b) in aligned.chunks_exact_mut(dim).zip(x0.iter()).zip(x1.iter()) {
        group.align(a, b, out);
    }
    Points::new(dim, aligned, None)
}

/// A space's own group, borrowed for as long as the space lives.
impl<A: Alignment + ?Sized> Alignment for &A {
    fn orbit_cost(&self, x0: &[f64], x1: &[f64]) -> f64 {
        (**self).orbit_cost(x0, x1)
    }
    fn align(&self, x0: &[f64], x1: &[f64], out: &mut [f64]) -> f64 {
        (**self).align(x0, x1, out)
    }
    fn orbit_costs(&self, x0: &Points, x1: &Points) -> CostMatrix {
        (**self).orbit_costs(x0, x1)
    }
}
