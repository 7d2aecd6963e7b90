//! The sweep window: the same grid of scene variants as `flowscope sweep`, built on the
//! window's current scene, trained a few at a time on worker threads while the window goes on,
//! resumable from its output directory, with a progress bar, the time left, and the curve of
//! any metric drawn as rows arrive.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use burn::tensor::Device;
use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints, Points as PlotMarkers};

use crate::scene::Scene;
use crate::sweep::{
    Axis, DEFAULT_PLOTS, PlotRequest, Ratio, Results, Scale, Sweep, SweepEvent, SweepOutcome,
    draw_plot, plot_lines,
};

/// What the worker thread sends: the sweep's events, then how it ended.
enum Message {
    Event(SweepEvent),
    Ended(Result<SweepOutcome, String>),
}

/// A sweep training on its threads.
struct Running {
    messages: Receiver<Message>,
    stop: Arc<AtomicBool>,
    started: Instant,
    /// Runs the grid holds, runs already in results.csv when it started, and those since.
    total: usize,
    done_before: usize,
    finished: usize,
    failed: usize,
    /// Training progress of the runs in flight: (step, steps) by grid index.
    in_flight: std::collections::BTreeMap<usize, (usize, usize)>,
    dir: PathBuf,
    request: PlotRequest,
}

pub struct SweepWindow {
    pub open: bool,
    /// One `KEY=V1,V2,…` per line.
    settings: String,
    repeat: usize,
    out: String,
    /// `KEY=A/B`, or empty.
    ratio: String,
    metric: String,
    running: Option<Running>,
    /// The rows so far (from results.csv when resuming, then as runs finish).
    results: Option<Results>,
    /// The x key and ratio the plot uses (the last sweep's).
    plotted: Option<PlotRequest>,
    /// The last outcome or error, one sentence.
    message: Option<String>,
}

impl Default for SweepWindow {
    fn default() -> Self {
        Self {
            open: false,
            settings: "coupling.k=1,4,16,64,256".into(),
            repeat: 1,
            out: "sweeps/window".into(),
            ratio: String::new(),
            metric: "coupling_cost".into(),
            running: None,
            results: None,
            plotted: None,
            message: None,
        }
    }
}

impl SweepWindow {
    /// Whether a sweep is training (the window keeps repainting for its progress).
    pub fn running(&self) -> bool {
        self.running.is_some()
    }

