//! The catalog queries, as SQL text with the filters inlined as literals.
//!
//! Six queries describe any number of tables: relations, columns, constraints,
//! indexes, the closure of the types the columns use (with composite fields,
//! enum labels and domain checks), and triggers and partitioning. Each covers every
//! selected relation at once.
//! They read `pg_catalog` the way psql's `\d` family does; for Query Service the
//! columns that only newer PostgreSQL releases have (`attidentity`, `attgenerated`,
//! `indnkeyatts`) are left out, as psql leaves them out for a server that reports
//! version 0.1.0.

use qsorm_connect::Flavor;

use crate::error::InspectError;
use crate::literal::literal_list;
use crate::options::InspectOptions;

/// The relation kinds reflected: tables, views, materialized views, foreign and
/// partitioned tables.
const RELKINDS: &str = "('r', 'v', 'm', 'f', 'p')";

/// `pg_description.classoid` of relations (and of their columns).
const CLASS_PG_CLASS: &str = "'pg_catalog.pg_class'::pg_catalog.regclass";

/// The comment on relation `oid` (`subid` 0) or on its column `subid`, as a scalar
/// subquery: one index probe per row, where a join would depend on catalog statistics
/// (what `obj_description` / `col_description` do, without a SQL function call).
fn description(oid: &str, subid: &str) -> String {
    format!(
        "(SELECT d.description::text FROM pg_catalog.pg_description d \
           WHERE d.objoid = {oid} AND d.classoid = {CLASS_PG_CLASS} AND d.objsubid = {subid})"
    )
}

/// Column `column` of catalog row `alias` as `ty`, or `absent` on a server whose catalog
/// lacks that column (`to_jsonb` of the row has no such key).
fn newer_column(alias: &str, column: &str, ty: &str, absent: &str) -> String {
    format!("COALESCE((pg_catalog.to_jsonb({alias}) ->> '{column}')::pg_catalog.{ty}, {absent})")
}

/// Builds the catalog SQL for one set of options.
#[derive(Debug, Clone)]
pub(crate) struct CatalogSql {
    flavor: Flavor,
    schemas: Option<String>,
    tables: Option<String>,
}

impl CatalogSql {
    /// Quotes the filters of `opts`.
    pub(crate) fn new(opts: &InspectOptions) -> Result<CatalogSql, InspectError> {
        Ok(CatalogSql {
            flavor: opts.flavor,
            schemas: literal_list(&opts.schemas)?,
            tables: literal_list(&opts.tables)?,
        })
    }

    /// The condition on namespace alias `n`: not a system schema, and in the list.
    fn schema_cond(&self) -> String {
        let mut cond = String::from(
            "n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' \
             AND n.nspname !~ '^pg_toast' AND n.nspname !~ '^pg_temp_'",
        );
        if let Some(list) = &self.schemas {
            cond.push_str(&format!(" AND n.nspname IN {list}"));
        }
        cond
    }

    /// The condition on class alias `c` alone: a reflected kind, in the table list, and
    /// (PostgreSQL) not a member of an extension, such as `pg_stat_statements`' views.
    fn class_cond(&self) -> String {
        let mut cond = format!("c.relkind IN {RELKINDS}");
        if self.flavor == Flavor::Postgres {
            cond.push_str(
                " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend ext \
                   WHERE ext.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                     AND ext.objid = c.oid AND ext.deptype = 'e')",
            );
        }
        if let Some(list) = &self.tables {
            cond.push_str(&format!(" AND c.relname IN {list}"));
        }
        cond
    }

    /// Joins `c` (pg_class) to `n` (pg_namespace) and keeps the selected relations;
    /// `rel_oid` is the column of the main table that holds the relation oid.
    fn selected_relations(&self, rel_oid: &str) -> String {
        format!(
            "JOIN pg_catalog.pg_class c ON c.oid = {rel_oid} \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE {} AND {}",
            self.class_cond(),
            self.schema_cond()
        )
    }

