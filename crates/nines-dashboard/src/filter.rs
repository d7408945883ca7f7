//! The overview's filter and sort, read from the query string so a view can be shared.

use std::collections::HashMap;

use nines_core::model::Catalog;
use nines_core::report::Row;

use crate::risk::State;

/// Longest text a filter field takes: longer is cut (names are DNS labels, far shorter).
pub const MAX_FILTER_TEXT: usize = 200;

/// How the overview sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// Worst state first, then least budget remaining.
    Risk,
    /// Service, SLO and objective names.
    Name,
    /// Least budget remaining first.
    Budget,
    /// Lowest SLI first.
    Sli,
    /// Fastest burn first.
    Burn,
}

impl Sort {
    /// Every sort, in the menu's order.
    pub const ALL: [Sort; 5] = [Sort::Risk, Sort::Name, Sort::Budget, Sort::Sli, Sort::Burn];

    /// The name in the URL.
    pub fn key(self) -> &'static str {
        match self {
            Sort::Risk => "risk",
            Sort::Name => "name",
            Sort::Budget => "budget",
            Sort::Sli => "sli",
            Sort::Burn => "burn",
        }
    }

    /// The words in the menu.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Risk => "risk (worst first)",
            Sort::Name => "name",
            Sort::Budget => "budget remaining",
            Sort::Sli => "SLI",
            Sort::Burn => "fastest burn",
        }
    }
}

/// The overview's query: `?service=&owner=&label=key=value&state=&q=&sort=`.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Exact service name.
    pub service: Option<String>,
    /// Exact owner.
    pub owner: Option<String>,
    /// `key=value` (or `key` alone: the label is set).
    pub label: Option<String>,
    /// One state.
    pub state: Option<State>,
    /// Words that must all appear in the service, SLO, objective, display name or owner.
    pub text: Option<String>,
    /// The sort (risk by default).
    pub sort: Option<Sort>,
}

fn clean(value: Option<&String>) -> Option<String> {
    value
        .map(|text| text.trim())
        .filter(|text| !text.is_empty())
        .map(|text| text.chars().take(MAX_FILTER_TEXT).collect())
}

impl Filter {
    /// Reads the query; unknown states and sorts are reported, not ignored.
    pub fn from_query(query: &HashMap<String, String>) -> Result<Filter, String> {
        let state = match clean(query.get("state")) {
            None => None,
            Some(key) => Some(State::from_key(&key).ok_or_else(|| {
                format!(
                    "`state={key}`: use one of {}",
                    State::ALL.map(State::key).join(", ")
                )
            })?),
        };
        let sort = match clean(query.get("sort")) {
            None => None,
            Some(key) => Some(
                Sort::ALL
                    .into_iter()
                    .find(|sort| sort.key() == key)
                    .ok_or_else(|| {
                        format!(
                            "`sort={key}`: use one of {}",
                            Sort::ALL.map(Sort::key).join(", ")
                        )
                    })?,
            ),
        };
        Ok(Filter {
            service: clean(query.get("service")),
            owner: clean(query.get("owner")),
            label: clean(query.get("label")),
            state,
            text: clean(query.get("q")),
            sort,
        })
    }

    /// The sort in force.
    pub fn sort(&self) -> Sort {
        self.sort.unwrap_or(Sort::Risk)
    }

    /// True when some filter narrows the list.
    pub fn narrows(&self) -> bool {
        self.service.is_some()
            || self.owner.is_some()
            || self.label.is_some()
            || self.state.is_some()
            || self.text.is_some()
    }

    /// True when `row` (in `state`) passes every filter.
    pub fn keeps(&self, row: &Row, state: State, catalog: &Catalog) -> bool {
        if self
            .service
            .as_ref()
            .is_some_and(|service| *service != row.service)
        {
            return false;
        }
        if self
            .owner
            .as_ref()
            .is_some_and(|owner| row.owner.as_deref() != Some(owner.as_str()))
        {
            return false;
        }
        if self.state.is_some_and(|wanted| wanted != state) {
            return false;
        }
        if let Some(label) = &self.label {
            let (key, value) = match label.split_once('=') {
                Some((key, value)) => (key.trim(), Some(value.trim())),
                None => (label.as_str(), None),
            };
            let labels = catalog.slo(&row.service, &row.slo).map(|slo| &slo.labels);
            let found = labels.and_then(|labels| labels.get(key));
            match (found, value) {
                (None, _) => return false,
                (Some(found), Some(value)) if found != value => return false,
                _ => {}
            }
        }
        if let Some(text) = &self.text {
            let haystack = format!(
                "{} {} {} {} {}",
                row.service,
                row.slo,
                row.objective,
                row.display_name.as_deref().unwrap_or_default(),
                row.owner.as_deref().unwrap_or_default()
            )
            .to_lowercase();
            if !text
                .to_lowercase()
                .split_whitespace()
                .all(|word| haystack.contains(word))
            {
                return false;
            }
        }
        true
    }
}

/// A number to sort on, unknown values last.
fn key(value: Option<f64>) -> f64 {
    value
        .filter(|value| value.is_finite())
        .unwrap_or(f64::INFINITY)
}

/// Orders `rows` (each with its state) by `sort`; ties by name so the order is stable.
pub fn sort(rows: &mut [(State, &Row)], sort: Sort) {
    let name = |row: &Row| (row.service.clone(), row.slo.clone(), row.objective.clone());
    rows.sort_by(|(state_a, a), (state_b, b)| {
        let primary = match sort {
            Sort::Risk => state_a
                .cmp(state_b)
                .then(key(a.budget_remaining).total_cmp(&key(b.budget_remaining))),
            Sort::Name => std::cmp::Ordering::Equal,
            Sort::Budget => key(a.budget_remaining).total_cmp(&key(b.budget_remaining)),
            Sort::Sli => key(a.sli).total_cmp(&key(b.sli)),
            Sort::Burn => {
                let burn = |row: &Row| row.fastest_burn.as_ref().map(|burn| -burn.rate);
                key(burn(a)).total_cmp(&key(burn(b)))
            }
        };
        primary.then_with(|| name(a).cmp(&name(b)))
    });
}
