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

impl SpaceModel for MeshModel {
    fn feature_dim(&self) -> usize {
        self.space.dim()
    }
    fn features(&self, x: Tensor<2>) -> Tensor<2> {
        let dim = self.space.dim();
        let (lo, hi) = self.space.bounds();
        let centre: Vec<f32> = (0..dim).map(|k| ((lo[k] + hi[k]) / 2.0) as f32).collect();
        let scale: Vec<f32> = (0..dim)
            .map(|k| (2.0 / (hi[k] - lo[k]).max(1e-9)) as f32)
            .collect();
        let device = x.device();
        let row =
            |values: Vec<f32>| Tensor::<2>::from_data(TensorData::new(values, [1, dim]), &device);
        (x - row(centre)) * row(scale)
    }
    fn output_dim(&self) -> usize {
        self.space.dim()
    }
    fn velocity(&self, _x: Tensor<2>, raw: Tensor<2>) -> Tensor<2> {
        raw
    }
}
