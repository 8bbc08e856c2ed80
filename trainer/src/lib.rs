//! Trainer: to be filled by the training issue.
