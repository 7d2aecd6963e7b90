//! The menu bar: scenes, views, export and help.

use eframe::egui;

use super::FlowscopeApp;
use crate::render::Cameras;
use crate::scene::Scene;
use crate::ui::scenes;

impl FlowscopeApp {
    pub(super) fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("Scene", |ui| {
                if ui
                    .button("Open…")
                    .on_hover_text("Open a scene file (TOML).")
                    .clicked()
                {
                    self.open_scene_dialog(&ctx);
                }
                if ui
                    .button("Save as…")
                    .on_hover_text("Save every setting of this scene as TOML.")
                    .clicked()
                {
                    self.save_scene_dialog();
                }
                ui.separator();
                for (index, (name, text)) in scenes::SHIPPED.iter().enumerate() {
                    let title = Scene::from_toml(text).map(|s| s.title).unwrap_or_default();
                    if ui
                        .button(match index {
                            0..=9 => format!("{}  {title}", (index + 1) % 10),
                            _ => format!("    {title}"),
                        })
                        .on_hover_text(format!("assets/scenes/{name}.toml"))
                        .clicked()
                        && let Some(scene) = scenes::shipped(index)
                    {
                        self.load_scene(&ctx, scene, None);
                    }
                }
                ui.separator();
                if ui
                    .button("Compare: independent vs OT k = 64 vs OT k = 1024")
                    .on_hover_text("Three runs side by side on the same data and seed (C).")
                    .clicked()
                {
                    self.set_compare(&ctx, Some(scenes::coupling_comparison()));
                }
                if self.compare.is_some() && ui.button("Leave compare mode").clicked() {
                    self.set_compare(&ctx, None);
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Presentation mode (F11)").clicked() {
                    self.set_presentation(&ctx, !self.presentation);
                }
                if ui.button("Reset camera").clicked() {
                    self.cameras = Cameras::default();
                }
                if ui
                    .button("Distance fields…")
                    .on_hover_text("On a planar mesh: the geodesic, biharmonic and diffusion distance from a point you click, side by side.")
                    .clicked()
                {
                    self.distances.open = true;
                }
                if ui
                    .button("Sweep…")
                    .on_hover_text("Train a grid of variants of this scene (any key, several values, several seeds) and plot any metric against a key as the runs finish; the same as `flowscope sweep`.")
                    .clicked()
                {
                    self.sweep.open = true;
                }
                if ui.button("Keyboard shortcuts (F1)").clicked() {
                    self.show_help = true;
                }
            });
            ui.separator();
            ui.label(egui::RichText::new(&self.scene.title).strong());
        });
    }
}
