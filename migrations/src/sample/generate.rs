//! Draws the sample from the seeded generator.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;

use super::prng::Prng;
use super::rows::{
    Item, LineAdjustment, Order, OrderLine, OrderTotal, Page, Profile, Referrer, Sample, WebEvent,
};
use super::{EVENTS, ORDERS, PROFILES, SEED};

const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
    "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara",
];
const LAST_NAMES: &[&str] = &[
    "Adams", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
    "Kowalski", "Lopez", "Martin", "Nakamura", "Okafor", "Petit", "Quist", "Rossi", "Silva",
    "Tanaka",
];
const TIERS: &[(&str, u64)] = &[
    ("bronze", 50),
    ("silver", 30),
    ("gold", 15),
    ("platinum", 5),
];
const TAGS: &[&str] = &[
    "newsletter",
    "vip",
    "outdoor",
    "running",
    "b2b",
    "mobile-app",
];
const PAGES: &[&str] = &[
    "home",
    "search",
    "category/jackets",
    "category/shoes",
    "product",
    "cart",
    "checkout",
    "account",
    "help",
];
const EVENT_TYPES: &[(&str, u64)] = &[
    ("web.webpagedetails.pageViews", 70),
    ("commerce.productViews", 20),
    ("commerce.purchases", 10),
];
const REFERRERS: &[(&str, &str)] = &[
    ("https://www.google.com/", "search"),
    ("https://www.bing.com/", "search"),
    ("https://news.example.org/outdoor", "external"),
    ("https://www.acme.example/home", "internal"),
];
const CAMPAIGNS: &[&str] = &[
    "spring-sale",
    "newsletter-04",
    "retargeting",
    "social-video",
];
const CURRENCIES: &[(&str, u64)] = &[("USD", 70), ("EUR", 20), ("GBP", 10)];
const STATUSES: &[(&str, u64)] = &[
    ("placed", 15),
    ("shipped", 25),
    ("delivered", 55),
    ("returned", 5),
];
const REASONS: &[&str] = &["coupon", "damaged", "price-match"];
/// SKU and unit price in cents.
const CATALOG: &[(&str, i64)] = &[
    ("JKT-ALP-001", 18900),
    ("JKT-ALP-002", 21900),
    ("JKT-RAIN-010", 9900),
    ("SHO-TRL-100", 12900),
    ("SHO-TRL-101", 13900),
    ("SHO-RUN-200", 11900),
    ("SHO-RUN-201", 14900),
    ("BAG-DAY-020", 6900),
    ("BAG-HIK-030", 15900),
    ("ACC-CAP-001", 2400),
    ("ACC-SCK-002", 1400),
    ("ACC-GLV-003", 3900),
    ("ACC-BTL-004", 1900),
    ("TNT-2P-500", 34900),
    ("TNT-4P-501", 49900),
];

/// 2023-01-01T00:00:00Z: profiles are created during the two years from here.
fn profiles_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// 2025-03-01T00:00:00Z: events and orders fall in the 30 days from here.
fn events_epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

const THIRTY_DAYS_S: i64 = 30 * 86_400;

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

impl Sample {
    /// The sample: the same rows on every call, on every machine.
    pub fn generate() -> Sample {
        let profiles = profiles(&mut Prng::new(SEED ^ 0x01));
        let events = events(&mut Prng::new(SEED ^ 0x02), &profiles);
        let (orders, lines, adjustments) = orders(&mut Prng::new(SEED ^ 0x03), &profiles);
        Sample {
            profiles,
            events,
            orders,
            lines,
            adjustments,
        }
    }
}

fn profiles(rng: &mut Prng) -> Vec<Profile> {
    (0..PROFILES)
        .map(|n| {
            let first_name = rng.choose(FIRST_NAMES);
            let last_name = rng.choose(LAST_NAMES);
            let email = (!rng.chance(10)).then(|| {
                format!(
                    "{}.{}{n}@example.com",
                    first_name.to_lowercase(),
                    last_name.to_lowercase()
                )
            });
            Profile {
                id: rng.uuid(),
                first_name,
                last_name,
                birth_year: i32::try_from(rng.between(1950, 2006)).unwrap_or(1980),
                email,
                tier: rng.weighted(TIERS),
                tags: TAGS.iter().copied().filter(|_| rng.chance(25)).collect(),
                created_at: profiles_epoch() + Duration::seconds(rng.between(0, 2 * 365 * 86_400)),
            }
        })
        .collect()
}

fn ecid(rng: &mut Prng) -> String {
    format!(
        "{:019}{:019}",
        rng.below(10_000_000_000_000_000_000),
        rng.below(10_000_000_000_000_000_000)
    )
}

