//! MLPerf Tiny's anomaly-detection benchmark: the published results this project's
//! figures stand beside, converted to cycles per multiply-accumulate.

/// Multiply-accumulates of one inference of MLPerf Tiny's AD autoencoder (= its weights).
pub const AD_MACS: f64 = 264_192.0;

/// TensorFlow Lite Micro's reference tensor arena for the AD model, in bytes.
pub const REFERENCE_ARENA_BYTES: u64 = 10 * 1024;

/// One published result: throughput at a stated clock.
#[derive(Debug, Clone, Copy)]
pub struct Published {
    /// Engine and round.
    pub engine: &'static str,
    /// Board, core and clock.
    pub board: &'static str,
    /// Clock in Hz.
    pub clock_hz: f64,
    /// Median throughput, inferences per second.
    pub inferences_per_second: f64,
    /// Where the throughput is published.
    pub source: &'static str,
}

impl Published {
    /// Cycles per MAC: clock / throughput / MACs.
    pub fn cycles_per_mac(&self) -> f64 {
        self.clock_hz / self.inferences_per_second / AD_MACS
    }
}

/// The AD rows checked against their results files (median throughput lines).
pub const PUBLISHED: [Published; 5] = [
    Published {
        engine: "TFLM reference (v0.5)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 99.487,
        source: "mlcommons/tiny_results_v0.5 closed/reference/results/Nucleo-L4R5ZI/ad/performance/results.txt",
    },
    Published {
        engine: "microTVM + CMSIS-NN (v1.0, OctoML)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 116.212,
        source: "mlcommons/tiny_results_v1.0 closed/OctoML/results/microtvm_cmsis_nn/NUCLEO_L4R5ZI/ad/performance/results.txt",
    },
    Published {
        engine: "X-CUBE-AI 7.3 (v1.0, ST)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 131.950,
        source: "mlcommons/tiny_results_v1.0 closed/STMicroelectronics/results/NUCLEO_L4R5ZI/ad/performance/results.txt",
    },
    Published {
        engine: "Plumerai inference engine (v1.0)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 179.448,
        source: "mlcommons/tiny_results_v1.0 closed/plumerai/results/NUCLEO_L4R5ZI/ad/performance/results.txt",
    },
    Published {
        engine: "Bosch HALE (v1.1)",
        board: "NUCLEO-G0B1RE, Cortex-M0+, 64 MHz",
        clock_hz: 64e6,
        inferences_per_second: 21.484,
        source: "mlcommons/tiny_results_v1.1 closed/bosch/results/NUCLEO_G0B1RE/ad/performance/results.txt (64 MHz: closed/bosch/systems/NUCLEO_G0B1RE.json)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_rows_convert_as_the_issue_states() {
        let cpm: Vec<String> = PUBLISHED
            .iter()
            .map(|p| format!("{:.2}", p.cycles_per_mac()))
            .collect();
        assert_eq!(cpm, ["4.57", "3.91", "3.44", "2.53", "11.28"]);
    }
}
