//! Sweeps: a grid of scene variants — any scene key, several values each, several seeds —
//! trained a few at a time, one row of metrics per run in `results.csv`, resumable: a rerun
//! skips the rows already there.
//!
//! A sweep is a scene file plus settings `KEY=V1,V2,…` (dotted scene keys such as `coupling.k`),
//! from the command line or from the file's own `[sweep]` table:
//!
//! ```toml
//! [sweep]
//! set = ["coupling.k=1,4,16,64"]
//! repeat = 3
//! plot = ["coupling_cost", "path_energy"]
//! ratio = "coupling.method=exact/independent"   # also METRIC_ratio.png: exact's mean over independent's
//! ```

mod plan;
mod plot;
mod results;
mod runner;

pub use plan::{Axis, SWEEP_TABLE, Sweep, SweepFile, Variant};
pub use plot::{DEFAULT_PLOTS, PlotRequest, Ratio, Scale, Series, draw_plot, plot_lines};
pub use results::{Results, Row};
pub use runner::{SweepEvent, SweepOutcome, run_sweep};

/// The results table of a sweep directory.
pub const RESULTS_FILE: &str = "results.csv";
/// The base scene of a sweep directory, compared on resume so rows of two sweeps never mix.
pub const BASE_SCENE_FILE: &str = "sweep-scene.toml";
/// Where each run of a sweep keeps its checkpoint and metrics.
pub const RUNS_DIR: &str = "runs";
