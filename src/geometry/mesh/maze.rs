//! Planar domains with walls, drawn as block maps: `#` a wall block, `.` floor. The floor is
//! meshed (each block split into squares, each square into two triangles, neighbouring blocks
//! sharing their vertices), the walls are not: they are holes, so the mesh's boundary edges are
//! the walls, and the spectral distances, which see only the mesh, go around them. The longer
//! side of the domain is 1.

use glam::DVec3;

use super::TriMesh;
use crate::rng::Rng;
use crate::{Error, Result};

/// A hand-drawn layout.
#[derive(Debug, Clone, Copy)]
pub struct MazeLayout {
    pub name: &'static str,
    pub rows: &'static [&'static str],
}

/// The shipped layouts (the default `maze` is generated: see [`generated_maze`]).
pub const MAZE_LAYOUTS: &[MazeLayout] = &[
    MazeLayout {
        // One corridor winding in to the centre.
        name: "spiral",
        rows: &[
            "###########",
            "#.........#",
            "#########.#",
            "#.......#.#",
            "#.#####.#.#",
            "#.#...#.#.#",
            "#.#.###.#.#",
            "#.#.....#.#",
            "#.#######.#",
            "#.........#",
            "###########",
        ],
    },
    MazeLayout {
        // A serpentine from the top-left corner to the bottom-right one.
        name: "comb",
        rows: &[
            "###########",
            "#.#...#...#",
            "#.#.#.#.#.#",
            "#.#.#.#.#.#",
            "#.#.#.#.#.#",
            "#.#.#.#.#.#",
            "#.#.#.#.#.#",
            "#.#.#.#.#.#",
            "#.#.#.#.#.#",
            "#...#...#.#",
            "###########",
        ],
    },
];

/// Squares per block side: enough for the spectral distances to resolve a corridor.
const SUBDIVISION: usize = 4;

/// A room with obstacles: an open floor with four blocks of furniture and a pillar.
pub(super) fn room() -> Result<TriMesh> {
    blocks_mesh(
        "room",
        &[
            "###############",
            "#.............#",
            "#.............#",
            "#..###....##..#",
            "#..###....##..#",
            "#.............#",
            "#......#......#",
            "#.....###.....#",
            "#......#......#",
            "#.............#",
            "#..##....###..#",
            "#..##....###..#",
            "#.............#",
            "#.............#",
            "###############",
        ],
    )
}

/// A perfect maze of `width` × `height` cells (one path between any two), carved from `seed`
/// by a depth-first search that knocks down walls in a random order.
pub(super) fn generated_maze(width: usize, height: usize, seed: u64) -> Result<TriMesh> {
    let (width, height) = (width.max(2), height.max(2));
    let (cols, rows) = (2 * width + 1, 2 * height + 1);
    let mut open = vec![vec![false; cols]; rows];
    let mut visited = vec![vec![false; width]; height];
    let mut rng = Rng::stream(seed, "maze");
    let mut stack = vec![(0usize, 0usize)];
    visited[0][0] = true;
    open[1][1] = true;
    while let Some(&(x, y)) = stack.last() {
        let mut next: Vec<(usize, usize)> = [(0i64, -1i64), (1, 0), (0, 1), (-1, 0)]
            .iter()
            .map(|&(dx, dy)| (x as i64 + dx, y as i64 + dy))
            .filter(|&(nx, ny)| {
                nx >= 0 && ny >= 0 && (nx as usize) < width && (ny as usize) < height
            })
            .map(|(nx, ny)| (nx as usize, ny as usize))
            .filter(|&(nx, ny)| !visited[ny][nx])
            .collect();
        if next.is_empty() {
            stack.pop();
            continue;
        }
        rng.shuffle(&mut next);
        let (nx, ny) = next[0];
        visited[ny][nx] = true;
        open[2 * ny + 1][2 * nx + 1] = true;
        open[y + ny + 1][x + nx + 1] = true;
        stack.push((nx, ny));
    }
    let rows: Vec<String> = open
        .iter()
        .map(|row| row.iter().map(|&o| if o { '.' } else { '#' }).collect())
        .collect();
    blocks_mesh(&format!("maze-{seed}"), &rows)
}

/// The floor of a block map as a mesh.
pub(super) fn blocks_mesh(name: &str, rows: &[impl AsRef<str>]) -> Result<TriMesh> {
    let grid: Vec<Vec<bool>> = rows
        .iter()
        .map(|row| row.as_ref().chars().map(|c| c == '.').collect())
        .collect();
    let cols = grid.iter().map(Vec::len).max().unwrap_or(0);
    if grid.is_empty() || cols == 0 || grid.iter().all(|row| row.iter().all(|&o| !o)) {
        return Err(Error::invalid(format!("layout {name} has no floor")));
    }
    let block = 1.0 / cols.max(grid.len()) as f64;
    let m = SUBDIVISION;
    let (nx, ny) = (cols * m + 1, grid.len() * m + 1);
    // Lattice vertices, numbered on first use; rows of the map go down the screen, y goes up.
    let mut index = vec![u32::MAX; nx * ny];
    let mut positions = Vec::new();
    let mut vertex = |i: usize, j: usize, positions: &mut Vec<DVec3>| {
        let slot = &mut index[j * nx + i];
        if *slot == u32::MAX {
            *slot = positions.len() as u32;
            positions.push(DVec3::new(
                i as f64 * block / m as f64,
                (grid.len() * m - j) as f64 * block / m as f64,
                0.0,
            ));
        }
        *slot
    };
    let mut faces = Vec::new();
    for (r, row) in grid.iter().enumerate() {
        for (c, _) in row.iter().enumerate().filter(|&(_, &open)| open) {
            for j in r * m..(r + 1) * m {
                for i in c * m..(c + 1) * m {
                    let a = vertex(i, j + 1, &mut positions);
                    let b = vertex(i + 1, j + 1, &mut positions);
                    let cc = vertex(i + 1, j, &mut positions);
                    let d = vertex(i, j, &mut positions);
                    faces.push([a, b, cc]);
                    faces.push([a, cc, d]);
                }
            }
        }
    }
    TriMesh::new(positions, faces)
}
