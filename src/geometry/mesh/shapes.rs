//! The meshes flowscope generates: spheres (the spectra's check: λ = l(l + 1)), a rectangle
//! (λ = π²(m²/a² + n²/b²)), a bumpy sphere (a curved closed surface with no symmetry), and,
//! through `maze`, mazes and a room with obstacles.

use std::collections::HashMap;

use glam::DVec3;

use super::TriMesh;
use super::maze::{MAZE_LAYOUTS, MazeLayout, generated_maze, room};
use crate::{Error, Result};

/// The names `--mesh` accepts besides an OBJ file (and `maze-SEED`, a maze generated from a
/// seed).
pub const MESH_NAMES: &[&str] = &[
    "maze",
    "spiral",
    "comb",
    "room",
    "sphere",
    "bumpy-sphere",
    "rectangle",
];

/// The mesh called `name` (one of [`MESH_NAMES`], or `maze-SEED`).
pub fn named_mesh(name: &str) -> Result<TriMesh> {
    if let Some(layout) = MAZE_LAYOUTS.iter().find(|l| l.name == name) {
        return layout.mesh();
    }
    match name {
        "maze" => generated_maze(6, 6, 1),
        "room" => room(),
        "sphere" => Ok(icosphere(4)),
        "bumpy-sphere" => Ok(bumpy_sphere(4)),
        "rectangle" => Ok(rectangle(2.0, 1.0, 64, 32)),
        _ => match name.strip_prefix("maze-").map(str::parse::<u64>) {
            Some(Ok(seed)) => generated_maze(6, 6, seed),
            _ => Err(Error::UnknownName {
                kind: "mesh".into(),
                name: name.into(),
                choices: format!("{}, maze-SEED or an .obj file", MESH_NAMES.join(", ")),
            }),
        },
    }
}

/// The unit sphere by `subdivisions` rounds of splitting an icosahedron's faces in four:
/// 10·4^s + 2 vertices (10 242 at s = 5).
pub fn icosphere(subdivisions: u32) -> TriMesh {
    let t = (1.0 + 5f64.sqrt()) / 2.0;
    let mut positions: Vec<DVec3> = [
        [-1.0, t, 0.0],
        [1.0, t, 0.0],
        [-1.0, -t, 0.0],
        [1.0, -t, 0.0],
        [0.0, -1.0, t],
        [0.0, 1.0, t],
        [0.0, -1.0, -t],
        [0.0, 1.0, -t],
        [t, 0.0, -1.0],
        [t, 0.0, 1.0],
        [-t, 0.0, -1.0],
        [-t, 0.0, 1.0],
    ]
    .iter()
    .map(|&p| DVec3::from_array(p).normalize())
    .collect();
    let mut faces: Vec<[u32; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    for _ in 0..subdivisions {
        let mut midpoints: HashMap<(u32, u32), u32> = HashMap::new();
        let mut midpoint = |a: u32, b: u32, positions: &mut Vec<DVec3>| {
            *midpoints.entry((a.min(b), a.max(b))).or_insert_with(|| {
                let p = (positions[a as usize] + positions[b as usize]).normalize();
                positions.push(p);
                (positions.len() - 1) as u32
            })
        };
        faces = faces
            .iter()
            .flat_map(|&[a, b, c]| {
                let ab = midpoint(a, b, &mut positions);
                let bc = midpoint(b, c, &mut positions);
                let ca = midpoint(c, a, &mut positions);
                [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
            })
            .collect();
    }
    TriMesh::new(positions, faces).expect("the icosphere is a closed surface")
}

/// The unit sphere as `rings` bands of latitude and `segments` meridians, with a vertex at
/// each pole: (rings − 1)·segments + 2 vertices.
pub fn uv_sphere(rings: usize, segments: usize) -> TriMesh {
    let (rings, segments) = (rings.max(2), segments.max(3));
    let mut positions = vec![DVec3::Z];
    for r in 1..rings {
        let polar = std::f64::consts::PI * r as f64 / rings as f64;
        for s in 0..segments {
            let azimuth = std::f64::consts::TAU * s as f64 / segments as f64;
            positions.push(DVec3::new(
                polar.sin() * azimuth.cos(),
                polar.sin() * azimuth.sin(),
                polar.cos(),
            ));
        }
    }
    positions.push(-DVec3::Z);
    let south = (positions.len() - 1) as u32;
    let ring = |r: usize, s: usize| (1 + (r - 1) * segments + s % segments) as u32;
    let mut faces = Vec::new();
    for s in 0..segments {
        faces.push([0, ring(1, s), ring(1, s + 1)]);
        faces.push([south, ring(rings - 1, s + 1), ring(rings - 1, s)]);
    }
    for r in 1..rings - 1 {
        for s in 0..segments {
            let (a, b) = (ring(r, s), ring(r, s + 1));
            let (c, d) = (ring(r + 1, s), ring(r + 1, s + 1));
            faces.push([a, c, d]);
            faces.push([a, d, b]);
        }
    }
    TriMesh::new(positions, faces).expect("the UV sphere is a closed surface")
}

/// The rectangle [0, a] × [0, b] in the plane, `nx` × `ny` squares each split in two.
pub fn rectangle(a: f64, b: f64, nx: usize, ny: usize) -> TriMesh {
    let (nx, ny) = (nx.max(1), ny.max(1));
    let positions = (0..=ny)
        .flat_map(|j| {
            (0..=nx)
                .map(move |i| DVec3::new(a * i as f64 / nx as f64, b * j as f64 / ny as f64, 0.0))
        })
        .collect();
    let at = |i: usize, j: usize| (j * (nx + 1) + i) as u32;
    let faces = (0..ny)
        .flat_map(|j| {
            (0..nx).flat_map(move |i| {
                [
                    [at(i, j), at(i + 1, j), at(i + 1, j + 1)],
                    [at(i, j), at(i + 1, j + 1), at(i, j + 1)],
                ]
            })
        })
        .collect();
    TriMesh::new(positions, faces).expect("the rectangle's faces all have area")
}

/// An icosphere pushed in and out by smooth bumps: a closed curved surface with no symmetry,
/// on which geodesics and spectral distances visibly differ from the round sphere's.
fn bumpy_sphere(subdivisions: u32) -> TriMesh {
    let sphere = icosphere(subdivisions);
    let positions = sphere
        .positions()
        .iter()
        .map(|&p| {
            let bump = (3.0 * p.x + 0.4).sin() * (2.0 * p.y).cos() * (3.0 * p.z - 0.3).sin();
            p * (1.0 + 0.25 * bump)
        })
        .collect();
    TriMesh::new(positions, sphere.faces().to_vec()).expect("the bumps keep every face")
}

impl MazeLayout {
    /// This layout's mesh.
    pub fn mesh(&self) -> Result<TriMesh> {
        super::maze::blocks_mesh(self.name, self.rows)
    }
}
