//! A metric of a sweep against one of its keys: the mean over seeds with the spread (± one
//! standard deviation) as whiskers, one line per combination of the other keys, as a PNG. Or
//! the ratio of the metric's means between two values of another key (exact OT over
//! independent pairs, say), which is how a lecture states a claim about the difference.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;

use super::results::Results;
use crate::{Error, Result};

const SIZE: (u32, u32) = (900, 560);

/// The metrics a sweep plots when neither the command nor the file names any: the lecture's
/// coupling curves.
pub const DEFAULT_PLOTS: [&str; 4] = ["coupling_cost", "path_energy", "npe", "straightness"];
/// Saturated, distinct line colours (a colour-blind-safe set), reused past the eighth line.
const LINE_COLOURS: [[u8; 3]; 8] = [
    [0, 114, 178],
    [213, 94, 0],
    [0, 158, 115],
    [204, 121, 167],
    [230, 159, 0],
    [86, 180, 233],
    [120, 60, 200],
    [200, 30, 30],
];

/// Which metric to draw against which key.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotRequest {
    pub metric: String,
    /// The key along x; the others split the lines.
    pub x: String,
    /// Draw the metric's ratio between two values of a key instead of the metric itself.
    pub ratio: Option<Ratio>,
}

impl PlotRequest {
    /// What the plot shows, as its title and y axis name it.
    fn quantity(&self) -> String {
        match &self.ratio {
            Some(ratio) => format!(
                "{} ratio, {} / {}",
                self.metric, ratio.numerator, ratio.denominator
            ),
            None => self.metric.clone(),
        }
    }
}

/// A key and the two of its values whose runs are compared: KEY=NUMERATOR/DENOMINATOR.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    pub key: String,
    pub numerator: String,
    pub denominator: String,
}

impl Ratio {
    /// Parses `KEY=A/B` (e.g. `coupling.method=exact/independent`).
    pub fn parse(text: &str) -> Result<Ratio> {
        let wrong = || {
            Error::invalid(format!(
                "a ratio is KEY=A/B, e.g. coupling.method=exact/independent (got \"{text}\")"
            ))
        };
        let (key, values) = text.split_once('=').ok_or_else(wrong)?;
        let (numerator, denominator) = values.split_once('/').ok_or_else(wrong)?;
        let [key, numerator, denominator] = [key, numerator, denominator].map(str::trim);
        if key.is_empty() || numerator.is_empty() || denominator.is_empty() {
            return Err(wrong());
        }
        Ok(Ratio {
            key: key.to_string(),
            numerator: numerator.to_string(),
            denominator: denominator.to_string(),
        })
    }
}

/// Where the x values sit: the numbers themselves, their log₂ when they span five doublings
/// or more (k = 1 … 4096, d = 2 … 128), or evenly spaced categories (coupling methods).
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    Linear,
    Log2,
    Categories(Vec<String>),
}

impl Scale {
    /// Where a value of the key sits along x.
    pub fn position(&self, text: &str) -> f64 {
        match self {
            Scale::Linear => text.parse().unwrap_or(f64::NAN),
            Scale::Log2 => text.parse::<f64>().map_or(f64::NAN, f64::log2),
            Scale::Categories(names) => names
                .iter()
                .position(|name| name == text)
                .map_or(f64::NAN, |i| i as f64),
        }
    }

