//! A curved mesh seen from a centre: each direction (longitude and polar angle, laid out as the
//! sphere's density image is) and the outermost point where a ray that way meets the surface.
//! Density images of a curved mesh are indexed by direction, so a cell's point is this one.
//! Faces are bucketed by the directions they span, so a ray tests a handful of faces.

use glam::DVec3;

use super::TriMesh;
use crate::geometry::direction_uv;

/// Faces per bucket the chart aims at.
const FACES_PER_BUCKET: f64 = 2.0;

/// Direction buckets over one mesh, seen from one centre.
#[derive(Debug, Clone)]
pub struct RadialChart {
    centre: DVec3,
    /// Buckets in longitude (u) and in polar angle (v).
    columns: usize,
    rows: usize,
    /// Face indices of bucket b: `faces[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
    faces: Vec<u32>,
}

impl RadialChart {
    pub fn of(mesh: &TriMesh, centre: DVec3) -> Self {
        let rows = ((mesh.faces().len() as f64 / FACES_PER_BUCKET / 2.0)
            .sqrt()
            .ceil() as usize)
            .clamp(1, 256);
        let columns = 2 * rows;
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); rows * columns];
        for f in 0..mesh.faces().len() {
            let uvs = mesh.corners(f).map(|p| direction_uv(p - centre));
            let (column_range, row_range) = Self::span(&uvs, columns, rows);
            for row in row_range {
                for column in column_range.clone() {
                    lists[row * columns + column.rem_euclid(columns as i64) as usize]
                        .push(f as u32);
                }
            }
        }
        let mut starts = Vec::with_capacity(lists.len() + 1);
        let mut faces = Vec::new();
        for list in lists {
            starts.push(faces.len());
            faces.extend(list);
        }
        starts.push(faces.len());
        Self {
            centre,
            columns,
            rows,
            starts,
            faces,
        }
    }

    /// The buckets a face with corners at `uvs` may reach, one bucket of margin all round
    /// (its edges are great-circle arcs, which bow between the corners): columns as a range
    /// that may run past either end (taken modulo `columns`), rows clamped.
    fn span(
        uvs: &[(f64, f64); 3],
        columns: usize,
        rows: usize,
    ) -> (std::ops::Range<i64>, std::ops::Range<usize>) {
        let mut us = uvs.map(|(u, _)| u);
        us.sort_by(f64::total_cmp);
        // The face covers the circle of longitudes but for its largest gap.
        let gaps = [us[1] - us[0], us[2] - us[1], us[0] + 1.0 - us[2]];
        let (widest, gap) = gaps
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, 1.0));
        let (mut v_lo, mut v_hi) = uvs.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &(_, v)| {
            (lo.min(v), hi.max(v))
        });
        let column_range = if gap < 0.5 {
            // Wider than half the circle: the face surrounds a pole, every longitude meets it.
            if v_lo + v_hi < 1.0 {
                v_lo = 0.0;
            } else {
                v_hi = 1.0;
            }
            0..columns as i64
        } else {
            // From the corner after the largest gap round to the corner before it.
            let (start, end) = match widest {
                0 => (us[1], us[0] + 1.0),
                1 => (us[2], us[1] + 1.0),
                _ => (us[0], us[2]),
            };
            let scale = columns as f64;
            (start * scale).floor() as i64 - 1..(end * scale).floor() as i64 + 2
        };
        let row_of = |v: f64| (v * rows as f64).floor() as i64;
        let row_range =
            (row_of(v_lo) - 1).max(0) as usize..((row_of(v_hi) + 2).max(0) as usize).min(rows);
        (column_range, row_range)
    }

    /// The outermost point where the ray from the centre along `direction` meets the mesh, or
    /// None where it meets nothing (an open surface, a centre outside the mesh).
    pub fn outermost(&self, mesh: &TriMesh, direction: DVec3) -> Option<DVec3> {
        let direction = direction.normalize_or_zero();
        let (u, v) = direction_uv(direction);
        let column = ((u * self.columns as f64) as i64).min(self.columns as i64 - 1);
        let row = ((v * self.rows as f64) as i64).min(self.rows as i64 - 1);
        // The ray's own bucket; without a hit there, the buckets around it, in case a coarse
        // mesh's edge bows past the margin (bounded: an open surface misses often).
        [0, FALLBACK_REACH]
            .into_iter()
            .find_map(|reach| {
                let mut farthest: Option<f64> = None;
                for r in (row - reach).max(0)..=(row + reach).min(self.rows as i64 - 1) {
                    for c in column - reach..=column + reach {
                        let bucket =
                            r as usize * self.columns + c.rem_euclid(self.columns as i64) as usize;
                        for &f in &self.faces[self.starts[bucket]..self.starts[bucket + 1]] {
                            if let Some(distance) =
                                ray_hits(mesh.corners(f as usize), self.centre, direction)
                            {
                                farthest = Some(farthest.map_or(distance, |d| d.max(distance)));
                            }
                        }
                    }
                }
                farthest
            })
            .map(|distance| self.centre + direction * distance)
    }
}

/// Buckets each way searched for a ray that meets nothing in its own.
const FALLBACK_REACH: i64 = 2;

/// How far along the ray `origin + s·direction` (s > 0) it crosses the triangle, edges included.
fn ray_hits([a, b, c]: [DVec3; 3], origin: DVec3, direction: DVec3) -> Option<f64> {
    // Möller–Trumbore.
    let (ab, ac) = (b - a, c - a);
    let p = direction.cross(ac);
    let det = ab.dot(p);
    if det.abs() < 1e-14 * ab.length_squared().max(ac.length_squared()) {
        return None;
    }
    let to_origin = origin - a;
    let s = to_origin.dot(p) / det;
    let q = to_origin.cross(ab);
    let t = direction.dot(q) / det;
    const EDGE: f64 = 1e-9;
    if s < -EDGE || t < -EDGE || s + t > 1.0 + EDGE {
        return None;
    }
    let distance = ac.dot(q) / det;
    (distance > 0.0).then_some(distance)
}
