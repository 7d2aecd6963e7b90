//! The sphere's model inputs and outputs: the embedded point in, an ambient vector out,
//! projected to the tangent plane at the point.

use burn::tensor::{Tensor, TensorData};

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
    /// Two orthonormal tangent directions at each point.
    fn derivative_directions(&self, x: Tensor<2>) -> Option<Tensor<3>> {
        tangent_basis(&x)
    }
    fn divergence_from_derivatives(
        &self,
        x: Tensor<2>,
        raw: Tensor<2>,
        derivatives: Tensor<3>,
        directions: Option<Tensor<3>>,
    ) -> Option<Tensor<2>> {
        // v = (I − xxᵀ) raw on the unit sphere, whose features are x. Along a unit tangent e,
        // e·∂ₑv = e·(J e) − x·raw, so the surface divergence is Σₖ eₖ·(J eₖ) − 2 x·raw.
        Some(super::along_each_direction(derivatives, directions?) - (x * raw).sum_dim(1) * 2.0)
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}

/// Two orthonormal tangents of the sphere at each point.
/// # Shapes: x `[N, 3]` → `[2, N, 3]`.
fn tangent_basis(x: &Tensor<2>) -> Option<Tensor<3>> {
    let n = x.dims()[0];
    let points: Vec<f32> = x.to_data().try_to_vec().ok()?;
    let mut basis = vec![0.0f32; 2 * n * 3];
    for (r, p) in points.chunks_exact(3).enumerate() {
        let (first, second) = glam::Vec3::from_slice(p)
            .normalize_or(glam::Vec3::Z)
            .any_orthonormal_pair();
        basis[r * 3..r * 3 + 3].copy_from_slice(&first.to_array());
        basis[(n + r) * 3..(n + r) * 3 + 3].copy_from_slice(&second.to_array());
    }
    Some(Tensor::from_data(
        TensorData::new(basis, [2, n, 3]),
        &x.device(),
    ))
}
