//! One recording's result as the device computes it: the rows of `file_scores.csv`
//! (`train --signal`) and of `predict --signal`.

use serde::{Deserialize, Serialize};

/// One test recording as the device scores it (a row of `file_scores.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileScore {
    /// The recording.
    pub name: String,
    /// Its label.
    pub label: String,
    /// Windows scored.
    pub windows: usize,
    /// Mean of the windows' integer scores (the file's score).
    pub mean_score: f64,
    /// Windows whose smoothed score is over the threshold.
    pub anomalous_windows: usize,
    /// Whether the alarm rule fired at any window.
    pub alarm: bool,
    /// The most frequent class (files with a head).
    pub class: Option<String>,
}

impl FileScore {
    /// `file_scores.csv`: one line per test recording.
    pub fn csv(files: &[FileScore]) -> String {
        let mut out = String::from("file,label,windows,mean_score,anomalous_windows,alarm,class\n");
        for f in files {
            out += &format!(
                "\"{}\",{},{},{:.3},{},{},{}\n",
                f.name.replace('"', "\"\""),
                f.label,
                f.windows,
                f.mean_score,
                f.anomalous_windows,
                u8::from(f.alarm),
                f.class.as_deref().unwrap_or("")
            );
        }
        out
    }
}