    /// 1. Schemas and their relations (one row per schema without relations), with
    ///    the table comment, the column count and whether the `search_path` finds the
    ///    relation by its bare name.
    pub(crate) fn relations(&self) -> String {
        format!(
            "SELECT n.nspname::text AS schema_name, c.oid::int8 AS rel_oid, \
                    c.relname::text AS rel_name, c.relkind::text AS relkind, \
                    {comment} AS comment, \
                    (SELECT count(*) FROM pg_catalog.pg_attribute a \
                      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::int4 \
                      AS column_count, \
                    pg_catalog.pg_table_is_visible(c.oid) AS on_search_path \
             FROM pg_catalog.pg_namespace n \
             LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND {class} \
             WHERE {schema} \
             ORDER BY 1, 3",
            comment = description("c.oid", "0"),
            class = self.class_cond(),
            schema = self.schema_cond(),
        )
    }

    /// 2. Every column of every selected relation.
    pub(crate) fn columns(&self) -> String {
        let (identity, generated, owns_sequence) = match self.flavor {
            Flavor::Postgres => (
                "a.attidentity::text",
                "a.attgenerated::text",
                "EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep \
                   JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S' \
                   WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                     AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                     AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum \
                     AND dep.deptype = 'a')",
            ),
            Flavor::QueryService => ("''::text", "''::text", "false"),
        };
        format!(
            "SELECT a.attrelid::int8 AS rel_oid, a.attnum::int4 AS ordinal, \
                    a.attname::text AS column_name, \
                    pg_catalog.format_type(a.atttypid, a.atttypmod)::text AS sql_type, \
                    a.atttypid::int8 AS type_oid, a.atttypmod::int4 AS typmod, \
                    a.attndims::int4 AS ndims, a.attnotnull AS not_null, \
                    pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)::text AS default_expr, \
                    {comment} AS comment, \
                    {identity} AS identity, {generated} AS generated, \
                    {owns_sequence} AS owns_sequence \
             FROM pg_catalog.pg_attribute a \
             LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
             {rels} AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY 1, 2",
            comment = description("a.attrelid", "a.attnum"),
            rels = self.selected_relations("a.attrelid"),
        )
    }

    /// 3. Primary keys, foreign keys, unique and check constraints, one row per key
    ///    column (`conkey` and `confkey` unnested side by side). Foreign keys PostgreSQL
    ///    copied from a partitioned table (to its partitions, or for each partition of a
    ///    referenced partitioned table) are left out, as psql leaves them out: they belong
    ///    to the key they were copied from (`conparentid`).
    pub(crate) fn constraints(&self) -> String {
        format!(
            "SELECT con.conrelid::int8 AS rel_oid, con.conname::text AS name, \
                    con.contype::text AS contype, k.ord::int4 AS position, \
                    a.attname::text AS column_name, fn.nspname::text AS ref_schema, \
                    fc.relname::text AS ref_table, fa.attname::text AS ref_column, \
                    con.confdeltype::text AS on_delete, con.confupdtype::text AS on_update, \
                    CASE WHEN con.contype IN ('c', 'f') \
                         THEN pg_catalog.pg_get_constraintdef(con.oid, true) END::text \
                      AS definition \
             FROM pg_catalog.pg_constraint con \
             LEFT JOIN LATERAL unnest(con.conkey, con.confkey) \
                  WITH ORDINALITY AS k(attnum, fattnum, ord) ON true \
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
             LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid \
             LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace \
             LEFT JOIN pg_catalog.pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = k.fattnum \
             {rels} AND con.contype IN ('p', 'f', 'u', 'c') {copies} \
             ORDER BY 1, 2, 4",
            rels = self.selected_relations("con.conrelid"),
            copies = match self.flavor {
                Flavor::Postgres => "AND (con.contype <> 'f' OR con.conparentid = 0)",
                Flavor::QueryService => "",
            },
        )
    }

