//! One entity module in sea-orm 2's dense format (`#[sea_orm::model]`, relations as
//! fields of `Model`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::codegen::format::{doc_attrs, import_groups, inner_doc_attrs, parse_type};
use crate::codegen::options::GenerateOptions;
use crate::codegen::plan::{EntityPlan, FieldPlan, RelationKind, RelationPlan};
use crate::codegen::types::{COMPOSITES_MODULE, RustType};

/// The tokens of `entity`'s module file.
pub fn entity_tokens(entity: &EntityPlan, opts: &GenerateOptions) -> TokenStream {
    let module_doc = inner_doc_attrs(&module_doc_lines(entity));
    let mut generated = Vec::new();
    for f in &entity.fields {
        f.rust.generated(&mut generated);
    }
    generated.sort();
    generated.dedup();
    let imports = import_groups(&generated);
    let serde_import = serde_import(opts);
    let derives = derive_tokens(entity, opts);
    let extra_attrs = opts
        .extra_attributes
        .iter()
        .filter_map(|a| syn::parse_str::<syn::Meta>(a).ok())
        .map(|m| quote!(#[#m]));
    let table_name = &entity.table;
    let schema_name = (entity.schema != "public").then(|| {
        let s = &entity.schema;
        quote!(schema_name = #s,)
    });
    let model_doc = doc_attrs(&[format!("A row of `{}.{}`.", entity.schema, entity.table)]);
    let fields = entity.fields.iter().map(field_tokens);
    let relations = entity.relations.iter().map(relation_tokens);
    let table_impl = table_impl_tokens(entity);

    quote! {
        #(#module_doc)*

        use sea_orm::entity::prelude::*;
        #serde_import
        #(#imports)*

        #(#model_doc)*
        #[sea_orm::model]
        #[derive(#(#derives),*)]
        #[sea_orm(#schema_name table_name = #table_name)]
        #(#extra_attrs)*
        pub struct Model {
            #(#fields)*
            #(#relations)*
        }

        impl ActiveModelBehavior for ActiveModel {}

        #table_impl
    }
}

/// The module doc: what the entity is generated from, its comment, the key, composites.
fn module_doc_lines(entity: &EntityPlan) -> Vec<String> {
    let mut module_doc = vec![format!(
        "sea-orm entity for the {} `{}.{}`.",
        entity.kind_label, entity.schema, entity.table
    )];
    if let Some(comment) = &entity.comment {
        module_doc.push(String::new());
        module_doc.extend(comment.iter().cloned());
    }
    if let Some(key_doc) = &entity.key_doc {
        module_doc.push(String::new());
        module_doc.push(key_doc.clone());
    }
    if entity.fields.iter().any(|f| is_json_mapped(&f.rust)) {
        module_doc.push(String::new());
        module_doc.push(
            "Composite columns hold JSON-mapped structs: read them with `to_json(column)` and write them with `json_populate_record(NULL::<type>, $1::json)` (qsorm-repository does both); the `column_type` of each names its SQL type."
                .to_owned(),
        );
    }
    module_doc
}

/// `use serde::{Deserialize, Serialize};` as the options ask (nothing without serde).
fn serde_import(opts: &GenerateOptions) -> TokenStream {
    if opts.serde.serialize() || opts.serde.deserialize() {
        let names: Vec<TokenStream> = [
            opts.serde.deserialize().then(|| quote!(Deserialize)),
            opts.serde.serialize().then(|| quote!(Serialize)),
        ]
        .into_iter()
        .flatten()
        .collect();
        quote!(use serde::{#(#names),*};)
    } else {
        quote!()
    }
}

/// The derives of `Model`: the standard ones, serde's as asked, and `--model-extra-derives`.
fn derive_tokens(entity: &EntityPlan, opts: &GenerateOptions) -> Vec<TokenStream> {
    let mut derives = vec![quote!(Clone), quote!(Debug), quote!(PartialEq)];
    if !entity.fields.iter().any(|f| f.rust.blocks_eq()) {
        derives.push(quote!(Eq));
    }
    derives.push(quote!(DeriveEntityModel));
    if opts.serde.serialize() {
        derives.push(quote!(Serialize));
    }
    if opts.serde.deserialize() {
        derives.push(quote!(Deserialize));
    }
    for extra in &opts.extra_derives {
        if let Ok(path) = syn::parse_str::<syn::Path>(extra) {
            derives.push(quote!(#path));
        }
    }
    derives
}

/// `impl qsorm_repository::Table for Entity`: `READ_ONLY` when the entity must not be
/// written, `NESTED` and `COMPOSITE_TYPES` when it has composite columns; the defaults
/// otherwise.
fn table_impl_tokens(entity: &EntityPlan) -> TokenStream {
    let read_only = entity.key.read_only.then(|| {
        quote!(
            const READ_ONLY: bool = true;
        )
    });
    let nested: Vec<TokenStream> = entity
        .fields
        .iter()
        .filter_map(|f| {
            let n = f.nested.as_ref()?;
            let (column, sql_type, array) = (&f.column, &n.sql_type, n.array);
            Some(quote! {
                qsorm_repository::NestedColumn { column: #column, sql_type: #sql_type, array: #array }
            })
        })
        .collect();
    let nested = (!nested.is_empty()).then(|| {
        let composites = format_ident!("{COMPOSITES_MODULE}");
        quote! {
            const NESTED: &'static [qsorm_repository::NestedColumn] = &[#(#nested),*];
            const COMPOSITE_TYPES: &'static qsorm_repository::CompositeTable =
                super::#composites::COMPOSITE_TYPES;
        }
    });
    quote! {
        impl qsorm_repository::Table for Entity {
            #read_only
            #nested
        }
    }
}

fn is_json_mapped(t: &RustType) -> bool {
    match t {
        RustType::Composite(_) | RustType::List(_) => true,
        RustType::Option(t) | RustType::Vec(t) => is_json_mapped(t),
        _ => false,
    }
}

fn field_tokens(f: &FieldPlan) -> TokenStream {
    let mut attrs: Vec<TokenStream> = Vec::new();
    if f.primary_key {
        attrs.push(quote!(primary_key));
        if f.no_auto_increment {
            attrs.push(quote!(auto_increment = false));
        }
    }
    if f.ident != f.column {
        let c = &f.column;
        attrs.push(quote!(column_name = #c));
    }
    if let Some(t) = &f.column_type {
        attrs.push(quote!(column_type = #t));
    }
    if let Some(s) = &f.select_as {
        attrs.push(quote!(select_as = #s));
    }
    if let Some(s) = &f.save_as {
        attrs.push(quote!(save_as = #s));
    }
    if f.unique {
        attrs.push(quote!(unique));
    }
    let attr = (!attrs.is_empty()).then(|| quote!(#[sea_orm(#(#attrs),*)]));
    let doc = doc_attrs(&f.doc);
    let ident = format_ident!("{}", f.ident);
    let ty = parse_type(&f.rust.source());
    quote! {
        #(#doc)*
        #attr
        pub #ident: #ty,
    }
}

fn relation_tokens(r: &RelationPlan) -> TokenStream {
    let ident = format_ident!("{}", r.ident);
    let relation_enum = &r.relation_enum;
    let target = match &r.target_module {
        Some(m) => {
            let m = format_ident!("{m}");
            quote!(super::#m::Entity)
        }
        None => quote!(Entity),
    };
    let doc = doc_attrs(std::slice::from_ref(&r.doc));
    let (attr, ty) = match &r.kind {
        RelationKind::BelongsTo {
            from,
            to,
            optional,
            on_update,
            on_delete,
            self_reverse,
        } => {
            let from = column_list(from);
            let to = column_list(to);
            let mut extra = Vec::new();
            if let Some(a) = on_update {
                extra.push(quote!(on_update = #a));
            }
            if let Some(a) = on_delete {
                extra.push(quote!(on_delete = #a));
            }
            let head = match self_reverse {
                Some(rev) => {
                    quote!(self_ref, relation_enum = #relation_enum, relation_reverse = #rev)
                }
                None => quote!(belongs_to, relation_enum = #relation_enum),
            };
            let ty = if *optional {
                quote!(BelongsTo<Option<#target>>)
            } else {
                quote!(BelongsTo<#target>)
            };
            (
                quote!(#[sea_orm(#head, from = #from, to = #to #(, #extra)*)]),
                ty,
            )
        }
        RelationKind::Reverse {
            one,
            via_rel,
            self_ref,
        } => {
            if *self_ref {
                (
                    quote!(#[sea_orm(self_ref, relation_enum = #relation_enum, relation_reverse = #via_rel)]),
                    quote!(HasMany<#target>),
                )
            } else if *one {
                (
                    quote!(#[sea_orm(has_one, relation_enum = #relation_enum, via_rel = #via_rel)]),
                    quote!(HasOne<#target>),
                )
            } else {
                (
                    quote!(#[sea_orm(has_many, relation_enum = #relation_enum, via_rel = #via_rel)]),
                    quote!(HasMany<#target>),
                )
            }
        }
    };
    quote! {
        #(#doc)*
        #attr
        pub #ident: #ty,
    }
}

/// `a` or `(a, b)`: sea-orm's `from` / `to` syntax (field names).
fn column_list(fields: &[String]) -> String {
    if fields.len() == 1 {
        fields[0].clone()
    } else {
        format!("({})", fields.join(", "))
    }
}
