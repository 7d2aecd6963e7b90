//! The help window: keys and what the views show.

use eframe::egui;

use super::FlowscopeApp;

impl FlowscopeApp {
    pub(super) fn help_ui(&mut self, ctx: &egui::Context) {
        let mut open = self.show_help;
        egui::Window::new("Keyboard shortcuts")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("keys").show(ui, |ui| {
                    for (key, what) in [
                        ("Space", "start / pause training"),
                        ("S", "one training step"),
                        ("R", "reset the weights"),
                        ("T", "play / pause the flow animation"),
                        ("1–9, 0", "load a shipped scene"),
                        ("C", "compare couplings side by side"),
                        ("E", "export a video (Enter in its window starts it)"),
                        ("F", "reflow the finished run beside it"),
                        ("F11", "presentation mode (Esc leaves)"),
                        (
                            "drag / wheel",
                            "pan and zoom, or orbit; double-click resets",
                        ),
                    ] {
                        ui.strong(key);
                        ui.label(what);
                        ui.end_row();
                    }
                });
            });
        self.show_help = open;
    }
}
