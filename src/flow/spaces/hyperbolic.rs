//! The hyperbolic plane's model inputs and outputs: the chart's coordinates in; out a vector in
//! an orthonormal frame of the metric, divided by λ_x into the chart, so that the network's
//! outputs keep their scale however near the rim a point lies.

use burn::tensor::Tensor;

use super::SpaceModel;
use crate::geometry::Hyperbolic;

pub struct HyperbolicModel;

impl SpaceModel for HyperbolicModel {
    fn feature_dim(&self) -> usize {
        2
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        x
    }
    fn output_dim(&self) -> usize {
        2
    }
    fn velocity(&self, x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        raw / Hyperbolic::conformal_factor_tensor(x)
    }
}
