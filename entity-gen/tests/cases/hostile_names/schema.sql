-- Names that are not Rust identifiers: keywords, leading `_` and digits, spaces,
-- dashes, non-ASCII, names that collide after case conversion.
CREATE SCHEMA "Sales-EU";
CREATE TYPE "Größe" AS ENUM ('S', 'M', 'L', 'XL', 'x-large', '');
CREATE TYPE "type" AS (fn text, "self" integer, "Self" integer, "2nd" text);

CREATE TABLE "select" (
    "type"   serial PRIMARY KEY,
    fn       text NOT NULL,
    "order"  integer,
    self     boolean,
    "Self"   text,
    _id      text,
    "_"      text,
    "2fa"    boolean,
    "€"      numeric,
    "kind"   "type"
);
CREATE TABLE "Product Catalog" (
    "Product ID"  uuid PRIMARY KEY,
    "naïve café"  text,
    "Größe"       "Größe" NOT NULL,
    "mixedCase"   integer,
    "mixed_case"  integer,
    "MIXED CASE"  integer,
    "a_b1"        integer,
    "a_b_1"       integer
);
COMMENT ON TABLE "Product Catalog" IS 'Produkte – Größen & Preise';
COMMENT ON COLUMN "Product Catalog"."naïve café" IS 'non-ASCII column';
CREATE TABLE "order-lines" (
    "Product ID" uuid NOT NULL REFERENCES "Product Catalog" ("Product ID"),
    line         integer NOT NULL,
    PRIMARY KEY ("Product ID", line)
);
-- Two tables whose names collide after case conversion, and one that is a keyword.
CREATE TABLE "OrderLines" (id integer PRIMARY KEY);
CREATE TABLE "prelude" (id integer PRIMARY KEY);
CREATE TABLE "Sales-EU"."order-lines" (id integer PRIMARY KEY, "Größe" text);
