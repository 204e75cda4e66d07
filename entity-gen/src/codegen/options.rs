//! What to generate: table selection, keys for tables without one, derives and attributes.

use std::fmt;
use std::str::FromStr;

use crate::codegen::error::CodegenError;

/// Options for [`generate`](crate::codegen::generate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Glob patterns (`*`, `?`, `[...]`) a table must match to be generated, against its
    /// name or `schema.name`. Empty: every reflected table.
    pub tables: Vec<String>,
    /// Glob patterns of tables to leave out (same matching as `tables`).
    pub exclude: Vec<String>,
    /// Which serde derives the models (and enums) get.
    pub serde: SerdeDerive,
    /// Extra derives for every `Model`, as Rust paths (`Hash`, `utoipa::ToSchema`).
    pub extra_derives: Vec<String>,
    /// Extra attributes for every `Model`, without `#[...]` (`serde(rename_all = "camelCase")`).
    pub extra_attributes: Vec<String>,
    /// Keys for tables and views that have no primary key.
    pub primary_keys: Vec<PrimaryKeyOverride>,
}

impl GenerateOptions {
    /// Checks that derives and attributes parse as Rust, so errors name the flag.
    pub fn validate(&self) -> Result<(), CodegenError> {
        for d in &self.extra_derives {
            syn::parse_str::<syn::Path>(d).map_err(|e| CodegenError::Option {
                option: "--extra-derive",
                value: d.clone(),
                reason: e.to_string(),
            })?;
        }
        for a in &self.extra_attributes {
            syn::parse_str::<syn::Meta>(a).map_err(|e| CodegenError::Option {
                option: "--extra-attr",
                value: a.clone(),
                reason: e.to_string(),
            })?;
        }
        for pattern in self.tables.iter().chain(&self.exclude) {
            glob::Pattern::new(pattern).map_err(|e| CodegenError::Option {
                option: "--tables/--exclude",
                value: pattern.clone(),
                reason: e.to_string(),
            })?;
        }
        Ok(())
    }

    /// Whether the table `schema.name` is selected by `tables` and not by `exclude`.
    pub fn selects(&self, schema: &str, name: &str) -> bool {
        let qualified = format!("{schema}.{name}");
        let matches = |p: &String| {
            glob::Pattern::new(p).is_ok_and(|p| p.matches(name) || p.matches(&qualified))
        };
        (self.tables.is_empty() || self.tables.iter().any(matches))
            && !self.exclude.iter().any(matches)
    }

    /// The `--primary-key` given for `schema.name`, if any (a qualified one wins).
    pub fn primary_key_for(&self, schema: &str, name: &str) -> Option<&PrimaryKeyOverride> {
        self.primary_keys
            .iter()
            .find(|k| k.schema.as_deref() == Some(schema) && k.table == name)
            .or_else(|| {
                self.primary_keys
                    .iter()
                    .find(|k| k.schema.is_none() && k.table == name)
            })
    }
}

/// Which serde derives the models get (`--with-serde`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SerdeDerive {
    /// None.
    #[default]
    None,
    /// `Serialize`.
    Serialize,
    /// `Deserialize`.
    Deserialize,
    /// `Serialize` and `Deserialize`.
    Both,
}

impl SerdeDerive {
    /// Whether `Serialize` is derived.
    pub fn serialize(self) -> bool {
        matches!(self, SerdeDerive::Serialize | SerdeDerive::Both)
    }

    /// Whether `Deserialize` is derived.
    pub fn deserialize(self) -> bool {
        matches!(self, SerdeDerive::Deserialize | SerdeDerive::Both)
    }
}

impl FromStr for SerdeDerive {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(SerdeDerive::None),
            "serialize" => Ok(SerdeDerive::Serialize),
            "deserialize" => Ok(SerdeDerive::Deserialize),
            "both" => Ok(SerdeDerive::Both),
            other => Err(format!(
                "`{other}`: expected none, serialize, deserialize or both"
            )),
        }
    }
}

impl fmt::Display for SerdeDerive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SerdeDerive::None => "none",
            SerdeDerive::Serialize => "serialize",
            SerdeDerive::Deserialize => "deserialize",
            SerdeDerive::Both => "both",
        })
    }
}

/// `--primary-key TABLE=COL[,COL]`: the key of a table (or view) that has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKeyOverride {
    /// The schema, when given as `schema.table`.
    pub schema: Option<String>,
    /// The table name.
    pub table: String,
    /// The key columns, in order.
    pub columns: Vec<String>,
}

impl FromStr for PrimaryKeyOverride {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (table, columns) = s
            .split_once('=')
            .ok_or_else(|| format!("`{s}`: expected TABLE=COLUMN[,COLUMN...]"))?;
        let columns: Vec<String> = columns
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        if table.trim().is_empty() || columns.is_empty() {
            return Err(format!("`{s}`: expected TABLE=COLUMN[,COLUMN...]"));
        }
        let table = table.trim();
        let (schema, table) = match table.split_once('.') {
            Some((schema, table)) => (Some(schema.to_owned()), table.to_owned()),
            None => (None, table.to_owned()),
        };
        Ok(PrimaryKeyOverride {
            schema,
            table,
            columns,
        })
    }
}

impl fmt::Display for PrimaryKeyOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}.")?;
        }
        write!(f, "{}={}", self.table, self.columns.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_key_flags_parse() {
        let k: PrimaryKeyOverride = "web_events=_id".parse().expect("parses");
        assert_eq!(
            (k.schema, k.table, k.columns),
            (None, "web_events".into(), vec!["_id".into()])
        );
        let k: PrimaryKeyOverride = "sales.lines=order_id, line_no".parse().expect("parses");
        assert_eq!(k.schema.as_deref(), Some("sales"));
        assert_eq!(k.columns, ["order_id", "line_no"]);
        assert!("web_events".parse::<PrimaryKeyOverride>().is_err());
        assert!("t=".parse::<PrimaryKeyOverride>().is_err());
    }

    #[test]
    fn globs_select_by_name_or_qualified_name() {
        let opts = GenerateOptions {
            tables: vec!["web_*".into(), "sales.*".into()],
            exclude: vec!["*_tmp".into()],
            ..GenerateOptions::default()
        };
        assert!(opts.selects("public", "web_events"));
        assert!(!opts.selects("public", "web_events_tmp"));
        assert!(opts.selects("sales", "orders"));
        assert!(!opts.selects("public", "orders"));
    }
}
