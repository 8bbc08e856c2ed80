//! Where the bytes of a model file go.

use bottleneck_format::ModelView;

/// A model file's bytes by purpose.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileLayout {
    /// The whole file.
    pub total: usize,
    /// Weights and biases (what `parameter_count` counts).
    pub parameters: usize,
    /// int8 weights, one byte each.
    pub weight_bytes: usize,
    /// Zero bytes that pad weight rows to whole words (version 3).
    pub row_padding_bytes: usize,
    /// The training columns' names with their length prefixes (version 3).
    pub name_bytes: usize,
    /// int32 biases, four bytes each.
    pub bias_bytes: usize,
    /// Requantization multipliers and shifts stored per channel (one per channel in
    /// version-2 layers, whose LeakyReLU slope is stored once per layer; two in version 1).
    pub requant_bytes: usize,
    /// The per-feature input affine (scaler folded into input quantization).
    pub input_affine_bytes: usize,
    /// Golden vectors for the self-test (their contents; length prefixes are in `other`).
    pub golden_bytes: usize,
    /// Golden vectors stored.
    pub golden_count: usize,
    /// Everything else: header, CRC, dimensions, scales, labels, length prefixes.
    pub other_bytes: usize,
}

impl FileLayout {
    /// Splits `bytes` (a valid model file) by purpose.
    pub fn of(bytes: &[u8]) -> Result<FileLayout, String> {
        let view = ModelView::parse(bytes).map_err(|e| e.to_string())?;
        let mut l = FileLayout {
            total: bytes.len(),
            parameters: view.parameter_count(),
            input_affine_bytes: view.input_affine_bytes().len(),
            golden_count: view.golden_count(),
            ..FileLayout::default()
        };
        for layer in view.layers().filter_map(|l| l.as_dense().copied()) {
            let channels = layer.n_out();
            l.weight_bytes += layer.n_in() * channels;
            l.row_padding_bytes += layer.weights().len() - layer.n_in() * channels;
            l.bias_bytes += 4 * channels;
            l.requant_bytes += layer.channel_records().len() - 4 * channels;
        }
        let logits = view.n_logits();
        if let Some(h) = view.head() {
            l.weight_bytes += h.n_in() * h.n_logits();
            l.row_padding_bytes += h.weights().len() - h.n_in() * h.n_logits();
        }
        let names: Vec<&str> = view.feature_names().collect();
        if !names.is_empty() {
            // Each name's varint length (1 byte up to 127) and bytes, and the count.
            l.name_bytes = 1 + names.iter().map(|n| 1 + n.len()).sum::<usize>();
        }
        l.bias_bytes += 4 * logits;
        l.requant_bytes += logits * (bottleneck_format::HEAD_CHANNEL_LEN - 4);
        for g in view.golden() {
            l.golden_bytes += g.stored_bytes();
        }
        l.other_bytes = l.total
            - l.weight_bytes
            - l.row_padding_bytes
            - l.name_bytes
            - l.bias_bytes
            - l.requant_bytes
            - l.input_affine_bytes
            - l.golden_bytes;
        Ok(l)
    }

    /// File bytes per parameter.
    pub fn ratio(&self) -> f64 {
        self.total as f64 / self.parameters.max(1) as f64
    }

    /// The smallest file the quantization scheme allows: weights, biases and the
    /// per-channel requantization, with no input affine, golden vectors, labels or header.
    pub fn scheme_minimum(&self) -> usize {
        self.weight_bytes + self.bias_bytes + self.requant_bytes
    }
}
