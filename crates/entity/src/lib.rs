//! qsorm entity.
