//! Meshes drawn as what they are: a planar domain from above with its walls (the boundary
//! edges) under the particles, a curved surface as the wireframe of its edges in 3-D. Coupling
//! lines follow the premetric's conditional path, so in a maze they wind through the corridors
//! (the euclidean baseline's are straight, through the walls).

use std::f64::consts::TAU;
use std::sync::{Arc, OnceLock};

use glam::{DVec3, Vec2, Vec3};

use super::{Edge, SpaceRender, position, push_arrow};
use crate::data::Points;
use crate::geometry::mesh::{MeshSpace, RadialChart};
use crate::geometry::{direction_uv, uv_direction};
use crate::render::content::{Rgba, Segment, hsl};
use crate::render::mesh::{MeshData, flat_faces};

pub struct MeshRender {
    space: &'static MeshSpace,
    /// The backdrop's lines, found once (the backdrop is drawn every frame).
    lines: OnceLock<Vec<[[f32; 3]; 2]>>,
    /// A surface's faces for the GPU and whether it is closed, found once.
    faces: OnceLock<(Arc<MeshData>, bool)>,
    /// A curved surface seen from its box's centre, which lays out its density image.
    chart: OnceLock<RadialChart>,
}

/// Points per drawn conditional path.
const PATH_PIECES: usize = 16;

/// Most wireframe edges drawn under a surface; a denser mesh shows every few.
const MAX_WIREFRAME_EDGES: usize = 6000;

impl MeshRender {
    pub fn new(space: &'static MeshSpace) -> Self {
        Self {
            space,
            lines: OnceLock::new(),
            faces: OnceLock::new(),
            chart: OnceLock::new(),
        }
    }

    fn centre(&self) -> DVec3 {
        let (lo, hi) = self.space.bounds();
        (lo + hi) * 0.5
    }

    fn chart(&self) -> &RadialChart {
        self.chart
            .get_or_init(|| RadialChart::of(self.space.mesh(), self.centre()))
    }

    /// A floor's walls (its boundary edges), or a surface's edges (every few on a dense one).
    fn lines(&self) -> &[[[f32; 3]; 2]] {
        self.lines.get_or_init(|| {
            let mesh = self.space.mesh();
            let point = |v: u32| mesh.positions()[v as usize].as_vec3().to_array();
            let mut edges: Vec<(u32, u32)> = if self.space.is_planar() {
                mesh.boundary_edges()
            } else {
                mesh.edge_faces().into_keys().collect()
            };
            edges.sort_unstable();
            // Every wall; a dense surface's edges thinned out.
            let stride = if self.space.is_planar() {
                1
            } else {
                edges.len().div_ceil(MAX_WIREFRAME_EDGES).max(1)
            };
            edges
                .into_iter()
                .step_by(stride)
                .map(|(a, b)| [point(a), point(b)])
                .collect()
        })
    }

    /// Where `p` sits in the mesh's bounding box, each coordinate in [0, 1].
    fn in_box(&self, p: &[f64]) -> DVec3 {
        let (lo, hi) = self.space.bounds();
        let q = self.space.ambient(p);
        ((q - lo) / (hi - lo).max(DVec3::splat(1e-12))).clamp(DVec3::ZERO, DVec3::ONE)
    }

    fn normal_at(&self, p: &[f64]) -> Vec3 {
        if self.space.is_planar() {
            return Vec3::Z;
        }
        let point = self.space.locate(p);
        let [a, b, c] = self.space.mesh().corners(point.face);
        (b - a).cross(c - a).normalize().as_vec3()
    }
}

