//! The point clouds' model inputs and outputs: the n·d coordinates in, a velocity out with its
//! centre of mass removed, so that flows stay on the mean-free subspace.

use burn::tensor::Tensor;

use super::SpaceModel;
use crate::flow::network::Network;
use crate::geometry::Cloud;

pub struct CloudModel {
    pub cloud: Cloud,
}

impl SpaceModel for CloudModel {
    fn feature_dim(&self) -> usize {
        self.cloud.n * self.cloud.d
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn output_dim(&self) -> usize {
        self.cloud.n * self.cloud.d
    }
    fn velocity(&self, _x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        self.cloud.remove_centre_tensor(raw)
    }
    fn networks(&self) -> &'static [Network] {
        &[Network::Mlp, Network::Egnn]
    }
}
