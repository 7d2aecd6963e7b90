//! The distance-field window: on a planar mesh, the geodesic, biharmonic and diffusion
//! distance from a point, side by side as heat maps with isolines; a click on any panel moves
//! the point. The comparison the lecture shows of why spectral premetrics replace geodesics.

use std::sync::Arc;

use eframe::egui;
use glam::DVec3;

use crate::export::{DistanceFields, TITLE_PX};
use crate::geometry::mesh::MeshConfig;
use crate::scene::Scene;
use crate::space::mesh_of;

/// Width of each of the three panels, in points.
const PANEL_PX: u32 = 300;

#[derive(Default)]
pub struct DistancesWindow {
    pub open: bool,
    /// The distances of the scene's mesh, or why they could not be prepared, for this setting.
    fields: Option<(MeshConfig, Result<Arc<DistanceFields>, String>)>,
    from: Option<DVec3>,
    texture: Option<egui::TextureHandle>,
    /// Why the last click moved nothing.
    message: Option<String>,
}

impl DistancesWindow {
    pub fn ui(&mut self, ctx: &egui::Context, scene: &Scene) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Distance fields")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| self.contents_ui(ui, scene));
        self.open = open;
    }

    fn contents_ui(&mut self, ui: &mut egui::Ui, scene: &Scene) {
        let planar = mesh_of(scene.space).filter(|mesh| mesh.is_planar());
        let Some(mesh) = planar else {
            ui.label(
                "Distance fields are drawn on planar meshes (a maze, a room): choose the mesh space and a planar mesh.",
            );
            return;
        };
        let config = mesh.config.clone();
        if self.fields.as_ref().is_none_or(|(made, _)| *made != config) {
            let fields = DistanceFields::new(&config)
                .map(Arc::new)
                .map_err(|e| e.to_string());
            self.fields = Some((config, fields));
            self.from = None;
            self.texture = None;
        }
        let fields = match &self.fields {
            Some((_, Ok(fields))) => fields.clone(),
            Some((_, Err(message))) => {
                ui.label(format!("The distances could not be prepared: {message}"));
                return;
            }
            None => return,
        };
        let from = *self.from.get_or_insert_with(|| fields.default_point());
        if self.texture.is_none() {
            match fields.picture(from, PANEL_PX) {
                Ok(image) => {
                    let size = [image.width() as usize, image.height() as usize];
                    let pixels = egui::ColorImage::from_rgba_unmultiplied(size, image.as_raw());
                    self.texture = Some(ui.ctx().load_texture(
                        "distance fields",
                        pixels,
                        egui::TextureOptions::NEAREST,
                    ));
                }
                Err(error) => self.message = Some(error.to_string()),
            }
        }
        ui.label(
            "The distance from the white point on each panel, near dark, far bright, isolines at tenths. Click a point of the floor to move it.",
        );
        let Some(texture) = &self.texture else {
            return;
        };
        let response = ui.add(egui::Image::new(texture).sense(egui::Sense::click()));
        if response.clicked()
            && let Some(pointer) = response.interact_pointer_pos()
        {
            // Pixels of the picture per point of the screen.
            let scale = texture.size()[0] as f32 / response.rect.width();
            let local = (pointer - response.rect.min) * scale;
            let col = (local.x as f64).rem_euclid(PANEL_PX as f64);
            let row = local.y as f64 - TITLE_PX as f64;
            let point = fields.world_at(PANEL_PX, col, row);
            if fields.on_floor(point) {
                self.from = Some(point);
                self.texture = None;
                self.message = None;
            } else {
                self.message = Some("That is a wall: click a point of the floor.".into());
            }
        }
        if let Some(message) = &self.message {
            ui.label(message);
        }
    }
}
