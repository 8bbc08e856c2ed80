//! The plots, as PNG bytes: learning curves (train and validation loss per epoch), the
//! anomaly-score histogram, and the results per seed of `--repeats`.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

use crate::repeats::Repeats;
use crate::training::History;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 500;

/// Renders `history` like the tutorial's plot and returns the PNG file bytes.
pub fn learning_curves_png(history: &History) -> Result<Vec<u8>, String> {
    // plotters' pure-Rust text rendering needs a font; embedding DejaVu avoids any
    // dependency on the fonts installed on the machine. Registering twice is harmless.
    let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let epochs = history.train_loss.len().max(1);
        let max_loss = history
            .train_loss
            .iter()
            .chain(&history.valid_loss)
            .copied()
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max)
            .max(1e-9);
        let mut chart = ChartBuilder::on(&root)
            .caption("Autoencoder reconstruction loss", ("sans-serif", 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(1f64..epochs as f64, 0f64..max_loss * 1.05)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("MSE")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        let series = [
            ("train", &history.train_loss, BLUE),
            ("validation", &history.valid_loss, RED),
        ];
        for (name, values, color) in series {
            chart
                .draw_series(LineSeries::new(
                    values.iter().enumerate().map(|(i, &v)| ((i + 1) as f64, v)),
                    color.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        draw_legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    encode_png(&rgb)
}

/// A histogram of anomaly scores (mean squared reconstruction error, as the device
/// computes it) for normal and anomalous rows, with the threshold drawn; PNG bytes.
pub fn score_histogram_png(scores: &[(f64, bool)], threshold: f64) -> Result<Vec<u8>, String> {
    let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    const BINS: usize = 40;
    let max = scores
        .iter()
        .map(|&(s, _)| s)
        .chain([threshold])
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-12)
        * 1.02;
    let width = max / BINS as f64;
    let mut counts = [[0usize; BINS]; 2];
    for &(s, anomalous) in scores {
        let bin = ((s / width) as usize).min(BINS - 1);
        counts[usize::from(anomalous)][bin] += 1;
    }
    let top = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Anomaly scores on the test split (int8, as the device computes them)",
                ("sans-serif", 20),
            )
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..max, 0f64..top as f64 * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("reconstruction MSE (scaled inputs)")
            .y_desc("rows")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        let series = [("normal", 0, BLUE), ("anomalous", 1, RED)];
        for (name, k, color) in series {
            chart
                .draw_series(counts[k].iter().enumerate().filter(|(_, c)| **c > 0).map(
                    |(b, &c)| {
                        let x0 = b as f64 * width;
                        Rectangle::new(
                            [(x0, 0.0), (x0 + width, c as f64)],
                            color.mix(0.45).filled(),
                        )
                    },
                ))
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 15, y + 5)], color.mix(0.45).filled())
                });
        }
        chart
            .draw_series(LineSeries::new(
                [(threshold, 0.0), (threshold, top as f64 * 1.1)],
                BLACK.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("threshold")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        draw_legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    encode_png(&rgb)
}

/// The RGB buffer as PNG bytes.
/// The accuracies of each `--repeats` run against its seed, one series per figure; PNG
/// bytes.
pub fn repeats_png(repeats: &Repeats) -> Result<Vec<u8>, String> {
    let _ = register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    let series = repeats.series();
    let values = series
        .iter()
        .flat_map(|(_, points)| points.iter().map(|&(_, v)| v));
    let (lo, hi) = values.fold((1.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = ((lo - 0.02).max(0.0), (hi + 0.02).min(1.0));
    let first = repeats.runs.first().map_or(0, |r| r.seed) as f64;
    let last = repeats.runs.last().map_or(1, |r| r.seed) as f64;
    let mut rgb = vec![0u8; (WIDTH * HEIGHT * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Test-split results per training seed", ("sans-serif", 24))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d((first - 0.5)..(last + 0.5), lo..hi)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("seed")
            .y_desc("accuracy / AUC")
            .x_labels(repeats.runs.len().min(20))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        let colors = [BLACK, BLUE, RED, GREEN, MAGENTA];
        for ((name, points), color) in series.into_iter().zip(colors.iter().cycle()) {
            let color = *color;
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|&(seed, v)| (seed as f64, v)),
                    color.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&(seed, v)| Circle::new((seed as f64, v), 4, color.filled())),
                )
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        draw_legend(&mut chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    encode_png(&rgb)
}

/// The series' legend, drawn the same way on every plot.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(|e| e.to_string())
}

fn encode_png(rgb: &[u8]) -> Result<Vec<u8>, String> {
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, WIDTH, HEIGHT);
    encoder.set_compression(png::Compression::Best);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png_bytes)
}
