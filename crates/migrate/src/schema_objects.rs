//! Everything in the current schema, for `fresh` (which drops it all before re-applying).

use qsorm_ident::quote_ident;
use sea_orm::{ConnectionTrait, DbErr, Statement};
use sea_query::{Alias, PostgresQueryBuilder, Table, extension::postgres::Type};

/// Relations of the current schema that no extension owns: `(name, relkind)`.
/// Raw SQL: a pg_catalog query, which sea-query could spell but not more clearly.
const RELATIONS: &str = "SELECT c.relname::text AS name, c.relkind::text AS kind \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
     WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm', 'r', 'p', 'f', 'S') \
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass \
                       AND d.objid = c.oid AND d.deptype = 'e') \
     ORDER BY c.relname";

/// Stand-alone types (enums, domains, ranges, composite types that are not a table's row
/// type) of the current schema that no extension owns.
const TYPES: &str = "SELECT t.typname::text AS name FROM pg_type t \
     JOIN pg_namespace n ON n.oid = t.typnamespace \
     LEFT JOIN pg_class c ON c.oid = t.typrelid \
     WHERE n.nspname = current_schema() \
       AND (t.typtype IN ('e', 'd', 'r', 'm') OR (t.typtype = 'c' AND c.relkind = 'c')) \
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass \
                       AND d.objid = t.oid AND d.deptype = 'e') \
     ORDER BY t.typname";

/// The `DROP ... IF EXISTS ... CASCADE` statements that empty the current schema: views,
/// tables, sequences, then types. Reads the catalog with `SELECT`s only.
pub async fn drop_all_statements<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    let backend = db.get_database_backend();
    let mut rels: Vec<(String, String)> = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, RELATIONS))
        .await?
    {
        rels.push((row.try_get("", "name")?, row.try_get("", "kind")?));
    }
    let mut out = Vec::new();
    // Views first (they depend on tables); sea-query has no DROP VIEW / SEQUENCE builders.
    for (wanted, keyword) in [("v", "VIEW"), ("m", "MATERIALIZED VIEW")] {
        for (name, _) in rels.iter().filter(|(_, k)| k == wanted) {
            out.push(format!(
                "DROP {keyword} IF EXISTS {} CASCADE",
                quote_ident(name)
            ));
        }
    }
    for (name, _) in rels.iter().filter(|(_, k)| k == "r" || k == "p") {
        let stmt = Table::drop()
            .table(Alias::new(name))
            .if_exists()
            .cascade()
            .to_owned();
        out.push(stmt.to_string(PostgresQueryBuilder));
    }
    for (wanted, keyword) in [("f", "FOREIGN TABLE"), ("S", "SEQUENCE")] {
        for (name, _) in rels.iter().filter(|(_, k)| k == wanted) {
            out.push(format!(
                "DROP {keyword} IF EXISTS {} CASCADE",
                quote_ident(name)
            ));
        }
    }
    for row in db
        .query_all_raw(Statement::from_string(backend, TYPES))
        .await?
    {
        let name: String = row.try_get("", "name")?;
        let stmt = Type::drop()
            .name(Alias::new(&name))
            .if_exists()
            .cascade()
            .to_owned();
        out.push(stmt.to_string(PostgresQueryBuilder));
    }
    Ok(out)
}
