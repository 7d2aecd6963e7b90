//! The compare panel: two to four runs of one scene with different couplings.

use eframe::egui;

use super::FlowscopeApp;
use crate::coupling::CouplingMethod;
use crate::ui::run::RUN_COLOURS;
use crate::ui::scenes::{self, Variant};

impl FlowscopeApp {
    pub(super) fn compare_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let aligns = self.scene.alignment().is_some();
        let Some(variants) = &mut self.compare else {
            if aligns
                && ui
                    .button("Independent vs OT vs equivariant OT")
                    .on_hover_text(
                        "Three runs side by side on this symmetric data: independent pairs, batch OT, and OT on the orbit cost with each pair aligned (all at this k and steps a batch).",
                    )
                    .clicked()
            {
                let (k, reuse) = (self.scene.coupling.k, self.scene.coupling.reuse);
                self.set_compare(&ctx, Some(scenes::symmetry_comparison(k, reuse)));
            }
            if ui
                .button("Compare couplings…")
                .on_hover_text(
                    "Two to four runs side by side, same data and seed, different couplings (C).",
                )
                .clicked()
            {
                self.set_compare(&ctx, Some(scenes::coupling_comparison()));
            }
            if self.scene.coupling.method == CouplingMethod::Paired
                && ui
                    .button("Paired data vs conditional model")
                    .on_hover_text(
                        "The same inverse problem solved twice, side by side: flows starting at the noisy observation, and a model from noise given the observation.",
                    )
                    .clicked()
            {
                let variants = scenes::paired_comparison(&self.scene.coupling);
                self.set_compare(&ctx, Some(variants));
            }
            return;
        };
        let mut changed = false;
        let mut remove = None;
        let count = variants.len();
        for (index, variant) in variants.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.colored_label(RUN_COLOURS[index % RUN_COLOURS.len()], "■");
                let coupling = &mut variant.coupling;
                // Paired and reflow runs are named; any run can become another coupling.
                if matches!(
                    coupling.method,
                    CouplingMethod::Paired | CouplingMethod::Reflow
                ) {
                    ui.label(coupling.label());
                }
                let methods = [
                    (CouplingMethod::Independent, "indep."),
                    (CouplingMethod::Exact, "OT"),
                    (CouplingMethod::Sinkhorn, "Sinkhorn"),
                    (CouplingMethod::Equivariant, "equiv. OT"),
                ];
                for (method, label) in methods
                    .into_iter()
                    .filter(|(m, _)| aligns || *m != CouplingMethod::Equivariant)
                {
                    changed |= ui
                        .selectable_value(&mut coupling.method, method, label)
                        .changed();
                }
                if coupling.method.solves_ot() {
                    changed |= ui
                        .add(
                            egui::DragValue::new(&mut coupling.k)
                                .range(1..=4096)
                                .prefix("k "),
                        )
                        .on_hover_text("This run's OT batch size.")
                        .changed();
                }
                if count > 2
                    && ui
                        .small_button("✖")
                        .on_hover_text("Remove this run.")
                        .clicked()
                {
                    remove = Some(index);
                }
            });
        }
        let mut add = false;
        ui.horizontal(|ui| {
            if count < 4 && ui.button("Add run").clicked() {
                add = true;
            }
            if ui.button("Leave compare").clicked() {
                remove = Some(usize::MAX);
            }
        });
        if remove == Some(usize::MAX) {
            self.set_compare(&ctx, None);
        } else if let Some(index) = remove.filter(|_| count > 2) {
            let mut variants = variants.clone();
            variants.remove(index);
            self.set_compare(&ctx, Some(variants));
        } else if add {
            let mut variants = variants.clone();
            let last = variants.last().cloned().unwrap_or(Variant {
                coupling: self.scene.coupling.clone(),
            });
            variants.push(last);
            self.set_compare(&ctx, Some(variants));
        } else if changed {
            self.send_scene();
        }
    }
}
