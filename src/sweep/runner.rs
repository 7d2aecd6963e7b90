//! Runs a sweep's missing rows, `jobs` at a time, each on its own thread with its own session;
//! rows are saved as they arrive, so stopping loses only the runs in flight.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use burn::tensor::Device;

use super::plan::{Sweep, Variant};
use super::results::{Results, Row};
use super::{BASE_SCENE_FILE, RESULTS_FILE, RUNS_DIR};
use crate::session::Session;
use crate::{Error, Result};

/// What a running sweep reports to whoever shows its progress.
#[derive(Debug, Clone)]
pub enum SweepEvent {
    /// The runs to train now (grid indices), and how many are already in `results.csv`.
    Planned { pending: Vec<usize>, done: usize },
    /// A run trained `step` of its `steps` steps.
    Progress {
        index: usize,
        step: usize,
        steps: usize,
    },
    /// A run finished and its row was saved.
    Finished { index: usize, row: Row },
    /// A run failed; the sweep goes on without its row.
    Failed { index: usize, error: String },
}

/// How a sweep ended.
#[derive(Debug, Clone)]
pub struct SweepOutcome {
    pub results: Results,
    /// Runs that failed, with why.
    pub failures: Vec<(usize, String)>,
    /// Whether `stop` ended it before every run finished.
    pub stopped: bool,
}

/// Trains every run of `sweep` that `dir/results.csv` lacks, `jobs` at a time, on `device`.
/// `stop` is polled between training steps; a run it interrupts leaves no row (a rerun trains
/// it again). Refuses a directory that holds another sweep.
pub fn run_sweep(
    sweep: &Sweep,
    dir: &Path,
    jobs: usize,
    device: &Device,
    mut on_event: impl FnMut(SweepEvent),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<SweepOutcome> {
    let results_path = dir.join(RESULTS_FILE);
    let base_path = dir.join(BASE_SCENE_FILE);
    let keys = sweep.keys();
    let base_text = sweep.base.to_toml();
    let mut results = if results_path.is_file() {
        let earlier = std::fs::read_to_string(&base_path).unwrap_or_default();
        if earlier != base_text {
            return Err(Error::invalid(format!(
                "{} holds a sweep of another scene (its {BASE_SCENE_FILE} differs); choose another --out",
                dir.display()
            )));
        }
        Results::load(&results_path, &keys)?
    } else {
        Results::new(keys)
    };
    std::fs::create_dir_all(dir.join(RUNS_DIR)).map_err(|cause| Error::Write {
        path: dir.to_path_buf(),
        cause,
    })?;
    let order = |row: &Row| {
        sweep
            .variants
            .iter()
            .find(|v| v.seed == row.seed && v.values == row.values)
            .map_or(usize::MAX, |v| v.index)
    };
    // Written before any training, so an unwritable directory fails at once.
    crate::data::write_atomically(&base_path, base_text.as_bytes())?;
    results.save(&results_path, order)?;

    let mut pending: Vec<&Variant> = sweep
        .variants
        .iter()
        .filter(|v| !results.has(&v.values, v.seed))
        .collect();
    // Longest first: the short runs then fill in around them, and both cores stay busy to the
    // end instead of one waiting on a long run started last.
    pending.sort_by(|a, b| b.estimated_seconds().total_cmp(&a.estimated_seconds()));
    on_event(SweepEvent::Planned {
        pending: pending.iter().map(|v| v.index).collect(),
        done: sweep.variants.len() - pending.len(),
    });
    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let halted = || stop() || abort.load(Ordering::SeqCst);
    let (sender, receiver) = mpsc::channel::<Message>();
    let mut failures = Vec::new();
    let mut save_error = None;
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, pending.len().max(1)) {
            let sender = sender.clone();
            let (next, pending, halted) = (&next, &pending, &halted);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= pending.len() || halted() {
                        break;
                    }
                    let variant = pending[i];
                    let outcome = train_variant(sweep, variant, dir, device, &sender, halted);
                    if sender.send(Message::Done(variant.index, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for message in receiver {
            match message {
                Message::Progress(index, step, steps) => {
                    on_event(SweepEvent::Progress { index, step, steps });
                }
                Message::Done(index, Ok(Some(row))) => {
                    results.insert(row.clone());
                    if let Err(error) = results.save(&results_path, order) {
                        abort.store(true, Ordering::SeqCst);
                        save_error.get_or_insert(error);
                    } else {
                        on_event(SweepEvent::Finished { index, row });
                    }
                }
                Message::Done(_, Ok(None)) => {}
                Message::Done(index, Err(error)) => {
                    let error = error.to_string();
                    on_event(SweepEvent::Failed {
                        index,
                        error: error.clone(),
                    });
                    failures.push((index, error));
                }
            }
        }
    });
    if let Some(error) = save_error {
        return Err(error);
    }
    let stopped = sweep
        .variants
        .iter()
        .any(|v| !results.has(&v.values, v.seed) && !failures.iter().any(|(i, _)| *i == v.index));
    Ok(SweepOutcome {
        results,
        failures,
        stopped,
    })
}

enum Message {
    Progress(usize, usize, usize),
    /// A run's row, or `None` when it was stopped.
    Done(usize, Result<Option<Row>>),
}

/// Trains one run, writes its checkpoint and metrics.json under `dir/runs/`, and returns its
/// row; `None` when stopped first.
fn train_variant(
    sweep: &Sweep,
    variant: &Variant,
    dir: &Path,
    device: &Device,
    sender: &mpsc::Sender<Message>,
    halted: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Row>> {
    let steps = variant.scene.train.steps;
    let mut session = Session::new(variant.scene.clone(), device)?;
    // About a hundred progress messages per run are plenty for a bar.
    let every = (steps / 100).max(1);
    let finished = session.train_while(|report| {
        if report.step % every == 0 || report.step == steps {
            // The receiver outlives every worker; a failed send only means it stopped listening.
            let _ = sender.send(Message::Progress(variant.index, report.step, steps));
        }
        !halted()
    })?;
    if !finished {
        return Ok(None);
    }
    let run_dir = dir.join(RUNS_DIR).join(variant.dir_name(&sweep.axes));
    std::fs::create_dir_all(&run_dir).map_err(|cause| Error::Write {
        path: run_dir.clone(),
        cause,
    })?;
    session.save_checkpoint(&run_dir)?;
    let report = serde_json::to_value(session.report()?)
        .map_err(|e| Error::Internal(format!("metrics as JSON: {e}")))?;
    let pretty = serde_json::to_string_pretty(&report)
        .map_err(|e| Error::Internal(format!("metrics as JSON: {e}")))?;
    crate::data::write_atomically(&run_dir.join("metrics.json"), pretty.as_bytes())?;
    Ok(Some(Row::from_report(
        variant.values.clone(),
        variant.seed,
        &report,
    )))
}
