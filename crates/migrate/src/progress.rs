//! Progress bars on stderr, drawn only when stderr is a terminal (indicatif hides them
//! otherwise, so logs and pipes stay clean).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` rows; hidden automatically when stderr is not a terminal.
pub fn rows_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style = ProgressStyle::with_template(
        "{msg:>18} [{bar:32}] {pos:>6}/{len:6} rows {elapsed_precise}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    bar
}
