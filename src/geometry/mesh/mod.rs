//! Triangle meshes: the general geometries of the lecture's last chapter (a maze's floor, a
//! room with obstacles, a curved closed surface). A mesh is checked once when it is built, so
//! everything downstream (the Laplacian, the spectral distances, points on the mesh) may rely on
//! every face having area and every edge having at most two faces.

mod distance;
mod geodesic;
mod locate;
mod maze;
mod obj;
mod premetric;
mod radial;
mod shapes;
mod space;
mod spectral;
mod walk;

pub use distance::{SpectralDistance, SpectralKind};
pub use geodesic::GeodesicDistance;
pub use locate::Locator;
pub use maze::{MAZE_LAYOUTS, MazeLayout};
pub use obj::parse_obj;
pub use premetric::{ConditionalFlow, ConditionalPath, Premetric, PreparedTarget};
pub use radial::RadialChart;
pub use shapes::{MESH_NAMES, icosphere, named_mesh, rectangle, uv_sphere};
pub use space::{MAX_EIGENPAIRS, MeshConfig, MeshSpace, PremetricKind};
pub use spectral::{Spectrum, cotangent_laplacian};
pub use walk::{Adjacency, MeshPoint, barycentric_of};

use std::collections::HashMap;
use std::path::Path;

use glam::DVec3;

use crate::{Error, Result};

/// The mesh `--mesh` names: an `.obj` file, or one of [`MESH_NAMES`] (or `maze-SEED`).
pub fn load_mesh(name_or_file: &str) -> Result<TriMesh> {
    if !name_or_file.to_ascii_lowercase().ends_with(".obj") {
        return named_mesh(name_or_file);
    }
    let path = Path::new(name_or_file);
    let text = std::fs::read(path).map_err(|cause| Error::Read {
        path: path.into(),
        cause,
    })?;
    let text = String::from_utf8(text).map_err(|_| Error::BadFile {
        path: path.into(),
        message: "not a text file (OBJ is text)".into(),
    })?;
    parse_obj(&text).map_err(|e| Error::BadFile {
        path: path.into(),
        message: match e {
            Error::InvalidSetting(message) => message,
            other => other.to_string(),
        },
    })
}

/// A triangle mesh: vertex positions in R³ (z = 0 for planar domains) and faces as vertex
/// triples, counter-clockwise seen from the side the normals point to.
#[derive(Debug, Clone)]
pub struct TriMesh {
    positions: Vec<DVec3>,
    faces: Vec<[u32; 3]>,
    /// Each face's frame, computed on first use: walks and gradients ask for them at every
    /// step.
    frames: std::sync::OnceLock<Vec<FaceFrame>>,
}

/// Meshes are equal when their vertices and faces are.
impl PartialEq for TriMesh {
    fn eq(&self, other: &Self) -> bool {
        self.positions == other.positions && self.faces == other.faces
    }
}

/// The gradients of a face's barycentric coordinates (vectors in its plane,
/// ∇b_i = N × (p_k − p_j)/(2A) for the corner i opposite the edge (j, k)) and its unit normal.
#[derive(Debug, Clone, Copy)]
pub struct FaceFrame {
    pub gradients: [DVec3; 3],
    pub normal: DVec3,
}

/// How small a face may be, relative to the mean face area, before it counts as degenerate.
const DEGENERATE_AREA: f64 = 1e-12;

impl TriMesh {
    /// A checked mesh: refuses faces with an index out of range or a repeated vertex, faces of
    /// no area, vertices no face uses and edges shared by more than two faces, naming the
    /// first offending element.
    pub fn new(positions: Vec<DVec3>, faces: Vec<[u32; 3]>) -> Result<Self> {
        let mesh = Self {
            positions,
            faces,
            frames: std::sync::OnceLock::new(),
        };
        mesh.check()?;
        Ok(mesh)
    }

    fn check(&self) -> Result<()> {
        let n = self.positions.len();
        if self.faces.is_empty() {
            return Err(Error::invalid("the mesh has no faces"));
        }
        if let Some((i, p)) = self
            .positions
            .iter()
            .enumerate()
            .find(|(_, p)| !p.is_finite())
        {
            return Err(Error::invalid(format!(
                "vertex {} has a non-finite coordinate ({:?})",
                i + 1,
                p
            )));
        }
        for (f, face) in self.faces.iter().enumerate() {
            if let Some(&v) = face.iter().find(|&&v| v as usize >= n) {
                return Err(Error::invalid(format!(
                    "face {} uses vertex {} but the mesh has {n} vertices",
                    f + 1,
                    v + 1
                )));
            }
            if face[0] == face[1] || face[1] == face[2] || face[0] == face[2] {
                return Err(Error::invalid(format!(
                    "face {} repeats a vertex ({} {} {})",
                    f + 1,
                    face[0] + 1,
                    face[1] + 1,
                    face[2] + 1
                )));
            }
        }
        let mean_area = self.area() / self.faces.len() as f64;
        if let Some(f) = (0..self.faces.len())
            .find(|&f| self.face_area(f) <= DEGENERATE_AREA * mean_area.max(f64::MIN_POSITIVE))
        {
            return Err(Error::invalid(format!(
                "face {} has no area (its three vertices are on one line)",
                f + 1
            )));
        }
        let mut used = vec![false; n];
        for face in &self.faces {
            for &v in face {
                used[v as usize] = true;
            }
        }
        if let Some(v) = used.iter().position(|&u| !u) {
            return Err(Error::invalid(format!(
                "vertex {} belongs to no face",
                v + 1
            )));
        }
        for ((a, b), count) in self.edge_faces() {
            if count.len() > 2 {
                return Err(Error::invalid(format!(
                    "the edge between vertices {} and {} is shared by {} faces (a surface has at most two)",
                    a + 1,
                    b + 1,
                    count.len()
                )));
            }
        }
        Ok(())
    }

