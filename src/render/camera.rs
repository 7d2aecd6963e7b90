//! Cameras: a pan/zoom camera for flat views (plane, unrolled torus) and an orbit camera for the
//! sphere and the donut. Each yields the `clip_from_world` matrix the shaders use.

use glam::{Mat4, Vec2, Vec3};
use serde::{Deserialize, Serialize};

/// A 2-D camera: the world point at the view's centre and how many world units the view's
/// shorter side spans.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PanZoomCamera {
    pub centre: Vec2,
    pub span: f32,
}

impl PanZoomCamera {
    pub fn new(centre: Vec2, span: f32) -> Self {
        Self { centre, span }
    }

    /// World units per pixel in a view `height_px` pixels tall (or wide, when narrower).
    fn units_per_px(&self, size_px: Vec2) -> f32 {
        self.span / size_px.x.min(size_px.y).max(1.0)
    }

    pub fn clip_from_world(&self, size_px: Vec2) -> Mat4 {
        let half = size_px * 0.5 * self.units_per_px(size_px);
        Mat4::orthographic_rh(
            self.centre.x - half.x,
            self.centre.x + half.x,
            self.centre.y - half.y,
            self.centre.y + half.y,
            -10.0,
            10.0,
        )
    }

    /// Moves the view by a drag of `delta_px` pixels (screen y grows downwards).
    pub fn pan(&mut self, delta_px: Vec2, size_px: Vec2) {
        let scale = self.units_per_px(size_px);
        self.centre += Vec2::new(-delta_px.x, delta_px.y) * scale;
    }

    /// Zooms by `factor` (> 1 zooms in) keeping the world point under `cursor_px` in place
    /// (`cursor_px` relative to the view's top-left corner).
    pub fn zoom(&mut self, factor: f32, cursor_px: Vec2, size_px: Vec2) {
        let before = self.world_at(cursor_px, size_px);
        self.span = (self.span / factor).clamp(1e-3, 1e4);
        let after = self.world_at(cursor_px, size_px);
        self.centre += before - after;
    }

    /// The world point under a pixel (relative to the view's top-left corner).
    pub fn world_at(&self, px: Vec2, size_px: Vec2) -> Vec2 {
        let scale = self.units_per_px(size_px);
        let from_centre = px - size_px * 0.5;
        self.centre + Vec2::new(from_centre.x, -from_centre.y) * scale
    }

    /// The world rectangle the view shows: (min, max).
    pub fn visible_world(&self, size_px: Vec2) -> (Vec2, Vec2) {
        let half = size_px * 0.5 * self.units_per_px(size_px);
        (self.centre - half, self.centre + half)
    }
}

/// A camera orbiting the origin at `distance`, z up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OrbitCamera {
    /// Rotation about the z axis, radians.
    pub yaw: f32,
    /// Elevation above the xy plane, radians.
    pub pitch: f32,
    pub distance: f32,
    pub fov_y: f32,
}

impl Default for OrbitCamera {
    fn default() -> Self {
        Self {
            yaw: 0.6,
            pitch: 0.45,
            distance: 3.6,
            fov_y: 0.75,
        }
    }
}

impl OrbitCamera {
    pub fn eye(&self) -> Vec3 {
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = self.pitch.sin_cos();
        Vec3::new(cp * cy, cp * sy, sp) * self.distance
    }

    pub fn clip_from_world(&self, size_px: Vec2) -> Mat4 {
        let aspect = size_px.x.max(1.0) / size_px.y.max(1.0);
        let projection = Mat4::perspective_rh(self.fov_y, aspect, 0.05, 100.0);
        let view_from_world = Mat4::look_at_rh(self.eye(), Vec3::ZERO, Vec3::Z);
        projection * view_from_world
    }

    /// Turns the camera by a drag of `delta_px` pixels.
    pub fn rotate(&mut self, delta_px: Vec2) {
        self.yaw -= delta_px.x * 0.008;
        self.pitch = (self.pitch + delta_px.y * 0.008).clamp(-1.5, 1.5);
    }

    /// Moves closer (`factor` > 1) or further away.
    pub fn zoom(&mut self, factor: f32) {
        self.distance = (self.distance / factor).clamp(1.6, 20.0);
    }
}
