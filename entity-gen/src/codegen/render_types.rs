//! `sea_orm_active_enums.rs` (PostgreSQL enums) and `composites.rs` (composite types as
//! JSON-mapped structs, the newtypes for arrays of them, and `COMPOSITE_TYPES`: each type's
//! fields with their SQL types, which the Query Service renderer types `struct(...)` fields
//! from).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::codegen::format::{doc_attrs, import_groups, inner_doc_attrs, parse_type};
use crate::codegen::names::FieldNamer;
use crate::codegen::options::GenerateOptions;
use crate::codegen::registry::{CompositePlan, Registry};
use crate::codegen::types::{ENUMS_MODULE, RustType, field_sql_type, map_field};

/// The enums module, or `None` when no selected column uses an enum.
pub fn enums_tokens(registry: &Registry, opts: &GenerateOptions) -> Option<TokenStream> {
    let enums: Vec<_> = registry.enums().collect();
    if enums.is_empty() {
        return None;
    }
    let in_composites = registry.enums_in_composites();
    let any_serde = opts.serde.serialize() || opts.serde.deserialize() || !in_composites.is_empty();
    let serde_import = any_serde.then(|| {
        quote!(
            use serde::{Deserialize, Serialize};
        )
    });
    let items = enums.iter().map(|e| {
        let ident = format_ident!("{}", e.ident);
        let enum_name = &e.name;
        let composite = in_composites.contains(&e.ident);
        let mut derives = vec![
            quote!(Debug),
            quote!(Clone),
            quote!(PartialEq),
            quote!(Eq),
            quote!(EnumIter),
            quote!(DeriveActiveEnum),
        ];
        if opts.serde.serialize() || composite {
            derives.push(quote!(Serialize));
        }
        if opts.serde.deserialize() || composite {
            derives.push(quote!(Deserialize));
        }
        let with_serde = opts.serde.serialize() || opts.serde.deserialize() || composite;
        let mut doc = vec![format!("The enum `{}.{}`.", e.schema, e.name)];
        if e.schema != "public" {
            doc.push(String::new());
            doc.push(format!(
                "sea-orm casts values to `{}` unqualified: the schema `{}` must be on the `search_path`.",
                e.name, e.schema
            ));
        }
        let doc = doc_attrs(&doc);
        let variants = e.variants.iter().map(|(v, label)| {
            let v = format_ident!("{v}");
            let vdoc = doc_attrs(&[format!("`'{}'`", label.replace('`', "'"))]);
            let rename = with_serde.then(|| quote!(#[serde(rename = #label)]));
            quote! {
                #(#vdoc)*
                #[sea_orm(string_value = #label)]
                #rename
                #v,
            }
        });
        quote! {
            #(#doc)*
            #[derive(#(#derives),*)]
            #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = #enum_name)]
            pub enum #ident {
                #(#variants)*
            }
        }
    });
    let module_doc = inner_doc_attrs(&["The PostgreSQL enums the entities use.".to_owned()]);
    Some(quote! {
        #(#module_doc)*

        use sea_orm::entity::prelude::*;
        #serde_import

        #(#items)*
    })
}

/// The composites module and warnings, or `None` when no selected column uses a composite.
pub fn composites_tokens(registry: &Registry) -> (Option<TokenStream>, Vec<String>) {
    let composites: Vec<_> = registry.composites().collect();
    if composites.is_empty() {
        return (None, Vec::new());
    }
    let mut warnings = Vec::new();
    let mut enum_imports = BTreeSet::new();
    let mut items: Vec<TokenStream> = composites
        .iter()
        .map(|c| composite_struct_tokens(c, registry, &mut warnings, &mut enum_imports))
        .collect();
    items.extend(list_tokens(registry, &composites));
    items.push(composite_table_tokens(registry, &composites));
    let enum_imports: Vec<(&'static str, String)> = enum_imports
        .into_iter()
        .map(|e| (ENUMS_MODULE, e))
        .collect();
    let enum_imports = import_groups(&enum_imports);
    let module_doc = inner_doc_attrs(&[
        "PostgreSQL composite types (XDM nested structs) as structs mapped through JSON.".to_owned(),
        String::new(),
        "Field names keep the SQL names through `serde(rename)`; every field is optional, as composite fields are nullable.".to_owned(),
    ]);
    (
        Some(quote! {
            #(#module_doc)*

            use sea_orm::entity::prelude::*;
            use serde::{Deserialize, Serialize};
            #(#enum_imports)*

            #(#items)*
        }),
        warnings,
    )
}

/// The struct of composite `c`; adds the warnings of its fields and the enums they use.
fn composite_struct_tokens(
    c: &CompositePlan,
    registry: &Registry,
    warnings: &mut Vec<String>,
    enum_imports: &mut BTreeSet<String>,
) -> TokenStream {
    let ident = format_ident!("{}", c.ident);
    let mut namer = FieldNamer::default();
    let fields: Vec<TokenStream> = c
        .fields
        .iter()
        .map(|(name, sql_type, ty)| {
            let (rust, warning) = map_field(ty, sql_type, registry);
            if let Some(w) = warning {
                warnings.push(format!("{}.{}.{name}: {w}", c.schema, c.name));
            }
            let mut generated = Vec::new();
            rust.generated(&mut generated);
            for (module, ident) in generated {
                if module == ENUMS_MODULE {
                    enum_imports.insert(ident);
                }
            }
            let field = namer.name(name, "field");
            let rename = (&field != name).then(|| quote!(#[serde(rename = #name)]));
            let doc = doc_attrs(&[format!("`{name}`: `{sql_type}`.")]);
            let field = format_ident!("{field}");
            let ty = parse_type(&RustType::Option(Box::new(rust)).source());
            quote! {
                #(#doc)*
                #rename
                pub #field: #ty,
            }
        })
        .collect();
    let doc = doc_attrs(&[
        format!("The composite type `{}.{}`.", c.schema, c.name),
        String::new(),
        format!(
            "Read with `to_json(column)`, written with `json_populate_record(NULL::{}, $1::json)`.",
            c.sql
        ),
    ]);
    quote! {
        #(#doc)*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
        pub struct #ident {
            #(#fields)*
        }
    }
}

/// The newtypes for the arrays of composites some column uses.
fn list_tokens(registry: &Registry, composites: &[&CompositePlan]) -> Vec<TokenStream> {
    registry
        .used_lists()
        .into_iter()
        .map(|(list, element)| {
            let list_ident = format_ident!("{list}");
            let element_ident = format_ident!("{element}");
            let sql = composites
                .iter()
                .find(|c| c.ident == element)
                .map(|c| c.sql.clone())
                .unwrap_or_default();
            let doc = doc_attrs(&[
                format!("An array of [`{element}`] (`{sql}[]`), as a column type."),
                String::new(),
                "Read with `to_json(column)` (a JSON array of objects).".to_owned(),
            ]);
            quote! {
                #(#doc)*
                #[derive(Clone, Debug, PartialEq, Serialize, Deserialize, FromJsonQueryResult)]
                #[serde(transparent)]
                pub struct #list_ident(pub Vec<#element_ident>);
            }
        })
        .collect()
}

/// `COMPOSITE_TYPES`: every composite's fields with their SQL types.
fn composite_table_tokens(registry: &Registry, composites: &[&CompositePlan]) -> TokenStream {
    let table_rows = composites.iter().map(|c| {
        let name = &c.sql;
        let fields = c.fields.iter().map(|(field, sql_type, ty)| {
            let sql = field_sql_type(ty, sql_type, registry);
            quote!((#field, #sql))
        });
        quote!((#name, &[#(#fields),*]))
    });
    let table_doc = doc_attrs(&[
        "Every composite type above with its fields' SQL types, in declaration order: `(type as SQL spells it, [(field name, field SQL type)])` (domains resolved to their base type).".to_owned(),
        String::new(),
        "Writers that must type each field of a literal read it here: the entities' `qsorm_repository::Table` impls point their `COMPOSITE_TYPES` at it, and qsorm-repository's Query Service profile types `struct(...)` fields from it.".to_owned(),
    ]);
    quote! {
        #(#table_doc)*
        pub const COMPOSITE_TYPES: &[(&str, &[(&str, &str)])] = &[#(#table_rows),*];
    }
}
