//! Finding where an ambient point lies on a mesh: the nearest point of the nearest face, found
//! through a uniform grid of buckets over the mesh's bounding box (each bucket lists the faces
//! whose bounding boxes reach into it), searched in growing shells around the query's bucket.

use glam::DVec3;

use super::TriMesh;
use super::walk::MeshPoint;

/// Faces per bucket the grid aims at: a handful to test per query.
const FACES_PER_BUCKET: f64 = 2.0;

/// A bucket grid over one mesh.
#[derive(Debug, Clone)]
pub struct Locator {
    min: DVec3,
    cell: DVec3,
    counts: [usize; 3],
    /// The axes the grid divides (a planar mesh's z is not one).
    live: [bool; 3],
    /// Face indices of bucket b: `faces[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
    faces: Vec<u32>,
}

impl Locator {
    pub fn of(mesh: &TriMesh) -> Self {
        let (min, max) = mesh.bounds();
        let extent = (max - min).max(DVec3::splat(1e-12));
        // Cells as near cubic as the box allows, about FACES_PER_BUCKET faces each; a flat axis
        // (a planar mesh's z) gets one layer.
        let flat = extent.cmplt(DVec3::splat(1e-9 * extent.max_element()));
        let live: Vec<f64> = (0..3)
            .filter(|&k| !flat.test(k))
            .map(|k| extent[k])
            .collect();
        let volume: f64 = live.iter().product();
        let buckets = (mesh.faces().len() as f64 / FACES_PER_BUCKET).max(1.0);
        let side = (volume / buckets).powf(1.0 / live.len().max(1) as f64);
        let counts: [usize; 3] = std::array::from_fn(|k| {
            if flat.test(k) {
                1
            } else {
                ((extent[k] / side).ceil() as usize).clamp(1, 512)
            }
        });
        let cell = DVec3::new(
            extent.x / counts[0] as f64,
            extent.y / counts[1] as f64,
            extent.z / counts[2] as f64,
        );
        let mut locator = Self {
            min,
            cell,
            counts,
            live: std::array::from_fn(|k| !flat.test(k)),
            starts: Vec::new(),
            faces: Vec::new(),
        };
        let total = counts.iter().product::<usize>();
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); total];
        for f in 0..mesh.faces().len() {
            let corners = mesh.corners(f);
            let lo = corners[0].min(corners[1]).min(corners[2]);
            let hi = corners[0].max(corners[1]).max(corners[2]);
            let (a, b) = (locator.cell_of(lo), locator.cell_of(hi));
            for z in a[2]..=b[2] {
                for y in a[1]..=b[1] {
                    for x in a[0]..=b[0] {
                        lists[locator.index([x, y, z])].push(f as u32);
                    }
                }
            }
        }
        locator.starts.push(0);
        for list in lists {
            locator.faces.extend(list);
            locator.starts.push(locator.faces.len());
        }
        locator
    }

    fn cell_of(&self, p: DVec3) -> [usize; 3] {
        std::array::from_fn(|k| {
            let c = ((p[k] - self.min[k]) / self.cell[k]).floor();
            (c.max(0.0) as usize).min(self.counts[k] - 1)
        })
    }

    fn index(&self, c: [usize; 3]) -> usize {
        (c[2] * self.counts[1] + c[1]) * self.counts[0] + c[0]
    }

    /// The point of the mesh nearest `p`, and its distance from `p`.
    pub fn nearest(&self, mesh: &TriMesh, p: DVec3) -> (MeshPoint, f64) {
        let home = self.cell_of(p);
        let mut best: Option<(MeshPoint, f64)> = None;
        let widest = *self.counts.iter().max().unwrap_or(&1);
        for shell in 0..=widest {
            if let Some((_, distance)) = best
                && distance <= self.margin(p, home, shell)
            {
                break;
            }
            self.visit_shell(home, shell, |f| {
                let (bary, point) = closest_on_face(mesh, f, p);
                let distance = (point - p).length();
                if best.is_none_or(|(_, d)| distance < d) {
                    best = Some((MeshPoint { face: f, bary }, distance));
                }
            });
        }
        best.expect("a checked mesh has at least one face")
    }

    /// How far `p` is from every bucket not yet visited once the shells before `shell` have
    /// been: from `p` to the nearest side of their box that has buckets beyond it.
    fn margin(&self, p: DVec3, home: [usize; 3], shell: usize) -> f64 {
        if shell == 0 {
            return f64::NEG_INFINITY;
        }
        let mut margin = f64::INFINITY;
        for k in (0..3).filter(|&k| self.live[k]) {
            let first = home[k] as i64 - (shell as i64 - 1);
            let last = home[k] + shell - 1;
            if first > 0 {
                margin = margin.min(p[k] - (self.min[k] + first as f64 * self.cell[k]));
            }
            if last + 1 < self.counts[k] {
                margin = margin.min(self.min[k] + (last + 1) as f64 * self.cell[k] - p[k]);
            }
        }
        margin
    }

    /// Calls `visit` for each face listed in the buckets at Chebyshev distance `shell` from
    /// `home` (a face may come more than once).
    fn visit_shell(&self, home: [usize; 3], shell: usize, mut visit: impl FnMut(usize)) {
        let s = shell as i64;
        let range = |k: usize| {
            let lo = (home[k] as i64 - s).max(0);
            let hi = (home[k] as i64 + s).min(self.counts[k] as i64 - 1);
            lo..=hi
        };
        for z in range(2) {
            for y in range(1) {
                for x in range(0) {
                    let on_shell = (x - home[0] as i64).abs() == s
                        || (y - home[1] as i64).abs() == s
                        || (z - home[2] as i64).abs() == s;
                    if !on_shell {
                        continue;
                    }
                    let b = self.index([x as usize, y as usize, z as usize]);
                    for &f in &self.faces[self.starts[b]..self.starts[b + 1]] {
                        visit(f as usize);
                    }
                }
            }
        }
    }
}

/// The point of face `f` nearest `p` (Ericson, Real-Time Collision Detection §5.1.5), as
/// barycentric coordinates and as a position.
fn closest_on_face(mesh: &TriMesh, f: usize, p: DVec3) -> ([f64; 3], DVec3) {
    let [a, b, c] = mesh.corners(f);
    let (ab, ac, ap) = (b - a, c - a, p - a);
    let (d1, d2) = (ab.dot(ap), ac.dot(ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return ([1.0, 0.0, 0.0], a);
    }
    let bp = p - b;
    let (d3, d4) = (ab.dot(bp), ac.dot(bp));
    if d3 >= 0.0 && d4 <= d3 {
        return ([0.0, 1.0, 0.0], b);
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        let v = d1 / (d1 - d3);
        return ([1.0 - v, v, 0.0], a + ab * v);
    }
    let cp = p - c;
    let (d5, d6) = (ab.dot(cp), ac.dot(cp));
    if d6 >= 0.0 && d5 <= d6 {
        return ([0.0, 0.0, 1.0], c);
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        let w = d2 / (d2 - d6);
        return ([1.0 - w, 0.0, w], a + ac * w);
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        let w = (d4 - d3) / ((d4 - d3) + (d5 - d6));
        return ([0.0, 1.0 - w, w], b + (c - b) * w);
    }
    let denominator = 1.0 / (va + vb + vc);
    let (v, w) = (vb * denominator, vc * denominator);
    ([1.0 - v - w, v, w], a + ab * v + ac * w)
}
