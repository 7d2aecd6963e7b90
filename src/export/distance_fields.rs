//! The lecture's comparison of distances on a planar mesh as one picture: the geodesic,
//! biharmonic and diffusion distance from one point, side by side, each as a heat map with
//! isolines over the floor, the walls left blank. The geodesic distance bends round the walls
//! with kinks; the spectral ones go round them smoothly.

use std::path::Path;

use glam::DVec3;

use super::caption::Captioner;
use crate::data::TOP_LEFT_CORNER;
use crate::geometry::mesh::{
    GeodesicDistance, Locator, MeshConfig, SpectralDistance, SpectralKind, Spectrum, TriMesh,
    load_mesh,
};
use crate::{Error, Result};

/// Isolines per panel (at tenths of the panel's largest distance).
const ISOLINES: f64 = 10.0;

/// Rows above each panel for its title.
pub const TITLE_PX: u32 = 36;

/// A planar mesh with its three distances ready: the geodesic one's factorised systems and the
/// spectral coordinates, so that the fields from any point come quickly (the window redraws
/// them at each click).
pub struct DistanceFields {
    config: MeshConfig,
    mesh: TriMesh,
    locator: Locator,
    geodesic: GeodesicDistance,
    biharmonic: SpectralDistance,
    diffusion: SpectralDistance,
}

impl DistanceFields {
    /// Loads the planar mesh `config` names and prepares its distances.
    pub fn new(config: &MeshConfig) -> Result<Self> {
        let mesh = load_mesh(&config.name)?;
        if !mesh.is_planar() {
            return Err(Error::invalid(format!(
                "the distance-field picture is drawn for planar meshes (a maze, a room); {} is a surface",
                config.name
            )));
        }
        let spectrum = Spectrum::of(&mesh, config.eigenpairs)?;
        Ok(Self {
            config: config.clone(),
            locator: Locator::of(&mesh),
            geodesic: GeodesicDistance::new(&mesh)?,
            biharmonic: SpectralDistance::new(&spectrum, SpectralKind::Biharmonic)?,
            diffusion: SpectralDistance::new(
                &spectrum,
                SpectralKind::Diffusion { tau: config.tau },
            )?,
            mesh,
        })
    }

    pub fn config(&self) -> &MeshConfig {
        &self.config
    }

    /// Where the default source blob sits: the floor nearest [`TOP_LEFT_CORNER`] of the mesh's
    /// box.
    pub fn default_point(&self) -> DVec3 {
        let (lo, hi) = self.mesh.bounds();
        let [u, v] = TOP_LEFT_CORNER;
        let corner = lo + (hi - lo) * DVec3::new(u, v, 0.0);
        let (point, _) = self.locator.nearest(&self.mesh, corner);
        self.mesh.point(point.face, point.bary)
    }

    /// Whether `p` lies on the floor (within a thousandth of the mesh's size of it).
    pub fn on_floor(&self, p: DVec3) -> bool {
        self.locator.nearest(&self.mesh, p).1 <= 1e-3 * mesh_size(&self.mesh)
    }

    /// The three distance fields from `from` (a point of the floor), each as its value at
    /// every vertex, with its title.
    pub fn fields(&self, from: DVec3) -> Result<Vec<(String, Vec<f64>)>> {
        let mesh = &self.mesh;
        let (source, off) = self.locator.nearest(mesh, from);
        if off > 1e-3 * mesh_size(mesh) {
            return Err(Error::invalid(format!(
                "the point ({:.3}, {:.3}) is not on the floor of {} (its nearest floor point is {off:.3} away)",
                from.x, from.y, self.config.name
            )));
        }
        let spectral = |distance: &SpectralDistance| -> Vec<f64> {
            let mut at_source = vec![0.0; distance.dim()];
            distance.embed(mesh, source.face, source.bary, &mut at_source);
            (0..mesh.vertex_count())
                .map(|v| SpectralDistance::between(distance.vertex(v), &at_source))
                .collect()
        };
        Ok(vec![
            (
                "geodesic (heat method)".to_string(),
                self.geodesic.from_point(mesh, source.face, source.bary),
            ),
            (
                format!("biharmonic, K = {}", self.config.eigenpairs),
                spectral(&self.biharmonic),
            ),
            (
                format!(
                    "diffusion, τ = {}, K = {}",
                    self.config.tau, self.config.eigenpairs
                ),
                spectral(&self.diffusion),
            ),
        ])
    }

    /// The pixel grid of a `panel_px`-wide panel: its centre in the world and the width of a
    /// pixel.
    fn panel_frame(&self, panel_px: u32) -> (DVec3, f64) {
        let (lo, hi) = self.mesh.bounds();
        let span = (hi.x - lo.x).max(hi.y - lo.y) * 1.04;
        ((lo + hi) * 0.5, span / panel_px as f64)
    }

    /// The point of the world under pixel (`col`, `row`) of any panel (rows from the top of
    /// the panel, below its title).
    pub fn world_at(&self, panel_px: u32, col: f64, row: f64) -> DVec3 {
        let (centre, pixel) = self.panel_frame(panel_px);
        DVec3::new(
            centre.x + (col - panel_px as f64 / 2.0) * pixel,
            centre.y - (row - panel_px as f64 / 2.0) * pixel,
            0.0,
        )
    }

