//! The alignment coupling for data with a symmetry group G: a pair's cost is the orbit cost
//! min_g |g·x0 − x1|², the k×k assignment minimises it, and each x0 is replaced by its image
//! g*·x0 nearest its partner before the path is drawn (Klein et al. 2023; Song et al. 2023).
//! With k = 1 it aligns independent pairs.

use super::{CostMatrix, solve_assignment};
use crate::data::Points;
use crate::geometry::Symmetry;

/// The problem's pairs matched on the orbit cost, each source row aligned to its partner:
/// (aligned x0, x1 reordered to match).
pub fn orbit_matching(group: Symmetry, x0: &Points, x1: &Points) -> (Points, Points) {
    let elements = group.elements();
    let x1 = if x0.len() > 1 {
        let costs =
            CostMatrix::from_pair_cost(x0, x1, |a, b| Symmetry::nearest_image(&elements, a, b).1);
        x1.reordered(&solve_assignment(&costs))
    } else {
        x1.clone()
    };
    let aligned: Vec<f64> = x0
        .iter()
        .zip(x1.iter())
        .flat_map(|(a, b)| Symmetry::nearest_image(&elements, a, b).0)
        .collect();
    (Points::new(x0.dim(), aligned, None), x1)
}
