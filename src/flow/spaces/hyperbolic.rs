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
    fn divergence_from_derivatives(
        &self,
        x: Tensor<2>,
        raw: Tensor<2>,
        jacobian: Tensor<3>,
        _directions: Option<Tensor<3>>,
    ) -> Option<Tensor<2>> {
        // v = raw/λ with 1/λ = (1 − |x|²)/2, so the chart's trace is tr(J)(1 − |x|²)/2 − raw·x;
        // the area element adds v·∇ log λ² = 4 v·x/(1 − |x|²) = 2 raw·x. In all:
        // tr(J)(1 − |x|²)/2 + raw·x.
        let shrink = (x.clone() * x.clone()).sum_dim(1).neg().add_scalar(1.0) * 0.5;
        Some(super::jacobian_trace(jacobian) * shrink + (raw * x).sum_dim(1))
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