    pub fn ui(&mut self, ctx: &egui::Context, scene: &Scene, device: &Device) {
        self.poll();
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Sweep")
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| self.contents_ui(ui, scene, device));
        self.open = open;
    }

    fn contents_ui(&mut self, ui: &mut egui::Ui, scene: &Scene, device: &Device) {
        let idle = self.running.is_none();
        ui.add_enabled_ui(idle, |ui| {
            ui.label("Varied keys of the current scene, one KEY=V1,V2,… per line:")
                .on_hover_text("Any dotted scene key: coupling.k, coupling.method, model.width, train.steps, target.dim, source or target parameters…");
            ui.add(
                egui::TextEdit::multiline(&mut self.settings)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY)
                    .font(egui::TextStyle::Monospace),
            );
            ui.horizontal(|ui| {
                ui.label("seeds");
                ui.add(egui::DragValue::new(&mut self.repeat).range(1..=10))
                    .on_hover_text("Runs per variant, seeds counting up from the scene's.");
                ui.label("ratio");
                ui.add(
                    egui::TextEdit::singleline(&mut self.ratio)
                        .hint_text("coupling.method=exact/independent")
                        .desired_width(220.0),
                )
                .on_hover_text("Optional: plot the metric's ratio between two values of a varied key (KEY=A/B).");
            });
            ui.horizontal(|ui| {
                ui.label("into");
                ui.add(egui::TextEdit::singleline(&mut self.out).desired_width(260.0))
                    .on_hover_text("The directory for results.csv, the plots and each run's checkpoint. Running again into it trains only the missing rows.");
            });
        });
        ui.horizontal(|ui| {
            if idle {
                if ui
                    .button("▶ Run sweep")
                    .on_hover_text("Trains every variant, one run per core; the window's own training shares the cores.")
                    .clicked()
                {
                    self.start(scene, device);
                }
            } else if ui
                .button("■ Stop")
                .on_hover_text("Stops after the current steps; finished rows stay in results.csv, and running again trains the rest.")
                .clicked()
                && let Some(running) = &self.running
            {
                running.stop.store(true, Ordering::SeqCst);
            }
            if let Some(message) = &self.message {
                ui.label(message);
            }
        });
        if let Some(running) = &self.running {
            let (fraction, text) = running.progress();
            ui.add(egui::ProgressBar::new(fraction).text(text));
        }
        self.plot_ui(ui);
    }

    /// Parses the settings and starts the sweep's thread.
    fn start(&mut self, scene: &Scene, device: &Device) {
        self.message = None;
        let plan = (|| -> crate::Result<(Sweep, Option<Ratio>)> {
            let axes = self
                .settings
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(Axis::parse)
                .collect::<crate::Result<Vec<_>>>()?;
            let table: toml::Table = toml::from_str(&scene.to_toml())
                .map_err(|e| crate::Error::Internal(format!("the scene as TOML: {e}")))?;
            let sweep = Sweep::new(&table, axes, self.repeat)?;
            let ratio = match self.ratio.trim() {
                "" => None,
                text => {
                    let ratio = Ratio::parse(text)?;
                    sweep.check_ratio(&ratio, &sweep.axes[0].key)?;
                    Some(ratio)
                }
            };
            Ok((sweep, ratio))
        })();
        let (sweep, ratio) = match plan {
            Ok(plan) => plan,
            Err(error) => {
                self.message = Some(format!("Not started: {error}."));
                return;
            }
        };
        let request = PlotRequest {
            metric: self.metric.clone(),
            x: sweep.axes[0].key.clone(),
            ratio,
        };
        let dir = PathBuf::from(self.out.trim());
        let (sender, messages) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (total, keys) = (sweep.variants.len(), sweep.keys());
        let spawned = {
            let (stop, dir, device) = (stop.clone(), dir.clone(), device.clone());
            std::thread::Builder::new()
                .name("flowscope-sweep".into())
                .spawn(move || {
                    let events = sender.clone();
                    let outcome = crate::sweep::run_sweep(
                        &sweep,
                        &dir,
                        jobs,
                        &device,
                        |event| {
                            let _ = events.send(Message::Event(event));
                        },
                        &|| stop.load(Ordering::SeqCst),
                    );
                    let _ = sender.send(Message::Ended(outcome.map_err(|e| e.to_string())));
                })
        };
        if let Err(error) = spawned {
            self.message = Some(format!("Not started: the OS refused a thread ({error})."));
            return;
        }
        // Rows already in the directory show at once; the runner reads them itself too.
        self.results = Some(
            crate::sweep::Results::load(&dir.join(crate::sweep::RESULTS_FILE), &keys)
                .unwrap_or_else(|_| Results::new(keys)),
        );
        self.plotted = Some(request.clone());
        self.running = Some(Running {
            messages,
            stop,
            started: Instant::now(),
            total,
            done_before: 0,
            finished: 0,
            failed: 0,
            in_flight: Default::default(),
            dir,
            request,
        });
    }

    /// Takes in the sweep's messages.
    fn poll(&mut self) {
        let Some(running) = &mut self.running else {
            return;
        };
        let mut ended = None;
        for message in running.messages.try_iter() {
            match message {
                Message::Event(SweepEvent::Planned { done, .. }) => running.done_before = done,
                Message::Event(SweepEvent::Progress { index, step, steps }) => {
                    running.in_flight.insert(index, (step, steps));
                }
                Message::Event(SweepEvent::Finished { index, row }) => {
                    running.in_flight.remove(&index);
                    running.finished += 1;
                    if let Some(results) = &mut self.results {
                        results.insert(row);
                    }
                }
                Message::Event(SweepEvent::Failed { index, error }) => {
                    running.in_flight.remove(&index);
                    running.failed += 1;
                    self.message = Some(format!("Run {} failed: {error}", index + 1));
                }
                Message::Ended(outcome) => ended = Some(outcome),
            }
        }
        let Some(outcome) = ended else {
            return;
        };
        let (dir, request) = (running.dir.clone(), running.request.clone());
        self.running = None;
        self.message = Some(match outcome {
            Ok(outcome) => {
                let summary = format!(
                    "{} of {} runs in {}",
                    outcome.results.rows.len(),
                    outcome.results.rows.len() + outcome.failures.len(),
                    dir.join(crate::sweep::RESULTS_FILE).display()
                );
                let plots = write_plots(&outcome.results, &request, &dir);
                self.results = Some(outcome.results);
                match (outcome.stopped, plots) {
                    (true, _) => format!("Stopped; {summary} (run again to train the rest)."),
                    (false, Ok(count)) => format!("Done: {summary}, {count} plots beside it."),
                    (false, Err(error)) => format!("Done: {summary}; the plots failed: {error}."),
                }
            }
            Err(error) => format!("The sweep stopped: {error}."),
        });
    }

    /// The chosen metric against the first key, a line per combination of the others.
    fn plot_ui(&mut self, ui: &mut egui::Ui) {
        let Some(results) = &self.results else {
            return;
        };
        let names = results.metric_names();
        ui.horizontal(|ui| {
            ui.label("plot");
            egui::ComboBox::from_id_salt("sweep-metric")
                .selected_text(self.metric.as_str())
                .show_ui(ui, |ui| {
                    for name in &names {
                        ui.selectable_value(&mut self.metric, name.clone(), name.as_str());
                    }
                });
        });
        let Some(request) = &self.plotted else {
            return;
        };
        let request = PlotRequest {
            metric: self.metric.clone(),
            ..request.clone()
        };
        let Ok((scale, lines)) = plot_lines(results, &request) else {
            ui.label(format!(
                "No finished run has a value of {} yet.",
                request.metric
            ));
            return;
        };
        let colours = super::run::RUN_COLOURS;
        let mut plot = Plot::new("sweep-plot")
            .height(220.0)
            .legend(Legend::default())
            .x_axis_label(request.x.clone())
            .y_axis_label(request.metric.clone());
        if scale != Scale::Linear {
            // A mark at every whole position: each power of two on a log axis, each category.
            plot = plot.x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 2.0, 4.0]));
        }
        plot.x_axis_formatter(move |mark, _| scale.label(mark.value))
            .show(ui, |plot_ui| {
                for (i, (name, points)) in lines.iter().enumerate() {
                    let colour = colours[i % colours.len()];
                    let means: Vec<[f64; 2]> = points.iter().map(|&(x, m, _)| [x, m]).collect();
                    plot_ui.line(
                        Line::new(name.clone(), PlotPoints::from(means.clone()))
                            .color(colour)
                            .width(2.0),
                    );
                    plot_ui.points(
                        PlotMarkers::new(name.clone(), PlotPoints::from(means))
                            .color(colour)
                            .radius(3.5),
                    );
                }
            });
    }
}

