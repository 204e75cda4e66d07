CREATE TYPE tier AS ENUM ('bronze', 'silver', 'gold');
CREATE TYPE page_details AS (name text, url text, is_home_page boolean);
CREATE TYPE web_details AS (page page_details, referrer_url text);
CREATE TYPE line_item AS (sku text, quantity integer, price_total numeric(12,2));

CREATE TABLE customers (
    id bigint PRIMARY KEY,
    email text NOT NULL CONSTRAINT customers_email_key UNIQUE,
    name text NOT NULL,
    tier tier,
    tags text[],
    web web_details,
    items line_item[],
    score numeric(12,2) CONSTRAINT customers_score_check CHECK (score >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE purchases (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL CONSTRAINT purchases_customer_fk REFERENCES customers (id),
    total numeric(12,2) NOT NULL
);

CREATE TABLE events (
    _id text,
    event_type text NOT NULL,
    n integer NOT NULL
);

CREATE TABLE durations (
    id integer PRIMARY KEY,
    span interval
);
