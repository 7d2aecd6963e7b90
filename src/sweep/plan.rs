//! The grid of a sweep: which keys vary, their values, the seeds, and the scene of every run.

use super::plot::Ratio;
use crate::scene::Scene;
use crate::{Error, Result};

/// The table of a scene file that describes a sweep over it.
pub const SWEEP_TABLE: &str = "sweep";

/// Most runs one sweep may hold (a grid beyond this is a typo, not an experiment).
const MAX_RUNS: usize = 10_000;

/// One varied scene key and its values, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The dotted scene key, e.g. `coupling.k`.
    pub key: String,
    pub values: Vec<toml::Value>,
}

impl Axis {
    /// The values as results.csv writes them.
    pub fn texts(&self) -> Vec<String> {
        self.values.iter().map(value_text).collect()
    }

    /// Parses `KEY=V1,V2,…`. Each value is read as a TOML literal (integer, float, boolean,
    /// quoted string) and otherwise taken as a bare string, so `coupling.method=ot,independent`
    /// and `train.lr=1e-3,3e-3` both read naturally.
    pub fn parse(setting: &str) -> Result<Axis> {
        let (key, values) = setting.split_once('=').ok_or_else(|| {
            Error::invalid(format!(
                "sweep setting '{setting}' has no '='; write KEY=V1,V2 (e.g. coupling.k=16,64)"
            ))
        })?;
        let key = key.trim();
        let valid_key = !key.is_empty()
            && key.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !valid_key {
            return Err(Error::invalid(format!(
                "sweep key '{key}' is not a dotted scene key (e.g. coupling.k or train.lr)"
            )));
        }
        let values: Vec<toml::Value> = values
            .split(',')
            .map(str::trim)
            .filter(|text| !text.is_empty())
            .map(literal)
            .collect();
        if values.is_empty() {
            return Err(Error::invalid(format!(
                "sweep key {key} has no values; write {key}=V1,V2"
            )));
        }
        Ok(Axis {
            key: key.to_string(),
            values,
        })
    }
}

/// A value as TOML reads it, or the text itself as a string.
fn literal(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// How a value is written in `results.csv` and in run names: strings bare, the rest as TOML.
pub(super) fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A scene file that may carry a `[sweep]` table.
#[derive(Debug, Clone)]
pub struct SweepFile {
    /// The scene without its `[sweep]` table.
    pub scene: toml::Table,
    pub axes: Vec<Axis>,
    pub repeat: Option<usize>,
    /// Metrics to plot, as the file names them.
    pub plots: Vec<String>,
    /// The key the plots put on the x axis.
    pub x: Option<String>,
    /// Each plotted metric's ratio between two values of a key, drawn beside it.
    pub ratio: Option<Ratio>,
}

impl SweepFile {
    /// Splits a scene file's text into the scene and its sweep settings.
    pub fn parse(text: &str) -> Result<SweepFile> {
        let mut scene: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| Error::invalid(e.message().trim().to_string()))?;
        let mut file = SweepFile {
            scene: toml::Table::new(),
            axes: Vec::new(),
            repeat: None,
            plots: Vec::new(),
            x: None,
            ratio: None,
        };
        if let Some(sweep) = scene.remove(SWEEP_TABLE) {
            let toml::Value::Table(mut sweep) = sweep else {
                return Err(Error::invalid("[sweep] must be a table"));
            };
            let strings = |value: toml::Value, key: &str| -> Result<Vec<String>> {
                let wrong = || Error::invalid(format!("sweep.{key} must be a list of strings"));
                let toml::Value::Array(items) = value else {
                    return Err(wrong());
                };
                items
                    .into_iter()
                    .map(|item| item.as_str().map(str::to_string).ok_or_else(wrong))
                    .collect()
            };
            if let Some(set) = sweep.remove("set") {
                for setting in strings(set, "set")? {
                    file.axes.push(Axis::parse(&setting)?);
                }
            }
            if let Some(repeat) = sweep.remove("repeat") {
                let count = repeat
                    .as_integer()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| Error::invalid("sweep.repeat must be a whole number ≥ 1"))?;
                file.repeat = Some(count as usize);
            }
            if let Some(plots) = sweep.remove("plot") {
                file.plots = strings(plots, "plot")?;
            }
            if let Some(x) = sweep.remove("x") {
                let x = x
                    .as_str()
                    .ok_or_else(|| Error::invalid("sweep.x must be a scene key"))?;
                file.x = Some(x.to_string());
            }
            if let Some(ratio) = sweep.remove("ratio") {
                let ratio = ratio
                    .as_str()
                    .ok_or_else(|| Error::invalid("sweep.ratio must be a string KEY=A/B"))?;
                file.ratio = Some(Ratio::parse(ratio)?);
            }
            if let Some(unknown) = sweep.keys().next() {
                return Err(Error::invalid(format!(
                    "unknown key sweep.{unknown} (expected set, repeat, plot, x or ratio)"
                )));
            }
        }
        file.scene = scene;
        Ok(file)
    }
}

