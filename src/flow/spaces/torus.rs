//! The torus's model inputs and outputs: cos and sin of both angles in, so the field is
//! periodic, and angular velocities out.

use burn::tensor::Tensor;

use super::SpaceModel;

pub struct TorusModel;

impl SpaceModel for TorusModel {
    fn feature_dim(&self) -> usize {
        4
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        Tensor::cat(vec![x.clone().cos(), x.sin()], 1)
    }
    fn output_dim(&self) -> usize {
        2
    }
    fn velocity(&self, _x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        raw
    }
}
