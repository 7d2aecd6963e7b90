//! A planar density read from an image: darker pixels are more likely.

use std::path::Path;

use super::dataset::Params;
use super::{FnSampler, Sampler};
use crate::{Error, Result};

/// The density of the image file the scene names.
pub(crate) fn build(p: &Params) -> Result<Box<dyn Sampler>> {
    let path: &Path = p.path().ok_or_else(|| {
        Error::invalid("the 'image' distribution needs a path to a PNG or JPEG file")
    })?;
    let extent = p.positive("extent")?;
    let bad = |message: String| Error::BadFile {
        path: path.to_path_buf(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|cause| Error::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    let image = image::load_from_memory(&bytes)
        .map_err(|e| bad(format!("not a readable PNG or JPEG image ({e})")))?
        .to_luma8();
    let (width, height) = image.dimensions();
    let mut cumulative = Vec::with_capacity((width * height) as usize);
    let mut total = 0.0;
    for pixel in image.pixels() {
        total += 1.0 - pixel.0[0] as f64 / 255.0;
        cumulative.push(total);
    }
    if total <= 0.0 {
        return Err(bad(
            "the image is completely white, so it has no density to sample".into(),
        ));
    }
    let scale = 2.0 * extent / width.max(height) as f64;
    let (w, h) = (width as f64, height as f64);
    Ok(FnSampler::boxed(2, 0, move |rng, out| {
        let target = rng.uniform() * total;
        let index = cumulative
            .partition_point(|&c| c <= target)
            .min(cumulative.len() - 1);
        let (px, py) = ((index as u32 % width) as f64, (index as u32 / width) as f64);
        out[0] = (px + rng.uniform() - w / 2.0) * scale;
        out[1] = (h / 2.0 - py - rng.uniform()) * scale;
        0
    }))
}
