//! The sphere's model inputs and outputs: the embedded point in, an ambient vector out,
//! projected to the tangent plane at the point.

use burn::tensor::Tensor;

use super::SpaceModel;
use crate::geometry::{Space, Sphere};

pub struct SphereModel;

impl SpaceModel for SphereModel {
    fn feature_dim(&self) -> usize {
        3
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn output_dim(&self) -> usize {
        3
    }
    fn velocity(&self, x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        Sphere.project_tangent_tensor(x, raw)
    }
}
