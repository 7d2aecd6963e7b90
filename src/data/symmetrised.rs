//! A distribution of the plane made invariant under a symmetry group: the union of its images,
//! each draw turned by an element of the group chosen uniformly.

use super::Sampler;
use crate::geometry::{Element, Symmetry};
use crate::rng::Rng;

pub struct Symmetrised {
    base: Box<dyn Sampler>,
    elements: Vec<Element>,
}

impl Symmetrised {
    pub fn new(base: Box<dyn Sampler>, group: Symmetry) -> Self {
        Self {
            base,
            elements: group.elements(),
        }
    }
}

impl Sampler for Symmetrised {
    fn dim(&self) -> usize {
        self.base.dim()
    }
    fn num_labels(&self) -> usize {
        self.base.num_labels()
    }
    fn sample_one(&self, rng: &mut Rng, out: &mut [f64]) -> u32 {
        let label = self.base.sample_one(rng, out);
        let g = &self.elements[rng.below(self.elements.len())];
        let turned = Symmetry::apply(g, out);
        out.copy_from_slice(&turned);
        label
    }
}
