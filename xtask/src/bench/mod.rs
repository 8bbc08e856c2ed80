//! The pieces of the benchmark report (`cargo xtask bench` writes BENCHMARKS.md with them):
//! the machine, criterion's estimates, timed training runs, the model file's layout.

pub mod accuracy;
pub mod anomaly;
pub mod anomaly_levers;
pub mod anomaly_references;
pub mod anomaly_report;
pub mod cmsis;
pub mod cmsis_nn;
pub mod criterion;
pub mod cycle_model;
pub mod file_layout;
pub mod front_end;
pub mod host_batch;
pub mod kernel_loops;
pub mod machine;
pub mod mlperf;
pub mod onnx_runtime;
pub mod python;
pub mod python_package;
pub mod real_memory;
pub mod training;

/// `md` with the section under `heading` (`"## Name"`) replaced by `section`, or, when
/// it has none yet, `section` inserted before `before` (another section's heading), or
/// appended. What the one-section commands (`bench-front-end`, `bench-python`) use to
/// update BENCHMARKS.md in place.
pub fn replace_section(md: &str, heading: &str, before: &str, section: &str) -> String {
    let heading = format!("\n{heading}\n");
    let before = format!("\n{before}");
    let section = section.trim_end().to_string() + "\n";
    if let Some(start) = md.find(&heading) {
        let rest = &md[start + heading.len()..];
        let end = rest
            .find("\n## ")
            .map_or(md.len(), |i| start + heading.len() + i);
        return format!("{}{}{}", &md[..start], section, &md[end..]);
    }
    match md.find(&before) {
        Some(at) => format!("{}{}{}", &md[..at], section, &md[at..]),
        None => format!("{}{}", md.trim_end(), "\n".to_string() + &section),
    }
}
