//! Small CPU-made pictures laid over a view each frame or each snapshot: the plane's grid, the
//! coupling's x0 → x1 segments, vector-field arrows and the density heat map.

use std::f64::consts::{PI, TAU};

use glam::Vec2;

use super::content::{DensityImage, Palette, Rgba, Segment};
use crate::data::Points;
use crate::geometry::SpaceKind;

/// A 1-2-5 step giving about `target_lines` lines over `span`.
fn nice_step(span: f32, target_lines: f32) -> f32 {
    let raw = span / target_lines;
    let magnitude = 10f32.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction < 1.5 {
        1.0
    } else if fraction < 3.5 {
        2.0
    } else if fraction < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// Grid lines and the two axes over the visible part of the plane; returns the segments and
/// the grid step (for tick labels).
pub fn plane_grid(min: Vec2, max: Vec2, palette: &Palette) -> (Vec<Segment>, f32) {
    let step = nice_step((max - min).min_element().max(1e-6), 8.0);
    let mut segments = Vec::new();
    let first = (min / step).floor();
    let last = (max / step).ceil();
    for i in first.x as i64..=last.x as i64 {
        let x = i as f32 * step;
        let colour = if i == 0 { palette.axis } else { palette.grid };
        segments.push(Segment::new([x, min.y, 0.0], [x, max.y, 0.0], colour));
    }
    for j in first.y as i64..=last.y as i64 {
        let y = j as f32 * step;
        let colour = if j == 0 { palette.axis } else { palette.grid };
        segments.push(Segment::new([min.x, y, 0.0], [max.x, y, 0.0], colour));
    }
    (segments, step)
}

/// Pieces per sphere geodesic: short enough that chords hug the surface.
const SPHERE_PIECES: usize = 12;

fn slerp(a: &[f64], b: &[f64], s: f64) -> [f32; 3] {
    let dot = (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
    let theta = dot.acos();
    if theta < 1e-6 {
        return [a[0] as f32, a[1] as f32, a[2] as f32];
    }
    let (wa, wb) = (
        ((1.0 - s) * theta).sin() / theta.sin(),
        (s * theta).sin() / theta.sin(),
    );
    [0, 1, 2].map(|k| (wa * a[k] + wb * b[k]) as f32)
}

/// The geodesic from `a` to `b` as segments.
fn geodesic(space: SpaceKind, a: &[f64], b: &[f64], colour: Rgba, out: &mut Vec<Segment>) {
    match space {
        SpaceKind::Plane => out.push(Segment::new(
            [a[0] as f32, a[1] as f32, 0.0],
            [b[0] as f32, b[1] as f32, 0.0],
            colour,
        )),
        SpaceKind::Torus => out.push(Segment::torus_geodesic(
            [a[0] as f32, a[1] as f32],
            [b[0] as f32, b[1] as f32],
            colour,
        )),
        SpaceKind::Sphere => {
            for piece in 0..SPHERE_PIECES {
                let s0 = piece as f64 / SPHERE_PIECES as f64;
                let s1 = (piece + 1) as f64 / SPHERE_PIECES as f64;
                out.push(Segment::new(slerp(a, b, s0), slerp(a, b, s1), colour));
            }
        }
    }
}

/// The training batch's pairs x0 → x1 as geodesic segments.
pub fn coupling_segments(space: SpaceKind, x0: &Points, x1: &Points, colour: Rgba) -> Vec<Segment> {
    let mut out = Vec::with_capacity(x0.len());
    for (a, b) in x0.iter().zip(x1.iter()) {
        geodesic(space, a, b, colour, &mut out);
    }
    out
}

/// Arrows for velocities `velocities` at `points` (tangent vectors), `length_per_speed` world
/// units per unit of speed. Each arrow is a shaft and two head strokes.
pub fn field_arrows(
    space: SpaceKind,
    points: &Points,
    velocities: &[f64],
    length_per_speed: f64,
    colour: Rgba,
) -> Vec<Segment> {
    let dim = points.dim();
    let mut out = Vec::with_capacity(points.len() * 3);
    for (i, p) in points.iter().enumerate() {
        let v = &velocities[i * dim..(i + 1) * dim];
        let tip: Vec<f64> = p
            .iter()
            .zip(v)
            .map(|(x, dx)| x + dx * length_per_speed)
            .collect();
        let tip = match space {
            SpaceKind::Sphere => {
                let norm = (tip[0] * tip[0] + tip[1] * tip[1] + tip[2] * tip[2]).sqrt();
                tip.iter().map(|x| x / norm).collect()
            }
            _ => tip,
        };
        let to_f32 = |q: &[f64]| -> [f32; 3] {
            [
                q[0] as f32,
                q[1] as f32,
                q.get(2).copied().unwrap_or(0.0) as f32,
            ]
        };
        let (start, end) = (to_f32(p), to_f32(&tip));
        let segment = |a: [f32; 3], b: [f32; 3]| match space {
            SpaceKind::Torus => Segment::torus_geodesic([a[0], a[1]], [b[0], b[1]], colour),
            _ => Segment::new(a, b, colour),
        };
        out.push(segment(start, end));
        // Head strokes: back from the tip, rotated ±25° about the shaft (in the shaft's plane
        // with the surface normal on the sphere).
        let shaft = glam::Vec3::from(end) - glam::Vec3::from(start);
        let length = shaft.length();
        if length < 1e-6 {
            continue;
        }
        let normal = match space {
            SpaceKind::Sphere => glam::Vec3::from(end).normalize(),
            _ => glam::Vec3::Z,
        };
        let side = normal.cross(shaft).normalize_or_zero();
        let back = -shaft.normalize() * length * 0.3;
        for sign in [-1.0, 1.0] {
            let stroke = back + side * (sign * length * 0.14);
            out.push(segment(end, (glam::Vec3::from(end) + stroke).to_array()));
        }
    }
    out
}

/// Where a point lands in a density image's uv square (content.rs states the layout).
fn density_uv(space: SpaceKind, p: &[f64], min: Vec2, max: Vec2) -> (f64, f64) {
    match space {
        SpaceKind::Plane => (
            (p[0] - min.x as f64) / (max.x - min.x) as f64,
            (p[1] - min.y as f64) / (max.y - min.y) as f64,
        ),
        SpaceKind::Sphere => (
            (p[1].atan2(p[0]) + PI) / TAU,
            p[2].clamp(-1.0, 1.0).acos() / PI,
        ),
        SpaceKind::Torus => (p[0].rem_euclid(TAU) / TAU, p[1].rem_euclid(TAU) / TAU),
    }
}

/// A heat map of `points` on a `resolution`² grid (bilinear splats, then two blurs), coloured
/// from transparent through the palette's target colour to white. `min..max` is the plane
/// rectangle it covers (ignored on the sphere and torus, which cover their whole surface).
pub fn density_image(
    space: SpaceKind,
    points: &Points,
    min: Vec2,
    max: Vec2,
    resolution: u32,
    palette: &Palette,
) -> DensityImage {
    let n = resolution.max(2) as usize;
    let wraps = space != SpaceKind::Plane;
    let mut grid = vec![0f32; n * n];
    for p in points.iter() {
        let (u, v) = density_uv(space, p, min, max);
        let (x, y) = (u * n as f64 - 0.5, v * n as f64 - 0.5);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = ((x - x0) as f32, (y - y0) as f32);
        for (dx, dy, w) in [
            (0, 0, (1.0 - fx) * (1.0 - fy)),
            (1, 0, fx * (1.0 - fy)),
            (0, 1, (1.0 - fx) * fy),
            (1, 1, fx * fy),
        ] {
            let (mut cx, mut cy) = (x0 as i64 + dx, y0 as i64 + dy);
            if wraps {
                cx = cx.rem_euclid(n as i64);
                cy = cy.clamp(0, n as i64 - 1);
                if space == SpaceKind::Torus {
                    cy = (y0 as i64 + dy).rem_euclid(n as i64);
                }
            }
            if (0..n as i64).contains(&cx) && (0..n as i64).contains(&cy) {
                grid[cy as usize * n + cx as usize] += w;
            }
        }
    }
    // Two passes: few particles per cell otherwise read as separate blobs.
    let blurred = blur(&blur(&grid, n, wraps), n, wraps);
    let peak = blurred.iter().copied().fold(0f32, f32::max).max(1e-12);
    let colour = palette.target.to_f32();
    let mut rgba = Vec::with_capacity(n * n * 4);
    for &value in &blurred {
        let s = (value / peak).sqrt();
        let whiten = (s - 0.6).max(0.0) / 0.4;
        for channel in &colour[..3] {
            let c = channel + (1.0 - channel) * whiten;
            rgba.push((c * 255.0).round() as u8);
        }
        rgba.push((s.min(1.0) * 230.0).round() as u8);
    }
    DensityImage {
        width: n as u32,
        height: n as u32,
        rgba,
        world_min: min,
        world_max: max,
    }
}

fn blur(grid: &[f32], n: usize, wraps: bool) -> Vec<f32> {
    let mut out = vec![0f32; n * n];
    for y in 0..n as i64 {
        for x in 0..n as i64 {
            let mut sum = 0.0;
            for (dy, dx) in [(-1i64, 0i64), (1, 0), (0, -1), (0, 1), (0, 0)] {
                let (mut sx, sy) = (x + dx, y + dy);
                if wraps {
                    sx = sx.rem_euclid(n as i64);
                }
                if (0..n as i64).contains(&sx) && (0..n as i64).contains(&sy) {
                    let weight = if dx == 0 && dy == 0 { 2.0 } else { 1.0 };
                    sum += weight * grid[sy as usize * n + sx as usize];
                }
            }
            out[y as usize * n + x as usize] = sum / 6.0;
        }
    }
    out
}