    /// 4. Indexes, one row per index element (keys, then `INCLUDE` columns).
    pub(crate) fn indexes(&self) -> String {
        let key_count = match self.flavor {
            Flavor::Postgres => "i.indnkeyatts",
            Flavor::QueryService => "i.indnatts",
        };
        format!(
            "SELECT i.indrelid::int8 AS rel_oid, ic.relname::text AS name, \
                    i.indisunique AS is_unique, i.indisprimary AS is_primary, \
                    am.amname::text AS method, \
                    CASE WHEN k.n = 1 THEN pg_catalog.pg_get_indexdef(i.indexrelid) END::text \
                      AS definition, \
                    CASE WHEN k.n = 1 THEN pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) END::text \
                      AS predicate, \
                    k.n::int4 AS position, (k.n <= {key_count}) AS is_key, \
                    (k.attnum = 0) AS is_expression, \
                    CASE WHEN k.attnum = 0 \
                         THEN pg_catalog.pg_get_indexdef(i.indexrelid, k.n::int4, true) END::text \
                      AS expression, \
                    ka.attname::text AS column_name \
             FROM pg_catalog.pg_index i \
             JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
             LEFT JOIN pg_catalog.pg_am am ON am.oid = ic.relam \
             CROSS JOIN LATERAL unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, n) \
             LEFT JOIN pg_catalog.pg_attribute ka ON ka.attrelid = i.indrelid \
                  AND ka.attnum = k.attnum AND k.attnum <> 0 \
             {rels} \
             ORDER BY 1, 2, 8",
            rels = self.selected_relations("i.indrelid"),
        )
    }

    /// 5. The closure of the types the selected columns use (array elements, domain
    ///    bases, composite fields, recursively), then their members: composite fields
    ///    (`f`), enum labels (`e`) and domain checks (`c`). Type rows are kind `t`.
    pub(crate) fn types(&self) -> String {
        format!(
            "WITH RECURSIVE used(oid) AS ( \
                SELECT DISTINCT a.atttypid FROM pg_catalog.pg_attribute a \
                {rels} AND a.attnum > 0 AND NOT a.attisdropped \
              UNION \
                SELECT x.child FROM used u \
                JOIN pg_catalog.pg_type t ON t.oid = u.oid \
                CROSS JOIN LATERAL ( \
                    SELECT t.typelem WHERE t.typelem <> 0 \
                    UNION ALL \
                    SELECT t.typbasetype WHERE t.typbasetype <> 0 \
                    UNION ALL \
                    SELECT fa.atttypid FROM pg_catalog.pg_attribute fa \
                     WHERE t.typrelid <> 0 AND fa.attrelid = t.typrelid \
                       AND fa.attnum > 0 AND NOT fa.attisdropped \
                ) x(child) \
             ) \
             SELECT 't'::text AS kind, t.oid::int8 AS type_oid, 0::int4 AS pos, \
                    t.typname::text AS name, tn.nspname::text AS schema_name, \
                    t.typtype::text AS typtype, t.typcategory::text AS category, \
                    t.typelem::int8 AS ref_oid, t.typbasetype::int8 AS base_oid, \
                    t.typtypmod::int4 AS typmod, t.typndims::int4 AS ndims, \
                    t.typnotnull AS not_null, \
                    CASE WHEN t.typtype = 'd' \
                         THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END::text AS sql_type, \
                    t.typdefault::text AS text_value \
               FROM pg_catalog.pg_type t \
               JOIN pg_catalog.pg_namespace tn ON tn.oid = t.typnamespace \
              WHERE t.oid IN (SELECT oid FROM used) \
             UNION ALL \
             SELECT 'f', t.oid::int8, a.attnum::int4, a.attname::text, NULL, NULL, NULL, \
                    a.atttypid::int8, NULL, a.atttypmod::int4, a.attndims::int4, a.attnotnull, \
                    pg_catalog.format_type(a.atttypid, a.atttypmod)::text, NULL \
               FROM pg_catalog.pg_type t \
               JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid \
              WHERE t.oid IN (SELECT oid FROM used) AND t.typtype = 'c' \
                AND a.attnum > 0 AND NOT a.attisdropped \
             UNION ALL \
             SELECT 'e', en.enumtypid::int8, \
                    (pg_catalog.row_number() OVER (PARTITION BY en.enumtypid \
                                                   ORDER BY en.enumsortorder))::int4, \
                    en.enumlabel::text, \
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL \
               FROM pg_catalog.pg_enum en WHERE en.enumtypid IN (SELECT oid FROM used) \
             UNION ALL \
             SELECT 'c', con.contypid::int8, 0::int4, con.conname::text, \
                    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
                    pg_catalog.pg_get_constraintdef(con.oid, true)::text \
               FROM pg_catalog.pg_constraint con \
              WHERE con.contypid IN (SELECT oid FROM used) AND con.contype = 'c' \
             ORDER BY 2, 1, 3, 4",
            rels = self.selected_relations("a.attrelid"),
        )
    }

    /// 6. Triggers (`t`: what psql's `\d` lists, with the partitioned table an inherited
    ///    one comes from), partitions of the selected partitioned tables (`p`), the parent
    ///    of each selected partition (`o`) and partition keys (`k`), as psql 15 reads
    ///    them. `tgparentid` (PostgreSQL 13) and `inhdetachpending` (14) are read through
    ///    `to_jsonb(row)`, which gives NULL where the column does not exist, so that the
    ///    query runs on PostgreSQL 12 (`pg_partition_ancestors`) and later.
    pub(crate) fn relation_extras(&self) -> String {
        format!(
            "SELECT 't'::text AS kind, t.tgrelid::int8 AS rel_oid, t.tgname::text AS name, \
                    pg_catalog.pg_get_triggerdef(t.oid, true)::text AS definition, \
                    t.tgenabled::text AS code, t.tgisinternal AS flag, \
                    pn.nspname::text AS other_schema, pc.relname::text AS other_name \
               FROM pg_catalog.pg_trigger t \
               LEFT JOIN LATERAL ( \
                    SELECT u.tgrelid FROM pg_catalog.pg_trigger u, \
                           pg_catalog.pg_partition_ancestors(t.tgrelid) \
                             WITH ORDINALITY AS a(relid, depth) \
                     WHERE {t_parent} <> 0 AND u.tgname = t.tgname \
                       AND u.tgrelid = a.relid AND {u_parent} = 0 \
                     ORDER BY a.depth LIMIT 1) up ON true \
               LEFT JOIN pg_catalog.pg_class pc ON pc.oid = up.tgrelid \
               LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
               {trigger_rels} AND (NOT t.tgisinternal OR t.tgenabled = 'D') \
             UNION ALL \
             SELECT 'p', i.inhparent::int8, NULL, \
                    pg_catalog.pg_get_expr(ch.relpartbound, ch.oid)::text, ch.relkind::text, \
                    {detach_pending}, chn.nspname::text, ch.relname::text \
               FROM pg_catalog.pg_inherits i \
               JOIN pg_catalog.pg_class ch ON ch.oid = i.inhrelid \
               JOIN pg_catalog.pg_namespace chn ON chn.oid = ch.relnamespace \
               {parent_rels} AND c.relkind = 'p' \
             UNION ALL \
             SELECT 'o', i.inhrelid::int8, NULL, \
                    pg_catalog.pg_get_expr(c.relpartbound, c.oid)::text, NULL, \
                    {detach_pending}, pn.nspname::text, pc.relname::text \
               FROM pg_catalog.pg_inherits i \
               JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent \
               JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace \
               {child_rels} AND c.relispartition \
             UNION ALL \
             SELECT 'k', pt.partrelid::int8, NULL, \
                    pg_catalog.pg_get_partkeydef(pt.partrelid)::text, NULL, NULL, NULL, NULL \
               FROM pg_catalog.pg_partitioned_table pt \
               {key_rels} \
             ORDER BY 2, 1, 3",
            trigger_rels = self.selected_relations("t.tgrelid"),
            parent_rels = self.selected_relations("i.inhparent"),
            child_rels = self.selected_relations("i.inhrelid"),
            key_rels = self.selected_relations("pt.partrelid"),
            t_parent = newer_column("t", "tgparentid", "oid", "0::pg_catalog.oid"),
            u_parent = newer_column("u", "tgparentid", "oid", "0::pg_catalog.oid"),
            detach_pending = newer_column("i", "inhdetachpending", "bool", "false"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_inlined_literals() {
        let opts = InspectOptions::all(Flavor::Postgres)
            .with_schemas(["Sales-EU", "o'brien"])
            .with_tables(["t"]);
        let sql = CatalogSql::new(&opts).expect("test value");
        for text in [
            sql.relations(),
            sql.columns(),
            sql.constraints(),
            sql.indexes(),
            sql.types(),
            sql.relation_extras(),
        ] {
            assert!(
                text.contains("n.nspname IN ('Sales-EU', 'o''brien')"),
                "{text}"
            );
            assert!(text.contains("c.relname IN ('t')"), "{text}");
            assert!(!text.contains('$'), "no bind parameters: {text}");
        }
    }

    #[test]
    fn query_service_avoids_newer_catalog_columns() {
        let sql = CatalogSql::new(&InspectOptions::all(Flavor::QueryService)).expect("test value");
        let all = [sql.columns(), sql.indexes()].join("\n");
        for newer in ["attidentity", "attgenerated", "indnkeyatts", "pg_depend"] {
            assert!(!all.contains(newer), "{newer}");
        }
    }
}
