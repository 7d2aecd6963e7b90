//! Frame sinks: H.264 in MP4 (OpenH264, built from source by cargo), looping GIF, and
//! numbered PNG frames. Each writes to a hidden partial path next to the target and is moved
//! into place only when complete, so a failed or cancelled export leaves nothing behind.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use openh264::encoder::{
    Complexity, Encoder, EncoderConfig, FrameRate, FrameType, QpRange, RateControlMode,
};
use openh264::formats::{RgbaSliceU8, YUVBuffer};

use crate::{Error, Result};

/// What an export writes, from the output path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoFormat {
    Mp4,
    Gif,
    /// Numbered PNG files in a directory.
    PngFrames,
}

impl VideoFormat {
    /// `.mp4` and `.gif` files, or a directory (a path ending in `/`, or without extension).
    pub fn from_path(path: &Path) -> Result<Self> {
        let text = path.to_string_lossy();
        if text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) {
            return Ok(VideoFormat::PngFrames);
        }
        match path.extension().map(|e| e.to_string_lossy().to_lowercase()) {
            Some(e) if e == "mp4" => Ok(VideoFormat::Mp4),
            Some(e) if e == "gif" => Ok(VideoFormat::Gif),
            None => Ok(VideoFormat::PngFrames),
            Some(other) => Err(Error::invalid(format!(
                "unknown video format '.{other}': use .mp4, .gif, or a directory (ending in /) for PNG frames"
            ))),
        }
    }
}

