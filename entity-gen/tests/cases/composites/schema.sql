-- XDM-like nested structs: composites inside composites, arrays of composites at the
-- top level and inside, enums and domains in fields, a composite in another schema.
CREATE SCHEMA "Sales-EU";
CREATE TYPE channel AS ENUM ('web', 'mobile', 'store');
CREATE DOMAIN sku AS text CHECK (VALUE <> '');
CREATE TYPE web_events_web_page_details AS (name text, url text, "isHomePage" boolean);
CREATE TYPE web_events_web AS (page_details web_events_web_page_details, referrer text);
CREATE TYPE money_amount AS (currency char(3), amount numeric(12,2));
CREATE TYPE web_events_product_list_items AS (
    "SKU" sku,
    quantity integer,
    "priceTotal" money_amount,
    tags text[],
    discounts money_amount[],
    channel channel
);
CREATE TYPE "Sales-EU"."Addr" AS (street text, "zipCode" text, "when" timestamptz);

CREATE TABLE web_events (
    _id                text NOT NULL,
    "timestamp"        timestamptz NOT NULL,
    web                web_events_web,
    product_list_items web_events_product_list_items[],
    identity_map       jsonb,
    ship_to            "Sales-EU"."Addr",
    amounts            money_amount[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE web_events IS 'XDM ExperienceEvent-like dataset';
