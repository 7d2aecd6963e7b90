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
    fn divergence_from_jacobian(
        &self,
        x: Tensor<2>,
        raw: Tensor<2>,
        jacobian: Tensor<3>,
    ) -> Option<Tensor<2>> {
        // v = (I − xxᵀ) raw on the unit sphere, whose features are x: its surface divergence
        // is tr J − xᵀJx − 2 x·raw, with J the raw output's Jacobian.
        let [features, n, _] = jacobian.dims();
        // Row i: (J eᵢ)·x, the derivative along feature i read along x.
        let along: Tensor<2> = (jacobian.clone() * x.clone().unsqueeze_dim::<3>(0))
            .sum_dim(2)
            .reshape([features, n]);
        let x_j_x = (along.transpose() * x.clone()).sum_dim(1);
        Some(super::jacobian_trace(jacobian) - x_j_x - (x * raw).sum_dim(1) * 2.0)
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
