//! Turning active models into rows of values (the write side of a batch).

use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait, IdenStatic, Iterable, Value};

use crate::error::RepoError;

/// The columns an active model sets, with their values, in column order.
pub(crate) fn set_values<A>(model: &A) -> Vec<(<A::Entity as EntityTrait>::Column, Value)>
where
    A: ActiveModelTrait,
{
    <A::Entity as EntityTrait>::Column::iter()
        .filter_map(|c| match model.get(c) {
            ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Some((c, v)),
            ActiveValue::NotSet => None,
        })
        .collect()
}

/// One row of a batch: its index in the batch and its values.
pub(crate) type IndexedRow = (usize, Vec<Value>);

/// Rows sharing one set of columns.
pub(crate) type Group<C> = (Vec<C>, Vec<IndexedRow>);

/// A batch grouped by the set of columns each row sets, keeping each row's batch index.
pub(crate) struct Groups<C> {
    pub groups: Vec<Group<C>>,
}

pub(crate) fn group_rows<A>(
    models: &[A],
) -> Result<Groups<<A::Entity as EntityTrait>::Column>, RepoError>
where
    A: ActiveModelTrait,
{
    let mut groups: Vec<Group<<A::Entity as EntityTrait>::Column>> = Vec::new();
    for (i, m) in models.iter().enumerate() {
        let row = set_values(m);
        if row.is_empty() {
            return Err(RepoError::InvalidInput(format!(
                "row {i} of the batch sets no column"
            )));
        }
        let cols: Vec<_> = row.iter().map(|(c, _)| *c).collect();
        let values: Vec<Value> = row.into_iter().map(|(_, v)| v).collect();
        let names: Vec<&str> = cols.iter().map(|c| c.as_str()).collect();
        match groups
            .iter_mut()
            .find(|(g, _)| g.iter().map(|c| c.as_str()).eq(names.iter().copied()))
        {
            Some((_, rows)) => rows.push((i, values)),
            None => groups.push((cols, vec![(i, values)])),
        }
    }
    Ok(Groups { groups })
}
