//! Rules for composite SLOs.

use nines_core::model::{Catalog, Composite, Objective, Slo};

use crate::{Group, Options};

pub(crate) fn groups(
    _catalog: &Catalog,
    _slo: &Slo,
    _composite: &Composite,
    _objective: &Objective,
    _options: &Options,
    _notes: &mut Vec<String>,
) -> Result<Vec<Group>, String> {
    Err("composite SLOs get no rules yet".to_string())
}
