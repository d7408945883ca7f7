//! Service level agreements: the contractual minimum an SLO must stay stricter than.

use crate::Ratio;
use crate::model::{Origin, Window};

/// A service level agreement with service-credit tiers.
#[derive(Clone, Debug, PartialEq)]
pub struct Sla {
    /// Where it was written.
    pub origin: Origin,
    /// The service it covers.
    pub service: String,
    /// Name, unique within the service; SLOs refer to it by this name.
    pub name: String,
    /// Human title.
    pub display_name: Option<String>,
    /// The contract in words.
    pub description: Option<String>,
    /// Who the agreement is with.
    pub customer: Option<String>,
    /// The contractual minimum attainment.
    pub target: Ratio,
    /// The contractual period, a calendar window (a calendar month by default).
    pub window: Window,
    /// Credits owed by attainment, in any order; the tier with the lowest `below` that
    /// attainment falls under applies.
    pub credits: Vec<CreditTier>,
}

/// "Below this attainment, this share of the bill is credited."
#[derive(Clone, Debug, PartialEq)]
pub struct CreditTier {
    /// Attainment strictly below this owes the credit.
    pub below: Ratio,
    /// The credit, as a share of the period's bill.
    pub credit: Ratio,
}

impl Sla {
    /// The credit tier owed at `attainment`, if any: the tier with the lowest bound that
    /// attainment is still below (95% → 100% beats 99% → 25%).
    pub fn credit_owed(&self, attainment: f64) -> Option<&CreditTier> {
        self.credits
            .iter()
            .filter(|tier| attainment < tier.below.fraction())
            .min_by(|a, b| a.below.fraction().total_cmp(&b.below.fraction()))
    }
}
