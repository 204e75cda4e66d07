//! Errors of the generator (never for odd schemas: those give warnings).

/// Why generation cannot proceed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// A flag value is not valid.
    #[error("{option} `{value}`: {reason}")]
    Option {
        /// The flag.
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// `--primary-key` names a column the table does not have.
    #[error("--primary-key {table}: no column `{column}` (columns: {available})")]
    UnknownKeyColumn {
        /// `schema.table`.
        table: String,
        /// The missing column.
        column: String,
        /// The table's columns, comma-separated.
        available: String,
    },
    /// Generated tokens did not parse as a Rust file (a generator bug).
    #[error("internal error: generated code for `{file}` does not parse: {reason}")]
    Render {
        /// The file.
        file: String,
        /// The parser's message.
        reason: String,
    },
    /// Reading or writing the output directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