impl SpaceRender for MeshRender {
    fn particle_dim(&self) -> usize {
        if self.space.is_planar() { 2 } else { 3 }
    }
    /// Hue by the direction from the box's centre, lightness by height (on a floor, by x).
    fn source_colour(&self, p: &[f64]) -> Rgba {
        let q = self.in_box(p) - DVec3::splat(0.5);
        let lightness = if self.space.is_planar() { q.x } else { q.z };
        hsl(q.y.atan2(q.x) / TAU + 0.5, 0.75, 0.55 + 0.25 * lightness)
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        let remaining: Vec<f64> = (0..=PATH_PIECES)
            .map(|k| 1.0 - k as f64 / PATH_PIECES as f64)
            .collect();
        let path = self.space.conditional_path(a, b, &remaining);
        out.extend(
            path.windows(2)
                .map(|w| Segment::new(position(&w[0]), position(&w[1]), colour)),
        );
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let tip: Vec<f64> = p.iter().zip(v).map(|(x, dx)| x + dx * length).collect();
        let segment = |a, b| Segment::new(a, b, colour);
        push_arrow(position(p), position(&tip), self.normal_at(p), segment, out);
    }
    /// A thirtieth of the mesh's size.
    fn arrow_spacing(&self, _probes: &Points) -> f64 {
        self.space.size() / 30.0
    }
    /// A floor as in the plane; a surface by its direction from the box's centre (longitude
    /// and polar angle), as on the sphere.
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        if self.space.is_planar() {
            return (
                (p[0] - min.x as f64) / (max.x - min.x) as f64,
                (p[1] - min.y as f64) / (max.y - min.y) as f64,
            );
        }
        direction_uv(self.space.ambient(p) - self.centre())
    }
    fn density_edges(&self) -> [Edge; 2] {
        if self.space.is_planar() {
            [Edge::Open, Edge::Open]
        } else {
            [Edge::Wrap, Edge::Clamp]
        }
    }
    /// A floor's cell centres where the floor is (none inside a wall or beyond the mesh); on a
    /// curved surface, the outermost point in the cell's direction from the centre.
    fn density_point(&self, u: f64, v: f64, min: Vec2, max: Vec2) -> Option<Vec<f64>> {
        if !self.space.is_planar() {
            let hit = self
                .chart()
                .outermost(self.space.mesh(), uv_direction(u, v))?;
            return Some(hit.to_array().to_vec());
        }
        let p = vec![
            min.x as f64 + u * (max.x - min.x) as f64,
            min.y as f64 + v * (max.y - min.y) as f64,
        ];
        (self.space.distance_to_mesh(&p) < 1e-9).then_some(p)
    }
    /// A floor has its cells, a surface its directions (where none meets it, nothing is drawn).
    fn has_density_grid(&self) -> bool {
        true
    }
    /// The mesh's faces: a floor's, or a curved surface's.
    fn surface(&self) -> Option<(Arc<MeshData>, bool)> {
        let mesh = self.space.mesh();
        let (faces, closed) = self.faces.get_or_init(|| {
            let planar = self.space.is_planar();
            let centre = self.centre();
            let faces = flat_faces((0..mesh.faces().len()).map(|f| {
                let corners = mesh.corners(f);
                // A floor's heat map is drawn on the plane's quad; a surface's by direction,
                // a face across the longitudes' seam taking them past 1 (the sampler repeats).
                let mut uvs = if planar {
                    [[0.0; 2]; 3]
                } else {
                    corners.map(|p| {
                        let (u, v) = direction_uv(p - centre);
                        [u as f32, v as f32]
                    })
                };
                let widest = uvs.iter().map(|uv| uv[0]).fold(f32::MIN, f32::max);
                for uv in &mut uvs {
                    if widest - uv[0] > 0.5 {
                        uv[0] += 1.0;
                    }
                }
                (corners.map(|p| p.as_vec3().to_array()), uvs)
            }));
            (Arc::new(faces), mesh.boundary_edges().is_empty())
        });
        Some((faces.clone(), *closed))
    }
    /// A floor's walls in the grid colour, opaque; a surface's edges, faint.
    fn backdrop(&self, colour: Rgba, out: &mut Vec<Segment>) {
        let colour = if self.space.is_planar() {
            colour.with_alpha(255)
        } else {
            colour.with_alpha(70)
        };
        out.extend(
            self.lines()
                .iter()
                .map(|[a, b]| Segment::new(*a, *b, colour)),
        );
    }
}