/// One run of a sweep: its values along the axes, its seed, and its scene.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Index in the grid (the order rows are written in).
    pub index: usize,
    /// The value of each axis, as written in `results.csv`.
    pub values: Vec<String>,
    pub seed: u64,
    pub scene: Scene,
}

/// Seconds per unit of a step's network work (batch × width² × depth) and of its exact OT work
/// (batch × k: each solve of k pairs costs about k² for k of a batch's pairs), from `bench`:
/// 3×64 SELU at batch 512 trains in about 1.3 ms a step, and k = 4096 costs about 15 ms a step.
const NETWORK_SECONDS: f64 = 2e-10;
const OT_SECONDS: f64 = 7e-9;

impl Variant {
    /// About how long the run trains, in seconds on this project's machine: only its order
    /// against the other runs matters (the longest start first, so no core idles at the end).
    pub fn estimated_seconds(&self) -> f64 {
        let (train, model) = (&self.scene.train, &self.scene.model);
        let batch = train.batch as f64;
        let network = batch * (model.width * model.width * model.depth.max(1)) as f64;
        let ot = if self.scene.coupling.method.solves_ot() {
            batch * self.scene.coupling.k as f64
        } else {
            0.0
        };
        train.steps as f64 * (NETWORK_SECONDS * network + OT_SECONDS * ot)
    }

    /// A name for the run's directory, e.g. `coupling.k-16_seed-0`.
    pub fn dir_name(&self, axes: &[Axis]) -> String {
        let mut parts: Vec<String> = axes
            .iter()
            .zip(&self.values)
            .map(|(axis, value)| format!("{}-{value}", axis.key))
            .collect();
        parts.push(format!("seed-{}", self.seed));
        parts
            .join("_")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }
}

/// A checked grid of runs.
#[derive(Debug, Clone)]
pub struct Sweep {
    pub base: Scene,
    pub axes: Vec<Axis>,
    pub variants: Vec<Variant>,
}

