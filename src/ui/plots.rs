//! Training curves (egui_plot): loss, a path metric, and the coupling cost against the step,
//! with every run overlaid in its own colour.

use eframe::egui;
use egui_plot::{HLine, Legend, Line, LineStyle, Plot, PlotPoints, VLine};

use super::run::Run;

/// The path metric shown in the middle plot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathMetric {
    #[default]
    Straightness,
    Npe,
    PathEnergy,
    W2,
    OneStepW2,
    /// Paired coupling only.
    RestorationError,
    /// Data with a group only.
    EquivarianceError,
    /// Where the likelihood is computed.
    Nll,
    /// Data with a symmetry, where the likelihood is computed.
    LikelihoodInvariance,
}

impl PathMetric {
    const ALL: [PathMetric; 9] = [
        PathMetric::Straightness,
        PathMetric::Npe,
        PathMetric::PathEnergy,
        PathMetric::W2,
        PathMetric::OneStepW2,
        PathMetric::RestorationError,
        PathMetric::EquivarianceError,
        PathMetric::Nll,
        PathMetric::LikelihoodInvariance,
    ];

    fn label(self) -> &'static str {
        match self {
            PathMetric::Straightness => "straightness",
            PathMetric::Npe => "NPE",
            PathMetric::PathEnergy => "path energy",
            PathMetric::W2 => "W2 to data",
            PathMetric::OneStepW2 => "W2, one Euler step",
            PathMetric::RestorationError => "restoration error",
            PathMetric::EquivarianceError => "equivariance error",
            PathMetric::Nll => "NLL (nats)",
            PathMetric::LikelihoodInvariance => "likelihood invariance",
        }
    }

    fn help(self) -> &'static str {
        match self {
            PathMetric::Straightness => {
                "E∫|(x1 − x0) − ẋt|² dt along the learned paths: 0 when they are straight."
            }
            PathMetric::Npe => {
                "|path energy − W2²(source, target)| / W2²: how far the flow is from optimal transport."
            }
            PathMetric::PathEnergy => "E∫|v(xt, t)|² dt along the learned paths.",
            PathMetric::W2 => "Exact W2 between the flow's samples and held-out data.",
            PathMetric::OneStepW2 => {
                "W2 to held-out data of samples made with a single Euler step: low when the paths are straight (OT, reflow)."
            }
            PathMetric::RestorationError => {
                "Paired coupling: E|ψ1(X0) − X1|, the mean distance from each restored point to the clean point it was observed from."
            }
            PathMetric::EquivarianceError => {
                "Symmetric data: max |v(g·x) − g·v(x)| over the group (random rotations, reflections and relabellings for point clouds), relative to max |v|: about 1e-7 for an equivariant network, far above for a plain MLP."
            }
            PathMetric::LikelihoodInvariance => {
                "Symmetric data: the mean |log q(g·x) − log q(x)| over held-out points, each moved by a random element g of the group (exact traces): zero for an invariant density, as an equivariant model's is; far from zero for a plain MLP."
            }
            PathMetric::Nll => {
                "The model's negative log-likelihood of held-out data, −E log q(x1), by integrating the divergence back to the source (128 points, 8 RK4 steps). The dashed line is the data's own (its entropy) where its density is known: the gap is the model's KL divergence."
            }
        }
    }

    /// The metric's value; none where it is not defined (NPE and straightness on a mesh with
    /// a premetric, whose distances are not path lengths).
    fn value(self, scores: &crate::session::live::MetricsAt) -> Option<f64> {
        let metrics = &scores.metrics;
        let value = match self {
            PathMetric::Straightness => metrics.straightness,
            PathMetric::Npe => metrics.npe,
            PathMetric::PathEnergy => metrics.path_energy,
            PathMetric::W2 => metrics.w2,
            PathMetric::OneStepW2 => scores.one_step_w2,
            PathMetric::RestorationError => scores.restoration?.error,
            PathMetric::EquivarianceError => scores.equivariance_error?,
            PathMetric::Nll => scores.nll?,
            PathMetric::LikelihoodInvariance => scores.likelihood_invariance?,
        };
        value.is_finite().then_some(value)
    }
}

