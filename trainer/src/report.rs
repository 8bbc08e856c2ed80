//! The training report, as JSON for tools and Markdown for people.

use serde::{Deserialize, Serialize};

use crate::detection::AnomalyMetrics;

/// Rows of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassCount {
    /// The class label as written in the data.
    pub label: String,
    /// Rows with that label (whole data set).
    pub rows: usize,
}

/// Shape and balance of the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// File or generator.
    pub source: String,
    /// Rows in the training split.
    pub train_rows: usize,
    /// Rows in the test split.
    pub test_rows: usize,
    /// Feature columns.
    pub features: usize,
    /// Rows per class over both splits.
    pub class_balance: Vec<ClassCount>,
}

/// How the autoencoder trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoencoderSummary {
    /// Layer widths from input to bottleneck.
    pub encoder_widths: Vec<usize>,
    /// Epochs run.
    pub epochs: usize,
    /// Final mean training MSE.
    pub final_train_mse: f64,
    /// Final validation MSE.
    pub final_valid_mse: f64,
    /// Wall-clock training time of the autoencoder in seconds.
    pub training_seconds: f64,
}

/// Test-split accuracy of logistic regression on each feature set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accuracies {
    /// On the scaled raw features.
    pub raw_features: f64,
    /// On the float encoder's bottleneck features.
    pub bottleneck_features: f64,
    /// Test rows left out of every accuracy because the classifier never saw their label
    /// (an anomaly detector's test file may have such rows; they count as anomalies).
    #[serde(default)]
    pub unseen_label_rows: usize,
}

/// What the int8 model does on the test split, measured with the runtime crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceMetrics {
    /// Logistic regression on float-encoder features (the float pipeline).
    pub float_encoder_accuracy: f64,
    /// The int8 model (encoder + head) run by the runtime.
    pub device_accuracy: f64,
    /// Fraction of test rows where the int8 model (int8 encoder, int8 head) and the same
    /// classifier in float (float encoder, the head's unquantized weights) agree: the
    /// effect of quantization alone.
    pub class_agreement: f64,
    /// Fraction of test rows where the int8 model and the float pipeline (float encoder,
    /// logistic regression fitted on float features) agree; includes the difference
    /// between the two fitted classifiers.
    pub float_pipeline_agreement: f64,
    /// Largest |int8 feature - float feature|, in int8 steps of the bottleneck. The float
    /// features are mapped as the int8 model's are (per-channel normalization, see
    /// `quant::normalize`); a test value beyond its channel's training range saturates,
    /// so the largest error can be many steps.
    pub feature_error_max_steps: f64,
    /// Mean |int8 feature - float feature|, in int8 steps.
    pub feature_error_mean_steps: f64,
    /// Test rows with at least one float feature more than half a step beyond the int8
    /// range, which the device saturates: where int8 and float classes part most often.
    #[serde(default)]
    pub saturated_test_rows: usize,
    /// Test rows measured.
    #[serde(default)]
    pub test_rows: usize,
    /// Size of `model.bin`.
    pub file_bytes: usize,
    /// Weights and biases in the file (encoder + head).
    pub parameters: usize,
    /// Scratch buffers inference needs: two int8 activation buffers and the widened
    /// input, four bytes per unit of the widest layer.
    pub scratch_bytes: usize,
    /// The parsed model handle plus the logits buffer, as laid out on this host (a 32-bit
    /// device needs less: its pointers are half the size).
    pub handle_bytes_host: usize,
}

/// Everything `report.json` and `report.md` state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The data.
    pub data: DataSummary,
    /// The autoencoder.
    pub autoencoder: AutoencoderSummary,
    /// Logistic regression accuracies on the test split (tasks with a classifier).
    pub accuracy: Option<Accuracies>,
    /// The int8 model's classification as the device runs it (absent until the model is
    /// exported, and for `--task anomaly`).
    pub device: Option<DeviceMetrics>,
    /// Anomaly detection on the test split (tasks with a decoder, once exported).
    #[serde(default)]
    pub anomaly: Option<AnomalyMetrics>,
    /// A model with a signal front end: its integer pipeline on the test recordings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<crate::signal::SignalMetrics>,
    /// Wall-clock time of the whole pipeline in seconds.
    pub total_seconds: f64,
    /// With `--repeats N`: every run's figures and their spread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<crate::repeats::Repeats>,
}

