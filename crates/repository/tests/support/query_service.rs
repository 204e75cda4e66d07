//! The local Query Service (`qsorm-query-service`) in front of a sandbox database: Query
//! Service behaviour is tested on it, never on an imitation.

use std::time::Duration;

use qsorm_connect::QsConnection;
use qsorm_query_service::{QueryService, QueryServiceOptions, SandboxQueryService};

use super::sandbox;

/// A local Query Service whose datasets are the tables of the sandbox database `database`,
/// and a Query Service connection to it (TLS verify-full, its token as password).
pub async fn local_query_service(database: &str) -> (QueryService, QsConnection) {
    let qs = sandbox()
        .query_service(database, QueryServiceOptions::default())
        .await
        .expect("local Query Service");
    let conn = QsConnection::new(
        qs.connect_params()
            .connect_timeout(Duration::from_secs(20))
            .build()
            .expect("Query Service settings"),
    );
    (qs, conn)
}
