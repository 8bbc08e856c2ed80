//! Tests that cross crates, in `tests/`: `parity.rs` (the runtime against the trainer's
//! reference inference on the host) and `qemu.rs` (the firmware on every board of the
//! table, against the host). The format's and runtime's own tests live with them and
//! compile no burn.
