//! Rows to `COPY ... FROM STDIN` text, encoded on a blocking thread a piece at a time, so the
//! client's encoding runs while the next piece's values are taken from the models and the
//! server parses the previous piece. The encoder reads a piece through an `Arc` and leaves
//! the values to the caller, which keeps them until the COPY is committed (the `UNNEST`
//! fallback needs them).

use std::sync::Arc;

use tokio::sync::mpsc;

use crate::copy_composite::Composites;
use crate::copy_text::{push_escaped, push_field};
use crate::nested::{ColumnKind, column_kind};
use crate::rows::IndexedRow;
use crate::table::Table;

/// Rows per piece: extraction, encoding and the server's parsing overlap piece by piece.
pub(crate) const PIECE_ROWS: usize = 4_096;

/// A first guess at a piece's text size.
const PIECE_BYTES_HINT: usize = 1 << 19;

/// Pieces queued ahead of the encoder and of the connection.
const AHEAD: usize = 4;

/// A value the fast path does not render (a composite of an unexpected shape).
#[derive(Debug)]
pub(crate) struct NotRendered;

/// Rows sharing one set of columns, on their way to the encoder.
#[derive(Clone)]
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
    pub text: Vec<u8>,
}

/// Writes a piece's rows as COPY text.
fn encode<E: Table>(
    piece: &Piece<E::Column>,
    composites: &Composites,
) -> Result<Vec<u8>, NotRendered> {
    let kinds: Vec<ColumnKind> = piece.cols.iter().map(column_kind::<E>).collect();
    let mut text = Vec::with_capacity(PIECE_BYTES_HINT);
    let mut record = String::new();
    for (_, values) in &piece.rows {
        for (k, (value, kind)) in values.iter().zip(&kinds).enumerate() {
            if k > 0 {
                text.push(b'\t');
            }
            if let ColumnKind::Plain = kind {
                push_field(value, &mut text);
                continue;
            }
            record.clear();
            match composites.push_column(kind, value, &mut record) {
                Ok(true) => push_escaped(record.as_bytes(), &mut text),
                Ok(false) => text.extend_from_slice(b"\\N"),
                Err(_) => return Err(NotRendered),
            }
        }
        text.push(b'\n');
    }
    Ok(text)
}

/// Starts an encoder on a blocking thread: each [`Piece`] sent to the first channel comes
/// back, in order, as [`Encoded`] text on the second; a value it cannot render ends it.
/// Dropping either end stops it.
#[allow(clippy::type_complexity)]
pub(crate) fn spawn_encoder<E: Table>(
    composites: Composites,
) -> (
    mpsc::Sender<Arc<Piece<E::Column>>>,
    mpsc::Receiver<Result<Encoded<E::Column>, NotRendered>>,
) {
    let (piece_tx, mut pieces) = mpsc::channel::<Arc<Piece<E::Column>>>(AHEAD);
    let (encoded_tx, encoded) = mpsc::channel(AHEAD);
    tokio::task::spawn_blocking(move || {
        while let Some(piece) = pieces.blocking_recv() {
            let message = encode::<E>(&piece, &composites).map(|text| Encoded {
                cols: piece.cols.clone(),
                text,
            });
            drop(piece);
            let failed = message.is_err();
            if encoded_tx.blocking_send(message).is_err() || failed {
                return;
            }
        }
    });
    (piece_tx, encoded)
}
