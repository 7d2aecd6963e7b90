//! A metric of a sweep against one of its keys: the mean over seeds with the spread (± one
//! standard deviation) as whiskers, one line per combination of the other keys, as a PNG.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use plotters::prelude::*;

use super::results::Results;
use crate::{Error, Result};

const SIZE: (u32, u32) = (900, 560);
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
}

/// Where the x values sit: the numbers themselves, their log₂ when they span two decades or
/// more (k = 1 … 4096), or evenly spaced categories (coupling methods).
enum Scale {
    Linear,
    Log2,
    Categories(Vec<String>),
}

impl Scale {
    fn position(&self, text: &str) -> f64 {
        match self {
            Scale::Linear => text.parse().unwrap_or(f64::NAN),
            Scale::Log2 => text.parse::<f64>().map_or(f64::NAN, f64::log2),
            Scale::Categories(names) => names
                .iter()
                .position(|name| name == text)
                .map_or(f64::NAN, |i| i as f64),
        }
    }

    fn label(&self, position: f64) -> String {
        match self {
            Scale::Linear => trim_number(position),
            Scale::Log2 => trim_number(position.exp2()),
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
type Series = (String, Vec<(f64, f64, f64)>);

fn series(results: &Results, request: &PlotRequest) -> Result<(Scale, Vec<Series>)> {
    let x_column = results
        .keys
        .iter()
        .position(|key| *key == request.x)
        .ok_or_else(|| {
            Error::invalid(format!(
                "cannot plot against {}: the sweep varies {}",
                request.x,
                results.keys.join(", ")
            ))
        })?;
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
            if low > 0.0 && high / low >= 100.0 {
                Scale::Log2
            } else {
                Scale::Linear
            }
        }
        None => Scale::Categories(x_values.clone()),
    };
    // Rows grouped by the other keys' values, then by x; each cell holds one value per seed.
    let mut groups: BTreeMap<Vec<String>, BTreeMap<String, Vec<f64>>> = BTreeMap::new();
    for row in &results.rows {
        let Some(&value) = row.metrics.get(&request.metric) else {
            continue;
        };
        if !value.is_finite() {
            continue;
        }
        let others: Vec<String> = results
            .keys
            .iter()
            .zip(&row.values)
            .enumerate()
            .filter(|(i, _)| *i != x_column)
            .map(|(_, (key, value))| format!("{key} = {value}"))
            .collect();
        groups
            .entry(others)
            .or_default()
            .entry(row.values[x_column].clone())
            .or_default()
            .push(value);
    }
    let lines = groups
        .into_iter()
        .map(|(others, cells)| {
            let mut points: Vec<(f64, f64, f64)> = cells
                .iter()
                .map(|(x, values)| {
                    let (mean, spread) = mean_spread(values);
                    (scale.position(x), mean, spread)
                })
                .filter(|(x, _, _)| x.is_finite())
                .collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            let name = if others.is_empty() {
                request.metric.clone()
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
            request.metric
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
                format!("{} against {}", request.metric, request.x),
                ("sans-serif", 24),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d(x_low..x_high, y_low..y_high)
            .map_err(|e| drawing(&e))?;
        let x_label = |x: &f64| scale.label(*x);
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(request.x.as_str())
            .y_desc(request.metric.as_str())
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
        if lines.len() > 1 || lines[0].0 != request.metric {
            chart
                .configure_series_labels()
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
