-- Tables without a primary key: keyed by --primary-key, by `_id`, or read-only.
CREATE TABLE events_with_id (
    _id       text,
    payload   jsonb
);
CREATE TABLE events_keyed (
    event_id  bigint NOT NULL,
    seq       integer NOT NULL,
    note      text
);
CREATE TABLE events_loose (
    seen_at   timestamptz,
    what      text
);
CREATE TABLE nothing_at_all ();
