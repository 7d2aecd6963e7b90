//! The controls on the left: training buttons, the scene's settings, compare and view.

use eframe::egui;

use super::FlowscopeApp;
use crate::render::ColourMode;
use crate::session::SceneChange;
use crate::session::live::Command;
use crate::ui::controls::{DensityAvailability, scene_ui, view_ui};
use crate::ui::draw::{DrawnSide, drawing_dir, drawn_distribution};
use crate::ui::run::Run;

impl FlowscopeApp {
    pub(super) fn training_buttons_ui(&mut self, ui: &mut egui::Ui) {
        let running = self.runs.iter().any(Run::running);
        ui.horizontal(|ui| {
            let label = if running { "■ Pause" } else { "▶ Start" };
            if ui
                .button(label)
                .on_hover_text("Train, or pause training (Space).")
                .clicked()
            {
                self.toggle_training();
            }
            if ui
                .button("Step")
                .on_hover_text("One training step (S).")
                .clicked()
            {
                self.command_all(Command::Step);
            }
            if ui
                .button("Reset")
                .on_hover_text("Start again from fresh weights (R).")
                .clicked()
            {
                self.command_all(Command::Reset);
            }
            let ctx = ui.ctx().clone();
            if ui
                .add_enabled(self.can_reflow(), egui::Button::new("Reflow"))
                .on_hover_text(
                    "Train a new model on this run's own endpoints (x0, ψ1(x0)) and show it beside: a rectified flow, with straighter paths.",
                )
                .on_disabled_hover_text(
                    "Reflow needs a finished run: train it to its last step first (not for paired runs; at most four views).",
                )
                .clicked()
            {
                self.reflow(&ctx);
            }
        });
    }

    pub(super) fn side_panel_ui(&mut self, ui: &mut egui::Ui) {
        egui::ScrollArea::vertical().show(ui, |ui| {
            self.training_buttons_ui(ui);
            ui.separator();
            let mut scene = self.scene.clone();
            if scene_ui(ui, &mut scene) {
                if scene.sample.guidance.is_some() && self.scene.sample.guidance.is_none() {
                    self.style.colour_mode = ColourMode::for_scene(&scene);
                }
                self.scene = scene;
            }
            // Settings that restart training wait until the slider is let go.
            let change = SceneChange::between(&self.sent_scene, &self.scene);
            let pointer_down = ui.input(|i| i.pointer.any_down());
            match change {
                SceneChange::Same => {}
                SceneChange::Applied => self.send_scene(),
                SceneChange::NeedsRestart(_) if !pointer_down => self.send_scene(),
                SceneChange::NeedsRestart(_) => {}
            }
            egui::CollapsingHeader::new("Compare")
                .default_open(self.compare.is_some())
                .show(ui, |ui| self.compare_ui(ui));
            egui::CollapsingHeader::new("View")
                .default_open(true)
                .show(ui, |ui| {
                    let densities = DensityAvailability::of(&self.scene);
                    view_ui(ui, &mut self.style, &mut self.time, &densities)
                });
            egui::CollapsingHeader::new("Draw")
                .default_open(self.draw.active)
                .show(ui, |ui| {
                    if let Some(side) = self.draw.controls_ui(ui, self.scene.space) {
                        self.use_drawing(side);
                    }
                });
        });
    }

    /// Makes the drawing the scene's source or target (the runs restart on it).
    fn use_drawing(&mut self, side: DrawnSide) {
        let dir = drawing_dir(self.last_scene_file.as_deref());
        match drawn_distribution(&self.draw.points(), self.scene.space, side, &dir) {
            Ok(dist) => {
                match side {
                    DrawnSide::Source => self.scene.source = dist,
                    DrawnSide::Target => self.scene.target = dist,
                }
                self.set_notice(format!(
                    "Training on your {} points as the {}.",
                    self.draw.len(),
                    match side {
                        DrawnSide::Source => "source",
                        DrawnSide::Target => "target",
                    }
                ));
            }
            Err(error) => self.set_notice(format!("The drawing is not used: {error}")),
        }
    }
}
