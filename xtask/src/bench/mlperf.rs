//! MLPerf Tiny's anomaly-detection benchmark: the published results this project's
//! figures stand beside, converted to cycles per multiply-accumulate, and for each the
//! core and memory our estimate for the same chip assumes.

use crate::bench::cycle_model::{FlashTiming, WeightStore};

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
    /// Where the throughput (and, where the board line needs it, the clock) is published.
    pub source: &'static str,
    /// The QEMU board (`BOARDS` name) whose instruction count stands for this core.
    pub emulated_as: &'static str,
    /// Where a deployment on this chip keeps the AD model's weights, and what reading
    /// them costs.
    pub weights: WeightStore,
    /// The `boards/` crate for this board, if there is one: its column says whether
    /// someone has measured it with `bottleneck device`.
    pub hardware: Option<&'static str>,
}

impl Published {
    /// Cycles per MAC: clock / throughput / MACs.
    pub fn cycles_per_mac(&self) -> f64 {
        self.clock_hz / self.inferences_per_second / AD_MACS
    }
}

/// The STM32L4R5 at 120 MHz (NUCLEO-L4R5ZI, MLPerf Tiny's reference board): the model in
/// its internal flash. RM0432 (STM32L4+ reference manual), "Number of wait states
/// according to CPU clock (HCLK) frequency": 5 wait states above 100 MHz in range 1
/// boost mode. A read fetches 128 bits in single-bank mode (option bit DBANK = 0) and
/// 64 bits in dual-bank mode (DBANK = 1). The ART accelerator's data cache (8 lines)
/// never holds a weight twice: each is read once per inference.
pub const STM32L4R5_FLASH: WeightStore = WeightStore::Flash(FlashTiming {
    wait_states: 5.0,
    fetch_bytes: (16.0, 8.0),
    basis: "RM0432: 5 wait states at 120 MHz; 128-bit (single-bank) to 64-bit (dual-bank) reads; \
            the ART data cache holds no weight twice",
});

/// The STM32G0B1 at 64 MHz: 144 KiB of SRAM cannot hold the 296 KB model, so it stays in
/// flash. RM0444 (STM32G0x1 reference manual), flash access latency: 2 wait states above
/// 48 MHz; 64-bit reads.
pub const STM32G0B1_FLASH: WeightStore = WeightStore::Flash(FlashTiming {
    wait_states: 2.0,
    fetch_bytes: (8.0, 8.0),
    basis: "RM0444: 2 wait states at 64 MHz, 64-bit reads; 144 KiB of SRAM cannot hold the model",
});

/// Where the AD model's weights live on a `boards/` crate's chip, where the cycle model
/// knows that memory's timing (`HARDWARE_BOARDS` name).
pub fn hardware_weights(board: &str) -> Option<WeightStore> {
    match board {
        "nucleo-l4r5zi" => Some(STM32L4R5_FLASH),
        _ => None,
    }
}