impl Report {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// A short Markdown report.
    pub fn to_markdown(&self) -> String {
        let d = &self.data;
        let a = &self.autoencoder;
        let balance: Vec<String> = d
            .class_balance
            .iter()
            .map(|c| format!("`{}`: {}", c.label, c.rows))
            .collect();
        let widths: Vec<String> = a.encoder_widths.iter().map(|w| w.to_string()).collect();
        format!(
            "# Bottleneck training report\n\n\
             ## Data\n\n\
             | | |\n|---|---|\n\
             | source | {} |\n\
             | shape | {} rows × {} features ({} train, {} test) |\n\
             | class balance | {} |\n\n\
             ## Autoencoder\n\n\
             | | |\n|---|---|\n\
             | encoder | {} |\n\
             | epochs | {} |\n\
             | final train MSE | {:.6} |\n\
             | final validation MSE | {:.6} |\n\
             | training time | {:.1} s |\n\n\
             {}\
             {}\
             {}\
             {}\
             {}\
             Total time: {:.1} s.\n",
            d.source,
            d.train_rows + d.test_rows,
            d.features,
            d.train_rows,
            d.test_rows,
            balance.join(", "),
            widths.join(" → "),
            a.epochs,
            a.final_train_mse,
            a.final_valid_mse,
            a.training_seconds,
            self.accuracy
                .as_ref()
                .map(|a| format!(
                    "## Logistic regression, test-split accuracy\n\n\
                     | features | accuracy |\n|---|---|\n\
                     | raw (scaled) | {:.3} |\n\
                     | bottleneck (float encoder) | {:.3} |\n\n{}",
                    a.raw_features,
                    a.bottleneck_features,
                    match a.unseen_label_rows {
                        0 => String::new(),
                        n => format!(
                            "{n} test rows have a label the classifier never saw: they are \
                             left out of every accuracy and count as anomalies.\n\n"
                        ),
                    }
                ))
                .unwrap_or_default(),
            self.device
                .as_ref()
                .map(device_markdown)
                .unwrap_or_default(),
            self.anomaly
                .as_ref()
                .map(|a| a.to_markdown("Anomaly detection on the test split"))
                .unwrap_or_default(),
            self.signal
                .as_ref()
                .map(|s| s.to_markdown())
                .unwrap_or_default(),
            self.repeats
                .as_ref()
                .map(|r| r.to_markdown())
                .unwrap_or_default(),
            self.total_seconds,
        )
    }
}

fn device_markdown(d: &DeviceMetrics) -> String {
    format!(
        "## int8 model (`model.bin`, run by the runtime crate on this host)\n\n\
         | | |\n|---|---|\n\
         | LR on float-encoder features | {:.3} |\n\
         | LR on int8 device features (deployed) | {:.3} |\n\
         | float vs int8 class agreement, same classifier | {:.1} % |\n\
         | int8 model vs float pipeline agreement | {:.1} % |\n\
         | feature error, max / mean (saturation beyond the training range included) | {:.2} / {:.3} int8 steps |\n\
         | test rows with a feature beyond the int8 range (saturated on the device) | {} of {} |\n\
         | model file | {} bytes for {} parameters |\n\
         | runtime RAM | {} bytes of activation buffers + {} bytes of model handle and logits (on this 64-bit host) |\n\n",
        d.float_encoder_accuracy,
        d.device_accuracy,
        100.0 * d.class_agreement,
        100.0 * d.float_pipeline_agreement,
        d.feature_error_max_steps,
        d.feature_error_mean_steps,
        d.saturated_test_rows,
        d.test_rows,
        d.file_bytes,
        d.parameters,
        d.scratch_bytes,
        d.handle_bytes_host,
    )
}
