//! The learning-curves plot (train and validation loss per epoch), as PNG bytes.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

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
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, WIDTH, HEIGHT);
    encoder.set_compression(png::Compression::Best);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(png_bytes)
}