/// One run's line in a plot, and a level drawn dashed beside it.
struct Curve {
    points: Vec<[f64; 2]>,
    reference: Option<f64>,
}

impl From<Vec<[f64; 2]>> for Curve {
    fn from(points: Vec<[f64; 2]>) -> Self {
        Curve {
            points,
            reference: None,
        }
    }
}

/// Grid lines closer than the first figure (points) are left out, and they reach full strength
/// at the second. These plots are small, and every line costs the rasteriser three thin quads.
const GRID_SPACING: std::ops::RangeInclusive<f32> = 20.0..=300.0;

/// An exponential moving average, so noisy per-step losses read as a curve.
fn smoothed(points: &[[f64; 2]], window: f64) -> Vec<[f64; 2]> {
    let alpha = 1.0 / window.max(1.0);
    let mut average = None;
    points
        .iter()
        .map(|&[step, value]| {
            let next = match average {
                None => value,
                Some(a) => a + alpha * (value - a),
            };
            average = Some(next);
            [step, next]
        })
        .collect()
}

/// Keeps at most about `limit` points, so long runs draw quickly: each point is a few triangles
/// for the rasteriser, and a 1.5-pixel line through one point every two pixels looks the same.
fn thinned(points: Vec<[f64; 2]>, limit: usize) -> Vec<[f64; 2]> {
    let stride = points.len().div_ceil(limit.max(1)).max(1);
    let last = points.last().copied();
    let mut kept: Vec<[f64; 2]> = points.into_iter().step_by(stride).collect();
    // The newest point always shows, so the curve ends at the current step.
    if kept.last().copied() != last {
        kept.extend(last);
    }
    kept
}

/// Three plots side by side, and a fourth against the guidance scale for conditional runs
/// (`guidance_w`: the scale the particles use now, marked on it).
pub fn plots_ui(
    ui: &mut egui::Ui,
    runs: &[Run],
    metric: &mut PathMetric,
    guidance_w: Option<f64>,
    height: f32,
) {
    let link = egui::Id::unique("flowscope-plots");
    let guided = runs.iter().any(|run| run.guidance_sweep.is_some());
    let clouds = super::histograms::shown(runs);
    let count = 3 + usize::from(guided) + 2 * usize::from(clouds);
    ui.columns(count, |columns| {
        plot(
            &mut columns[0],
            "loss",
            height,
            link,
            true,
            runs,
            |run, limit| thinned(smoothed(&run.losses, 20.0), limit).into(),
        )
        .on_hover_text("Training loss E|v(xt, t) − ut|² (smoothed over about 20 steps).");
        let chosen = *metric;
        let undefined = runs.iter().any(|run| !run.metrics.is_empty())
            && runs
                .iter()
                .all(|run| run.metrics.iter().all(|m| chosen.value(m).is_none()));
        egui::ComboBox::from_id_salt("path-metric")
            .selected_text(if undefined {
                format!("{} (not defined here)", metric.label())
            } else {
                metric.label().to_string()
            })
            .show_ui(&mut columns[1], |ui| {
                for option in PathMetric::ALL {
                    ui.selectable_value(metric, option, option.label())
                        .on_hover_text(option.help());
                }
            })
            .response
            .on_hover_text(metric.help());
        plot(
            &mut columns[1],
            "path",
            height - 24.0,
            link,
            false,
            runs,
            |run, limit| {
                let points = run
                    .metrics
                    .iter()
                    .filter_map(|m| Some([m.step as f64, chosen.value(m)?]))
                    .collect();
                Curve {
                    points: thinned(points, limit),
                    // The data's own NLL: the floor the model's NLL approaches.
                    reference: match chosen {
                        PathMetric::Nll => run.metrics.last().and_then(|m| m.data_nll),
                        _ => None,
                    },
                }
            },
        );
        plot(
            &mut columns[2],
            "coupling cost",
            height,
            link,
            false,
            runs,
            |run, limit| thinned(smoothed(&run.coupling_costs, 20.0), limit).into(),
        )
        .on_hover_text(
            "Mean squared distance of the training pairs: lower under OT, and lower for larger k.",
        );
        if guided {
            guidance_plot(&mut columns[3], runs, guidance_w, height);
        }
        if clouds {
            let first = 3 + usize::from(guided);
            super::histograms::histograms_ui(&mut columns[first..], runs, height);
        }
    });
}

