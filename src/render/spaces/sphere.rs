//! The sphere drawn in 3-D: great-circle coupling lines, arrows along the surface, hues by
//! longitude and lightness by height.

use std::f64::consts::TAU;

use glam::{DVec3, Vec2, Vec3};

use super::{Edge, SpaceRender, position, push_arrow};
use crate::data::Points;
use crate::geometry::{direction_uv, uv_direction};
use crate::render::content::{Rgba, Segment, hsl};

pub struct SphereRender;

/// Pieces per sphere geodesic: short enough that chords hug the surface.
const SPHERE_PIECES: usize = 12;

fn slerp(a: &[f64], b: &[f64], s: f64) -> [f32; 3] {
    let dot = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
    let theta = dot.acos();
    if theta < 1e-6 {
        return position(a);
    }
    let (wa, wb) = (
        ((1.0 - s) * theta).sin() / theta.sin(),
        (s * theta).sin() / theta.sin(),
    );
    [0, 1, 2].map(|k| (wa * a[k] + wb * b[k]) as f32)
}

impl SpaceRender for SphereRender {
    fn particle_dim(&self) -> usize {
        3
    }
    fn source_colour(&self, p: &[f64]) -> Rgba {
        hsl(p[1].atan2(p[0]) / TAU + 0.5, 0.75, 0.55 + 0.15 * p[2])
    }
    fn geodesic(&self, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
        for piece in 0..SPHERE_PIECES {
            let s0 = piece as f64 / SPHERE_PIECES as f64;
            let s1 = (piece + 1) as f64 / SPHERE_PIECES as f64;
            out.push(Segment::new(slerp(a, b, s0), slerp(a, b, s1), colour));
        }
    }
    /// The tip is brought back onto the sphere; the head lies in the tangent plane there.
    fn arrow(&self, p: &[f64], v: &[f64], length: f64, colour: Rgba, out: &mut Vec<Segment>) {
        let tip: Vec<f64> = p.iter().zip(v).map(|(x, dx)| x + dx * length).collect();
        let norm = (tip[0] * tip[0] + tip[1] * tip[1] + tip[2] * tip[2]).sqrt();
        let tip: Vec<f64> = tip.iter().map(|x| x / norm).collect();
        let end = position(&tip);
        let segment = |a, b| Segment::new(a, b, colour);
        push_arrow(position(p), end, Vec3::from(end).normalize(), segment, out);
    }
    fn arrow_spacing(&self, _probes: &Points) -> f64 {
        0.17
    }
    /// u is the longitude from −π, v the polar angle from the north pole, both scaled to [0, 1].
    fn density_uv(&self, p: &[f64], _min: Vec2, _max: Vec2) -> (f64, f64) {
        direction_uv(DVec3::new(p[0], p[1], p[2]))
    }
    fn density_edges(&self) -> [Edge; 2] {
        [Edge::Wrap, Edge::Clamp]
    }
    fn density_point(&self, u: f64, v: f64, _min: Vec2, _max: Vec2) -> Option<Vec<f64>> {
        Some(uv_direction(u, v).to_array().to_vec())
    }
}
