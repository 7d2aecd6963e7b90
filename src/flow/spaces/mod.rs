//! The model layer of each space: what the velocity network reads of a point, and how its raw
//! output becomes a velocity of the space.

mod cloud;
mod euclidean;
mod hyperbolic;
mod mesh;
mod plane;
mod sphere;
mod torus;

pub use cloud::CloudModel;
pub use euclidean::EuclideanModel;
pub use hyperbolic::HyperbolicModel;
pub use mesh::MeshModel;
pub use plane::PlaneModel;
pub use sphere::SphereModel;
pub use torus::TorusModel;

use burn::tensor::Tensor;

use super::network::Network;

/// A space's inputs and outputs of the velocity network.
pub trait SpaceModel: Send + Sync {
    /// Input features per point.
    fn feature_dim(&self) -> usize;
    /// The network's input for points (e.g. cos/sin of the torus angles).
    /// # Shapes: x `[N, dim]` → `[N, feature_dim]`.
    fn features(&self, x: Tensor<2>) -> Tensor<2>;
    /// Raw outputs per point.
    fn output_dim(&self) -> usize;
    /// The velocity at `x` from the raw output: a tangent vector of the space.
    /// # Shapes: x `[N, dim]`, raw `[N, output_dim]` → `[N, dim]`.
    fn velocity(&self, x: Tensor<2>, raw: Tensor<2>) -> Tensor<2>;
    /// The directions in feature space along which [`SpaceModel::divergence_from_derivatives`]
    /// needs the raw output's derivatives, where they are fewer than the features (a surface's
    /// two tangent directions in three coordinates, the torus's two angles in four features):
    /// forward mode then carries one tangent per direction, not per feature. None: along each
    /// feature, the whole Jacobian.
    /// # Shapes: x `[N, dim]` → `[K, N, F]`.
    fn derivative_directions(&self, _x: Tensor<2>) -> Option<Tensor<3>> {
        None
    }
    /// The divergence of the velocity at `x` (the one the likelihood integrates) from the raw
    /// output and its derivatives along `directions`, those [`SpaceModel::derivative_directions`]
    /// gave (`derivatives[k, r, j]` = ∂rawⱼ along direction k at point r; without directions,
    /// the Jacobian: ∂rawⱼ/∂featureₖ), where the space has it in closed form; None where the
    /// likelihood takes backward passes instead.
    /// # Shapes: x `[N, dim]`, raw `[N, O]`, derivatives `[K, N, O]`, directions `[K, N, F]`
    /// → `[N, 1]`.
    fn divergence_from_derivatives(
        &self,
        _x: Tensor<2>,
        _raw: Tensor<2>,
        _derivatives: Tensor<3>,
        _directions: Option<Tensor<3>>,
    ) -> Option<Tensor<2>> {
        None
    }
    /// Whether [`SpaceModel::divergence_from_derivatives`] answers.
    fn has_jacobian_divergence(&self) -> bool {
        false
    }
    /// The velocity networks this space can train.
    fn networks(&self) -> &'static [Network] {
        &[Network::Mlp]
    }
}

/// Σₖ vectors[k, r]·derivatives[k, r]: each direction's derivative read along a vector of its
/// own (a surface's divergence reads each tangent's derivative along that tangent).
/// # Shapes: derivatives `[K, N, O]`, vectors `[K, N, O]` → `[N, 1]`.
pub(crate) fn along_each_direction(derivatives: Tensor<3>, vectors: Tensor<3>) -> Tensor<2> {
    let [_, n, _] = derivatives.dims();
    (derivatives * vectors)
        .sum_dim(2)
        .sum_dim(0)
        .reshape([n, 1])
}

/// Σᵢ jacobian[i, r, i]: the trace of the raw output's Jacobian where features and outputs
/// are the same coordinates.
/// # Shapes: jacobian `[F, N, F]` → `[N, 1]`.
pub(crate) fn jacobian_trace(jacobian: Tensor<3>) -> Tensor<2> {
    let [features, n, _] = jacobian.dims();
    (0..features)
        .map(|i| {
            jacobian
                .clone()
                .slice([i..i + 1, 0..n, i..i + 1])
                .reshape([n, 1])
        })
        .reduce(|a, b| a + b)
        .unwrap_or_else(|| Tensor::zeros([n, 1], &jacobian.device()))
}
