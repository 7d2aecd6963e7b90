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
    fn divergence_from_derivatives(
        &self,
        _x: Tensor<2>,
        _raw: Tensor<2>,
        jacobian: Tensor<3>,
        _directions: Option<Tensor<3>>,
    ) -> Option<Tensor<2>> {
        // The features are the coordinates and the velocity is the raw output.
        Some(super::jacobian_trace(jacobian))
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
