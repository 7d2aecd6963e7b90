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
    /// Whether the features are the coordinates and the velocity is the raw output, as they
    /// are (then the divergence is the network's own Jacobian trace).
    fn is_chart_free(&self) -> bool {
        false
    }
    /// The velocity networks this space can train.
    fn networks(&self) -> &'static [Network] {
        &[Network::Mlp]
    }
}