    /// The tick label at `position` along x.
    pub fn label(&self, position: f64) -> String {
        match self {
            Scale::Linear => trim_number(position),
            // Powers of two only: between them a label would read as an odd value swept.
            Scale::Log2 if (position - position.round()).abs() < 1e-6 => {
                trim_number(position.round().exp2())
            }
            Scale::Log2 => String::new(),
            Scale::Categories(names) => {
                let i = position.round();
                if (position - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        }
    }
}

fn trim_number(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e5).contains(&x.abs()) {
        format!("{x:.1e}")
    } else {
        let text = format!("{x:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Mean and standard deviation.
fn mean_spread(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let spread = if values.len() > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, spread)
}

/// One line of the plot: its name and (x, mean, spread) points in x order.
pub type Series = (String, Vec<(f64, f64, f64)>);

/// The lines `request` draws, and how x is laid out: each point's x is [`Scale::position`] of
/// its key's value.
pub fn plot_lines(results: &Results, request: &PlotRequest) -> Result<(Scale, Vec<Series>)> {
    series(results, request)
}

fn series(results: &Results, request: &PlotRequest) -> Result<(Scale, Vec<Series>)> {
    let column = |key: &str, what: &str| {
        results.keys.iter().position(|k| k == key).ok_or_else(|| {
            Error::invalid(format!(
                "cannot {what} {key}: the sweep varies {}",
                results.keys.join(", ")
            ))
        })
    };
    let x_column = column(&request.x, "plot against")?;
    let ratio_column = match &request.ratio {
        Some(ratio) => {
            let index = column(&ratio.key, "take a ratio over")?;
            if index == x_column {
                return Err(Error::invalid(format!(
                    "the ratio's key {} is the x axis; take it over another key",
                    ratio.key
                )));
            }
            Some(index)
        }
        None => None,
    };
    if !results.metric_names().contains(&request.metric) {
        return Err(Error::invalid(format!(
            "no metric named {} in the results (they have {})",
            request.metric,
            results.metric_names().join(", ")
        )));
    }
    // x values in the order the sweep lists them.
    let mut x_values: Vec<String> = Vec::new();
    for row in &results.rows {
        if !x_values.contains(&row.values[x_column]) {
            x_values.push(row.values[x_column].clone());
        }
    }
    let numbers: Option<Vec<f64>> = x_values.iter().map(|v| v.parse().ok()).collect();
    let scale = match numbers {
        Some(numbers) => {
            let (low, high) = numbers
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &x| {
                    (l.min(x), h.max(x))
                });
            // Five doublings or more: a sweep by powers of two (k, the dimension d).
            if low > 0.0 && high / low >= 32.0 {
                Scale::Log2
            } else {
                Scale::Linear
            }
        }
        None => Scale::Categories(x_values.clone()),
    };
    // Rows grouped by the other keys' values, then by x; each cell holds one value per seed
    // (for a ratio, the numerator's and the denominator's apart).
    type Cell = [Vec<f64>; 2];
    let mut groups: BTreeMap<Vec<String>, BTreeMap<String, Cell>> = BTreeMap::new();
    for row in &results.rows {
        let Some(&value) = row.metrics.get(&request.metric) else {
            continue;
        };
        if !value.is_finite() {
            continue;
        }
        let side = match (&request.ratio, ratio_column) {
            (Some(ratio), Some(index)) if row.values[index] == ratio.numerator => 0,
            (Some(ratio), Some(index)) if row.values[index] == ratio.denominator => 1,
            (Some(_), _) => continue,
            (None, _) => 0,
        };
        let others: Vec<String> = results
            .keys
            .iter()
            .zip(&row.values)
            .enumerate()
            .filter(|(i, _)| *i != x_column && Some(*i) != ratio_column)
            .map(|(_, (key, value))| format!("{key} = {value}"))
            .collect();
        groups
            .entry(others)
            .or_default()
            .entry(row.values[x_column].clone())
            .or_default()[side]
            .push(value);
    }
    let lines = groups
        .into_iter()
        .map(|(others, cells)| {
            let mut points: Vec<(f64, f64, f64)> = cells
                .iter()
                .filter_map(|(x, [values, below])| {
                    let (mean, spread) = match request.ratio {
                        None => mean_spread(values),
                        // The ratio of the means; seeds are not paired across the two sides,
                        // so no spread is drawn.
                        Some(_) if values.is_empty() || below.is_empty() => return None,
                        Some(_) => (mean_spread(values).0 / mean_spread(below).0, 0.0),
                    };
                    Some((scale.position(x), mean, spread))
                })
                .filter(|(x, mean, _)| x.is_finite() && mean.is_finite())
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let name = if others.is_empty() {
                request.quantity()
            } else {
                others.join(", ")
            };
            (name, points)
        })
        .filter(|(_, points)| !points.is_empty())
        .collect();
    Ok((scale, lines))
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is shipped in assets/ and known to parse; a failure would only lose labels.
        let _ =
            plotters::style::register_font("sans-serif", FontStyle::Normal, crate::export::FONT);
    });
}

