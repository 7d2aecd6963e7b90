//! The render layer of each space: how its points are coloured and its curves drawn in the
//! views that show it (`SpaceEntry::views`), and where it lies in a density image.

mod cloud;
mod euclidean;
mod hyperbolic;
mod mesh;
mod plane;
mod sphere;
mod torus;

pub use cloud::CloudRender;
pub use euclidean::EuclideanRender;
pub use hyperbolic::HyperbolicRender;
pub use mesh::MeshRender;
pub use plane::PlaneRender;
pub use sphere::SphereRender;
pub use torus::TorusRender;

use glam::{Vec2, Vec3};

use super::content::{Rgba, Segment};
use crate::data::Points;

/// How a density image's coordinate behaves past its edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Points beyond it are not drawn.
    Open,
    /// Points beyond it land in the edge's cells (the sphere's poles).
    Clamp,
    /// It wraps around to the other side.
    Wrap,
}

/// How a space is drawn.
pub trait SpaceRender: Send + Sync {
    /// Coordinates of one drawn particle (2 or 3). A sample with more coordinates is drawn as
    /// several particles, consecutive groups of this many: a configuration of a point cloud.
    fn particle_dim(&self) -> usize;
    /// The colour of a source sample, so that particles keep the colour of where they started.
    fn source_colour(&self, sample: &[f64]) -> Rgba;
    /// The geodesic from `a` to `b` as segments (the coupling's x0 → x1 lines).
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>);
    /// An arrow for the velocity `v` at `p`, `length_per_speed` world units per unit of speed.
    fn arrow(
        &self,
        p: &[f64],
        v: &[f64],
        length_per_speed: f64,
        colour: Rgba,
        out: &mut Vec<Segment>,
    );
    /// The distance between neighbouring arrows drawn at `probes`, in world units.
    fn arrow_spacing(&self, probes: &Points) -> f64;
    /// Where `p` lands in a density image's uv square; `min..max` is the plane rectangle the
    /// image covers, for spaces drawn in the plane.
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64);
    /// How the image's u and v behave past their edges.
    fn density_edges(&self) -> [Edge; 2];
    /// The point at `(u, v)` of a density image, the inverse of `density_uv`: None outside the
    /// space (beyond the disk's rim), and None everywhere for spaces whose points a picture
    /// does not cover (point clouds, meshes, R^d), which have no model density view.
    fn density_point(&self, _u: f64, _v: f64, _min: Vec2, _max: Vec2) -> Option<Vec<f64>> {
        None
    }
    /// Whether `density_point` gives points at all (where the middle of a chart may be a wall,
    /// a space says so itself).
    fn has_density_grid(&self) -> bool {
        self.density_point(0.5, 0.5, -Vec2::ONE, Vec2::ONE)
            .is_some()
    }
    /// The drawn coordinates (`particle_dim` each) of stored points of `dim` coordinates, for a
    /// space whose points have more coordinates than a picture: R^d's shadow on its embedding
    /// plane. None: drawn as stored.
    fn projected(&self, _positions: &[f32], _dim: usize) -> Option<Vec<f32>> {
        None
    }
    /// Lines drawn under the particles in every view of the space (the hyperbolic disk's rim
    /// and geodesic grid); `colour` is the palette's grid colour.
    fn backdrop(&self, _colour: Rgba, _out: &mut Vec<Segment>) {}
    /// The triangles a view with `Surface::Mesh` draws under everything (a curved mesh's own
    /// faces), built once; whether the surface is closed (its far side may be culled).
    fn surface(&self) -> Option<(std::sync::Arc<super::mesh::MeshData>, bool)> {
        None
    }
}

/// A shaft from `start` to `end` and two head strokes, back from the tip and rotated ±25°
/// about the shaft in the plane normal to `normal`; `segment` joins two points.
pub fn push_arrow(
    start: [f32; 3],
    end: [f32; 3],
    normal: Vec3,
    segment: impl Fn([f32; 3], [f32; 3]) -> Segment,
    out: &mut Vec<Segment>,
) {
    out.push(segment(start, end));
    let shaft = Vec3::from(end) - Vec3::from(start);
    let length = shaft.length();
    if length < 1e-6 {
        return;
    }
    let side = normal.cross(shaft).normalize_or_zero();
    let back = -shaft.normalize() * length * 0.3;
    for sign in [-1.0, 1.0] {
        let stroke = back + side * (sign * length * 0.14);
        out.push(segment(end, (Vec3::from(end) + stroke).to_array()));
    }
}

/// The first three coordinates of a point as f32 (zero where it has fewer).
pub fn position(p: &[f64]) -> [f32; 3] {
    [0, 1, 2].map(|k| p.get(k).copied().unwrap_or(0.0) as f32)
}
