//! Load a model file with the runtime on the host and classify the first rows of a CSV
//! file, exactly as firmware would (same crate, same integers).
//!
//! ```sh
//! cargo run -p bottleneck-trainer -- train                 # writes artifacts/model.bin
//! cargo run -p bottleneck-trainer -- generate --out data.csv
//! cargo run -p bottleneck-example-host -- artifacts/model.bin data.csv label
//! ```

use std::error::Error;

use bottleneck_runtime::{Model, Scratch};

/// Rows to classify.
const ROWS: usize = 5;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(model_path), Some(csv_path)) = (args.first(), args.get(1)) else {
        return Err("usage: bottleneck-example-host MODEL.bin DATA.csv [LABEL-COLUMN]".into());
    };
    let label_column = args.get(2);

    // The runtime borrows the weights from these bytes; on a device they live in flash.
    let bytes = std::fs::read(model_path)?;
    let model = Model::from_bytes(&bytes)?;
    let mut scratch = Scratch::<256>::new();
    let passed = model.self_test(&mut scratch)?;
    println!(
        "{model_path}: {} inputs, {} bottleneck features, {} classes; self-test {passed} vectors ok",
        model.n_inputs(),
        model.n_features(),
        model.n_classes()
    );

    let text = std::fs::read_to_string(csv_path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty CSV")?.split(',').collect();
    let skip = label_column.and_then(|name| header.iter().position(|h| h.trim() == name));
    for (row, line) in lines.take(ROWS).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let sample = cells
            .iter()
            .enumerate()
            .filter(|&(i, _)| Some(i) != skip)
            .map(|(_, c)| c.trim().parse::<f32>())
            .collect::<Result<Vec<f32>, _>>()
            .map_err(|e| format!("{csv_path}: row {}: {e}", row + 1))?;
        // `main` prints errors with `Debug`; the runtime's `Display` says what was wrong.
        let c = model
            .classify(&sample, &mut scratch)
            .map_err(|e| format!("{csv_path}: row {}: {e}", row + 1))?;
        let truth = skip
            .and_then(|i| cells.get(i))
            .map_or(String::new(), |t| format!(" (true: {t})"));
        println!(
            "row {}: class {} {:?}, probability {:.3}{truth}",
            row + 1,
            c.class,
            c.label,
            c.probability
        );
    }
    Ok(())
}
