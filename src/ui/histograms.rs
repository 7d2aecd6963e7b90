//! Point clouds: the histograms of interparticle distances and of energies of the particles at
//! t = 1, each run's in its colour over the target's (grey, filled): where a learned flow puts
//! too many particles too close, or leaves a well of the potential empty.

use std::sync::Arc;

use eframe::egui;
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints};

use super::run::Run;
use crate::data::{Points, system};
use crate::geometry::Cloud;
use crate::metrics::{w1_sorted, w1_standard_error_against};
use crate::rng::Rng;
use crate::session::live::Snapshot;

/// Bars of each histogram.
const BINS: usize = 48;
/// Target values the standard errors of the fits are taken against.
const SE_REFERENCE_VALUES: usize = 16_384;

/// The cloud a snapshot's samples are, when they are configurations of several particles.
fn cloud_of(snapshot: &Snapshot) -> Option<Cloud> {
    Cloud::of(snapshot.scene.space.geometry())
}

/// Whether the plots panel shows the histograms.
pub fn shown(runs: &[Run]) -> bool {
    runs.iter()
        .filter_map(|run| run.snapshot.as_ref())
        .any(|snapshot| cloud_of(snapshot).is_some())
}

/// Each quantity of a sample of clouds: its interparticle distances, or its energies.
#[derive(Clone, Copy)]
enum Quantity {
    Distances,
    Energies,
}

impl Quantity {
    /// How many values one configuration contributes.
    fn per_configuration(self, cloud: Cloud) -> usize {
        match self {
            Quantity::Distances => cloud.n * (cloud.n - 1) / 2,
            Quantity::Energies => 1,
        }
    }

    fn of(self, snapshot: &Snapshot, cloud: Cloud, points: &Points) -> Option<Vec<f64>> {
        match self {
            Quantity::Distances => Some(
                points
                    .iter()
                    .flat_map(|x| cloud.distances(x).collect::<Vec<_>>())
                    .collect(),
            ),
            Quantity::Energies => {
                let system = system(&snapshot.scene.target.name)?;
                Some(points.iter().map(|x| (system.energy)(&cloud, x)).collect())
            }
        }
    }
}

/// Density of `values` over `bins` equal bins of [lo, hi] (values outside are left out), as
/// step-line points.
fn histogram(values: &[f64], lo: f64, hi: f64) -> Vec<[f64; 2]> {
    let width = (hi - lo) / BINS as f64;
    let mut counts = [0usize; BINS];
    for &v in values {
        if v >= lo && v < hi {
            counts[(((v - lo) / width) as usize).min(BINS - 1)] += 1;
        }
    }
    let total = values.len().max(1) as f64 * width;
    let mut points = Vec::with_capacity(2 * BINS + 2);
    points.push([lo, 0.0]);
    for (k, &count) in counts.iter().enumerate() {
        let density = count as f64 / total;
        points.push([lo + k as f64 * width, density]);
        points.push([lo + (k + 1) as f64 * width, density]);
    }
    points.push([hi, 0.0]);
    points
}

/// One histogram plot's lines, computed when a run's samples change rather than at every
/// frame (thousands of distances and energies, sorted: most of a frame's time otherwise).
struct Computed {
    lo: f64,
    hi: f64,
    /// The target's bars, as (centre, density).
    reference: Vec<[f64; 2]>,
    /// Each run's step line and fit, by its index in `runs`.
    lines: Vec<RunHistogram>,
}

struct RunHistogram {
    run: usize,
    line: Vec<[f64; 2]>,
    /// W1 to the target's whole sample (values outside the plot included), and its bootstrap
    /// standard error over the run's shown configurations.
    w1: f64,
    standard_error: f64,
}

/// Each run's snapshot as (id, run, samples): what a histogram's lines are computed from.
type SnapshotKey = Vec<(u64, u64, usize)>;

