//! PostgreSQL: log in over the real protocol and run a query (default
//! `SELECT 1`). Wrong passwords, missing databases and servers that are
//! down are told apart in the message; the password never is shown.

use serde_json::{json, Map, Value};
use tokio_postgres::{Config, NoTls, SimpleQueryMessage};

#[derive(Debug, Clone)]
pub struct Postgres {
    pub config: Config,
    pub query: String,
    /// What messages say of the target: see `shown`.
    shown: String,
}

impl Postgres {
    /// A check of `dsn` ("postgres://user:pw@host:5432/db" or "host=... user=...").
    pub fn parse(dsn: &str, query: Option<String>) -> Result<Postgres, String> {
        let config: Config = dsn.parse().map_err(|e| {
            crate::mask::secrets(&format!("{dsn} is not a PostgreSQL connection string: {e}\nhint: postgres://USER:PASSWORD@HOST:5432/DATABASE"))
        })?;
        // tokio-postgres (as libpq) ends a URL's user info at its first `@`:
        // with another `@` after it, what it took for host, port and
        // database may be the rest of a password.
        let after_scheme = dsn.split_once("://").map_or("", |(_, rest)| rest);
        let shown = if after_scheme.matches('@').count() > 1 {
            crate::mask::secrets(dsn)
        } else {
            target(&config)
        };
        Ok(Postgres {
            config,
            query: query.unwrap_or_else(|| "SELECT 1".into()),
            shown,
        })
    }

    /// "shop@127.0.0.1:5432/shop"; the masked URL when it holds several `@`.
    pub fn shown(&self) -> String {
        self.shown.clone()
    }
}

/// "shop@127.0.0.1:5432/shop": user, first host and port, database.
fn target(c: &Config) -> String {
    let host = c
        .get_hosts()
        .first()
        .map(|h| match h {
            tokio_postgres::config::Host::Tcp(name) => name.clone(),
            tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        c.get_user().unwrap_or("?"),
        c.get_dbname().or(c.get_user()).unwrap_or("?")
    )
}

fn why(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let hint = match db.code().code() {
            "28P01" | "28000" => "\nhint: check the user and password",
            "3D000" => "\nhint: check the database name",
            _ => "",
        };
        return format!("{} ({}){hint}", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    crate::mask::secrets(&text)
}

pub async fn probe(p: &Postgres) -> Result<Map<String, Value>, String> {
    let (client, connection) = p.config.connect(NoTls).await.map_err(|e| why(&e))?;
    let driver = tokio::spawn(connection);
    let rows = client.simple_query(&p.query).await.map_err(|e| why(&e));
    drop(client);
    driver.abort();
    let rows = rows?;
    let mut value = Value::Null;
    let mut count = 0;
    for m in &rows {
        if let SimpleQueryMessage::Row(row) = m {
            if count == 0 {
                value = row.get(0).map_or(Value::Null, |v| json!(v));
            }
            count += 1;
        }
    }
    let mut found = Map::new();
    found.insert("rows".into(), json!(count));
    found.insert("value".into(), value);
    Ok(found)
}