impl Sweep {
    /// Every combination of the axes' values (the first axis varying slowest), each with
    /// `repeat` seeds counting up from the scene's. Every setting is checked against the scene
    /// before anything trains, and an error names the key and the value.
    pub fn new(scene: &toml::Table, axes: Vec<Axis>, repeat: usize) -> Result<Sweep> {
        let base = to_scene(scene.clone())
            .map_err(|message| Error::invalid(format!("the scene: {message}")))?;
        if axes.is_empty() {
            return Err(Error::invalid(
                "a sweep needs at least one varied key (--set KEY=V1,V2 or sweep.set in the file)",
            ));
        }
        if repeat == 0 {
            return Err(Error::invalid("--repeat must be at least 1"));
        }
        for (i, axis) in axes.iter().enumerate() {
            if axes[..i].iter().any(|earlier| earlier.key == axis.key) {
                return Err(Error::invalid(format!(
                    "sweep key {} is set twice; give all its values in one setting",
                    axis.key
                )));
            }
            if axis.key == "train.seed" {
                return Err(Error::invalid(
                    "train.seed cannot be swept; --repeat N runs every variant with N seeds",
                ));
            }
            // Each value alone first, so an error names the one setting at fault.
            for value in &axis.values {
                let mut table = scene.clone();
                assign(&mut table, &axis.key, value.clone())?;
                to_scene(table).map_err(|message| {
                    Error::invalid(format!(
                        "sweep setting {}={}: {message}",
                        axis.key,
                        value_text(value)
                    ))
                })?;
            }
        }
        let count = axes
            .iter()
            .try_fold(repeat, |n, axis| n.checked_mul(axis.values.len()))
            .filter(|&n| n <= MAX_RUNS)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "the sweep asks for more than {MAX_RUNS} runs; vary fewer keys or values"
                ))
            })?;
        let mut variants = Vec::with_capacity(count);
        for index in 0..count {
            let mut table = scene.clone();
            let mut rest = index / repeat;
            let mut picks = vec![0; axes.len()];
            for (pick, axis) in picks.iter_mut().zip(&axes).rev() {
                *pick = rest % axis.values.len();
                rest /= axis.values.len();
            }
            let mut values = Vec::with_capacity(axes.len());
            for (axis, &pick) in axes.iter().zip(&picks) {
                assign(&mut table, &axis.key, axis.values[pick].clone())?;
                values.push(value_text(&axis.values[pick]));
            }
            let mut scene = to_scene(table).map_err(|message| {
                let setting: Vec<String> = axes
                    .iter()
                    .zip(&values)
                    .map(|(axis, value)| format!("{}={value}", axis.key))
                    .collect();
                Error::invalid(format!("sweep run {}: {message}", setting.join(", ")))
            })?;
            let seed = base.train.seed + (index % repeat) as u64;
            scene.train.seed = seed;
            variants.push(Variant {
                index,
                values,
                seed,
                scene,
            });
        }
        Ok(Sweep {
            base,
            axes,
            variants,
        })
    }

    /// That `ratio` compares two values this sweep gives a key other than the plots' `x`.
    pub fn check_ratio(&self, ratio: &Ratio, x: &str) -> Result<()> {
        let Some(axis) = self.axes.iter().find(|axis| axis.key == ratio.key) else {
            return Err(Error::invalid(format!(
                "the ratio's key {} is not a varied key (the sweep varies {})",
                ratio.key,
                self.keys().join(", ")
            )));
        };
        let values = axis.texts();
        for value in [&ratio.numerator, &ratio.denominator] {
            if !values.contains(value) {
                return Err(Error::invalid(format!(
                    "the ratio's {value} is not one of {}'s values ({})",
                    ratio.key,
                    values.join(", ")
                )));
            }
        }
        if ratio.key == x {
            return Err(Error::invalid(format!(
                "the ratio's key {x} is the x axis; take the ratio over another key"
            )));
        }
        Ok(())
    }

    /// The varied keys, in order.
    pub fn keys(&self) -> Vec<String> {
        self.axes.iter().map(|axis| axis.key.clone()).collect()
    }
}

/// Sets the dotted `key` in a scene table, creating the tables on its way.
fn assign(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or(key);
    let mut current = table;
    for (depth, part) in parts.iter().enumerate() {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            _ => {
                return Err(Error::invalid(format!(
                    "sweep key {key}: {} is a value, not a table",
                    parts[..=depth].join(".")
                )));
            }
        };
    }
    current.insert(last.to_string(), value);
    Ok(())
}

/// A checked scene from a table; the message says what is wrong.
fn to_scene(table: toml::Table) -> std::result::Result<Scene, String> {
    let mut scene: Scene = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().trim().to_string())?;
    scene.fit_space().map_err(|e| e.to_string())?;
    scene.validate().map_err(|e| e.to_string())?;
    Ok(scene)
}