/// Guided samples against w: the share landing in the requested label's region (solid) and
/// their diversity relative to w = 0 (dashed).
fn guidance_plot(ui: &mut egui::Ui, runs: &[Run], guidance_w: Option<f64>, height: f32) {
    ui.label("guidance: in label (—), diversity (- -)");
    Plot::new("guidance")
        .height(height.max(60.0))
        .show_background(false)
        .grid_spacing(GRID_SPACING)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(1.0)
        .show(ui, |plot_ui| {
            for run in runs {
                let Some(sweep) = &run.guidance_sweep else {
                    continue;
                };
                let fraction: Vec<[f64; 2]> =
                    sweep.iter().map(|p| [p.w, p.label_fraction]).collect();
                let unguided = sweep
                    .iter()
                    .find(|p| p.w == 0.0)
                    .map_or(1.0, |p| p.diversity)
                    .max(1e-12);
                let diversity: Vec<[f64; 2]> = sweep
                    .iter()
                    .map(|p| [p.w, p.diversity / unguided])
                    .collect();
                plot_ui.line(
                    Line::new(format!("{} in label", run.name), PlotPoints::from(fraction))
                        .color(run.colour)
                        .width(1.5),
                );
                plot_ui.line(
                    Line::new(format!("{} diversity", run.name), PlotPoints::from(diversity))
                        .color(run.colour)
                        .style(LineStyle::dashed_dense())
                        .width(1.5),
                );
            }
            if let Some(w) = guidance_w {
                plot_ui.vline(VLine::new("w now", w).color(egui::Color32::GRAY));
            }
        })
        .response
        .on_hover_text(
            "Against the guidance scale w: the share of samples landing in the region of the label they ask for, and how spread out they are (1 = as spread as at w = 0). Guidance buys precision with diversity.",
        );
}

fn plot(
    ui: &mut egui::Ui,
    title: &str,
    height: f32,
    link: egui::Id,
    legend: bool,
    runs: &[Run],
    series: impl Fn(&Run, usize) -> Curve,
) -> egui::Response {
    ui.label(title);
    let points_across =
        (ui.available_width() * ui.ctx().pixels_per_point() / 2.0).max(2.0) as usize;
    // No filled background: on a software rasteriser the three plot areas cost as much as
    // drawing all their curves, grid and labels; the grid marks the area well enough.
    let mut plot = Plot::new(title)
        .height(height.max(60.0))
        .show_background(false)
        .grid_spacing(GRID_SPACING);
    // One legend is enough: every plot uses the same colours.
    if legend && runs.len() > 1 {
        plot = plot.legend(Legend::default());
    }
    plot.link_axis(link, [true, false])
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            for run in runs {
                let Curve { points, reference } = series(run, points_across);
                if points.is_empty() {
                    continue;
                }
                plot_ui.line(
                    Line::new(run.name.clone(), PlotPoints::from(points))
                        .color(run.colour)
                        .width(1.5),
                );
                if let Some(level) = reference {
                    plot_ui.hline(
                        HLine::new(format!("{} (data)", run.name), level)
                            .color(run.colour.gamma_multiply(0.7))
                            .style(LineStyle::dashed_loose())
                            .width(1.0),
                    );
                }
            }
        })
        .response
}
