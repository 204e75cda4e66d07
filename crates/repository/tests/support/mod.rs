//! Test support: a fresh sandbox database with the fixture schema.

#![allow(dead_code)]

pub mod entities;
pub mod event_table;
pub mod pgbouncer;
pub mod qs_grammar;
pub mod query_service;

use qsorm_connect::QsConnection;
use qsorm_connect::cli::sandbox_connection;
use qsorm_sandbox::Sandbox;
use sea_orm::ConnectionTrait;

pub fn sandbox() -> &'static Sandbox {
    Sandbox::shared().expect("sandbox starts")
}

/// A fresh database with the fixture loaded, connected as the sandbox's password role.
pub async fn fixture_db() -> QsConnection {
    let sb = sandbox();
    let db = sb.fresh_database().await.expect("fresh database");
    let conn = sandbox_connection(sb, &db, None).expect("connection");
    conn.db()
        .execute_unprepared(include_str!("fixture.sql"))
        .await
        .expect("fixture loads");
    conn
}
