//! The deterministic sample dataset: 10,000 web events, 1,000 profiles, 2,000 orders with
//! their lines and adjustments.
//!
//! Everything comes from [`prng::Prng`] seeded with [`SEED`] (one sub-stream per table) and
//! fixed base dates: no wall clock, no hash-map order, so every run yields the same rows.

pub mod generate;
pub mod prng;
pub mod rows;
pub mod statements;

pub use rows::{LineAdjustment, Order, OrderLine, Profile, Sample, WebEvent};

/// The seed of the whole sample.
pub const SEED: u64 = 0x5153_4f52_4d5f_0001;
/// Number of `web_events` rows.
pub const EVENTS: usize = 10_000;
/// Number of `profiles` rows.
pub const PROFILES: usize = 1_000;
/// Number of `orders` rows.
pub const ORDERS: usize = 2_000;
/// Rows per `INSERT` (and per `DELETE ... IN (...)` on the way down).
pub const BATCH: usize = 500;
