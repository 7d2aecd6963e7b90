//! A mesh's model inputs and outputs: the ambient coordinates, centred on the mesh's bounding
//! box and scaled to [−1, 1], in; a velocity in ambient coordinates out. On a curved surface
//! the part along the normal is learned as zero (the targets lie in the faces' planes) and
//! ignored by the steps, which walk along the mesh.

use burn::tensor::{Tensor, TensorData};

use super::SpaceModel;
use crate::geometry::Space;
use crate::geometry::mesh::MeshSpace;

pub struct MeshModel {
    pub space: &'static MeshSpace,
}

impl MeshModel {
    /// Two orthonormal tangents of the face each point of `x` is on, `[2, N, 3]` row-major:
    /// every point's first, then every point's second.
    fn face_tangents(&self, x: &Tensor<2>) -> Option<Vec<f32>> {
        let n = x.dims()[0];
        let points: Vec<f32> = x.to_data().try_to_vec().ok()?;
        let mut tangents = vec![0.0f32; 2 * n * 3];
        for (r, p) in points.chunks_exact(3).enumerate() {
            let p: Vec<f64> = p.iter().map(|&v| f64::from(v)).collect();
            let [a, b, c] = self.space.mesh().corners(self.space.locate(&p).face);
            let first = (b - a).normalize();
            let second = (b - a).cross(c - a).normalize().cross(first);
            tangents[r * 3..r * 3 + 3].copy_from_slice(&first.as_vec3().to_array());
            tangents[(n + r) * 3..(n + r) * 3 + 3].copy_from_slice(&second.as_vec3().to_array());
        }
        Some(tangents)
    }

    /// Each feature per unit of its coordinate: the box's side scaled to 2.
    fn feature_scale(&self) -> Vec<f32> {
        let (lo, hi) = self.space.bounds();
        (0..self.space.dim())
            .map(|k| (2.0 / (hi[k] - lo[k]).max(1e-9)) as f32)
            .collect()
    }
}

impl SpaceModel for MeshModel {
    fn feature_dim(&self) -> usize {
        self.space.dim()
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let dim = self.space.dim();
        let (lo, hi) = self.space.bounds();
        let centre: Vec<f32> = (0..dim).map(|k| ((lo[k] + hi[k]) / 2.0) as f32).collect();
        let device = x.device();
        let row =
            |values: Vec<f32>| Tensor::<2>::from_data(TensorData::new(values, [1, dim]), &device);
        (x - row(centre)) * row(self.feature_scale())
    }
    fn output_dim(&self) -> usize {
        self.space.dim()
    }
    fn velocity(&self, _x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        raw
    }
    /// On a curved surface, two orthonormal tangents of the face each point is on (in the
    /// scaled features); a floor's divergence takes the whole Jacobian.
    fn derivative_directions(&self, x: Tensor<2>) -> Option<Tensor<3>> {
        if self.space.is_planar() {
            return None;
        }
        let scale = self.feature_scale();
        let mut tangents = self.face_tangents(&x)?;
        for (k, value) in tangents.iter_mut().enumerate() {
            *value *= scale[k % 3];
        }
        let n = x.dims()[0];
        Some(Tensor::from_data(
            TensorData::new(tangents, [2, n, 3]),
            &x.device(),
        ))
    }
    fn divergence_from_derivatives(
        &self,
        x: Tensor<2>,
        _raw: Tensor<2>,
        derivatives: Tensor<3>,
        directions: Option<Tensor<3>>,
    ) -> Option<Tensor<2>> {
        // The features are the coordinates scaled per axis, so a floor's ∂v/∂x scales the
        // Jacobian's rows and its divergence is the trace. A surface's is Σₖ eₖ·(∂v/∂x)eₖ over
        // its face's tangents (tr ∂v/∂x less nᵀ(∂v/∂x)n, the rate of the normal part).
        let traced = derivatives.dims()[0];
        let device = x.device();
        let scale = self.feature_scale();
        let Some(directions) = directions else {
            if !self.space.is_planar() {
                return None;
            }
            let scale = Tensor::<3>::from_data(TensorData::new(scale, [traced, 1, 1]), &device);
            return Some(super::jacobian_trace(derivatives * scale));
        };
        // The tangents themselves: the directions in coordinates, not features.
        let per_unit: Vec<f32> = scale.iter().map(|s| 1.0 / s).collect();
        let per_unit = Tensor::<3>::from_data(TensorData::new(per_unit, [1, 1, 3]), &device);
        Some(super::along_each_direction(
            derivatives,
            directions * per_unit,
        ))
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
