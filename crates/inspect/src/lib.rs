//! qsorm inspect.
