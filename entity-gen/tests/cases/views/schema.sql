-- Views and materialized views: read-only entities.
CREATE TABLE page_views (
    id        bigserial PRIMARY KEY,
    page      text NOT NULL,
    viewed_on date NOT NULL,
    amount    numeric(10,2)
);
CREATE VIEW daily_page_views AS
    SELECT viewed_on, page, count(*) AS views FROM page_views GROUP BY viewed_on, page;
COMMENT ON VIEW daily_page_views IS 'Views per page and day';
CREATE MATERIALIZED VIEW page_totals AS
    SELECT page, sum(amount) AS total FROM page_views GROUP BY page;
CREATE VIEW xdm_view AS SELECT id::text AS _id, page FROM page_views;