impl Running {
    /// The share of training done and the bar's text: runs done, runs left, time left.
    fn progress(&self) -> (f32, String) {
        let pending = self.total.saturating_sub(self.done_before).max(1);
        let partial: f64 = self
            .in_flight
            .values()
            .map(|&(step, steps)| step as f64 / steps.max(1) as f64)
            .sum();
        let done = (self.finished + self.failed) as f64 + partial;
        let fraction = (done / pending as f64).clamp(0.0, 1.0);
        let elapsed = self.started.elapsed().as_secs_f64();
        let left = if done > 0.05 {
            format!(
                " · about {} left",
                duration(elapsed * (pending as f64 - done) / done)
            )
        } else {
            String::new()
        };
        let text = format!(
            "{} of {} runs{}{left}",
            self.done_before + self.finished,
            self.total,
            if self.failed > 0 {
                format!(" ({} failed)", self.failed)
            } else {
                String::new()
            }
        );
        (fraction as f32, text)
    }
}

/// Seconds as "1 min 20 s" or "45 s".
fn duration(secs: f64) -> String {
    let secs = secs.round() as u64;
    if secs >= 60 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{secs} s")
    }
}

/// The chosen metric's plot and the default ones the results have, as `flowscope sweep`
/// writes them (and each one's ratio, when asked for); returns how many.
fn write_plots(
    results: &Results,
    request: &PlotRequest,
    dir: &std::path::Path,
) -> crate::Result<usize> {
    let names = results.metric_names();
    let mut metrics: Vec<String> = vec![request.metric.clone()];
    for name in DEFAULT_PLOTS {
        if !metrics.iter().any(|m| m == name) && names.iter().any(|n| n == name) {
            metrics.push(name.to_string());
        }
    }
    let mut written = 0;
    for metric in metrics.into_iter().filter(|m| names.contains(m)) {
        let plain = PlotRequest {
            metric: metric.clone(),
            ratio: None,
            ..request.clone()
        };
        draw_plot(results, &plain, &dir.join(format!("{metric}.png")))?;
        written += 1;
        if request.ratio.is_some() {
            let ratio = PlotRequest {
                metric: metric.clone(),
                ..request.clone()
            };
            draw_plot(results, &ratio, &dir.join(format!("{metric}_ratio.png")))?;
            written += 1;
        }
    }
    Ok(written)
}
