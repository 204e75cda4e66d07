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

/// A batch grouped by the set of columns each row sets, keeping each row's batch index;
/// groups in the order their first row appears.
pub(crate) struct Groups<C> {
    pub groups: Vec<Group<C>>,
}

impl<C: IdenStatic> Groups<C> {
    /// No rows.
    pub(crate) fn new() -> Groups<C> {
        Groups { groups: Vec::new() }
    }

    /// Appends `rows` (setting `cols`) to the group of the same columns, or a new one.
    pub(crate) fn push(&mut self, cols: Vec<C>, rows: Vec<IndexedRow>) {
        let found = self.groups.iter_mut().find(|(g, _)| {
            g.iter()
                .map(|c| c.as_str())
                .eq(cols.iter().map(|c| c.as_str()))
        });
        match found {
            Some((_, group)) => group.extend(rows),
            None => self.groups.push((cols, rows)),
        }
    }

    /// Appends one row given as (column, value) pairs; refuses a row that sets no column.
    fn push_row(&mut self, i: usize, row: Vec<(C, Value)>) -> Result<(), RepoError>
    where
        C: Copy,
    {
        let (cols, values): (Vec<C>, Vec<Value>) = row.into_iter().unzip();
        self.push_values(i, &cols, values)
    }

    /// Appends one row: `values` of `cols`. Rows mostly come in runs of the same columns:
    /// the last group is tried first, and the columns are copied only for a new group.
    fn push_values(&mut self, i: usize, cols: &[C], values: Vec<Value>) -> Result<(), RepoError>
    where
        C: Copy,
    {
        if cols.is_empty() {
            return Err(RepoError::InvalidInput(format!(
                "row {i} of the batch sets no column"
            )));
        }
        let same = |g: &[C]| {
            g.iter()
                .map(|c| c.as_str())
                .eq(cols.iter().map(|c| c.as_str()))
        };
        let at = match self.groups.last() {
            Some((g, _)) if same(g) => Some(self.groups.len() - 1),
            _ => self.groups.iter().position(|(g, _)| same(g)),
        };
        match at {
            Some(k) => self.groups[k].1.push((i, values)),
            None => self.groups.push((cols.to_vec(), vec![(i, values)])),
        }
        Ok(())
    }
}

/// The batch's rows, grouped, with their values cloned from `models`.
pub(crate) fn group_rows<A>(
    models: &[A],
) -> Result<Groups<<A::Entity as EntityTrait>::Column>, RepoError>
where
    A: ActiveModelTrait,
{
    let mut groups = Groups::new();
    for (i, m) in models.iter().enumerate() {
        groups.push_row(i, set_values(m))?;
    }
    Ok(groups)
}

/// The rows of `models` (whose first is row `first` of the batch), grouped, with their values
/// moved out of the models. A row that sets no column is refused before any value is moved,
/// so the models stay whole on that error.
pub(crate) fn take_rows<A>(
    models: &mut [A],
    first: usize,
) -> Result<Groups<<A::Entity as EntityTrait>::Column>, RepoError>
where
    A: ActiveModelTrait,
{
    let unset = |m: &A| <A::Entity as EntityTrait>::Column::iter().all(|c| m.is_not_set(c));
    if let Some(i) = models.iter().position(unset) {
        return Err(RepoError::InvalidInput(format!(
            "row {} of the batch sets no column",
            first + i
        )));
    }
    let mut groups = Groups::new();
    let mut cols = Vec::new();
    for (i, m) in models.iter_mut().enumerate() {
        cols.clear();
        let mut values = Vec::with_capacity(groups.groups.last().map_or(0, |(g, _)| g.len()));
        for c in <A::Entity as EntityTrait>::Column::iter() {
            // Moved out of the model, not cloned.
            if let ActiveValue::Set(v) | ActiveValue::Unchanged(v) = m.take(c) {
                cols.push(c);
                values.push(v);
            }
        }
        groups.push_values(first + i, &cols, values)?;
    }
    Ok(groups)
}