impl Computed {
    fn key(runs: &[Run]) -> SnapshotKey {
        runs.iter()
            .map(|run| {
                run.snapshot.as_ref().map_or((0, 0, 0), |s| {
                    (s.id, s.run, Arc::as_ptr(&s.trajectories) as usize)
                })
            })
            .collect()
    }

    /// None when no run's target has this quantity.
    fn of(runs: &[Run], quantity: Quantity) -> Option<Self> {
        let mut reference = runs
            .iter()
            .filter_map(|run| run.snapshot.as_ref())
            .find_map(|s| {
                let cloud = cloud_of(s)?;
                quantity.of(s, cloud, &s.target_samples)
            })?;
        reference.sort_by(f64::total_cmp);
        // The target's central 99%, padded: a model's wild values do not squash the picture.
        let (lo, hi) = (
            reference[reference.len() / 200],
            reference[reference.len() - 1 - reference.len() / 200],
        );
        let pad = 0.1 * (hi - lo).max(1e-9);
        let (lo, hi) = (lo - pad, hi + pad);
        // The target as bars, from the left end of each step.
        let width = (hi - lo) / BINS as f64;
        let bars = histogram(&reference, lo, hi)
            .iter()
            .skip(1)
            .step_by(2)
            .take(BINS)
            .map(|&[left, density]| [left + width / 2.0, density])
            .collect();
        // The standard errors merge the reference once per resample: evenly spaced order
        // statistics of it (its quantiles to 1/16 384) keep LJ13's 156 000 distances from
        // costing the window 50 ms a snapshot.
        let step = reference.len().div_ceil(SE_REFERENCE_VALUES).max(1);
        let quantiles: Vec<f64> = reference
            .iter()
            .skip(step / 2)
            .step_by(step)
            .copied()
            .collect();
        let lines = runs
            .iter()
            .enumerate()
            .filter_map(|(index, run)| {
                let snapshot = run.snapshot.as_ref()?;
                let cloud = cloud_of(snapshot)?;
                let trajectories = &snapshot.trajectories;
                if trajectories.count == 0 {
                    return None;
                }
                let end = trajectories.frame(trajectories.frames.saturating_sub(1));
                let values = quantity.of(snapshot, cloud, &end)?;
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                Some(RunHistogram {
                    run: index,
                    line: histogram(&values, lo, hi),
                    w1: w1_sorted(&sorted, &reference),
                    standard_error: w1_standard_error_against(
                        &values,
                        &quantiles,
                        quantity.per_configuration(cloud),
                        &mut Rng::new(0),
                    ),
                })
            })
            .collect();
        Some(Self {
            lo,
            hi,
            reference: bars,
            lines,
        })
    }
}

