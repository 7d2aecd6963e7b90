//! The Poincaré disk drawn flat: its rim and the regular {7,3} tiling (each edge a geodesic, a
//! circular arc meeting the rim at right angles), coupling lines along geodesics, hues by angle
//! and lightness by distance from the origin.

use glam::{Vec2, Vec3};

use super::{Edge, SpaceRender, position, push_arrow};
use crate::data::Points;
use crate::geometry::{Hyperbolic, Space};
use crate::render::content::{Rgba, Segment, hsl};

pub struct HyperbolicRender;

/// Pieces per geodesic arc.
const PIECES: usize = 24;

/// The geodesic from `a` to `b` as `PIECES` chords.
fn geodesic_points(a: &[f64], b: &[f64]) -> Vec<[f32; 3]> {
    let mut direction = [0.0; 2];
    Hyperbolic.log(a, b, &mut direction);
    (0..=PIECES)
        .map(|k| {
            let s = k as f64 / PIECES as f64;
            let mut p = [0.0; 2];
            Hyperbolic.exp(a, &[s * direction[0], s * direction[1]], &mut p);
            position(&p)
        })
        .collect()
}

impl SpaceRender for HyperbolicRender {
    fn particle_dim(&self) -> usize {
        2
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        let r = p[0].hypot(p[1]);
        hsl(
            p[1].atan2(p[0]) / std::f64::consts::TAU + 0.5,
            0.75,
            0.5 + 0.2 * r,
        )
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        let points = geodesic_points(a, b);
        out.extend(points.windows(2).map(|w| Segment::new(w[0], w[1], colour)));
    }
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let tip = [p[0] + v[0] * length, p[1] + v[1] * length];
        let segment = |a, b| Segment::new(a, b, colour);
        push_arrow(position(p), position(&tip), Vec3::Z, segment, out);
    }
    /// A fifth of the distance from the origin to the outermost probe ring, in the chart.
    fn arrow_spacing(&self, probes: &Points) -> f64 {
        let reach = probes.iter().map(|p| p[0].hypot(p[1])).fold(0.0, f64::max);
        (reach / 5.0).max(0.02)
    }
    /// The chart's coordinates across the rectangle the image covers, as in the plane.
    fn density_uv(&self, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
        (
            (p[0] - min.x as f64) / (max.x - min.x) as f64,
            (p[1] - min.y as f64) / (max.y - min.y) as f64,
        )
    }
    fn density_edges(&self) -> [Edge; 2] {
        [Edge::Open, Edge::Open]
    }
    /// As in the plane, inside the rim only (a little short of it: densities per hyperbolic
    /// area vanish towards the rim, and the chart's float precision does first).
    fn density_point(&self, u: f64, v: f64, min: Vec2, max: Vec2) -> Option<Vec<f64>> {
        let x = min.x as f64 + u * (max.x - min.x) as f64;
        let y = min.y as f64 + v * (max.y - min.y) as f64;
        (x.hypot(y) < 0.995).then(|| vec![x, y])
    }
    /// The rim, and the regular {7,3} tiling (heptagons, three at every corner: each edge a
    /// geodesic) out to where its cells shrink to a few pixels.
    fn backdrop(&self, colour: Rgba, out: &mut Vec<Segment>) {
        let pieces = 96;
        for k in 0..pieces {
            let (a0, a1) = (
                std::f64::consts::TAU * k as f64 / pieces as f64,
                std::f64::consts::TAU * (k + 1) as f64 / pieces as f64,
            );
            out.push(Segment::new(
                position(&[a0.cos(), a0.sin()]),
                position(&[a1.cos(), a1.sin()]),
                colour,
            ));
        }
        let faint = colour.with_alpha(90);
        for edge in tiling_edges() {
            out.extend(edge.windows(2).map(|w| Segment::new(w[0], w[1], faint)));
        }
    }
}

/// Sides and corner degree of the backdrop's tiling.
const TILE_SIDES: usize = 7;
const TILE_DEGREE: usize = 3;
/// Cells whose centre lies beyond this radius of the disk are not drawn.
const TILE_REACH: f64 = 0.985;
/// Chords per tile edge.
const TILE_PIECES: usize = 8;

/// The edges of the {7,3} tiling as chord points, computed once: the central cell, then its
/// images under reflection in each of its sides, breadth first.
fn tiling_edges() -> &'static [Vec<[f32; 3]>] {
    static EDGES: std::sync::OnceLock<Vec<Vec<[f32; 3]>>> = std::sync::OnceLock::new();
    EDGES.get_or_init(|| {
        use std::f64::consts::PI;
        let (p, q) = (TILE_SIDES as f64, TILE_DEGREE as f64);
        // The central cell's corners lie at this Euclidean radius.
        let radius = ((PI / p + PI / q).cos() / (PI / p - PI / q).cos()).sqrt();
        let first: Vec<[f64; 2]> = (0..TILE_SIDES)
            .map(|k| {
                let a = 2.0 * PI * k as f64 / p;
                [radius * a.cos(), radius * a.sin()]
            })
            .collect();
        let centre = |cell: &[[f64; 2]]| {
            let n = cell.len() as f64;
            [
                cell.iter().map(|v| v[0]).sum::<f64>() / n,
                cell.iter().map(|v| v[1]).sum::<f64>() / n,
            ]
        };
        let key = |c: [f64; 2]| ((c[0] * 1e5).round() as i64, (c[1] * 1e5).round() as i64);
        let mut seen = std::collections::HashSet::from([key(centre(&first))]);
        let mut queue = std::collections::VecDeque::from([first]);
        let mut edges = Vec::new();
        while let Some(cell) = queue.pop_front() {
            for k in 0..TILE_SIDES {
                let (a, b) = (cell[k], cell[(k + 1) % TILE_SIDES]);
                edges.push(
                    geodesic_points(&a, &b)
                        .iter()
                        .step_by(PIECES / TILE_PIECES)
                        .copied()
                        .collect(),
                );
                let image: Vec<[f64; 2]> = cell.iter().map(|v| reflect(*v, a, b)).collect();
                let c = centre(&image);
                if c[0].hypot(c[1]) < TILE_REACH && seen.insert(key(c)) {
                    queue.push_back(image);
                }
            }
        }
        edges
    })
}

/// `x` reflected in the geodesic through `a` and `b`: an inversion in the circle through them
/// that meets the rim at right angles (a mirror in the line, when they are on a diameter).
fn reflect(x: [f64; 2], a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    // The circle's centre c solves c·a = (|a|² + 1)/2, c·b = (|b|² + 1)/2.
    let det = a[0] * b[1] - a[1] * b[0];
    if det.abs() < 1e-12 {
        let d = [b[0] - a[0], b[1] - a[1]];
        let n = d[0].hypot(d[1]);
        let (u0, u1) = (d[0] / n, d[1] / n);
        let along = x[0] * u0 + x[1] * u1;
        return [2.0 * along * u0 - x[0], 2.0 * along * u1 - x[1]];
    }
    let (ra, rb) = (
        (a[0] * a[0] + a[1] * a[1] + 1.0) / 2.0,
        (b[0] * b[0] + b[1] * b[1] + 1.0) / 2.0,
    );
    let c = [(ra * b[1] - rb * a[1]) / det, (rb * a[0] - ra * b[0]) / det];
    let r2 = c[0] * c[0] + c[1] * c[1] - 1.0;
    let (dx, dy) = (x[0] - c[0], x[1] - c[1]);
    let scale = r2 / (dx * dx + dy * dy);
    [c[0] + dx * scale, c[1] + dy * scale]
}
