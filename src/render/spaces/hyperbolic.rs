//! The Poincaré disk drawn flat: its rim and a grid of geodesics (circular arcs meeting the rim
//! at right angles), coupling lines along geodesics, hues by angle and lightness by distance
//! from the origin.

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
    /// The rim, and geodesics through the origin every 30° and rings of hyperbolic radius 1, 2
    /// and 3 (hyperbolic circles are Euclidean circles in the disk).
    fn backdrop(&self, colour: Rgba, out: &mut Vec<Segment>) {
        let circle = |r: f64, colour: Rgba, out: &mut Vec<Segment>| {
            let pieces = 96;
            for k in 0..pieces {
                let (a0, a1) = (
                    std::f64::consts::TAU * k as f64 / pieces as f64,
                    std::f64::consts::TAU * (k + 1) as f64 / pieces as f64,
                );
                out.push(Segment::new(
                    position(&[r * a0.cos(), r * a0.sin()]),
                    position(&[r * a1.cos(), r * a1.sin()]),
                    colour,
                ));
            }
        };
        circle(1.0, colour, out);
        let faint = colour.with_alpha(70);
        for rho in [1.0f64, 2.0, 3.0] {
            circle((rho / 2.0).tanh(), faint, out);
        }
        for k in 0..6 {
            let a = std::f64::consts::PI * k as f64 / 6.0;
            let (c, s) = (a.cos(), a.sin());
            out.push(Segment::new(position(&[-c, -s]), position(&[c, s]), faint));
        }
        // Geodesics not through the origin: arcs orthogonal to the rim, centred outside it.
        for k in 0..8 {
            let a = std::f64::consts::TAU * (k as f64 + 0.5) / 8.0;
            let (start, end) = (
                [0.95 * (a - 0.6).cos(), 0.95 * (a - 0.6).sin()],
                [0.95 * (a + 0.6).cos(), 0.95 * (a + 0.6).sin()],
            );
            let points = geodesic_points(&start, &end);
            out.extend(points.windows(2).map(|w| Segment::new(w[0], w[1], faint)));
        }
    }
}
