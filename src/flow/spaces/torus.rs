//! The torus's model inputs and outputs: cos and sin of both angles in, so the field is
//! periodic, and angular velocities out.

use burn::tensor::{Tensor, TensorData};

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
    /// Each angle's direction through the features (cos θ, sin θ): (−sin θ, cos θ) in its
    /// own pair, zero elsewhere.
    fn derivative_directions(&self, x: Tensor<2>) -> Option<Tensor<3>> {
        let [n, angles] = x.dims();
        let values: Vec<f32> = x.to_data().try_to_vec().ok()?;
        let features = 2 * angles;
        let mut directions = vec![0.0f32; angles * n * features];
        for (r, theta) in values.chunks_exact(angles).enumerate() {
            for (i, &theta) in theta.iter().enumerate() {
                let row = &mut directions[(i * n + r) * features..][..features];
                row[i] = -theta.sin();
                row[angles + i] = theta.cos();
            }
        }
        Some(Tensor::from_data(
            TensorData::new(directions, [angles, n, features]),
            &x.device(),
        ))
    }
    fn divergence_from_derivatives(
        &self,
        _x: Tensor<2>,
        _raw: Tensor<2>,
        derivatives: Tensor<3>,
        directions: Option<Tensor<3>>,
    ) -> Option<Tensor<2>> {
        // The flat chart's divergence Σᵢ ∂vᵢ/∂θᵢ: component i of the derivative along θᵢ
        // (the derivatives must be along the angles, not the features).
        directions?;
        let [angles, n, _] = derivatives.dims();
        (0..angles)
            .map(|i| {
                derivatives
                    .clone()
                    .slice([i..i + 1, 0..n, i..i + 1])
                    .reshape([n, 1])
            })
            .reduce(|a, b| a + b)
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
