-- Every built-in type the generator maps, enums, domains and arrays.
CREATE TYPE mood AS ENUM ('very happy', 'ok', 'not ok');
ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';
CREATE DOMAIN positive_int AS integer NOT NULL DEFAULT 1 CHECK (VALUE > 0);
CREATE DOMAIN country_code AS text CHECK (VALUE ~ '^[A-Z]{2}$');
CREATE DOMAIN int_list AS integer[];

CREATE TABLE all_types (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    c_int2        smallint,
    c_int4        integer NOT NULL DEFAULT 42,
    c_int8        bigint,
    c_numeric     numeric(12,2),
    c_numeric_any numeric,
    c_float4      real,
    c_float8      double precision,
    c_bool        boolean DEFAULT true,
    c_text        text,
    c_varchar     varchar(40),
    c_char        char(3),
    c_bytea       bytea,
    c_uuid        uuid,
    c_json        json,
    c_jsonb       jsonb,
    c_date        date,
    c_time        time,
    c_timestamp   timestamp(3),
    c_timestamptz timestamptz DEFAULT now(),
    c_interval    interval,
    c_money       money,
    c_inet        inet,
    c_tsvector    tsvector,
    c_int_array   integer[],
    c_text_array  text[],
    c_uuid_array  uuid[],
    c_num_array   numeric[],
    c_ts_array    timestamptz[],
    c_matrix      integer[][],
    c_mood        mood,
    c_mood_array  mood[],
    c_positive    positive_int,
    c_country     country_code,
    c_int_list    int_list
);
COMMENT ON TABLE all_types IS 'One column per mapped type';
COMMENT ON COLUMN all_types.c_numeric IS 'Money, two decimals';

-- A type the generator does not know: a warning and the text fallback.
CREATE TYPE complex_pair AS RANGE (subtype = float8);
CREATE TABLE odd_types (
    id     integer PRIMARY KEY,
    c_pair complex_pair,
    c_bits bit(4)
);
