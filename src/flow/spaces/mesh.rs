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
    fn divergence_from_jacobian(
        &self,
        x: Tensor<2>,
        _raw: Tensor<2>,
        jacobian: Tensor<3>,
    ) -> Option<Tensor<2>> {
        // The features are the coordinates scaled per axis, so ∂v/∂x scales the Jacobian's
        // rows. A floor's divergence is its trace; a surface's also loses nᵀ(∂v/∂x)n, the rate
        // of the field's normal part, with n the normal of the face each point is on.
        let [dim, n, _] = jacobian.dims();
        let device = x.device();
        let scale =
            Tensor::<3>::from_data(TensorData::new(self.feature_scale(), [dim, 1, 1]), &device);
        let jacobian = jacobian * scale;
        let trace = super::jacobian_trace(jacobian.clone());
        if self.space.is_planar() {
            return Some(trace);
        }
        let points: Vec<f32> = x.to_data().try_to_vec().ok()?;
        let normals: Vec<f32> = points
            .chunks(dim)
            .flat_map(|p| {
                let p: Vec<f64> = p.iter().map(|&v| f64::from(v)).collect();
                let [a, b, c] = self.space.mesh().corners(self.space.locate(&p).face);
                (b - a).cross(c - a).normalize().as_vec3().to_array()
            })
            .collect();
        let normals = Tensor::<2>::from_data(TensorData::new(normals, [n, dim]), &device);
        // Row i: (∂v/∂xᵢ)·n.
        let along: Tensor<2> = (jacobian * normals.clone().unsqueeze_dim::<3>(0))
            .sum_dim(2)
            .reshape([dim, n]);
        Some(trace - (along.transpose() * normals).sum_dim(1))
    }
    fn has_jacobian_divergence(&self) -> bool {
        true
    }
}
