//! `mod.rs` (the module list) and `prelude.rs` (every `Entity` under its table's name).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::codegen::format::inner_doc_attrs;
use crate::codegen::plan::EntityPlan;

/// `mod.rs`: `pub mod` for the prelude, the type modules and every entity.
pub fn mod_tokens(entities: &[EntityPlan], type_modules: &[&str]) -> TokenStream {
    let doc = inner_doc_attrs(&[
        "sea-orm entities generated from the live schema by qsorm entity-gen.".to_owned(),
        String::new(),
        "Every entity module implements `qsorm_repository::Table` for its `Entity`: `READ_ONLY` is `true` for views and for tables without a usable key, which must only be read, and `NESTED` lists the composite columns.".to_owned(),
    ]);
    let types = type_modules.iter().map(|m| format_ident!("{m}"));
    let modules = entities.iter().map(|e| format_ident!("{}", e.module));
    quote! {
        #(#doc)*

        pub mod prelude;

        #(pub mod #types;)*

        #(pub mod #modules;)*
    }
}

/// `prelude.rs`: `pub use super::orders::Entity as Orders;` for every entity.
pub fn prelude_tokens(entities: &[EntityPlan]) -> TokenStream {
    let doc = inner_doc_attrs(&["Every entity, named after its table.".to_owned()]);
    let uses = entities.iter().map(|e| {
        let module = format_ident!("{}", e.module);
        let alias = format_ident!("{}", e.alias);
        quote!(pub use super::#module::Entity as #alias;)
    });
    quote! {
        #(#doc)*

        #(#uses)*
    }
}