/// The AD rows checked against their results files (median throughput lines; clocks from
/// the submitters' `systems/*.json` where the board name does not say it).
pub const PUBLISHED: [Published; 10] = [
    Published {
        engine: "TFLM reference (v0.5)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 99.487,
        source: "mlcommons/tiny_results_v0.5 closed/reference/results/Nucleo-L4R5ZI/ad/performance/results.txt",
        emulated_as: "m4f",
        weights: STM32L4R5_FLASH,
        hardware: Some("nucleo-l4r5zi"),
    },
    Published {
        engine: "microTVM + CMSIS-NN (v1.0, OctoML)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 116.212,
        source: "mlcommons/tiny_results_v1.0 closed/OctoML/results/microtvm_cmsis_nn/NUCLEO_L4R5ZI/ad/performance/results.txt",
        emulated_as: "m4f",
        weights: STM32L4R5_FLASH,
        hardware: Some("nucleo-l4r5zi"),
    },
    Published {
        engine: "X-CUBE-AI 7.3 (v1.0, ST)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 131.950,
        source: "mlcommons/tiny_results_v1.0 closed/STMicroelectronics/results/NUCLEO_L4R5ZI/ad/performance/results.txt",
        emulated_as: "m4f",
        weights: STM32L4R5_FLASH,
        hardware: Some("nucleo-l4r5zi"),
    },
    Published {
        engine: "Plumerai inference engine (v1.0)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 179.448,
        source: "mlcommons/tiny_results_v1.0 closed/plumerai/results/NUCLEO_L4R5ZI/ad/performance/results.txt",
        emulated_as: "m4f",
        weights: STM32L4R5_FLASH,
        hardware: Some("nucleo-l4r5zi"),
    },
    Published {
        engine: "Plumerai inference engine (v1.1)",
        board: "NUCLEO-L4R5ZI, Cortex-M4, 120 MHz",
        clock_hz: 120e6,
        inferences_per_second: 246.814,
        source: "mlcommons/tiny_results_v1.1 closed/plumerai/results/NUCLEO_L4R5ZI/ad/performance/results.txt",
        emulated_as: "m4f",
        weights: STM32L4R5_FLASH,
        hardware: Some("nucleo-l4r5zi"),
    },
    Published {
        engine: "Bosch HALE, max performance (v1.2)",
        board: "NUCLEO-U575ZI, Cortex-M33, 160 MHz",
        clock_hz: 160e6,
        inferences_per_second: 323.527,
        source: "mlcommons/tiny_results_v1.2 closed/bosch/results/NUCLEO_U575ZI_int8_max_performance/ad/performance/results.txt \
                 (160 MHz: closed/bosch/systems/NUCLEO_U575ZI_int8_max_performance.json)",
        emulated_as: "m33",
        weights: WeightStore::Sram,
        hardware: None,
    },
    Published {
        engine: "Bosch HALE, max performance (v1.2)",
        board: "NUCLEO-H7A3ZI, Cortex-M7, 280 MHz",
        clock_hz: 280e6,
        inferences_per_second: 923.173,
        source: "mlcommons/tiny_results_v1.2 closed/bosch/results/NUCLEO_H7A3ZI_int8_max_performance/ad/performance/results.txt \
                 (280 MHz: closed/bosch/systems/NUCLEO_H7A3ZI_int8_max_performance.json)",
        emulated_as: "m7",
        weights: WeightStore::Sram,
        hardware: None,
    },
    Published {
        engine: "Bosch HALE (v1.2)",
        board: "NUCLEO-G0B1RE, Cortex-M0+, 64 MHz",
        clock_hz: 64e6,
        inferences_per_second: 24.454,
        source: "mlcommons/tiny_results_v1.2 closed/bosch/results/NUCLEO_G0B1RE_int8/ad/performance/results.txt \
                 (64 MHz: closed/bosch/systems/NUCLEO_G0B1RE_int8.json)",
        emulated_as: "m0-an385",
        weights: STM32G0B1_FLASH,
        hardware: None,
    },
    Published {
        engine: "Andes, TFLM (v0.7)",
        board: "AndesCore D25F (RV32IMACP), 60 MHz",
        clock_hz: 60e6,
        inferences_per_second: 59.529,
        source: "mlcommons/tiny_results_v0.7 closed/Andes/results/AndesCore_d25_tflite_micro_framework/ad/performance/results.txt \
                 (60 MHz: closed/Andes/systems/AndesCore_d25_tflite_micro_framework.json)",
        emulated_as: "rv32",
        weights: WeightStore::Sram,
        hardware: None,
    },
    Published {
        engine: "Renesas (v1.2)",
        board: "EK-RA8D1, Cortex-M85 with Helium, 480 MHz",
        clock_hz: 480e6,
        inferences_per_second: 1884.138,
        source: "mlcommons/tiny_results_v1.2 closed/Renesas/results/EK-RA8D1/ad/performance/results.txt \
                 (480 MHz: closed/Renesas/systems/EK-RA8D1.json)",
        emulated_as: "m55",
        weights: WeightStore::Sram,
        hardware: None,
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
        assert_eq!(
            cpm,
            [
                "4.57", "3.91", "3.44", "2.53", "1.84", "1.87", "1.15", "9.91", "3.82", "0.96"
            ]
        );
    }

    #[test]
    fn every_row_names_an_emulated_board_and_a_real_one_that_exist() {
        for p in PUBLISHED {
            assert!(
                crate::Board::named(p.emulated_as).is_some(),
                "{}",
                p.emulated_as
            );
            if let Some(h) = p.hardware {
                assert!(crate::boards::HardwareBoard::named(h).is_some(), "{h}");
            }
        }
    }
}
