//! Wavefront OBJ, the subset a surface needs: `v x y z` vertices and `f` faces (polygons are
//! split into fans; `v/vt/vn` and negative indices are understood). Everything else (normals,
//! texture coordinates, groups, materials) is skipped.

use glam::DVec3;

use super::TriMesh;
use crate::{Error, Result};

/// The mesh an OBJ text describes; an error names the line.
pub fn parse_obj(text: &str) -> Result<TriMesh> {
    let mut positions = Vec::new();
    let mut faces = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line_no = number + 1;
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        match words.next() {
            Some("v") => {
                let coords: Vec<f64> = words
                    .take(3)
                    .map(|w| w.parse::<f64>())
                    .collect::<std::result::Result<_, _>>()
                    .map_err(|_| bad(line_no, "a vertex needs three numbers"))?;
                if coords.len() != 3 {
                    return Err(bad(line_no, "a vertex needs three numbers"));
                }
                positions.push(DVec3::new(coords[0], coords[1], coords[2]));
            }
            Some("f") => {
                let corners: Vec<u32> = words
                    .map(|w| vertex_index(w, positions.len(), line_no))
                    .collect::<Result<_>>()?;
                if corners.len() < 3 {
                    return Err(bad(line_no, "a face needs at least three vertices"));
                }
                for k in 1..corners.len() - 1 {
                    faces.push([corners[0], corners[k], corners[k + 1]]);
                }
            }
            _ => {}
        }
    }
    TriMesh::new(positions, faces)
}

/// The 0-based vertex of an `f` entry (`7`, `7/2`, `7//3`, `-1`), checked against the vertices
/// read so far.
fn vertex_index(word: &str, vertices: usize, line_no: usize) -> Result<u32> {
    let first = word.split('/').next().unwrap_or("");
    let index: i64 = first
        .parse()
        .map_err(|_| bad(line_no, &format!("'{word}' is not a vertex number")))?;
    let resolved = if index < 0 {
        vertices as i64 + index
    } else {
        index - 1
    };
    if index == 0 || resolved < 0 || resolved >= vertices as i64 {
        return Err(bad(
            line_no,
            &format!("vertex {index} does not exist ({vertices} read so far)"),
        ));
    }
    Ok(resolved as u32)
}

fn bad(line_no: usize, message: &str) -> Error {
    Error::invalid(format!("line {line_no}: {message}"))
}