/// Takes RGBA8 frames (top row first) one after another.
pub trait FrameSink {
    fn push(&mut self, rgba: &[u8]) -> Result<()>;
    /// Completes the file and moves it to its target name.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// A partial output path next to `target`, removed on drop unless the output was committed.
pub struct Partial {
    pub path: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Partial {
    pub fn new(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::invalid(format!("'{}' is not a file name", target.display())))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(Error::Write {
                path: target.to_path_buf(),
                cause: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "its directory does not exist",
                ),
            });
        }
        Ok(Self {
            path: dir.join(format!(".{name}.partial-{}", std::process::id())),
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Moves the finished output to the target name.
    pub fn commit(mut self) -> Result<()> {
        if self.path.is_dir() && self.target.is_dir() {
            // An empty directory the user made for the frames is replaced.
            std::fs::remove_dir(&self.target).map_err(|cause| Error::Write {
                path: self.target.clone(),
                cause,
            })?;
        }
        std::fs::rename(&self.path, &self.target).map_err(write_error(&self.target))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A failed write to `path`; a missing file whose folder has gone is said as such (the user
/// removed the folder during the export).
fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |cause| {
        let folder_gone = cause.kind() == std::io::ErrorKind::NotFound
            && path
                .parent()
                .is_some_and(|dir| !dir.as_os_str().is_empty() && !dir.is_dir());
        Error::Write {
            path: path.to_path_buf(),
            cause: if folder_gone {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "its folder was removed while it was being written",
                )
            } else {
                cause
            },
        }
    }
}

/// Checks that `target` can receive an export (its folder exists; PNG frames need a new or
/// empty folder) and returns its format.
pub fn check_target(target: &Path) -> Result<VideoFormat> {
    let format = VideoFormat::from_path(target)?;
    Partial::new(target)?;
    if format == VideoFormat::PngFrames
        && (target.is_file()
            || (target.is_dir()
                && std::fs::read_dir(target)
                    .map_err(write_error(target))?
                    .next()
                    .is_some()))
    {
        return Err(Error::invalid(format!(
            "'{}' already exists and is not an empty folder; PNG frames need a new or empty one",
            target.display()
        )));
    }
    Ok(format)
}

/// Opens the sink for `format` writing `width × height` frames at `fps` to `target`.
pub fn open_sink(
    format: VideoFormat,
    target: &Path,
    width: u32,
    height: u32,
    fps: u32,
) -> Result<Box<dyn FrameSink>> {
    check_target(target)?;
    let partial = Partial::new(target)?;
    Ok(match format {
        VideoFormat::Mp4 => Box::new(Mp4Sink::new(partial, width, height, fps)?),
        VideoFormat::Gif => Box::new(GifSink::new(partial, width, height, fps)?),
        VideoFormat::PngFrames => {
            std::fs::create_dir(&partial.path).map_err(write_error(target))?;
            Box::new(PngSink {
                partial,
                width,
                height,
                index: 0,
            })
        }
    })
}

struct PngSink {
    partial: Partial,
    width: u32,
    height: u32,
    index: usize,
}

impl FrameSink for PngSink {
    fn push(&mut self, rgba: &[u8]) -> Result<()> {
        self.index += 1;
        let path = self
            .partial
            .path
            .join(format!("frame_{:05}.png", self.index));
        image::save_buffer(
            &path,
            rgba,
            self.width,
            self.height,
            image::ColorType::Rgba8,
        )
        .map_err(|e| Error::Write {
            path: path.clone(),
            cause: std::io::Error::other(e.to_string()),
        })
    }

    fn finish(self: Box<Self>) -> Result<()> {
        self.partial.commit()
    }
}

struct GifSink {
    partial: Partial,
    encoder: gif::Encoder<BufWriter<File>>,
    width: u16,
    height: u16,
    delay_centis: u16,
}

impl GifSink {
    fn new(partial: Partial, width: u32, height: u32, fps: u32) -> Result<Self> {
        let file = File::create(&partial.path).map_err(write_error(&partial.target))?;
        let (width, height) = (width as u16, height as u16);
        let mut encoder = gif::Encoder::new(BufWriter::new(file), width, height, &[])
            .map_err(|e| gif_error(&partial.target, e))?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|e| gif_error(&partial.target, e))?;
        Ok(Self {
            encoder,
            width,
            height,
            // GIF delays are in hundredths of a second.
            delay_centis: (100.0 / fps as f64).round().max(1.0) as u16,
            partial,
        })
    }
}

fn gif_error(path: &Path, error: gif::EncodingError) -> Error {
    Error::Write {
        path: path.to_path_buf(),
        cause: std::io::Error::other(error.to_string()),
    }
}

impl FrameSink for GifSink {
    fn push(&mut self, rgba: &[u8]) -> Result<()> {
        let mut pixels = rgba.to_vec();
        // Speed 10 of 30: NeuQuant palettes good enough for smooth trails at a few frames/s.
        let mut frame = gif::Frame::from_rgba_speed(self.width, self.height, &mut pixels, 10);
        frame.delay = self.delay_centis;
        self.encoder
            .write_frame(&frame)
            .map_err(|e| gif_error(&self.partial.target, e))
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let GifSink {
            partial, encoder, ..
        } = *self;
        let writer = encoder
            .into_inner()
            .map_err(|e| gif_error(&partial.target, e))?;
        writer
            .into_inner()
            .map_err(|e| Error::Write {
                path: partial.target.clone(),
                cause: e.into_error(),
            })?
            .sync_all()
            .map_err(write_error(&partial.target))?;
        partial.commit()
    }
}

/// H.264 (yuv420p) in an MP4 container.
struct Mp4Sink {
    partial: Partial,
    encoder: Encoder,
    yuv: YUVBuffer,
    /// The file until the first frame brings the stream's parameter sets, then the muxer.
    file: Option<BufWriter<File>>,
    writer: Option<mp4::Mp4Writer<BufWriter<File>>>,
    width: u32,
    height: u32,
    fps: u32,
    frames: u64,
}

/// MP4 time units per frame (the track's timescale is `fps` × this).
const TICKS_PER_FRAME: u32 = 100;

impl Mp4Sink {
    fn new(partial: Partial, width: u32, height: u32, fps: u32) -> Result<Self> {
        // Constant quality, every frame kept: thin trails need a low quantiser, and a dropped
        // frame would shorten the video.
        let config = EncoderConfig::new()
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .skip_frames(false)
            .rate_control_mode(RateControlMode::Off)
            .qp(QpRange::new(22, 30))
            // The fastest search: the renderer shares the two cores with the encoder.
            .complexity(Complexity::Low);
        let encoder = Encoder::with_api_config(openh264::OpenH264API::from_source(), config)
            .map_err(|e| Error::Internal(format!("the H.264 encoder did not start: {e}")))?;
        let file = File::create(&partial.path).map_err(write_error(&partial.target))?;
        Ok(Self {
            encoder,
            yuv: YUVBuffer::new(width as usize, height as usize),
            file: Some(BufWriter::new(file)),
            writer: None,
            width,
            height,
            fps,
            frames: 0,
            partial,
        })
    }

    fn mux_error(&self, error: mp4::Error) -> Error {
        Error::Write {
            path: self.partial.target.clone(),
            cause: std::io::Error::other(error.to_string()),
        }
    }
}

/// A NAL unit without its Annex-B start code.
fn without_start_code(nal: &[u8]) -> &[u8] {
    let skip = if nal.starts_with(&[0, 0, 0, 1]) {
        4
    } else if nal.starts_with(&[0, 0, 1]) {
        3
    } else {
        0
    };
    &nal[skip..]
}

impl FrameSink for Mp4Sink {
    fn push(&mut self, rgba: &[u8]) -> Result<()> {
        self.yuv.read_rgba8(RgbaSliceU8::new(
            rgba,
            (self.width as usize, self.height as usize),
        ));
        let stream = self
            .encoder
            .encode(&self.yuv)
            .map_err(|e| Error::Internal(format!("the H.264 encoder failed: {e}")))?;
        let is_sync = matches!(stream.frame_type(), FrameType::IDR | FrameType::I);
        let (mut sps, mut pps, mut sample) = (None, None, Vec::new());
        for l in 0..stream.num_layers() {
            let Some(layer) = stream.layer(l) else {
                continue;
            };
            for n in 0..layer.nal_count() {
                let Some(nal) = layer.nal_unit(n).map(without_start_code) else {
                    continue;
                };
                match nal.first().map(|b| b & 0x1f) {
                    Some(7) => sps = Some(nal.to_vec()),
                    Some(8) => pps = Some(nal.to_vec()),
                    Some(_) => {
                        // MP4 stores each NAL unit behind its length.
                        sample.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                        sample.extend_from_slice(nal);
                    }
                    None => {}
                }
            }
        }
        if self.writer.is_none() {
            let (Some(sps), Some(pps), Some(file)) = (sps, pps, self.file.take()) else {
                return Err(Error::Internal(
                    "the H.264 encoder's first frame carried no parameter sets".into(),
                ));
            };
            let config = mp4::Mp4Config {
                major_brand: mp4::FourCC::from(*b"isom"),
                minor_version: 512,
                compatible_brands: [*b"isom", *b"iso2", *b"avc1", *b"mp41"]
                    .map(mp4::FourCC::from)
                    .to_vec(),
                timescale: 1000,
            };
            let mut writer =
                mp4::Mp4Writer::write_start(file, &config).map_err(|e| self.mux_error(e))?;
            writer
                .add_track(&mp4::TrackConfig {
                    track_type: mp4::TrackType::Video,
                    timescale: self.fps * TICKS_PER_FRAME,
                    language: "und".into(),
                    media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                        width: self.width as u16,
                        height: self.height as u16,
                        seq_param_set: sps,
                        pic_param_set: pps,
                    }),
                })
                .map_err(|e| self.mux_error(e))?;
            self.writer = Some(writer);
        }
        let sample = mp4::Mp4Sample {
            start_time: self.frames * u64::from(TICKS_PER_FRAME),
            duration: TICKS_PER_FRAME,
            rendering_offset: 0,
            is_sync,
            bytes: mp4::Bytes::from(sample),
        };
        let result = match self.writer.as_mut() {
            Some(writer) => writer.write_sample(1, &sample),
            None => Ok(()),
        };
        result.map_err(|e| self.mux_error(e))?;
        self.frames += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let Some(mut writer) = self.writer.take() else {
            return Err(Error::invalid("a video needs at least one frame"));
        };
        writer.write_end().map_err(|e| self.mux_error(e))?;
        writer
            .into_writer()
            .into_inner()
            .map_err(|e| Error::Write {
                path: self.partial.target.clone(),
                cause: e.into_error(),
            })?
            .sync_all()
            .map_err(write_error(&self.partial.target))?;
        let Mp4Sink { partial, .. } = *self;
        partial.commit()
    }
}
