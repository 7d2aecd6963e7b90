//! Surface meshes: a UV sphere, the donut, and flat quads. uv matches the density image's
//! layout (content.rs) and the graticule lines in mesh.wgsl.

use std::f32::consts::{PI, TAU};

use bytemuck::{Pod, Zeroable};

/// Donut radii; must match DONUT_MAJOR / DONUT_MINOR in common.wgsl.
pub const DONUT_MAJOR: f32 = 1.0;
pub const DONUT_MINOR: f32 = 0.45;

#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Vertex {
    pub position: [f32; 3],
    pub normal: [f32; 3],
    pub uv: [f32; 2],
}

#[derive(Debug)]
pub struct MeshData {
    pub vertices: Vec<Vertex>,
    pub indices: Vec<u32>,
}

/// A triangle mesh's faces with flat shading: three vertices per face, each with the face's
/// normal and its corner's uv (the density image's coordinates there).
pub fn flat_faces(triangles: impl Iterator<Item = ([[f32; 3]; 3], [[f32; 2]; 3])>) -> MeshData {
    let mut vertices = Vec::new();
    for (corners, uvs) in triangles {
        let [a, b, c] = corners.map(glam::Vec3::from);
        let normal = (b - a).cross(c - a).normalize_or_zero().to_array();
        vertices.extend(corners.iter().zip(uvs).map(|(&position, uv)| Vertex {
            position,
            normal,
            uv,
        }));
    }
    let indices = (0..vertices.len() as u32).collect();
    MeshData { vertices, indices }
}

impl MeshData {
    /// Winds every triangle counter-clockwise as seen from the side its normals point to, so a
    /// closed surface's far half can be culled instead of shaded and then hidden.
    fn facing_out(mut self) -> Self {
        let position = |i: u32| glam::Vec3::from(self.vertices[i as usize].position);
        for triangle in self.indices.chunks_exact_mut(3) {
            let [a, b, c] = [triangle[0], triangle[1], triangle[2]];
            let winding = (position(b) - position(a)).cross(position(c) - position(a));
            let normal = [a, b, c]
                .iter()
                .map(|&i| glam::Vec3::from(self.vertices[i as usize].normal))
                .sum::<glam::Vec3>();
            if winding.dot(normal) < 0.0 {
                triangle.swap(1, 2);
            }
        }
        self
    }
}

/// A grid of `columns × rows` cells over uv ∈ [0,1]², placed by `place(u, v) -> (position, normal)`.
fn grid(columns: u32, rows: u32, place: impl Fn(f32, f32) -> ([f32; 3], [f32; 3])) -> MeshData {
    let mut vertices = Vec::with_capacity(((columns + 1) * (rows + 1)) as usize);
    for row in 0..=rows {
        for column in 0..=columns {
            let (u, v) = (column as f32 / columns as f32, row as f32 / rows as f32);
            let (position, normal) = place(u, v);
            vertices.push(Vertex {
                position,
                normal,
                uv: [u, v],
            });
        }
    }
    let mut indices = Vec::with_capacity((columns * rows * 6) as usize);
    let at = |column: u32, row: u32| row * (columns + 1) + column;
    for row in 0..rows {
        for column in 0..columns {
            let (a, b, c, d) = (
                at(column, row),
                at(column + 1, row),
                at(column + 1, row + 1),
                at(column, row + 1),
            );
            indices.extend_from_slice(&[a, b, c, a, c, d]);
        }
    }
    MeshData { vertices, indices }
}

/// The unit sphere; u = longitude / 2π from −π, v = 0 at the north pole.
pub fn sphere() -> MeshData {
    grid(96, 48, |u, v| {
        let (longitude, polar) = (u * TAU - PI, v * PI);
        let p = [
            polar.sin() * longitude.cos(),
            polar.sin() * longitude.sin(),
            polar.cos(),
        ];
        (p, p)
    })
    .facing_out()
}

/// The donut; u = θ / 2π around the hole, v = φ / 2π around the tube.
pub fn donut() -> MeshData {
    grid(128, 48, |u, v| {
        let (theta, phi) = (u * TAU, v * TAU);
        let r = DONUT_MAJOR + DONUT_MINOR * phi.cos();
        let position = [r * theta.cos(), r * theta.sin(), DONUT_MINOR * phi.sin()];
        let normal = [phi.cos() * theta.cos(), phi.cos() * theta.sin(), phi.sin()];
        (position, normal)
    })
    .facing_out()
}

/// A flat rectangle in the z = 0 plane from `min` to `max`; uv grows with x and y.
pub fn quad(min: [f32; 2], max: [f32; 2]) -> MeshData {
    grid(1, 1, |u, v| {
        (
            [
                min[0] + u * (max[0] - min[0]),
                min[1] + v * (max[1] - min[1]),
                0.0,
            ],
            [0.0, 0.0, 1.0],
        )
    })
}
