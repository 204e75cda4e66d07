//! qsorm sandbox.
