//! Points on a mesh and how they move: a point is a face and barycentric coordinates, and a
//! displacement is walked face by face, crossing shared edges into the next face (turned into
//! its plane on a curved surface) and sliding along boundary edges, so a walk never leaves the
//! mesh and never passes through a wall.

use glam::DVec3;

use super::TriMesh;

/// A point of a mesh.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeshPoint {
    pub face: usize,
    pub bary: [f64; 3],
}

/// Which face lies across each edge of each face: `neighbours[f][k]` is across the edge
/// opposite corner k, `None` on the boundary.
#[derive(Debug, Clone)]
pub struct Adjacency {
    neighbours: Vec<[Option<usize>; 3]>,
}

/// Edges crossed in one walk before it stops: a walk longer than the mesh is a bug upstream.
const MAX_CROSSINGS: usize = 100_000;

impl Adjacency {
    pub fn of(mesh: &TriMesh) -> Self {
        let edges = mesh.edge_faces();
        let neighbours = mesh
            .faces()
            .iter()
            .enumerate()
            .map(|(f, face)| {
                std::array::from_fn(|k| {
                    let (a, b) = (face[(k + 1) % 3], face[(k + 2) % 3]);
                    edges[&(a.min(b), a.max(b))]
                        .iter()
                        .copied()
                        .find(|&other| other != f)
                })
            })
            .collect();
        Self { neighbours }
    }

    /// The face across edge `k` of face `f`.
    pub fn across(&self, f: usize, k: usize) -> Option<usize> {
        self.neighbours[f][k]
    }

    /// Walks `point` by `displacement` (its part in the face's plane), returning where it ends
    /// and whether it slid along a boundary on the way.
    pub fn walk(&self, mesh: &TriMesh, point: MeshPoint, displacement: DVec3) -> (MeshPoint, bool) {
        let mut point = point;
        let mut remaining = in_plane(mesh, point.face, displacement);
        let mut slid = false;
        for _ in 0..MAX_CROSSINGS {
            let length = remaining.length();
            if length < 1e-15 {
                break;
            }
            let gradients = super::distance::barycentric_gradients(mesh, point.face);
            // Barycentric rates along the displacement; the first to reach zero is the edge
            // hit. Rates that are round-off along an edge the point sits on do not count.
            let rates: [f64; 3] = std::array::from_fn(|k| gradients[k].dot(remaining));
            let exit = (0..3)
                .filter(|&k| rates[k] < -1e-12 * length * gradients[k].length())
                .map(|k| (k, (point.bary[k] / -rates[k]).max(0.0)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let Some((k, s)) = exit.filter(|&(_, s)| s < 1.0) else {
                point.bary = normalised(std::array::from_fn(|c| point.bary[c] + rates[c]));
                break;
            };
            let mut bary: [f64; 3] = std::array::from_fn(|c| point.bary[c] + s * rates[c]);
            bary[k] = 0.0;
            let bary = normalised(bary);
            let left = remaining * (1.0 - s);
            match self.across(point.face, k) {
                Some(next) => {
                    let at = mesh.point(point.face, bary);
                    point = MeshPoint {
                        face: next,
                        bary: barycentric_of(mesh, next, at),
                    };
                    remaining = turned_into(mesh, point.face, left);
                }
                None => {
                    // A wall: keep only the part along it (none when walking straight in).
                    slid = true;
                    let corners = mesh.corners(point.face);
                    let along = (corners[(k + 2) % 3] - corners[(k + 1) % 3]).normalize();
                    point.bary = bary;
                    remaining = along * left.dot(along);
                }
            }
        }
        (point, slid)
    }
}

/// The part of `v` in face `f`'s plane.
fn in_plane(mesh: &TriMesh, f: usize, v: DVec3) -> DVec3 {
    let normal = mesh.frame(f).normal;
    v - normal * v.dot(normal)
}

/// `v` from the previous face's plane turned into face `f`'s about their shared edge, keeping
/// its length (on a planar mesh, unchanged).
fn turned_into(mesh: &TriMesh, f: usize, v: DVec3) -> DVec3 {
    let projected = in_plane(mesh, f, v);
    let length = projected.length();
    if length == 0.0 {
        projected
    } else {
        projected * (v.length() / length)
    }
}

/// Barycentric coordinates of `p` (on or near face `f`) in face `f`, clamped onto the face:
/// those of its projection onto the face's plane.
pub fn barycentric_of(mesh: &TriMesh, f: usize, p: DVec3) -> [f64; 3] {
    let frame = mesh.frame(f);
    let offset = p - mesh.positions()[mesh.faces()[f][0] as usize];
    let [g0, g1, g2] = frame.gradients;
    normalised([1.0 + g0.dot(offset), g1.dot(offset), g2.dot(offset)])
}

/// Clamps small negative coordinates to zero and rescales to sum to one.
fn normalised(bary: [f64; 3]) -> [f64; 3] {
    let clamped = bary.map(|b| b.max(0.0));
    let sum: f64 = clamped.iter().sum();
    clamped.map(|b| b / sum)
}