/// The distance and energy histograms in two columns.
pub fn histograms_ui(columns: &mut [egui::Ui], runs: &[Run], height: f32) {
    for (ui, (title, quantity, help)) in columns.iter_mut().zip([
        (
            "interparticle distances",
            Quantity::Distances,
            "Histogram of the distances between particles of the samples at t = 1 (each run in its colour) and of the target's (grey). distance_w1 in metrics.json is the W1 between the two.",
        ),
        (
            "energy",
            Quantity::Energies,
            "Histogram of the energies of the samples at t = 1 and of the target's Metropolis samples (grey); energies beyond the target's range are left out. energy_w1 in metrics.json is the W1 between the two.",
        ),
    ]) {
        let id = egui::Id::unique(("flowscope-histogram", title));
        let key = Computed::key(runs);
        let cached = ui
            .data(|data| data.get_temp::<Arc<(SnapshotKey, Option<Computed>)>>(id))
            .filter(|cached| cached.0 == key);
        let cached = cached.unwrap_or_else(|| {
            let computed = Arc::new((key, Computed::of(runs, quantity)));
            ui.data_mut(|data| data.insert_temp(id, computed.clone()));
            computed
        });
        let fits: Vec<&RunHistogram> = cached.1.as_ref().map_or(Vec::new(), |computed| {
            computed.lines.iter().filter(|h| h.w1.is_finite()).collect()
        });
        // The fits on a row of their own, wrapped in a narrow window, the plot shortened by it
        // so that its bottom stays level with its neighbours'.
        ui.label(title);
        let mut plot_height = height;
        if !fits.is_empty() {
            let row = ui
                .horizontal_wrapped(|ui| {
                    ui.weak("W1");
                    fits_ui(ui, runs, &fits);
                })
                .response
                .rect;
            plot_height -= row.height() + ui.spacing().item_spacing.y;
        }
        let Some(computed) = &cached.1 else {
            ui.weak("no energy for this target");
            continue;
        };
        let width = (computed.hi - computed.lo) / BINS as f64;
        Plot::new(title)
            .height(plot_height.max(60.0))
            .show_background(false)
            .allow_scroll(false)
            .include_y(0.0)
            .show(ui, |plot_ui| {
                let bars = computed
                    .reference
                    .iter()
                    .map(|&[centre, density]| {
                        Bar::new(centre, density)
                            .width(width)
                            .fill(egui::Color32::from_gray(70))
                            .stroke(egui::Stroke::NONE)
                    })
                    .collect();
                plot_ui.bar_chart(BarChart::new("target", bars));
                for histogram in &computed.lines {
                    let run = &runs[histogram.run];
                    plot_ui.line(
                        Line::new(run.name.clone(), PlotPoints::from(histogram.line.clone()))
                            .color(run.colour)
                            .width(1.5),
                    );
                }
            })
            .response
            .on_hover_text(help);
    }
}

/// Each run's W1 to the target's histogram, in its colour, ± its standard error: how far the
/// histograms are apart, and how much of that a few hundred samples can tell.
fn fits_ui(ui: &mut egui::Ui, runs: &[Run], fits: &[&RunHistogram]) {
    for histogram in fits {
        let run = &runs[histogram.run];
        // No-break spaces: a readout that does not fit moves to the next row whole.
        let text = fit_text(histogram.w1, histogram.standard_error).replace(' ', "\u{a0}");
        ui.colored_label(run.colour, text).on_hover_text(format!(
            "{}: W1 between its samples' histogram and the target's, ± the bootstrap standard \
             error over its {} shown configurations (more particles, under Sampling, narrow it)",
            run.name,
            run.snapshot.as_ref().map_or(0, |s| s.trajectories.count)
        ));
    }
}

/// "W1 ± error": two significant digits of the W1, or more where the error needs them to show
/// its first; powers of ten past 10⁴ (an untrained flow can put LJ13's particles on top of one
/// another, at energies of 10¹¹).
fn fit_text(w1: f64, error: f64) -> String {
    if w1.abs() >= 1e4 {
        return format!("{w1:.1e} ± {error:.1e}");
    }
    // Decimals that show a number's leading digit and `more` after it.
    let decimals = |x: f64, more: f64| {
        if x > 0.0 && x.is_finite() {
            (more - x.log10().floor()).clamp(0.0, 6.0) as usize
        } else {
            0
        }
    };
    let decimals = decimals(w1, 1.0).max(decimals(error, 0.0));
    format!("{w1:.decimals$} ± {error:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::fit_text;

    #[test]
    fn fits_read_to_two_significant_digits() {
        assert_eq!(fit_text(0.0434, 0.0101), "0.043 ± 0.010");
        assert_eq!(fit_text(2.63, 0.21), "2.6 ± 0.2");
        assert_eq!(fit_text(25.2, 3.1), "25 ± 3");
        assert_eq!(fit_text(2.434, 0.041), "2.43 ± 0.04");
        assert_eq!(fit_text(177.2, 8.3), "177 ± 8");
        assert_eq!(fit_text(4.287e11, 3.61e10), "4.3e11 ± 3.6e10");
    }
}
