//! R^d's model inputs and outputs: the d coordinates in, a velocity of d components out.

use burn::tensor::Tensor;

use super::SpaceModel;
use crate::geometry::Euclidean;

pub struct EuclideanModel {
    pub space: Euclidean,
}

impl SpaceModel for EuclideanModel {
    fn feature_dim(&self) -> usize {
        self.space.d
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn output_dim(&self) -> usize {
        self.space.d
    }
    fn velocity(&self, _x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        raw
    }
    fn is_chart_free(&self) -> bool {
        true
    }
}