/// Draws `request` from `results` into the PNG at `path` (written atomically).
pub fn draw_plot(results: &Results, request: &PlotRequest, path: &Path) -> Result<()> {
    let (scale, lines) = series(results, request)?;
    if lines.is_empty() {
        return Err(Error::invalid(format!(
            "no finished run has a value of {} to plot",
            request.quantity()
        )));
    }
    register_font();
    let (mut x_low, mut x_high, mut y_low, mut y_high) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (_, points) in &lines {
        for &(x, mean, spread) in points {
            x_low = x_low.min(x);
            x_high = x_high.max(x);
            y_low = y_low.min(mean - spread);
            y_high = y_high.max(mean + spread);
        }
    }
    let pad = |low: f64, high: f64| {
        let span = (high - low).max(1e-9 * high.abs().max(1.0));
        (low - 0.06 * span, high + 0.06 * span)
    };
    let (x_low, x_high) = if x_high > x_low {
        pad(x_low, x_high)
    } else {
        (x_low - 1.0, x_high + 1.0)
    };
    let (y_low, y_high) = pad(y_low, y_high);
    let drawing = |e: &dyn std::fmt::Display| Error::Internal(format!("drawing the plot: {e}"));
    let mut pixels = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| drawing(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{} against {}", request.quantity(), request.x),
                ("sans-serif", 24),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .map_err(|e| drawing(&e))?;
        let x_label = |x: &f64| scale.label(*x);
        let y_name = request.quantity();
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(request.x.as_str())
            .y_desc(y_name.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&|y: &f64| trim_number(*y))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17));
        match &scale {
            // One tick per category, and per power of two on a log axis.
            Scale::Categories(names) => mesh.x_labels(names.len() * 4 + 1),
            Scale::Log2 => mesh.x_labels(((x_high - x_low).ceil() as usize).clamp(2, 14)),
            Scale::Linear => mesh.x_labels(8),
        };
        mesh.draw().map_err(|e| drawing(&e))?;
        for (i, (name, points)) in lines.iter().enumerate() {
            let [r, g, b] = LINE_COLOURS[i % LINE_COLOURS.len()];
            let color = RGBColor(r, g, b).to_rgba();
            let style = ShapeStyle::from(color).stroke_width(2);
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|&(x, mean, _)| (x, mean)),
                    style,
                ))
                .map_err(|e| drawing(&e))?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&(x, mean, _)| Circle::new((x, mean), 4, color.filled())),
                )
                .map_err(|e| drawing(&e))?;
            chart
                .draw_series(points.iter().filter(|(_, _, spread)| *spread > 0.0).map(
                    |&(x, mean, spread)| {
                        PathElement::new(vec![(x, mean - spread), (x, mean + spread)], style)
                    },
                ))
                .map_err(|e| drawing(&e))?;
        }
        if lines.len() > 1 || lines[0].0 != request.quantity() {
            // The legend goes in whichever upper corner the lines leave emptier.
            let crowding = |left: bool| {
                let x_split = x_low + (x_high - x_low) * if left { 0.45 } else { 0.55 };
                let y_split = y_low + (y_high - y_low) * 0.65;
                lines
                    .iter()
                    .flat_map(|(_, points)| points)
                    .filter(|&&(x, mean, _)| mean >= y_split && (x <= x_split) == left)
                    .count()
            };
            let corner = if crowding(true) < crowding(false) {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::UpperRight
            };
            chart
                .configure_series_labels()
                .position(corner)
                .label_font(("sans-serif", 15))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(|e| drawing(&e))?;
        }
        root.present().map_err(|e| drawing(&e))?;
    }
    let image = image::RgbImage::from_raw(SIZE.0, SIZE.1, pixels)
        .ok_or_else(|| Error::Internal("plot buffer has the wrong size".into()))?;
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::Internal(format!("encoding the plot: {e}")))?;
    crate::data::write_atomically(path, &png)
}
