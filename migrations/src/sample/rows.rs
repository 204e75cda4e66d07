//! The rows of the sample, as plain Rust values.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// A `profiles` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// `_id` (UUID-shaped text).
    pub id: String,
    /// `person.name.first_name`.
    pub first_name: &'static str,
    /// `person.name.last_name`.
    pub last_name: &'static str,
    /// `person.birth_year`.
    pub birth_year: i32,
    /// `personal_email` (some profiles have none).
    pub email: Option<String>,
    /// `loyalty_tier` (a `profiles_loyalty_tier` enum label).
    pub tier: &'static str,
    /// `tags`.
    pub tags: Vec<&'static str>,
    /// `created_at`.
    pub created_at: DateTime<Utc>,
}

/// `web.page_details`.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// Page name (`home`, `search`, ...).
    pub name: &'static str,
    /// Page URL.
    pub url: String,
    /// Whether this is the home page.
    pub is_home_page: bool,
}

/// `web.referrer`.
#[derive(Debug, Clone, PartialEq)]
pub struct Referrer {
    /// Referring URL.
    pub url: String,
    /// `internal`, `external` or `search`.
    pub kind: &'static str,
}

/// An element of `product_list_items`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Product SKU.
    pub sku: &'static str,
    /// Quantity.
    pub quantity: i32,
    /// Line total.
    pub price_total: Decimal,
}

/// `commerce.order`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTotal {
    /// ISO 4217 code.
    pub currency_code: &'static str,
    /// Order total.
    pub price_total: Decimal,
}

/// A `web_events` row (an XDM ExperienceEvent).
#[derive(Debug, Clone, PartialEq)]
pub struct WebEvent {
    /// `_id`.
    pub id: String,
    /// `timestamp`.
    pub timestamp: DateTime<Utc>,
    /// `event_type` (`web.webpagedetails.pageViews`, `commerce.productViews`, ...).
    pub event_type: &'static str,
    /// `web.page_details`.
    pub page: Page,
    /// `web.referrer` (absent on direct traffic).
    pub referrer: Option<Referrer>,
    /// `commerce.order` (purchases only).
    pub order: Option<OrderTotal>,
    /// `commerce.purchases` / `commerce.product_views` measures (1 or 0).
    pub purchases: i32,
    /// See `purchases`.
    pub product_views: i32,
    /// `product_list_items` (empty on page views).
    pub items: Vec<Item>,
    /// The ECID identity (always present).
    pub ecid: String,
    /// The Email identity of a known visitor.
    pub email: Option<String>,
    /// `_acme.loyalty_id` (the profile `_id` of a known visitor).
    pub loyalty_id: Option<String>,
    /// `_acme.campaign`.
    pub campaign: Option<&'static str>,
}

/// An `orders` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// `order_id`.
    pub id: i64,
    /// `profile_id` (references `profiles._id`).
    pub profile_id: String,
    /// `ordered_at`.
    pub ordered_at: DateTime<Utc>,
    /// `currency_code`.
    pub currency_code: &'static str,
    /// `status`.
    pub status: &'static str,
}

/// An `order_lines` row.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLine {
    /// `order_id`.
    pub order_id: i64,
    /// `line_no` (1-based within the order).
    pub line_no: i32,
    /// `sku`.
    pub sku: &'static str,
    /// `quantity`.
    pub quantity: i32,
    /// `unit_price`.
    pub unit_price: Decimal,
}

/// A `line_adjustments` row (references `order_lines(order_id, line_no)`).
#[derive(Debug, Clone, PartialEq)]
pub struct LineAdjustment {
    /// `adjustment_id`.
    pub id: i64,
    /// `order_id`.
    pub order_id: i64,
    /// `line_no`.
    pub line_no: i32,
    /// `reason`.
    pub reason: &'static str,
    /// `amount` (negative: a discount).
    pub amount: Decimal,
}

/// The whole sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// `profiles` rows.
    pub profiles: Vec<Profile>,
    /// `web_events` rows.
    pub events: Vec<WebEvent>,
    /// `orders` rows.
    pub orders: Vec<Order>,
    /// `order_lines` rows.
    pub lines: Vec<OrderLine>,
    /// `line_adjustments` rows.
    pub adjustments: Vec<LineAdjustment>,
}

impl Sample {
    /// Total number of rows.
    pub fn total_rows(&self) -> usize {
        self.profiles.len()
            + self.events.len()
            + self.orders.len()
            + self.lines.len()
            + self.adjustments.len()
    }
}
