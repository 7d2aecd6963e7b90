//! The status line: devices, frames per second, each run's step and rate, the last notice.

use eframe::egui;

use super::{FlowscopeApp, NOTICE_SECS};

impl FlowscopeApp {
    pub(super) fn status_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(format!("training: {}", self.info.training));
            ui.separator();
            ui.label(format!("drawing: {}", self.info.adapter));
            ui.separator();
            ui.label(format!("{:.0} fps", self.fps()));
            for run in &self.runs {
                if let Some(snapshot) = &run.snapshot {
                    ui.separator();
                    ui.colored_label(
                        run.colour,
                        format!(
                            "step {} · {:.0} steps/s",
                            snapshot.step, snapshot.steps_per_sec
                        ),
                    );
                }
            }
            if let Some((text, since)) = &self.notice
                && since.elapsed().as_secs_f32() < NOTICE_SECS
            {
                ui.separator();
                ui.colored_label(egui::Color32::from_rgb(255, 200, 90), text);
            }
        });
    }

    pub(super) fn fps(&self) -> f64 {
        match (self.frame_times.front(), self.frame_times.back()) {
            (Some(first), Some(last)) if self.frame_times.len() > 1 => {
                let secs = last.duration_since(*first).as_secs_f64();
                if secs > 0.0 {
                    (self.frame_times.len() - 1) as f64 / secs
                } else {
                    0.0
                }
            }
            _ => 0.0,
        }
    }
}