    /// The three fields from `from` as one RGBA picture of three `panel_px`-wide panels side by
    /// side under a band of [`TITLE_PX`] rows for their titles.
    pub fn picture(&self, from: DVec3, panel_px: u32) -> Result<image::RgbaImage> {
        if !(64..=2048).contains(&panel_px) {
            return Err(Error::invalid(format!(
                "the panel size must be between 64 and 2048 pixels, got {panel_px}"
            )));
        }
        let fields = self.fields(from)?;
        let mesh = &self.mesh;
        let (centre, pixel) = self.panel_frame(panel_px);
        // Where each pixel of a panel lies on the floor (None on a wall or outside).
        let places: Vec<Option<(usize, [f64; 3])>> = (0..panel_px * panel_px)
            .map(|i| {
                let (col, row) = (i % panel_px, i / panel_px);
                let p = self.world_at(panel_px, col as f64 + 0.5, row as f64 + 0.5);
                let (point, off) = self.locator.nearest(mesh, p);
                (off < 1e-9).then_some((point.face, point.bary))
            })
            .collect();
        let (width, height) = (3 * panel_px, panel_px + TITLE_PX);
        let mut frame = vec![0u8; (width * height * 4) as usize];
        for chunk in frame.chunks_exact_mut(4) {
            chunk.copy_from_slice(&[24, 26, 32, 255]);
        }
        let captioner = Captioner::new();
        for (panel, (title, field)) in fields.iter().enumerate() {
            let largest = field.iter().copied().fold(0.0, f64::max).max(1e-12);
            let values: Vec<Option<f64>> = places
                .iter()
                .map(|place| {
                    place.map(|(face, bary)| {
                        mesh.faces()[face]
                            .iter()
                            .zip(bary)
                            .map(|(v, w)| w * field[*v as usize])
                            .sum::<f64>()
                            / largest
                    })
                })
                .collect();
            for row in 0..panel_px {
                for col in 0..panel_px {
                    let i = (row * panel_px + col) as usize;
                    let colour = match values[i] {
                        None => [60, 62, 70],
                        Some(v) => {
                            let band = (v * ISOLINES).floor();
                            let neighbours = [
                                (col + 1 < panel_px).then(|| values[i + 1]),
                                (row + 1 < panel_px).then(|| values[i + panel_px as usize]),
                            ];
                            let on_isoline = neighbours
                                .iter()
                                .flatten()
                                .flatten()
                                .any(|w| (w * ISOLINES).floor() != band);
                            if on_isoline { [20, 20, 24] } else { heat(v) }
                        }
                    };
                    let x = panel as u32 * panel_px + col;
                    let at = (((row + TITLE_PX) * width + x) * 4) as usize;
                    frame[at..at + 3].copy_from_slice(&colour);
                }
            }
            // The point the distances are measured from.
            let mark_col = ((from.x - centre.x) / pixel + panel_px as f64 / 2.0) as i64;
            let mark_row = ((centre.y - from.y) / pixel + panel_px as f64 / 2.0) as i64;
            for dy in -3i64..=3 {
                for dx in -3i64..=3 {
                    let (c, r) = (mark_col + dx, mark_row + dy);
                    let inside =
                        (0..panel_px as i64).contains(&c) && (0..panel_px as i64).contains(&r);
                    if dx * dx + dy * dy <= 9 && inside {
                        let x = panel as u64 * panel_px as u64 + c as u64;
                        let at = (((r as u64 + TITLE_PX as u64) * width as u64 + x) * 4) as usize;
                        frame[at..at + 3].copy_from_slice(&[255, 255, 255]);
                    }
                }
            }
            captioner.draw(
                &mut frame,
                width,
                title,
                (panel as u32 * panel_px) as f32 + 10.0,
                8.0,
                20.0,
                [235, 235, 240],
            );
        }
        image::RgbaImage::from_raw(width, height, frame)
            .ok_or_else(|| Error::Internal("the picture's buffer has the wrong size".into()))
    }
}

fn mesh_size(mesh: &TriMesh) -> f64 {
    let (lo, hi) = mesh.bounds();
    (hi - lo).length()
}

/// Writes the three fields from `from` (by default where the top-left blob sits) on the planar
/// mesh `config` names as a PNG of three `panel_px`-wide panels side by side (atomically);
/// returns the point used.
pub fn write_distance_fields(
    config: &MeshConfig,
    from: Option<DVec3>,
    panel_px: u32,
    path: &Path,
) -> Result<DVec3> {
    let fields = DistanceFields::new(config)?;
    let from = from.unwrap_or_else(|| fields.default_point());
    let image = fields.picture(from, panel_px)?;
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Error::Internal(format!("encoding the picture: {e}")))?;
    crate::data::write_atomically(path, &png)?;
    Ok(from)
}

/// A dark-blue → teal → yellow ramp for v in [0, 1] (near is dark, far is bright).
fn heat(v: f64) -> [u8; 3] {
    const STOPS: [[f64; 3]; 5] = [
        [48.0, 18.0, 90.0],
        [50.0, 90.0, 150.0],
        [30.0, 150.0, 140.0],
        [110.0, 200.0, 90.0],
        [250.0, 230.0, 40.0],
    ];
    let x = v.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    std::array::from_fn(|k| (STOPS[i][k] + (STOPS[i + 1][k] - STOPS[i][k]) * f).round() as u8)
}