    pub fn positions(&self) -> &[DVec3] {
        &self.positions
    }

    pub fn faces(&self) -> &[[u32; 3]] {
        &self.faces
    }

    pub fn vertex_count(&self) -> usize {
        self.positions.len()
    }

    /// The three corners of face `f`.
    pub fn corners(&self, f: usize) -> [DVec3; 3] {
        self.faces[f].map(|v| self.positions[v as usize])
    }

    /// The area of face `f`.
    pub fn face_area(&self, f: usize) -> f64 {
        let [a, b, c] = self.corners(f);
        0.5 * (b - a).cross(c - a).length()
    }

    /// The total area.
    pub fn area(&self) -> f64 {
        (0..self.faces.len()).map(|f| self.face_area(f)).sum()
    }

    /// Each undirected edge (smaller vertex first) with the faces that contain it.
    pub fn edge_faces(&self) -> HashMap<(u32, u32), Vec<usize>> {
        let mut edges: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
        for (f, face) in self.faces.iter().enumerate() {
            for k in 0..3 {
                let (a, b) = (face[k], face[(k + 1) % 3]);
                edges.entry((a.min(b), a.max(b))).or_default().push(f);
            }
        }
        edges
    }

    /// The edges with a single face: the walls of a planar domain (none on a closed surface).
    pub fn boundary_edges(&self) -> Vec<(u32, u32)> {
        let mut edges: Vec<(u32, u32)> = self
            .edge_faces()
            .into_iter()
            .filter(|(_, faces)| faces.len() == 1)
            .map(|(edge, _)| edge)
            .collect();
        edges.sort_unstable();
        edges
    }

    /// Whether every vertex has z = 0: a planar domain, drawn from above.
    pub fn is_planar(&self) -> bool {
        self.positions.iter().all(|p| p.z == 0.0)
    }

    /// A point drawn uniformly by area.
    pub fn random_point(&self, rng: &mut crate::rng::Rng) -> walk::MeshPoint {
        let goal = rng.uniform() * self.area();
        let mut total = 0.0;
        let face = (0..self.faces.len())
            .find(|&f| {
                total += self.face_area(f);
                total >= goal
            })
            .unwrap_or(self.faces.len() - 1);
        let (mut u, mut v) = (rng.uniform(), rng.uniform());
        if u + v > 1.0 {
            (u, v) = (1.0 - u, 1.0 - v);
        }
        walk::MeshPoint {
            face,
            bary: [1.0 - u - v, u, v],
        }
    }

    /// Face `f`'s barycentric gradients and normal.
    pub fn frame(&self, f: usize) -> &FaceFrame {
        let frames = self.frames.get_or_init(|| {
            (0..self.faces.len())
                .map(|f| {
                    let [a, b, c] = self.corners(f);
                    let normal = (b - a).cross(c - a);
                    let twice_area = normal.length();
                    let unit = normal / twice_area;
                    FaceFrame {
                        gradients: [
                            unit.cross(c - b) / twice_area,
                            unit.cross(a - c) / twice_area,
                            unit.cross(b - a) / twice_area,
                        ],
                        normal: unit,
                    }
                })
                .collect()
        });
        &frames[f]
    }

    /// The bounding box of the vertices.
    pub fn bounds(&self) -> (DVec3, DVec3) {
        self.positions.iter().fold(
            (DVec3::splat(f64::MAX), DVec3::splat(f64::MIN)),
            |(lo, hi), &p| (lo.min(p), hi.max(p)),
        )
    }

    /// The mean length of the edges, summed in the order of their vertices (a hash map's order
    /// changes from process to process, and with it the sum's last bits: runs would differ).
    pub fn mean_edge_length(&self) -> f64 {
        let mut edges: Vec<(u32, u32)> = self.edge_faces().into_keys().collect();
        edges.sort_unstable();
        let total: f64 = edges
            .iter()
            .map(|&(a, b)| (self.positions[a as usize] - self.positions[b as usize]).length())
            .sum();
        total / edges.len().max(1) as f64
    }

    /// The point of face `f` at barycentric coordinates `bary`.
    pub fn point(&self, f: usize, bary: [f64; 3]) -> DVec3 {
        let [a, b, c] = self.corners(f);
        a * bary[0] + b * bary[1] + c * bary[2]
    }
}