fn events(rng: &mut Prng, profiles: &[Profile]) -> Vec<WebEvent> {
    let step = THIRTY_DAYS_S / i64::try_from(EVENTS).unwrap_or(1);
    (0..EVENTS)
        .map(|n| {
            let offset = i64::try_from(n).unwrap_or(0) * step + rng.between(0, step - 1);
            let event_type = rng.weighted(EVENT_TYPES);
            let page_name = match event_type {
                "commerce.purchases" => "checkout",
                "commerce.productViews" => "product",
                _ => rng.choose(PAGES),
            };
            let items: Vec<Item> = if event_type == "web.webpagedetails.pageViews" {
                Vec::new()
            } else {
                let count = if event_type == "commerce.purchases" {
                    rng.between(1, 3)
                } else {
                    1
                };
                (0..count)
                    .map(|_| {
                        let (sku, price) = rng.choose(CATALOG);
                        let quantity = i32::try_from(rng.between(1, 3)).unwrap_or(1);
                        Item {
                            sku,
                            quantity,
                            price_total: cents(price * i64::from(quantity)),
                        }
                    })
                    .collect()
            };
            let order = (event_type == "commerce.purchases").then(|| OrderTotal {
                currency_code: rng.weighted(CURRENCIES),
                price_total: items.iter().map(|i| i.price_total).sum(),
            });
            let referrer = rng.chance(60).then(|| {
                let (url, kind) = rng.choose(REFERRERS);
                Referrer {
                    url: url.to_owned(),
                    kind,
                }
            });
            let known = rng.chance(70).then(|| rng.pick(profiles));
            WebEvent {
                id: rng.uuid(),
                timestamp: events_epoch() + Duration::seconds(offset),
                event_type,
                page: Page {
                    name: page_name,
                    url: format!("https://www.acme.example/{page_name}"),
                    is_home_page: page_name == "home",
                },
                referrer,
                purchases: i32::from(event_type == "commerce.purchases"),
                product_views: i32::from(event_type == "commerce.productViews"),
                order,
                items,
                ecid: ecid(rng),
                email: known.and_then(|p| p.email.clone()),
                loyalty_id: known.map(|p| p.id.clone()),
                campaign: rng.chance(30).then(|| rng.choose(CAMPAIGNS)),
            }
        })
        .collect()
}

type OrderRows = (Vec<Order>, Vec<OrderLine>, Vec<LineAdjustment>);

fn orders(rng: &mut Prng, profiles: &[Profile]) -> OrderRows {
    let mut orders = Vec::with_capacity(ORDERS);
    let mut lines = Vec::new();
    let mut adjustments = Vec::new();
    for n in 0..ORDERS {
        let id = 100_001 + i64::try_from(n).unwrap_or(0);
        orders.push(Order {
            id,
            profile_id: rng.pick(profiles).id.clone(),
            ordered_at: events_epoch() + Duration::seconds(rng.between(0, THIRTY_DAYS_S - 1)),
            currency_code: rng.weighted(CURRENCIES),
            status: rng.weighted(STATUSES),
        });
        for line_no in 1..=rng.between(1, 4) {
            let (sku, price) = rng.choose(CATALOG);
            let line_no = i32::try_from(line_no).unwrap_or(1);
            lines.push(OrderLine {
                order_id: id,
                line_no,
                sku,
                quantity: i32::try_from(rng.between(1, 3)).unwrap_or(1),
                unit_price: cents(price),
            });
            if rng.chance(10) {
                adjustments.push(LineAdjustment {
                    id: i64::try_from(adjustments.len()).unwrap_or(0) + 1,
                    order_id: id,
                    line_no,
                    reason: rng.choose(REASONS),
                    amount: -cents(price * rng.between(5, 30) / 100),
                });
            }
        }
    }
    (orders, lines, adjustments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let a = Sample::generate();
        let b = Sample::generate();
        assert_eq!(a, b);
        assert_eq!(a.events.len(), EVENTS);
        assert_eq!(a.profiles.len(), PROFILES);
        assert_eq!(a.orders.len(), ORDERS);
        assert!(a.lines.len() > ORDERS);
        assert!(!a.adjustments.is_empty());
    }

    #[test]
    fn keys_are_unique() {
        let s = Sample::generate();
        let ids: std::collections::BTreeSet<_> = s.profiles.iter().map(|p| &p.id).collect();
        assert_eq!(ids.len(), s.profiles.len());
        let ids: std::collections::BTreeSet<_> = s.events.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), s.events.len());
    }
}
