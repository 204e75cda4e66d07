//! qsorm repository.
