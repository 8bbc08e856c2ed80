//! What the benchmarks ran on.

use std::process::Command;

/// The machine and tool versions, for the report's header.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPU model name.
    pub cpu: String,
    /// Logical CPUs available to this process.
    pub cpus: usize,
    /// Total memory in GiB.
    pub memory_gib: f64,
    /// Kernel name and release.
    pub os: String,
    /// `rustc --version`.
    pub rustc: String,
    /// First line of `qemu-system-arm --version`.
    pub qemu: String,
    /// UTC date of the run.
    pub date: String,
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| format!("{program}: not found"))
}

fn proc_field(file: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

impl Machine {
    /// Reads the machine description from /proc and the tools themselves.
    pub fn describe() -> Machine {
        let memory_kib: f64 = proc_field("/proc/meminfo", "MemTotal")
            .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        Machine {
            cpu: proc_field("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_gib: memory_kib / (1024.0 * 1024.0),
            os: first_line("uname", &["-sr"]),
            rustc: first_line("rustc", &["--version"]),
            qemu: first_line("qemu-system-arm", &["--version"]),
            date: first_line("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        }
    }
}
