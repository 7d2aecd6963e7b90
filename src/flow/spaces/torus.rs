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
    fn divergence_from_jacobian(
        &self,
        x: Tensor<2>,
        _raw: Tensor<2>,
        jacobian: Tensor<3>,
    ) -> Option<Tensor<2>> {
        // The flat chart's divergence Σᵢ ∂vᵢ/∂θᵢ through the features (cos θ, sin θ):
        // ∂vᵢ/∂θᵢ = −sin θᵢ ∂vᵢ/∂cos θᵢ + cos θᵢ ∂vᵢ/∂sin θᵢ.
        let [_, n, angles] = jacobian.dims();
        let along = |feature: usize, angle: usize| {
            jacobian
                .clone()
                .slice([feature..feature + 1, 0..n, angle..angle + 1])
                .reshape([n, 1])
        };
        (0..angles)
            .map(|i| {
                let theta = x.clone().slice([0..n, i..i + 1]);
                along(angles + i, i) * theta.clone().cos() - along(i, i) * theta.sin()
            })
            .reduce(|a, b| a + b)
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
