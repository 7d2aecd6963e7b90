//! Point clouds: the histograms of interparticle distances and of energies of the particles at
//! t = 1, each run's in its colour over the target's (grey, filled): where a learned flow puts
//! too many particles too close, or leaves a well of the potential empty.

use std::sync::Arc;

use eframe::egui;
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints};

use super::run::Run;
use crate::data::{Points, system};
use crate::geometry::Cloud;
use crate::session::live::Snapshot;

/// Bars of each histogram.
const BINS: usize = 48;

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
    /// Each run's step line, by its index in `runs`.
    lines: Vec<(usize, Vec<[f64; 2]>)>,
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
                Some((index, histogram(&values, lo, hi)))
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
        ui.label(title);
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
        let Some(computed) = &cached.1 else {
            ui.weak("no energy for this target");
            continue;
        };
        let width = (computed.hi - computed.lo) / BINS as f64;
        Plot::new(title)
            .height(height.max(60.0))
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
                for (index, line) in &computed.lines {
                    let run = &runs[*index];
                    plot_ui.line(
                        Line::new(run.name.clone(), PlotPoints::from(line.clone()))
                            .color(run.colour)
                            .width(1.5),
                    );
                }
            })
            .response
            .on_hover_text(help);
    }
}
