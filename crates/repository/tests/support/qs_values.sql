-- One column of every type the Query Service renderer writes (entities::qs_values).
CREATE TYPE qs_mood AS ENUM ('happy', 'not ok', 'it''s', 'back\slash');
CREATE TYPE qs_inner AS (
    t text, n numeric(12,2), f double precision, r real, ts timestamptz, naive timestamp,
    d date, tm time, u uuid, j jsonb, b bytea, mood qs_mood, tags text[], flag boolean,
    big bigint, small smallint, "order" text, "Weird Name" text
);
CREATE TYPE qs_outer AS ("inner" qs_inner, inners qs_inner[], label text);
CREATE TABLE qs_values (
    id integer PRIMARY KEY,
    c_text text, c_varchar varchar(40), c_char char(3),
    c_i16 smallint, c_i32 integer, c_i64 bigint,
    c_f32 real, c_f64 double precision,
    c_dec numeric(12,2), c_dec_any numeric,
    c_bool boolean, c_bytea bytea, c_uuid uuid, c_json json, c_jsonb jsonb,
    c_date date, c_time time, c_ts timestamp, c_tstz timestamptz,
    c_interval interval, c_mood qs_mood,
    c_texts text[], c_ints integer[], c_decs numeric[], c_tstzs timestamptz[],
    c_moods qs_mood[], c_f64s double precision[],
    c_inner qs_inner, c_outer qs_outer, c_outers qs_outer[]
);
