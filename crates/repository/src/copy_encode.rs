//! Rows to `COPY ... FROM STDIN` text, encoded on a blocking thread a piece at a time, so the
//! client's encoding runs while the next piece's values are taken from the models and the
//! server parses the previous piece.

use sea_orm::Value;
use tokio::sync::mpsc;

use crate::copy_composite::Composites;
use crate::nested::{ColumnKind, column_kind};
use crate::pg_text::{pg_text, push_copy_field};
use crate::rows::IndexedRow;

/// Rows per piece: extraction, encoding and the server's parsing overlap piece by piece.
pub(crate) const PIECE_ROWS: usize = 4_096;

/// A first guess at a piece's text size.
const PIECE_BYTES_HINT: usize = 1 << 19;

/// Pieces queued ahead of the encoder and of the connection.
const AHEAD: usize = 4;

/// A value the fast path does not render (a composite of an unexpected shape).
#[derive(Debug)]
pub(crate) struct NotRendered;

/// Appends one value as a COPY text field.
fn push_value(
    value: &Value,
    kind: &ColumnKind,
    composites: &Composites,
    out: &mut String,
) -> Result<(), NotRendered> {
    match (kind, value) {
        // The common case without an intermediate copy.
        (ColumnKind::Plain, Value::String(Some(s))) => push_copy_field(Some(s), out),
        (ColumnKind::Plain, value) => push_copy_field(pg_text(value).as_deref(), out),
        (kind, value) => {
            let text = composites
                .column_text(kind, value)
                .map_err(|_| NotRendered)?;
            push_copy_field(text.as_deref(), out);
        }
    }
    Ok(())
}

/// Rows sharing one set of columns, on their way to the encoder.
pub(crate) struct Piece<C> {
    /// The columns, in the order of each row's values.
    pub cols: Vec<C>,
    /// The rows.
    pub rows: Vec<IndexedRow>,
}

/// A piece as COPY text.
pub(crate) struct Encoded<C> {
    /// The columns the text's fields fill.
    pub cols: Vec<C>,
    /// Rows of tab-separated fields, each line ending in a newline.
    pub text: String,
}

/// Starts an encoder on a blocking thread: each [`Piece`] sent to the first channel comes
/// back, in order, as [`Encoded`] text on the second; a value it cannot render ends it.
/// Dropping either end stops it.
#[allow(clippy::type_complexity)]
pub(crate) fn spawn_encoder<C: sea_orm::ColumnTrait + Send + 'static>(
    composites: Composites,
) -> (
    mpsc::Sender<Piece<C>>,
    mpsc::Receiver<Result<Encoded<C>, NotRendered>>,
) {
    let (piece_tx, mut pieces) = mpsc::channel::<Piece<C>>(AHEAD);
    let (encoded_tx, encoded) = mpsc::channel(AHEAD);
    tokio::task::spawn_blocking(move || {
        while let Some(Piece { cols, rows }) = pieces.blocking_recv() {
            let kinds: Vec<ColumnKind> = cols.iter().map(column_kind).collect();
            let mut text = String::with_capacity(PIECE_BYTES_HINT);
            let mut outcome = Ok(());
            'rows: for (_, values) in &rows {
                for (k, (value, kind)) in values.iter().zip(&kinds).enumerate() {
                    if k > 0 {
                        text.push('\t');
                    }
                    outcome = push_value(value, kind, &composites, &mut text);
                    if outcome.is_err() {
                        break 'rows;
                    }
                }
                text.push('\n');
            }
            let message = outcome.map(|()| Encoded { cols, text });
            let failed = message.is_err();
            if encoded_tx.blocking_send(message).is_err() || failed {
                return;
            }
        }
    });
    (piece_tx, encoded)
}
